"""Browser journey of 团员管理: a branch admin imports members from Excel and edits one.

On the demo tree, the admin of 计算机专业2023级1班团支部 downloads the 团员团干部 template,
uploads it with two good rows and one bad one, sees the preview and the progress, downloads
the failed row with its 失败原因 (MEM-06, MEM-07, BEY-03), finds a new member in 团员列表 and
edits the phone number (MEM-12). 团员列表 is also checked at phone size (BEY-04).
"""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from members.models import CadrePost, Person
from zhtj.core.idnumber import make_id_number

from .pw import expect

pytestmark = pytest.mark.e2e

BRANCH = "计算机专业2023级1班团支部"
PASSWORD = "Tuan-e2e-2025!"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def branch_admin():
    person = CadrePost.objects.admins().select_related("person").get(org__name=BRANCH).person
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


def filled(template_bytes, rows):
    wb = load_workbook(io.BytesIO(template_bytes))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    for r, row in enumerate(rows, start=2):
        for header, value in row.items():
            ws.cell(row=r, column=headers.index(header) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(id_number, name, **over):
    data = {
        "姓名": name,
        "性别": "男" if int(id_number[16]) % 2 else "女",
        "身份证号码": id_number,
        "民族": "汉族",
        "学历": "大学本科",
        "职业": "学生",
        "在读状况（学生填写）": "本科在读",
        "政治面貌": "共青团员",
        "入团时间": "2016-05",
        "手机号码": "13812345678",
        "是否递交入党申请书": "否",
        "是否成为注册志愿者": "否",
    }
    return data | over


def test_import_good_and_bad_rows_then_edit(page, screenshot):
    """MEM-06, MEM-07, BEY-03, MEM-12: template → upload → preview → 确认导入 → progress →
    error workbook with 失败原因 → 团员列表 → 编辑."""
    call_command("seed_demo", stdout=io.StringIO())
    admin = branch_admin()
    ids = [make_id_number("370211", date(2002, 4, d), 600 + d) for d in (1, 2, 3)]

    log_in(page, admin.id_number)
    page.locator("#left-menu").get_by_role("link", name="录入团员团干部").click()
    expect(page.get_by_role("heading", name="录入团员团干部")).to_be_visible()
    page.get_by_role("link", name="批量导入").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载Excel模板").click()
    template = Path(info.value.path()).read_bytes()
    rows = [
        row(ids[0], "导入甲"),
        row(ids[1], "导入乙"),
        row(ids[2], "导入丙", 入团时间="2018-05", 发展团员编号="2018123"),  # 位数不对
    ]
    page.get_by_label("Excel 文件").set_input_files(
        files=[{"name": "团员.xlsx", "mimeType": XLSX, "buffer": filled(template, rows)}]
    )
    page.get_by_role("button", name="上传并校验").click()

    expect(page.locator("#count-created")).to_have_text("2")
    expect(page.locator("#count-failed")).to_have_text("1")
    expect(page.locator("#preview-table tr[data-status=failed]")).to_contain_text("位数不对")
    assert not Person.objects.filter(id_number__in=ids).exists()
    screenshot(page, "e2e-member-import-preview")
    page.get_by_role("button", name=re.compile("^确认导入")).click()

    expect(page.locator("#import-progress")).to_have_attribute("data-state", "done")
    expect(page.locator("#import-progress .progress-bar")).to_have_text("100%")
    expect(page.locator("#import-summary")).to_contain_text("已导入 2 人")
    assert Person.objects.filter(id_number__in=ids[:2], branch__name=BRANCH).count() == 2
    with page.expect_download() as info:
        page.locator("#import-summary").get_by_role("link", name="下载校验不通过数据").click()
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    failed = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(failed) == 1 and failed[0][header.index("姓名")] == "导入丙"
    assert "位数不对" in failed[0][header.index("失败原因")]

    # 团员列表 → 编辑 the phone number.
    page.locator("#left-menu").get_by_role("link", name="团员列表", exact=True).click()
    page.get_by_label("姓名或身份证号码").fill("导入甲")
    page.get_by_role("button", name="查询").click()
    person = Person.objects.get(id_number=ids[0])
    target = page.locator(f'tr[data-person="{person.pk}"]')
    expect(target).to_contain_text("138****5678")
    target.get_by_role("link", name="编辑").click()
    expect(page.get_by_role("heading", name=re.compile("编辑人员信息"))).to_be_visible()
    page.get_by_label("手机号码").fill("13900001111")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#messages")).to_contain_text("已保存导入甲的信息")
    expect(page.locator("#person-panel")).to_contain_text("13900001111")
    person.refresh_from_db()
    assert person.mobile == "13900001111"


def test_member_list_on_a_phone(phone_page, screenshot):
    """BEY-04 / MEM-12: 团员列表 fits a phone: no page-wide horizontal scroll, the table scrolls."""
    call_command("seed_demo", stdout=io.StringIO())
    admin = branch_admin()
    log_in(phone_page, admin.id_number)
    phone_page.goto("/members/")
    expect(phone_page.get_by_role("heading", name="团员列表")).to_be_visible()
    expect(phone_page.locator("#member-table tbody tr").first).to_be_visible()
    # clientWidth: on a mobile viewport Chromium widens innerWidth to the content.
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, overflow
    screenshot(phone_page, "e2e-member-list-phone")
