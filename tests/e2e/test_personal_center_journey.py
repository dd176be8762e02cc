"""Browser journey of the personal center and the deadline board (ME-01, ROLE-08, BEY-04, BEY-08).

On the demo data of `manage.py seed_demo`: a member logs in on a PHONE, sees the 我的首页 cards
(nothing wider than the screen), opens 团员基本材料, finds 姓名/性别/身份证号码 locked, edits the
手机号码 and sees 三会·两制·一课; the university committee admin opens 截止事项 and follows the
e-archive item to the archive list.
"""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from members.models import CadrePost, Person
from members.models_archive import MemberArchive
from orgs.models import Organization
from orgs.models_life import AnnualRegistration

from .pw import expect

pytestmark = pytest.mark.e2e

BRANCH = "计算机专业2023级1班团支部"
UNIVERSITY = "中国石油大学（华东）团委"
PASSWORD = "Tuan-e2e-2025!"


def ready(person):
    person.set_password(PASSWORD)
    person.must_change_password = False
    person.save()
    return person


def log_in(page, id_number, title):
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_title(re.compile(f"^{title}"))


def menu(page, label):
    toggle = page.get_by_role("button", name="菜单")
    if toggle.is_visible():
        toggle.click()
    page.locator("#left-menu").get_by_role("link", name=label, exact=True).click()


def fits_the_screen(page):
    page.wait_for_load_state()  # styled: before its CSS loads a page may well be wider
    # clientWidth: on a mobile viewport Chromium widens innerWidth to the content.
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_member_home_on_a_phone_and_the_deadline_board(page, phone_page, screenshot):
    """ME-01, ROLE-08, BEY-04, BEY-08: a member on a phone edits the profile, registers for the
    year and applies for a transfer, seeing its progress; an admin follows 截止事项."""
    call_command("seed_demo", stdout=io.StringIO())
    branch = Organization.objects.get(name=BRANCH)
    secretary = CadrePost.objects.admins().get(org=branch).person
    member = ready(branch.members.exclude(pk=secretary.pk).order_by("pk").first())

    # --- 我的首页 on a phone ------------------------------------------------------------------
    phone = phone_page
    log_in(phone, member.id_number, "我的首页")
    cards = phone.locator("#home-cards")
    for title in ("团员基本材料", "我的组织", "三会·两制·一课", "团日活动", "我的团员电子档案", "我的激励", "常用功能"):
        expect(cards.get_by_text(title, exact=True)).to_be_visible()
    expect(cards.get_by_role("link", name="系统设置-修改密码")).to_be_visible()
    expect(cards.get_by_role("link", name="操作中心")).to_be_visible()
    assert fits_the_screen(phone), "我的首页 is wider than a phone screen"
    screenshot(phone, "personal-center-home-phone")

    # --- 团员基本材料: 查看 → 编辑 (not name, gender, ID) → 提交 ---------------------------------
    phone.locator("#my-profile").click()
    expect(phone).to_have_title(re.compile("^团员基本材料"))
    phone.locator("#edit-profile").click()
    form = phone.locator("#person-form")
    for label in ("姓名", "性别", "身份证号码"):
        expect(form.get_by_label(label, exact=True)).to_be_disabled()
    form.get_by_label("手机号码").fill("13966668888")
    assert fits_the_screen(phone), "the profile form is wider than a phone screen"
    form.get_by_role("button", name="提交").click()
    expect(phone.get_by_text("个人资料已保存。")).to_be_visible()
    member.refresh_from_db()
    assert member.mobile == "13966668888"
    assert Person.objects.get(pk=member.pk).name == member.name

    # --- 三会·两制·一课 from the home card -------------------------------------------------------
    phone.goto("/")
    phone.locator("#home-cards .home-card").filter(has_text="三会·两制·一课").get_by_role("link", name="查看").click()
    expect(phone).to_have_title(re.compile("^三会·两制·一课"))
    expect(phone.get_by_text(f"{timezone.localdate().year}", exact=False).first).to_be_visible()

    # --- 年度团籍注册 and 关系转接 on the same phone (ORG-18, TRF-04) ------------------------------
    year = timezone.localdate().year
    AnnualRegistration.objects.filter(person=member, year=year).delete()  # the demo may have filed it
    phone.reload()
    phone.get_by_role("button", name=f"{year}年度团籍注册").click()
    expect(phone.locator("#messages")).to_contain_text(f"已提交{year}年度团籍注册")
    phone.goto("/")
    phone.locator("#home-cards").get_by_role("link", name="关系转接").click()
    expect(phone).to_have_title(re.compile("^关系转接"))
    phone.get_by_placeholder("输入转入组织名称查询").fill("长江路街道")
    phone.get_by_role("button", name="查询").click()
    phone.get_by_label("转入组织*").select_option(label="长江路街道团工委（团工委）")
    phone.get_by_label("转接原因*").select_option(label="居住地变动")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator("#current-state")).to_have_text("待转出组织审批")
    assert fits_the_screen(phone), "关系转接 is wider than a phone screen"
    # The seed: 右上角“操作中心” shows the transfer's progress too.
    phone.locator("#inbox-link").click()
    expect(phone.get_by_text(re.compile("我的组织关系转接.*待转出组织审批"))).to_be_visible()

    # --- 截止事项 for the university committee -------------------------------------------------
    # A member of the subtree whose e-archive falls due this month (ARC-01).
    # Entered 30 days ago, joined a month before that: its 30 days (from the day of entry) end today.
    MemberArchive.objects.filter(person=member).delete()
    entered = timezone.now() - timedelta(days=30)
    joined = (timezone.localdate() - timedelta(days=60)).replace(day=1)
    Person.objects.filter(pk=member.pk).update(joined_month=joined, date_joined=entered)
    uni_admin = ready(CadrePost.objects.admins().get(org__name=UNIVERSITY).person)
    log_in(page, uni_admin.id_number, "组织首页")
    menu(page, "截止事项")
    expect(page).to_have_title(re.compile("^截止事项"))
    row = page.locator("#deadline-board .deadline-row").filter(has_text="团员电子档案上传认证（入团后30日内）")
    expect(row).to_be_visible()
    assert int(row.locator(".badge").inner_text()) >= 1
    screenshot(page, "deadline-board")
    row.get_by_role("link", name="去处理").click()
    expect(page).to_have_url(re.compile(r"/members/archives/\?status=todo$"))
