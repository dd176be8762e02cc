"""Browser journey of 组织生活 and 团内大数据 (ORG-18, ME-01, STAT-01, BEY-04).

On the demo data of `manage.py seed_demo`: the 计算机专业2023级1班团支部 secretary publishes a
支部团员大会 with attendees and edits it; a member on a PHONE sees it in 三会·两制·一课 and
registers for the year; the secretary approves it in 年度团籍注册审批 (批量审批); the member sees
已注册; the university committee admin opens 团内大数据 and downloads a chart's table.
"""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from members.models import CadrePost
from orgs.models import AnnualRegistration, LifeRecord, Organization

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


def log_out(page):
    page.goto("/")
    page.get_by_role("link", name="系统设置").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


# The chart's tooltip is drawn in its canvas (no DOM to read): look for its text among the drawn elements.
TOOLTIP_SHOWS = """text => echarts.getInstanceByDom(document.getElementById("chart")).getZr().storage
    .getDisplayList(true).some(e => e.style && typeof e.style.text === "string" && e.style.text.includes(text))"""


def menu(page, label):
    """Click a left-menu entry; on a phone the menu is an offcanvas opened by 菜单."""
    toggle = page.get_by_role("button", name="菜单")
    if toggle.is_visible():
        toggle.click()
    page.locator("#left-menu").get_by_role("link", name=label, exact=True).click()


def test_publish_edit_register_approve_and_statistics(page, phone_page, screenshot):
    """ORG-18, ME-01, STAT-01, BEY-04: the whole 组织生活 loop and a 团内大数据 download."""
    call_command("seed_demo", stdout=io.StringIO())
    branch = Organization.objects.get(name=BRANCH)
    secretary = ready(CadrePost.objects.admins().get(org=branch).person)
    # The demo leaves the branch's last member unregistered for the year.
    member = ready(branch.members.order_by("pk").last())
    others = [p.name for p in branch.members.exclude(pk__in=[member.pk, secretary.pk]).order_by("pk")[:2]]
    today = timezone.localdate()

    # --- 会议发布 with attendees ------------------------------------------------------------
    log_in(page, secretary.id_number, "组织首页")
    expect(page.locator("#acting-org")).to_contain_text(BRANCH)
    menu(page, "会议发布")
    expect(page.get_by_role("heading", name="会议发布")).to_be_visible()
    page.get_by_label("会议类型").select_option(label="支部团员大会")
    page.get_by_label("会议时间").fill(today.isoformat())
    page.get_by_label("会议主题").fill("主题团日筹备会")
    page.get_by_label("会议地点").fill("工科楼B105")
    page.get_by_label("主要内容").fill("讨论本月团日活动安排。")
    for name in others:
        page.locator("#participants").get_by_label(name, exact=True).check()
    page.get_by_role("button", name="发布").click()
    expect(page.locator("#messages")).to_contain_text("支部团员大会“主题团日筹备会”已发布，参加人员2人")
    for name in others:
        expect(page.locator("#life-detail")).to_contain_text(name)

    # --- 编辑: fix the topic and add the forgotten attendee -------------------------------------
    page.get_by_role("link", name="编辑").click()
    page.get_by_label("会议主题").fill("主题团日活动筹备会")
    page.locator("#participants").get_by_label(member.name, exact=True).check()
    page.get_by_role("button", name="保存修改").click()
    expect(page.locator("#messages")).to_contain_text("已修改")
    expect(page.locator("#life-detail")).to_contain_text(member.name)
    record = LifeRecord.objects.get(topic="主题团日活动筹备会")
    assert record.participants.count() == 3
    log_out(page)

    # --- the member, on a phone: 三会·两制·一课 and 年度团籍注册 ---------------------------------
    phone = phone_page
    log_in(phone, member.id_number, "我的首页")
    menu(phone, "支部团员大会")  # seed 003: 三会-支部团员大会 opens the member's 三会·两制·一课
    expect(phone.get_by_role("heading", name="三会·两制·一课")).to_be_visible()
    expect(phone.locator("#meetings-1")).to_contain_text("主题团日活动筹备会")
    phone.get_by_role("button", name=f"{today.year}年度团籍注册").click()
    expect(phone.locator("#messages")).to_contain_text(f"已提交{today.year}年度团籍注册")
    expect(phone.locator("#my-registration-state")).to_have_text("待审批")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(phone, "e2e-org-life-member-phone")

    # --- the branch approves (批量审批) ---------------------------------------------------------
    log_in(page, secretary.id_number, "组织首页")
    menu(page, "年度团籍注册审批")
    page.get_by_label("团员姓名").fill(member.name)
    page.get_by_label("处理状态").select_option(label="待审批")
    page.get_by_role("button", name="查询").click()
    rows = page.locator("#registration-table tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("checkbox").check()
    page.get_by_role("button", name="批量审批（同意）").click()
    expect(page.locator("#messages")).to_contain_text("已同意1条年度团籍注册")
    assert AnnualRegistration.objects.get(person=member, year=today.year).state == "approved"
    log_out(page)

    phone.reload()
    expect(phone.locator("#my-registration-state")).to_have_text("已注册")

    # --- 团内大数据 by the university committee ---------------------------------------------------
    uni_admin = ready(CadrePost.objects.admins().get(org__name=UNIVERSITY).person)
    log_in(page, uni_admin.id_number, "组织首页")
    menu(page, "团员民族分布")
    expect(page.get_by_role("heading", name="团内大数据 · 团员民族分布")).to_be_visible()
    expect(page.locator("#chart canvas")).to_have_count(1)
    expect(page.locator("#stats-table")).to_contain_text("汉族")
    # ECharts' tooltips are built in the page: under the CSP (SEC-08) they must show without a
    # violation (the page fixture fails the test on any). Above the middle: a bar, or a pie's ring.
    box = page.locator("#chart").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 - 0.24 * min(box["width"], box["height"]))
    page.wait_for_function(TOOLTIP_SHOWS, arg="人")
    screenshot(page, "e2e-org-life-statistics")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载Excel").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0] == ("民族", "人数", "占比") and rows[1][0] == "汉族"
    total = int(page.locator("#member-total").inner_text())
    assert rows[-1][:2] == ("合计", total) and total > 0
    menu(page, "团员年龄分布")  # a bar chart: the axis tooltip
    expect(page.locator("#chart canvas")).to_have_count(1)
    box = page.locator("#chart").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(TOOLTIP_SHOWS, arg="人")
