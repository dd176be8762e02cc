"""Browser journey of 工作通知 (NTC-01 … NTC-03, BEY-04).

On the demo data: the 团山东省委 admin publishes a notice with a PDF to the branches below it; the
计算机专业2023级1班团支部 secretary, on a phone, sees it on the 组织首页 card as 未读, opens it and its
attachment; the province's 阅读情况 then shows that branch read it, drilled down from 团青岛市委 to the
branch, and 提醒 reaches the unread ones.
"""

import io
import re

import pytest
from django.core.management import call_command

from members.models import CadrePost
from orgs.models import Notice, NoticeRead, Organization
from tests.members.archive_helpers import pdf_bytes
from zhtj.core.models import Notification

from .pw import expect

pytestmark = pytest.mark.e2e

PASSWORD = "Tuan-e2e-2025!"
BRANCH = "计算机专业2023级1班团支部"
TITLE = "关于开展“五四”主题团日活动的通知"


def ready(person):
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


def menu(page, label):
    toggle = page.get_by_role("button", name="菜单")
    if toggle.is_visible():
        toggle.click()
    page.locator("#left-menu").get_by_role("link", name=label, exact=True).click()


def test_province_publishes_and_sees_a_branch_read_it(page, phone_page, screenshot, tmp_path):
    """NTC-01 / NTC-02 / NTC-03: publish to 团支部 with a PDF; the branch reads it on a phone; the
    publisher sees it read, drills down, and reminds the rest."""
    call_command("seed_demo", stdout=io.StringIO())
    province = Organization.objects.get(name="团山东省委")
    branch = Organization.objects.get(name=BRANCH)
    qingdao = Organization.objects.get(name="团青岛市委")
    p_admin = ready(CadrePost.objects.admins().filter(org=province).first().person)
    secretary = ready(CadrePost.objects.admins().filter(org=branch).first().person)

    # --- the province publishes ------------------------------------------------------------
    log_in(page, p_admin)
    menu(page, "发布工作通知")
    expect(page.get_by_role("heading", name="发布工作通知")).to_be_visible()
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("正文").fill("各团支部：请于五月四日前组织开展主题团日活动。")
    page.get_by_label("团支部（含各类团支部）").check()
    attachment = tmp_path / "活动方案.pdf"
    attachment.write_bytes(pdf_bytes())
    page.get_by_label("附件").set_input_files(str(attachment))
    page.get_by_role("button", name="发布").click()
    expect(page.locator("#messages")).to_contain_text(f"工作通知《{TITLE}》已发布")
    notice = Notice.objects.get(title=TITLE)
    assert notice.publisher == province and notice.groups == ["branch"]

    # --- the branch, on a phone: the home card, the notice, the attachment -----------------------
    log_in(phone_page, secretary)
    card = phone_page.locator("#notice-card")
    expect(card).to_contain_text(TITLE)
    expect(card.locator(".card-badge")).to_be_visible()
    expect(card.get_by_role("link", name=re.compile(TITLE))).to_contain_text("未读")
    screenshot(phone_page, "notice-card-phone")
    card.get_by_role("link", name=re.compile(TITLE)).click()
    expect(phone_page.get_by_role("heading", name=TITLE)).to_be_visible()
    with phone_page.expect_download() as download:
        phone_page.locator("#notice-attachments").get_by_role("link", name="活动方案.pdf").click(modifiers=["Alt"])
    assert download.value.suggested_filename == "活动方案.pdf"
    assert NoticeRead.objects.filter(notice=notice, org=branch).count() == 1
    phone_page.goto("/orgs/notices/")
    expect(phone_page.locator("#notice-table")).to_contain_text("已读")

    # --- the province sees who read it ---------------------------------------------------------
    page.goto(f"/orgs/notices/{notice.pk}/")
    page.get_by_role("link", name="阅读情况").click()
    row = page.locator("#reads-table tr", has_text="团青岛市委")
    expect(row).to_contain_text(re.compile(r"^.*1 / \d+"))
    row.get_by_role("link", name="团青岛市委").click()
    expect(page.locator("nav[aria-label='下钻路径']")).to_contain_text("团青岛市委")
    for name in ("中国石油大学（华东）团委", "计算机科学与技术学院团委", "2023级团总支"):
        page.locator("#reads-table").get_by_role("link", name=name).click()
    expect(page.locator("#reads-table tr", has_text=BRANCH)).to_contain_text("1 / 1")
    expect(page.locator("#reads-table tr", has_text="计算机专业2023级2班团支部")).to_contain_text("0 / 1")
    page.get_by_role("button", name=re.compile("提醒2023级团总支范围内的未读组织")).click()
    expect(page.locator("#messages")).to_contain_text("已提醒2个未读组织")
    reminded = set(Notification.objects.filter(kind="work_notice").values_list("recipient_org__name", flat=True))
    assert reminded == {"计算机专业2023级2班团支部", "计算机专业2023级3班团支部"}
    assert qingdao.pk  # the drill started at the city
