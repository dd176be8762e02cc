"""Browser journey of the 组织管理 issue: grow the org tree and graduate it.

On the demo tree of `manage.py seed_demo`, the 2023级团总支 admin creates two 团支部 by
Excel (ORG-04, ORG-08), generates a 管理员注册码 in 管理下级组织 (ORG-09), the new
admin registers with it and logs in (ORG-09), the 团总支 admin marks both branches'
graduation month (ORG-15), the June 1 job runs (JOB-01) and 管理下级组织 shows both as
毕业生团组织 (ORG-16).
"""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from members.models import CadrePost, Person
from orgs.choices import OrgCategory
from orgs.models import Organization
from zhtj.core.idnumber import make_id_number

from .pw import expect

pytestmark = pytest.mark.e2e

GRADE = "2023级团总支"
NEW_BRANCHES = ["计算机专业2023级4班团支部", "计算机专业2023级5班团支部"]
PASSWORD = "Tuan-e2e-2025!"


def grade_admin():
    """The demo's 2023级团总支 admin, with a known password and no forced change."""
    post = CadrePost.objects.admins().select_related("person").get(org__name=GRADE)
    person = post.person
    person.set_password(PASSWORD)
    person.must_change_password = False
    person.save()
    return person


def log_in(page, id_number, password=PASSWORD):
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_title(re.compile("^组织首页"))


def act_for(page, org_name):
    """Switch the acting org to `org_name` unless it already is (ROLE-04)."""
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


def filled_template(template_bytes):
    """The downloaded 创建下级组织 template with the two new 团支部 rows."""
    wb = load_workbook(io.BytesIO(template_bytes))
    ws = wb.worksheets[0]
    assert ws["A1"].value and ws["B1"].value, "the template lost its header row"
    for row, name in enumerate(NEW_BRANCHES, start=2):
        ws.cell(row=row, column=1, value=name)
        ws.cell(row=row, column=2, value="团支部")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sub_row(page, name):
    return page.locator("#sub-orgs tbody tr").filter(has=page.get_by_role("link", name=name, exact=True))


def test_create_register_mark_and_graduate(page, screenshot):
    """ORG-04, ORG-08, ORG-09, ORG-15, ORG-16, JOB-01: 批量创建 two branches, 管理员注册码 →
    管理员注册 → login, 标记团支部毕业时间, the June 1 job makes them 毕业生团组织."""
    call_command("seed_demo", stdout=io.StringIO())
    admin = grade_admin()
    grade = Organization.objects.get(name=GRADE)

    # --- ORG-04 / ORG-08: 创建下级组织 by Excel --------------------------------------------
    log_in(page, admin.id_number)
    act_for(page, GRADE)
    page.locator("#left-menu").get_by_role("link", name="创建下级组织").click()
    expect(page.get_by_role("heading", name="创建下级组织")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载Excel模板").click()
    template = download_info.value
    assert template.suggested_filename.endswith(".xlsx")
    upload = filled_template(Path(template.path()).read_bytes())
    page.get_by_label("Excel 文件").set_input_files(
        files=[
            {
                "name": "创建下级组织.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": upload,
            }
        ]
    )
    page.get_by_role("button", name="上传并创建").click()

    expect(page.locator("#messages")).to_contain_text("共2行：已创建2个")
    results = page.locator("#batch-results tbody tr")
    expect(results).to_have_count(2)
    for name in NEW_BRANCHES:
        row = results.filter(has_text=name)
        expect(row.get_by_text("已创建", exact=True)).to_be_visible()
        expect(row).to_contain_text("团支部")
    screenshot(page, "e2e-org-tree-batch-created")
    created = {o.name: o for o in Organization.objects.filter(parent=grade, name__in=NEW_BRANCHES)}
    assert sorted(created) == sorted(NEW_BRANCHES)
    assert all(o.category == OrgCategory.BRANCH for o in created.values())

    # --- ORG-09: 管理员注册码 on the 4班 row ------------------------------------------------
    page.locator("#left-menu").get_by_role("link", name="管理下级组织").click()
    expect(page.get_by_role("heading", name="管理下级组织")).to_be_visible()
    sub_row(page, NEW_BRANCHES[0]).get_by_role("button", name="管理员注册码").click()
    expect(page.get_by_role("heading", name=f"{NEW_BRANCHES[0]}的管理员注册码")).to_be_visible()
    code = page.locator("#registration-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Za-z]{8}", code), code
    expect(page.locator("#registration-code-expiry")).to_contain_text("有效期至")
    log_out(page)

    # --- ORG-09: 管理员注册, two steps ------------------------------------------------------
    new_id = make_id_number("370211", date(2005, 3, 1), 777)
    page.get_by_role("link", name="管理员注册").click()
    expect(page.get_by_role("heading", name="管理员注册")).to_be_visible()
    page.get_by_label("注册的团组织").fill(NEW_BRANCHES[0])
    page.get_by_label("管理员注册码").fill(code)
    page.get_by_role("button", name="下一步").click()

    expect(page.locator("#register-org")).to_contain_text(created[NEW_BRANCHES[0]].full_name)
    page.get_by_label("团内职务").select_option(label="书记")
    page.get_by_label("姓名").fill("孙新管")
    page.get_by_label("身份证号码").fill(new_id)
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_label("入团年月").fill("2019-05")
    page.get_by_label("登录密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认登录密码").fill(PASSWORD)
    page.get_by_role("button", name="完成注册").click()

    expect(page.locator("#messages")).to_contain_text(f"注册成功：孙新管已成为{NEW_BRANCHES[0]}的管理员。")
    new_admin = Person.objects.get(id_number=new_id)
    assert CadrePost.objects.admins().filter(person=new_admin, org__name=NEW_BRANCHES[0]).exists()

    log_in(page, new_id)
    expect(page.locator("#acting-org")).to_contain_text(NEW_BRANCHES[0])
    screenshot(page, "e2e-org-tree-new-admin-home")
    log_out(page)

    # --- ORG-15: 标记团支部毕业时间 ---------------------------------------------------------
    # Marking a month of this year after June 1 converts at once (the confirmation says
    # so); next year's July leaves the conversion to the June 1 job, which is the point.
    today = timezone.localdate()
    year = today.year if today < date(today.year, 6, 1) else today.year + 1
    log_in(page, admin.id_number)
    act_for(page, GRADE)
    page.locator("#left-menu").get_by_role("link", name="管理下级组织").click()
    page.locator("#children-actions").get_by_role("link", name="标记团支部毕业时间").click()
    expect(page.get_by_role("heading", name="标记团支部毕业时间")).to_be_visible()
    for name in NEW_BRANCHES:
        page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True)).get_by_role(
            "checkbox"
        ).check()
    page.get_by_label("预计毕业时间（年-月）").fill(f"{year}-07")
    page.get_by_role("button", name="下一步").click()

    expect(page.get_by_role("heading", name="确认标记团支部毕业时间")).to_be_visible()
    expect(page.locator("#graduation-selected li")).to_have_count(2)
    expect(page.locator("#graduation-convert-now")).to_have_count(0)
    page.get_by_role("button", name="确定").click()

    expect(page.locator("#messages")).to_contain_text("已为2个团支部标记毕业时间")
    for name in NEW_BRANCHES:
        expect(page.locator("#graduation-branches").get_by_role("link", name=name, exact=True)).to_be_visible()
    assert set(Organization.objects.filter(name__in=NEW_BRANCHES).values_list("category", flat=True)) == {
        OrgCategory.BRANCH
    }

    # --- JOB-01 / ORG-16: the June 1 job ---------------------------------------------------
    out = io.StringIO()
    call_command("run_job", "graduate_conversion", "--date", f"{year}-06-01", stdout=out)
    assert "graduate_conversion" in out.getvalue()

    page.locator("#left-menu").get_by_role("link", name="管理下级组织").click()
    expect(page.get_by_role("heading", name="管理下级组织")).to_be_visible()
    for name in NEW_BRANCHES:
        row = sub_row(page, name)
        expect(row).to_contain_text("毕业生团组织")
        expect(row).to_contain_text(f"{year}-07")
    screenshot(page, "e2e-org-tree-graduated")
    assert set(Organization.objects.filter(name__in=NEW_BRANCHES).values_list("category", flat=True)) == {
        OrgCategory.GRADUATE
    }
    new_admin.refresh_from_db()
    assert new_admin.is_graduate
