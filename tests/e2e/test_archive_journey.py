"""Browser journey of the e-archive issue (ARC-01 … ARC-04).

A branch admin is told on login that a member's identity is not yet verified (ARC-04), opens
团员管理-团员电子数据库 and uploads the member's 《入团志愿书》 PDF (ARC-01, ARC-08); the superior
committee rejects it from 业务办理-下级团员电子档案审批 with a reason (ARC-03); the branch sees the
reason and uses 替换档案; the committee approves from 操作中心; the list reads 团员身份已认证;
the member then sees 我的团员电子档案 on a phone (ARC-07).
"""

import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfWriter

from members.models import MemberArchive
from orgs.choices import Industry, LeadershipLevel
from tests import factories as f

from .pw import expect

pytestmark = pytest.mark.e2e

PASSWORD = "Zhtj-pass-2026"


def pdf(pages):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def log_in(page, person, title="组织首页"):
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(person.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_title(re.compile(f"^{title}"))


def fits_the_screen(page):
    page.wait_for_load_state()  # styled: before its CSS loads a page may well be wider
    # clientWidth: on a mobile viewport Chromium widens innerWidth to the content.
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def log_out(page):
    page.get_by_role("link", name="系统设置").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def member_row(page, name):
    return page.locator("#archive-table tbody tr").filter(has_text=name)


def upload(page, label, pages):
    page.get_by_label(re.compile(f"^{label}")).set_input_files(
        files=[{"name": "入团志愿书.pdf", "mimeType": "application/pdf", "buffer": pdf(pages)}]
    )
    page.locator("#upload-form").get_by_role("button", name=label, exact=True).click()


def test_upload_reject_replace_approve(page, phone_page, settings, tmp_path, screenshot):
    settings.MEDIA_ROOT = tmp_path / "media"
    central = f.leadership("团中央")
    province = f.leadership("团山东省委", central, LeadershipLevel.PROVINCE)
    school = f.OrgFactory(name="山东示范大学团委", parent=province, industry=Industry.UNIVERSITY)
    branch = f.branch(school, "计算机2024级1班团支部")
    branch_admin = f.admin_of(branch, "支部书记甲")
    school_admin = f.admin_of(school, "校团委书记乙")
    member = f.person(
        "刘新苗", branch=branch, joined_month=date(2024, 5, 1), development_number="202400000007", password=PASSWORD
    )
    # Entered into the system the month she joined: due 30 days after the join month (ARC-01; one
    # entered later counts from the day of entry, ARC-06/08).
    type(member).objects.filter(pk=member.pk).update(date_joined=datetime(2024, 5, 20, 9, tzinfo=UTC))

    # The branch admin is told on login, follows the prompt and uploads the PDF.
    log_in(page, branch_admin)
    prompt = page.locator(".login-prompt").filter(has_text="组织内有团员身份尚未认证")
    expect(prompt).to_be_visible()
    prompt.get_by_role("link", name="查看").click()
    expect(page.get_by_role("heading", name="团员电子数据库")).to_be_visible()
    page.locator("#left-menu").get_by_role("link", name="团员电子数据库", exact=True).click()
    row = member_row(page, "刘新苗")
    expect(row).to_contain_text("尚未认证")
    expect(row).to_contain_text("2024-06-30")  # due 30 days after the join month
    row.get_by_role("link", name="上传档案").click()
    expect(page.locator("#member-basics")).to_contain_text("202400000007")
    upload(page, "上传档案", 1)
    expect(page.locator("#messages")).to_contain_text("待山东示范大学团委审批")
    expect(page.locator("#archive-status")).to_contain_text("待审批")
    log_out(page)

    # The committee rejects it with a reason, from 业务办理-下级团员电子档案审批.
    log_in(page, school_admin)
    page.locator("#left-menu").get_by_role("link", name="下级团员电子档案审批").click()
    page.locator("#approval-table tbody tr").filter(has_text="刘新苗").get_by_role("link", name="审批").click()
    expect(page.locator("#member-basics")).to_contain_text("刘新苗")
    expect(page.locator("iframe.pdf-frame")).to_have_count(1)
    page.get_by_role("button", name="不同意").click()
    expect(page.locator("#messages")).to_contain_text("不同意时须填写理由")
    page.get_by_label(re.compile("^审批意见")).fill("志愿书未加盖公章")
    page.get_by_role("button", name="不同意").click()
    expect(page.locator("#messages")).to_contain_text("不同意（理由：志愿书未加盖公章）")
    log_out(page)

    # The branch sees the reason and replaces the file.
    log_in(page, branch_admin)
    page.locator("#left-menu").get_by_role("link", name="团员电子数据库", exact=True).click()
    row = member_row(page, "刘新苗")
    expect(row).to_contain_text("认证不通过")
    row.get_by_role("link", name="替换档案").click()
    expect(page.locator("#archive-reason")).to_contain_text("志愿书未加盖公章")
    upload(page, "替换档案", 3)
    expect(page.locator("#archive-status")).to_contain_text("待审批")
    log_out(page)

    # The committee approves from 操作中心 (type 团员电子档案审批).
    log_in(page, school_admin)
    page.locator("#inbox-link").click()
    page.get_by_role("link", name=re.compile("^团员电子档案审批")).click()
    page.locator("#inbox-items tbody tr").filter(has_text="刘新苗").get_by_role("link", name="办理").click()
    expect(page.locator("#member-basics")).to_contain_text("202400000007")
    screenshot(page, "archive-review")
    page.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("已同意")
    log_out(page)

    # The branch's list now reads 团员身份已认证, and the prompt is gone.
    log_in(page, branch_admin)
    expect(page.locator(".login-prompt").filter(has_text="团员身份尚未认证")).to_have_count(0)
    page.locator("#left-menu").get_by_role("link", name="团员电子数据库", exact=True).click()
    expect(member_row(page, "刘新苗")).to_contain_text("团员身份已认证")
    screenshot(page, "archive-journey")
    archive = MemberArchive.objects.get()
    assert (archive.state, archive.pages) == (MemberArchive.State.VERIFIED, 3)

    # On a phone: the member opens 我的团员电子档案 from 我的首页 (ARC-07); the page fits the screen.
    phone = phone_page
    log_in(phone, member, "我的首页")
    phone.locator("#home-cards .home-card").filter(has_text="我的团员电子档案").get_by_role("link").first.click()
    expect(phone).to_have_title(re.compile("^我的团员电子档案"))
    expect(phone.locator("#archive-status")).to_contain_text("团员身份已认证")
    expect(phone.get_by_role("link", name="下载档案").first).to_be_visible()
    assert fits_the_screen(phone), "我的团员电子档案 is wider than a phone screen"
    screenshot(phone, "archive-mine-phone")
