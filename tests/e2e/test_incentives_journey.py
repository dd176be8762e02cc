"""Browser journey of 团内激励 on the demo tree of `manage.py seed_demo`.

The 计算机专业2023级1班团支部 admin records a 批量团员教育评议 (INC-02); the 2023级团总支 admin
approves the batch in 上级认证 (INC-13, INC-14). The branch records a 个人荣誉 granted by the
college committee, which the 团总支 (direct superior) and then the college (granting org)
approve (INC-07, INC-09). A year later (time-machine) JOB-03 prompts 更新状态 on the demo's
推优 record, the 2班 admin updates it and the 团总支 approves the update (INC-12).
"""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from incentives.choices import Grade, Kind, State, TrackStatus
from incentives.models import Development, Evaluation, IncentiveRecord
from members.models import CadrePost

from .pw import expect

pytestmark = pytest.mark.e2e

FIRST = "计算机专业2023级1班团支部"
SECOND = "计算机专业2023级2班团支部"
GRADE = "2023级团总支"
COLLEGE = "计算机科学与技术学院团委"
PASSWORD = "Tuan-e2e-2025!"


def admin_of(org_name):
    person = CadrePost.objects.admins().select_related("person").filter(org__name=org_name).first().person
    person.set_password(PASSWORD)
    person.must_change_password = False
    person.save()
    return person


def log_in(page, person):
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(person.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_title(re.compile("^组织首页"))


def act_for(page, org_name):
    acting = page.locator("#acting-org")
    expect(acting).to_be_visible()
    if org_name not in acting.inner_text():
        page.locator("#org-switcher").click()
        page.get_by_role("button", name=org_name, exact=True).click()
    expect(acting).to_contain_text(org_name)


def log_out(page):
    page.get_by_role("link", name="系统设置").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def menu(page, label):
    page.locator("#left-menu").get_by_role("link", name=label, exact=True).click()


def certify_tab(page, label):
    menu(page, "上级认证")
    page.locator("#certify-tabs").get_by_role("link", name=re.compile(f"^{label}")).click()


def test_evaluate_honor_and_track(page, screenshot):
    call_command("seed_demo", stdout=io.StringIO())
    branch_admin, grade_admin, second_admin = admin_of(FIRST), admin_of(GRADE), admin_of(SECOND)
    year = timezone.localdate().year

    # --- INC-02: 批量团员教育评议 -------------------------------------------------------------
    log_in(page, branch_admin)
    act_for(page, FIRST)
    menu(page, "评议激励")
    expect(page.get_by_role("heading", name="评议激励")).to_be_visible()
    rows = page.locator("#evaluation-table tbody tr")
    expect(rows).to_have_count(6)
    names = [rows.nth(i).get_attribute("data-person") for i in range(6)]
    for name in names:
        page.get_by_label(f"勾选{name}").check()
    page.get_by_label("评议等次").select_option(label="合格")
    page.get_by_role("button", name="批量团员教育评议").click()
    expect(page.locator("#messages")).to_contain_text(f"已记载6名团员的{year}年度评议结果")
    expect(page.locator("#evaluation-table")).to_contain_text("待认证")
    screenshot(page, "e2e-incentives-evaluation")

    # --- INC-07: 个人荣誉记载 granted by the college ----------------------------------------------
    menu(page, "荣誉激励")
    page.get_by_role("link", name="个人荣誉记载").click()
    for name in names[:2]:  # two searches add up to two recipients
        page.get_by_label("搜索姓名").fill(name)
        page.get_by_role("button", name="搜索").click()
        found = page.get_by_label(re.compile(name))
        expect(found).not_to_be_checked()  # a match is offered, not chosen (issue 21)
        found.check()
    expect(page.get_by_label(re.compile(names[0]))).to_be_checked()
    expect(page.get_by_label(re.compile(names[1]))).to_be_checked()
    page.get_by_label("所获荣誉").select_option(label="各级优秀共青团员")
    page.get_by_label("授予组织名称").fill("中国石油大学（华东）计算机科学与技术学院")
    page.get_by_label("选择授予组织").select_option(label=COLLEGE)
    page.get_by_label("荣誉获得时间").fill(f"{year}-0{min(timezone.localdate().month, 9)}")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#messages")).to_contain_text("荣誉记载已提交")
    expect(page.locator("#honor-table")).to_contain_text(names[0])
    log_out(page)

    # --- INC-13 / INC-14: the 团总支 approves the batch, and the honor's first step ------------
    log_in(page, grade_admin)
    act_for(page, GRADE)
    certify_tab(page, "评议激励")
    boxes = page.locator("#certify-table tbody input[type=checkbox]")
    expect(boxes).to_have_count(6)
    for i in range(6):
        boxes.nth(i).check()
    page.get_by_role("button", name="批量审批").click()
    expect(page.locator("#messages")).to_contain_text("批量审批完成：6项通过")
    assert set(Evaluation.objects.filter(year=year).values_list("grade", "record__state")) == {
        (Grade.QUALIFIED, State.APPROVED)
    }
    certify_tab(page, "荣誉激励")
    page.locator("#certify-table tbody tr").filter(has_text=names[0]).get_by_role(
        "button", name="通过", exact=True
    ).click()
    expect(page.locator("#messages")).to_contain_text("审批通过")

    # --- INC-09: the granting org (the college) makes it effective --------------------------
    act_for(page, COLLEGE)
    certify_tab(page, "荣誉激励")
    row = page.locator("#certify-table tbody tr").filter(has_text=names[0])
    expect(row).to_contain_text("上级认证：已认证")
    row.get_by_role("button", name="通过", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("审批通过")
    honor = IncentiveRecord.objects.get(kind=Kind.HONOR, recorder__name=FIRST)
    assert honor.state == State.APPROVED and set(honor.honor.recipients.values_list("name", flat=True)) == set(
        names[:2]
    )
    screenshot(page, "e2e-incentives-honor-approved")
    log_out(page)

    # --- INC-12 / JOB-03: one year later, 更新状态 → approved by the 团总支 ------------------------
    dev = Development.objects.get(record__recorder__name=SECOND)
    with time_machine.travel(timezone.now() + timedelta(days=370), tick=True):
        call_command("run_job", "party_track_prompts", "--date", timezone.localdate().isoformat(), stdout=io.StringIO())
        log_in(page, second_admin)
        act_for(page, SECOND)
        expect(page.locator("body")).to_contain_text("请更新状态")
        menu(page, "发展激励")
        page.locator("#development-table").get_by_role("link", name="更新状态").click()
        page.get_by_label("处于考察期").check()
        page.get_by_role("button", name="更新状态").click()
        expect(page.locator("#messages")).to_contain_text("待上级团委审核后生效")
        log_out(page)

        log_in(page, grade_admin)
        act_for(page, GRADE)
        certify_tab(page, "发展激励")
        page.locator("#certify-table tbody tr").filter(has_text="处于考察期").get_by_role(
            "button", name="通过", exact=True
        ).click()
        expect(page.locator("#messages")).to_contain_text("审批通过")
        dev.refresh_from_db()
        assert dev.status == TrackStatus.OBSERVING and not dev.update_due
        screenshot(page, "e2e-incentives-track-updated")


def test_incentive_pages_on_a_phone(phone_page, screenshot):
    """BEY-04 / INC-02 / INC-14: on a phone the branch secretary records one member's 评议结果 in
    its row and the 团总支 approves it in 上级认证; no 团内激励 page scrolls sideways (tables do)."""
    call_command("seed_demo", stdout=io.StringIO())
    branch_admin, grade_admin = admin_of(FIRST), admin_of(GRADE)
    page = phone_page

    def fits(url):
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        # clientWidth: on a mobile viewport Chromium widens innerWidth to the content.
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (url, overflow)

    def switch_to(org_name):  # 切换其他组织 from the phone's icon button
        page.locator("#org-switcher").click()
        page.get_by_role("button", name=org_name, exact=True).click()
        expect(page.locator("#messages")).to_contain_text(org_name)

    log_in(page, branch_admin)
    switch_to(FIRST)
    for url in (
        "/incentives/honors/",
        "/incentives/honors/new/?type=personal",
        "/incentives/development/",
        "/incentives/development/new/",
        "/incentives/joining/",
        "/incentives/opportunity/new/",
        "/incentives/evaluation/",
    ):
        fits(url)
    # the headers stay on one line (the table scrolls) instead of one character per line
    assert page.locator("#evaluation-table thead").bounding_box()["height"] < 60
    row = page.locator("#evaluation-table tbody tr").first
    name = row.get_attribute("data-person")
    row.get_by_role("link", name=f"记载{name}的评议结果").click()
    page.locator("#record-one").get_by_label("评议结果").select_option(label="合格")
    page.locator("#record-one").get_by_role("button", name="保存").click()
    expect(page.locator("#messages")).to_contain_text("已记载1名团员")
    screenshot(page, "e2e-incentives-evaluation-phone")
    page.context.clear_cookies()

    log_in(page, grade_admin)
    switch_to(GRADE)
    fits("/incentives/certify/?kind=evaluation")
    page.locator("#certify-table tbody tr").filter(has_text=name).get_by_role("button", name="通过", exact=True).click()
    expect(page.locator("#messages")).to_contain_text(f"审批通过：{timezone.localdate().year}年度团员教育评议 {name}")
    screenshot(page, "e2e-incentives-certify-phone")
