"""Browser journey of 团员团干部注册 and 公开团课 (REG-01, REG-02, ROLE-06, EDU-01, BEY-04).

A young person not yet in the system registers on a phone from the login page (the branch found by
its full name); the branch secretary approves in 业务办理-团员团干部注册审批; the new member logs in
with the initial password, must change it, and watches 团中央's 公开团课 (the video plays from the
permission-checked, seekable address).
"""

import io
import re

import pytest
from django.core.management import call_command

from members.models import CadrePost, Person, SelfRegistration
from orgs.models import LectureStudy, Organization, PublicLecture
from tests.members.people_data import person_post

from .pw import expect

pytestmark = pytest.mark.e2e

PASSWORD = "Tuan-e2e-2025!"
NEW_PASSWORD = "Qingnian-2025!"
BRANCH = "计算机专业2023级1班团支部"


def test_register_approve_log_in_and_watch(page, phone_page, screenshot):
    """REG-01 / REG-02 / ROLE-06 / EDU-01: from 团员注册 to a watched 公开团课."""
    call_command("seed_demo", stdout=io.StringIO())
    branch = Organization.objects.get(name=BRANCH)
    secretary = CadrePost.objects.admins().filter(org=branch).first().person
    secretary.set_password(PASSWORD)
    secretary.must_change_password = False
    secretary.save()
    data = person_post(name="周新团", joined_month="2019-05", development_number="201900077123")

    # --- the applicant, on a phone -----------------------------------------------------------
    phone_page.goto("/login/")
    phone_page.get_by_role("link", name="团员注册").click()
    phone_page.get_by_label("团支部全称").fill(branch.full_name)
    phone_page.get_by_role("button", name="下一步").click()
    expect(phone_page.locator("#join-branch")).to_have_text(branch.full_name)
    form = phone_page.locator("#join-form")
    form.get_by_label("姓名", exact=True).fill(data["name"])
    form.get_by_label("性别", exact=True).select_option(data["gender"])
    form.get_by_label("身份证号码", exact=True).fill(data["id_number"])
    form.get_by_label("民族", exact=True).select_option(label="汉族")
    form.get_by_label("学历", exact=True).select_option(data["education"])
    form.get_by_label("职业", exact=True).select_option(data["occupation"])
    form.get_by_label("在读状况（学生填写）", exact=True).select_option(data["study_status"])
    form.get_by_label("政治面貌", exact=True).select_option(data["political_status"])
    form.get_by_label("入团时间", exact=True).fill(data["joined_month"])
    form.get_by_label("发展团员编号", exact=True).fill(data["development_number"])
    form.get_by_label("手机号码", exact=True).fill(data["mobile"])
    form.get_by_label("是否递交入党申请书", exact=True).select_option("0")
    form.get_by_label("是否成为注册志愿者", exact=True).select_option("0")
    screenshot(phone_page, "self-registration-phone")
    phone_page.get_by_role("button", name="提交注册申请").click()
    expect(phone_page.locator("#messages")).to_contain_text("注册申请已提交")
    reg = SelfRegistration.objects.get(id_number=data["id_number"])
    assert reg.state == "pending" and reg.branch == branch

    # --- the secretary approves --------------------------------------------------------------
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(secretary.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator("#left-menu").get_by_role("link", name="团员团干部注册审批").click()
    row = page.locator("#join-table tr", has_text="周新团")
    expect(row).to_contain_text(reg.masked_id_number)
    row.get_by_role("link", name="审批").click()
    expect(page.locator("#join-values")).to_contain_text(data["id_number"])
    page.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("已同意周新团的注册申请")
    member = Person.objects.get(id_number=data["id_number"])
    assert member.branch == branch and member.must_change_password

    # --- the applicant checks, logs in, changes the password, watches ------------------------------
    phone_page.goto("/members/join/status/")
    phone_page.get_by_label("身份证号码").fill(data["id_number"])
    phone_page.get_by_label("姓名").fill(data["name"])
    phone_page.get_by_role("button", name="查询").click()
    expect(phone_page.locator("#join-result")).to_contain_text("已同意")
    phone_page.goto("/login/")
    phone_page.get_by_label("身份证号码").fill(data["id_number"])
    phone_page.get_by_label("密码", exact=True).fill(data["id_number"][-8:])
    phone_page.get_by_role("button", name="登录").click()
    expect(phone_page.get_by_role("heading", name="修改密码")).to_be_visible()
    phone_page.get_by_label("旧密码", exact=True).fill(data["id_number"][-8:])
    phone_page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    phone_page.get_by_label("新密码确认", exact=True).fill(NEW_PASSWORD)
    phone_page.get_by_role("button", name="提交").click()
    expect(phone_page).to_have_title(re.compile("^我的首页"))

    phone_page.get_by_role("button", name="菜单").click()
    phone_page.locator("#left-menu").get_by_role("link", name="公开团课", exact=True).click()
    lecture = PublicLecture.objects.get(publisher__name="团中央")
    phone_page.locator("#my-lectures").get_by_role("link", name=re.compile(lecture.title)).click()
    video = phone_page.locator("#lecture-video")
    expect(video).to_be_visible()
    # the browser fetched the video from the permission-checked address and can play it
    # Polled with evaluate: wait_for_function compiles its predicate with eval, which the CSP forbids.
    for _ in range(150):
        if video.evaluate("v => v.readyState") >= 1:
            break
        phone_page.wait_for_timeout(100)
    assert video.evaluate("v => v.readyState") >= 1
    assert phone_page.evaluate("document.querySelector('#lecture-video').duration") > 1
    status = phone_page.evaluate(
        """async (url) => (await fetch(url, {headers: {Range: "bytes=100-199"}})).status""",
        f"/orgs/lectures/{lecture.pk}/video/",
    )
    assert status == 206
    assert LectureStudy.objects.filter(lecture=lecture, person=member).count() == 1
    screenshot(phone_page, "lecture-watch-phone")
