"""Browser journey of 团干部管理 (CAD-01 … CAD-04, BEY-07).

On the demo tree of `manage.py seed_demo`, the university 团委 admin changes a cadre's post and
sees it in 职务变更记录 (CAD-01), removes another cadre with 其他 + text (CAD-02) and records a
training (CAD-03); the 团青岛市委 admin opens 重点领域基层团干部配备, switches to 国企 and downloads
the Excel, which opens with openpyxl (CAD-04, BEY-07).
"""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from members.choices import PostNature, PostTitle
from members.models import CadrePost, CadreTraining, Person, PostChange
from orgs.choices import Industry
from orgs.models import Organization
from zhtj.core.idnumber import make_id_number

from .pw import expect

pytestmark = pytest.mark.e2e

UNIVERSITY = "中国石油大学（华东）团委"
CITY = "团青岛市委"
PASSWORD = "Tuan-e2e-2025!"


def admin_of(org_name):
    post = CadrePost.objects.admins().select_related("person").filter(org__name=org_name).first()
    person = post.person
    person.set_password(PASSWORD)
    person.must_change_password = False
    person.save()
    return person


def log_in(page, id_number):
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(id_number)
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


def cadre(org, name, n):
    person = Person.objects.create_user(make_id_number("370211", date(1995, 5, 5), 900 + n), name=name)
    return CadrePost.objects.create(
        person=person,
        org=org,
        title=PostTitle.COMMITTEE_MEMBER,
        nature=PostNature.PART_TIME,
        started_on=date(2023, 9, 1),
    )


def post_row(page, post):
    return page.locator(f'#cadre-table tr[data-post="{post.pk}"]')


def test_change_remove_train_and_monitor(page, screenshot):
    call_command("seed_demo", stdout=io.StringIO())
    university = Organization.objects.get(name=UNIVERSITY)
    city = Organization.objects.get(name=CITY)
    changed = cadre(university, "王职变", 1)
    removed = cadre(university, "李移除", 2)
    # seed_demo's 国企 (members/demo.py): 青岛港集团团委, 市属企业, under the city.
    assert Organization.objects.get(name="青岛港集团团委", parent=city).industry == Industry.STATE_ENTERPRISE
    admin = admin_of(UNIVERSITY)

    # --- CAD-01: 职务变更 with its 职务变更记录 -------------------------------------------------
    log_in(page, admin.id_number)
    act_for(page, UNIVERSITY)
    page.locator("#left-menu").get_by_role("link", name="团干部列表").click()
    expect(page.get_by_role("heading", name="团干部列表")).to_be_visible()
    post_row(page, changed).get_by_role("link", name="职务变更").click()
    expect(page.get_by_role("heading", name="团干部职务变更")).to_be_visible()
    page.get_by_label("新职务（团内现任职务）").select_option(label="副书记")
    page.get_by_label("团干部性质").select_option(label="专职")
    page.get_by_label("任现职年月").fill("2025-09")
    page.get_by_role("button", name="确定变更").click()
    expect(page.locator("#messages")).to_contain_text("已为王职变办理职务变更")
    record = page.locator("#post-changes tbody tr").first
    expect(record).to_contain_text("委员（兼职）")
    expect(record).to_contain_text("副书记（专职）")
    assert CadrePost.objects.get(pk=changed.pk).title == PostTitle.DEPUTY_SECRETARY

    # --- CAD-03: 录入培训信息 ------------------------------------------------------------------
    page.get_by_role("link", name="录入培训信息").click()
    page.get_by_label("培训名称").fill("高校团干部专题培训班")
    page.get_by_label("开始日期").fill("2025-10-08")
    page.get_by_label("结束日期").fill("2025-10-12")
    page.get_by_label("主办单位").fill("团山东省委")
    page.get_by_label("学时").fill("36")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#messages")).to_contain_text("已录入王职变的培训信息")
    expect(page.locator("#trainings")).to_contain_text("高校团干部专题培训班")
    assert CadreTraining.objects.filter(person=changed.person).count() == 1
    screenshot(page, "e2e-cadre-page")

    # --- CAD-02: 移除团干部 with 其他 + text ---------------------------------------------------
    page.get_by_role("link", name="返回团干部列表").click()
    post_row(page, removed).get_by_role("link", name="移除", exact=True).click()
    expect(page.get_by_role("heading", name="移除团干部")).to_be_visible()
    page.get_by_label("移除去向").select_option(label="其他")
    page.get_by_role("button", name="确定移除").click()  # no text: refused, nothing removed
    expect(page.locator(".invalid-feedback")).to_contain_text("请填写具体去向")
    page.get_by_label("具体去向（选择“其他”时必填）").fill("借调省青年志愿者协会")
    page.get_by_role("button", name="确定移除").click()
    expect(page.locator("#messages")).to_contain_text("已移除团干部李移除")
    expect(post_row(page, removed)).to_have_count(0)
    assert Person.objects.filter(pk=removed.person_id).exists()
    assert PostChange.objects.get(post=removed).destination_other == "借调省青年志愿者协会"
    log_out(page)

    # --- CAD-04 / BEY-07: 重点领域基层团干部配备 -------------------------------------------------
    city_admin = admin_of(CITY)
    log_in(page, city_admin.id_number)
    act_for(page, CITY)
    page.locator("#left-menu").get_by_role("link", name="重点领域基层团干部配备").click()
    expect(page.get_by_role("heading", name="重点领域基层团干部配备")).to_be_visible()
    uni_row = page.locator(f'#staffing-table tr[data-org="{university.pk}"]')
    expect(uni_row).to_contain_text("4137010425")
    expect(uni_row).to_contain_text("31000")
    page.locator("#staffing-domains").get_by_role("link", name="国企").click()
    expect(page.locator("#staffing-table")).to_contain_text("青岛港集团团委")
    expect(page.locator("#staffing-table")).to_contain_text("市属企业")
    screenshot(page, "e2e-staffing-soe")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
    rows = list(ws.values)
    assert rows[0][:5] == ("组织简称", "组织全称", "上级组织", "企业层级", "企业所在驻地")
    assert [r[0] for r in rows[1:]] == ["青岛港集团团委"]
    assert rows[1][3:5] == ("市属企业", "山东省青岛市")
