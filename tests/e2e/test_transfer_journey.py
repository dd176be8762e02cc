"""Browser journey of the transfers issue (TRF-04, TRF-08, TRF-12).

A student applies in 关系转接 (团组织关系转交申请表) to move from a school branch to a 乡镇街道
committee; the school branch approves in 组织关系转接审批-转出审批; the street committee approves
in 转入审批 and then 分配团支部; the member sees 已完成 in 我的组织关系转接历史.
"""

import re

import pytest

from members.models import Person
from orgs.choices import Industry, LeadershipLevel, OrgCategory
from tests import factories as f

from .pw import expect

pytestmark = pytest.mark.e2e

PASSWORD = "Zhtj-pass-2026"


def log_in(page, person):
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(person.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile("/login/"))


def log_out(page):
    page.context.clear_cookies()


def approve_from_list(page, tab, name):
    page.goto(f"/transfers/approvals/?tab={tab}")
    page.locator("#approval-list tbody tr").filter(has_text=name).get_by_role("link", name="审批").click()


def _school_and_street():
    central = f.leadership("团中央")
    province = f.leadership("团江苏省委", central, LeadershipLevel.PROVINCE)
    city = f.leadership("团南京市委", province, LeadershipLevel.CITY)
    school = f.OrgFactory(name="南京某大学团委", parent=city, industry=Industry.UNIVERSITY)
    school_branch = f.branch(school, "软件2022级1班团支部", industry=Industry.UNIVERSITY)
    street = f.OrgFactory(
        name="长江路街道团工委", parent=city, category=OrgCategory.WORKING_COMMITTEE, industry=Industry.STREET
    )
    street_branch = f.branch(street, "长江路社区团支部", industry=Industry.COMMUNITY)
    member = f.person("周同学", branch=school_branch, password=PASSWORD)
    school_admin = f.admin_of(school_branch, "支部书记")
    street_admin = f.admin_of(street, "街道团工委书记")
    return member, school_admin, street_admin, street_branch


def apply_for_transfer(page, member):
    log_in(page, member)
    page.goto("/transfers/my/")
    page.get_by_placeholder("输入转入组织名称查询").fill("长江路街道")
    page.get_by_role("button", name="查询").click()
    page.get_by_label("转入组织*").select_option(label="长江路街道团工委（团工委）")
    page.get_by_label("转接原因*").select_option(label="居住地变动")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#current-state")).to_have_text("待转出组织审批")


def test_member_applies_on_a_phone_and_sees_progress(phone_page):
    """TRF-04 / ME-01 / BEY-04: on a phone the member fills 团组织关系转交申请表 and sees its
    progress; the page fits the screen."""
    member, *_ = _school_and_street()
    apply_for_transfer(phone_page, member)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= phone_page.viewport_size["width"] + 1
    phone_page.reload()
    expect(phone_page.locator("#current-state")).to_have_text("待转出组织审批")


def test_member_transfer_school_to_street(page):
    member, school_admin, street_admin, street_branch = _school_and_street()

    # the member applies
    apply_for_transfer(page, member)
    log_out(page)

    # the school branch approves (转出审批)
    log_in(page, school_admin)
    approve_from_list(page, "out", "周同学")
    page.get_by_role("button", name="同意").click()
    expect(page.locator("#transfer-state")).to_have_text("待转入组织审批")
    log_out(page)

    # the street committee approves (转入审批) and allocates a branch
    log_in(page, street_admin)
    approve_from_list(page, "in", "周同学")
    page.get_by_role("button", name="同意").click()
    expect(page.locator("#transfer-state")).to_have_text("待分配团支部")
    page.get_by_label("分配团支部*").select_option(label="长江路社区团支部")
    page.get_by_role("button", name="分配团支部").click()
    expect(page.locator("#transfer-state")).to_have_text("已完成")
    log_out(page)

    # the member sees 已完成 in the history
    log_in(page, member)
    page.goto("/transfers/my/")
    expect(page.locator("#transfer-history")).to_contain_text("已完成")
    expect(page.locator("#transfer-history")).to_contain_text("长江路社区团支部")
    assert Person.objects.get(pk=member.pk).branch_id == street_branch.pk
