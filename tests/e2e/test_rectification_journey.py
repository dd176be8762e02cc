"""Browser journey of 组织整顿 and 对标定级 for one committee with six 团支部.

Self-checks (团支部自检 and 上级评估), 是否整改 reviews (通过 / a refused 通过 at ≥10 较差 /
开始整改), 勾选排名后 20% 团支部, a key branch following its prompt to 编辑 and resubmit, and the
re-review 通过 → 重点整改后合格; then a 对标定级 round: 自评, 不予定级 (the branch becomes a key
branch), re-rating shown red, 复核 again. The clock stands on the most recent October 10 (so
cookies the browser keeps by its real clock stay valid)."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from orgs.choices import Industry, LeadershipLevel
from rectification import services
from rectification.choices import CHECK_CODES
from rectification.models import CampaignRecord, GradingRecord
from tests import factories as f

from .pw import expect

pytestmark = pytest.mark.e2e

PASSWORD = "Tuan-e2e-2025!"
TZ = ZoneInfo("Asia/Shanghai")


def campaign_day():
    today = date.today()
    year = today.year if (today.month, today.day) >= (10, 10) else today.year - 1
    return datetime(year, 10, 10, 9, 0, tzinfo=TZ)


def admin(org, name):
    person = f.admin_of(org, name, password=PASSWORD)
    person.must_change_password = False
    person.save()
    return person


def build():
    central = f.leadership("团中央")
    province = f.leadership("团山东省委", central, LeadershipLevel.PROVINCE)
    city = f.leadership("团青岛市委", province, LeadershipLevel.CITY)
    founded = datetime(2020, 3, 1, tzinfo=TZ)
    uni = f.OrgFactory(name="测试大学团委", parent=city, industry=Industry.UNIVERSITY, created_at=founded)
    committee = f.OrgFactory(name="信息学院团委", parent=uni, industry=Industry.UNIVERSITY, created_at=founded)
    branches = [
        f.branch(committee, f"信息{i}班团支部", industry=Industry.UNIVERSITY, created_at=founded) for i in range(1, 7)
    ]
    return (
        committee,
        admin(committee, "学院团委书记"),
        branches,
        [admin(b, f"{i + 1}班书记") for i, b in enumerate(branches)],
    )


def log_in(page, person):
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(person.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_title(re.compile("^组织首页"))


def menu(page, label):
    """Click a left-menu entry; below Bootstrap's lg width (a phone) the menu is an offcanvas
    opened by 菜单 (decided by the viewport: visibility can flicker while the CSS loads)."""
    if page.viewport_size["width"] < 992:
        page.get_by_role("button", name="菜单").click()
    with page.expect_navigation():  # fits() measures the new page, styled, not the one leaving
        page.locator("#left-menu").get_by_role("link", name=label, exact=True).click()


def fits(page):
    """BEY-04: the page doesn't scroll sideways (wide tables scroll inside their own box)."""
    page.wait_for_load_state()  # with its stylesheets: unstyled, the tables stick out
    # clientWidth: on a mobile viewport Chromium widens innerWidth to the content.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url} scrolls sideways on a phone by {overflow}px"


def fill_form(page, poor):
    for i, code in enumerate(CHECK_CODES):
        page.locator(f'input[name="{code}"][value="{"poor" if i < poor else "good"}"]').check()
    page.get_by_role("button", name="提交").click()


def row(page, table, name):
    return page.locator(f"{table} tbody tr[data-name='{name}']")


def state(branch):
    return CampaignRecord.objects.get(branch=branch).state


def test_campaign_and_grading_round(page, screenshot):
    with time_machine.travel(campaign_day(), tick=True):
        committee, boss, branches, secretaries = build()
        month = services.current_month()

        # --- 团支部自检: history first, then the form (REC-01, REC-02, REC-10) ---------------
        for i, poor in ((0, 0), (1, 3), (2, 12)):
            log_in(page, secretaries[i])
            menu(page, "团支部自检")
            expect(page.get_by_role("heading", name=re.compile("历史记录"))).to_be_visible()
            page.locator("#self-check-start").click()
            fill_form(page, poor)
            expect(page.locator("#messages")).to_contain_text(f"较差项{poor}项")
            expect(page.locator("#rec-state")).to_have_text("待审核")

        # --- 评估下级团支部 for 6班 (REC-02): 0 较差 → 合格 -------------------------------------
        log_in(page, boss)
        menu(page, "评估下级团支部")
        page.locator("#evaluate-table tr", has_text="信息6班团支部").get_by_role("link", name="上级评估").click()
        fill_form(page, 0)
        expect(page.locator("#messages")).to_contain_text("合格")

        # --- 是否整改 (REC-03, REC-04) ------------------------------------------------------------
        menu(page, "整理整顿团支部")
        for name, action in (("信息1班团支部", "通过"), ("信息2班团支部", "通过")):
            row(page, "#branch-table", name).get_by_role("link", name="是否整改").click()
            page.get_by_role("button", name=action, exact=True).click()
            expect(page.locator("#messages")).to_contain_text("已审核")
        row(page, "#branch-table", "信息3班团支部").get_by_role("link", name="是否整改").click()
        # ≥ 10 较差 (REC-04): 通过 is not offered — the service would refuse it — and the form says why.
        expect(page.locator("#review-form")).to_contain_text("必须纳入重点整顿团支部")
        expect(page.get_by_role("button", name="通过", exact=True)).to_have_count(0)
        page.get_by_role("button", name="开始整改").click()
        expect(row(page, "#branch-table", "信息3班团支部")).to_contain_text("重点整改中")
        assert [state(b) for b in (branches[0], branches[1], branches[2], branches[5])] == [
            "qualified",
            "basic",
            "key",
            "qualified",
        ]

        # --- 勾选排名后 20% 团支部 (REC-05): 2班, 4班, 5班 eligible → at least 1 -----------------------
        expect(page.locator("#bottom-form")).to_contain_text("可勾选3个，至少勾选1个")
        row(page, "#branch-table", "信息4班团支部").locator("input[type=checkbox]").check()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="勾选排名后 20% 团支部").click()
        expect(page.locator("#messages")).to_contain_text("已勾选1个")
        expect(page.locator("#bottom-done")).to_be_visible()
        expect(row(page, "#branch-table", "信息4班团支部")).to_contain_text("重点整改中")
        screenshot(page, "e2e-rectification-branches")

        # --- the key branch: prompt → history → 编辑 → resubmit (REC-06) -----------------------------
        log_in(page, secretaries[2])
        prompt = page.locator(".login-prompt", has_text="纳入重点整顿团支部")
        expect(prompt).to_be_visible()
        prompt.get_by_role("link", name="确定").click()
        expect(page.locator("#check-poor")).to_have_text("12")
        page.locator("#self-check-edit").click()
        fill_form(page, 0)
        expect(page.locator("#rec-state")).to_have_text("待审核")

        # --- re-review: 通过 → 重点整改后合格 (REC-07, REC-08) ------------------------------------------
        log_in(page, boss)
        page.goto("/inbox/")
        expect(page.get_by_text(re.compile("信息3班团支部.*待审核"))).to_be_visible()
        menu(page, "整理整顿团支部")
        row(page, "#branch-table", "信息3班团支部").get_by_role("link", name="是否整改").click()
        page.get_by_role("button", name="通过", exact=True).click()
        expect(row(page, "#branch-table", "信息3班团支部")).to_contain_text("重点整改后合格")
        page.locator("#key-list-link").click()
        key_row = page.locator("#key-table tbody tr", has_text="信息3班团支部")
        expect(key_row).to_contain_text("12")  # 12 items fixed this month
        assert CampaignRecord.objects.get(branch=branches[2]).checks.filter(month=month).count() == 2

        # --- 对标定级: 自评, 不予定级, re-rating in red, 复核 (GRD-02 … GRD-07) ---------------------------
        log_in(page, secretaries[0])
        menu(page, "团(总)支部自评")
        expect(page.locator("#grading-standard")).to_contain_text("班子建设")
        page.locator("#level").select_option(label="三星")
        page.get_by_role("button", name="提交").click()
        expect(page.locator("#self-level")).to_have_text("三星")

        log_in(page, boss)
        menu(page, "上级复核")
        expect(page.locator("#grading-progress")).to_contain_text("已自评1个，已复核0个")
        row(page, "#grading-table", "信息1班团支部").locator("input[type=checkbox]").check()
        page.locator("#review-level").select_option(label="不予定级")
        page.get_by_role("button", name="复核团(总)支部自评结果").click()
        expect(page.locator("#messages")).to_contain_text("不予定级")

        log_in(page, secretaries[0])
        expect(page.locator(".login-prompt", has_text="纳入重点整顿团支部")).to_be_visible()
        menu(page, "团(总)支部自评")
        expect(page.locator("#review-result")).to_contain_text("不予定级")
        page.locator("#level").select_option(label="二星")
        page.get_by_role("button", name="提交").click()
        expect(page.locator("#self-level")).to_have_text("二星")

        log_in(page, boss)
        menu(page, "上级复核")
        expect(row(page, "#grading-table", "信息1班团支部").locator(".resubmitted")).to_have_text("二星")
        page.locator("#review-level").select_option(label="二星")
        row(page, "#grading-table", "信息1班团支部").get_by_role("button", name="修改").click()
        expect(row(page, "#grading-table", "信息1班团支部").locator(".resubmitted")).to_have_count(0)
        screenshot(page, "e2e-grading-review")
        record = GradingRecord.objects.get(org=branches[0])
        assert (record.self_level, record.review_level) == ("2", "2")
        assert state(branches[0]) == "key"


def test_on_a_phone(phone_page, screenshot):
    """BEY-04: a branch secretary fills the 自检表 and the 自评 on a phone; the committee reviews
    and ticks from 下级组织列表 and 上级复核 there too; no page scrolls sideways."""
    page = phone_page
    with time_machine.travel(campaign_day(), tick=True):
        committee, boss, branches, secretaries = build()

        log_in(page, secretaries[0])
        menu(page, "团支部自检")
        fits(page)
        page.locator("#self-check-start").click()
        fits(page)
        fill_form(page, 4)
        expect(page.locator("#rec-state")).to_have_text("待审核")
        fits(page)
        menu(page, "团(总)支部自评")
        fits(page)
        page.locator("#level").select_option(label="四星")
        page.get_by_role("button", name="提交").click()
        expect(page.locator("#self-level")).to_have_text("四星")
        screenshot(page, "e2e-grading-self-phone")

        log_in(page, boss)
        menu(page, "整理整顿团支部")
        fits(page)
        with page.expect_navigation():
            row(page, "#branch-table", "信息1班团支部").get_by_role("link", name="是否整改").click()
        fits(page)
        page.get_by_role("button", name="开始整改").click()
        expect(row(page, "#branch-table", "信息1班团支部")).to_contain_text("重点整改中")
        fits(page)
        screenshot(page, "e2e-rectification-branches-phone")
        for label in ("评估下级团支部", "下级团支部整顿进度", "上级复核"):
            menu(page, label)
            fits(page)
        row(page, "#grading-table", "信息1班团支部").locator("input[type=checkbox]").check()
        page.locator("#review-level").select_option(label="四星")
        page.get_by_role("button", name="复核团(总)支部自评结果").click()
        expect(page.locator("#grading-progress")).to_contain_text("已自评1个，已复核1个")
        assert state(branches[0]) == "key"
        assert GradingRecord.objects.get(org=branches[0]).review_level == "4"
