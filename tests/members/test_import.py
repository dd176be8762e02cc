"""批量导入 (MEM-06, MEM-07, BEY-03, SEC-05)."""

import re
from datetime import date, datetime
from html import unescape
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from members import importing
from members.importing import MIXUP
from members.models import CadrePost, Person
from tests import factories as f
from tests.members.import_files import good_row, upload, workbook_bytes
from tests.uploads import refused_page

URL = reverse("members:import", args=["members"])


def _token(response):
    return re.search(r"import-job/([\w-]+)/confirm/", response.content.decode())[1]


def _import(client, file, url=URL):
    r = client.post(url, {"file": file})
    assert r.status_code == 200, r.content.decode()[:500]
    token = _token(r)
    r2 = client.post(reverse("members:import_confirm", args=[token]))
    assert r2.status_code == 302
    return r, token


def test_template_has_dropdowns_and_marker(tree, login):
    """MEM-06: the 团员团干部 template carries dropdowns from the choice lists and its marker."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    r = client.get(reverse("members:import_template", args=["members"]))
    wb = load_workbook(BytesIO(b"".join(r.streaming_content)))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]][:3] == ["姓名", "性别", "身份证号码"]
    assert ws.data_validations.dataValidation  # dropdowns
    assert wb["_zhtj"]["A1"].value == "members-v1"


SEED_MIXUP = (
    "您上传的 excel 表格错误，‘导入本级团干部’和‘导入下级团支部团员团干部’中所下载的模板不可混用，请重新上传正确的表格"
)


def test_wrong_template_refused_with_seed_message(tree, login):
    """MEM-06: the other template is refused with the seed's exact words (003 FAQ)."""
    assert MIXUP == SEED_MIXUP
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    r = client.post(URL, {"file": upload("cadres", [good_row(f.new_id_number())])})
    assert MIXUP in unescape(refused_page(client, r))
    client = login(f.admin_of(tree.col_a), tree.col_a)
    r = client.post(reverse("members:import", args=["cadres"]), {"file": upload("members", [])})
    assert MIXUP in unescape(refused_page(client, r))


def test_preview_then_import_good_and_bad_rows_idempotent(tree, login, fast_hasher):
    """MEM-07 / BEY-03: the preview counts rows and stores nothing; 确认导入 stores the valid
    rows; the failed rows come back with 失败原因; the same file again creates no duplicates."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    ids = [f.new_id_number() for _ in range(3)]
    rows = [
        good_row(ids[0], "甲一"),
        good_row(ids[1], "乙二", 入团时间="2018-05", 发展团员编号="2018123"),  # 位数不对
        good_row(
            ids[2],
            "丙三",
            团内现任职务="组织委员",
            任现职年月="2023-09",
            任现职方式="选举",
            团干部性质="兼职",
            **{"是否同级党(工)委(党支部)委员": "否"},
            在岗状态="在岗",
        ),
        good_row(ids[0], "甲一"),  # duplicate within the file
    ]
    before = Person.objects.count()
    r = client.post(URL, {"file": upload("members", rows)})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="count-created">2<' in html and 'id="count-failed">2<' in html
    assert ids[0] not in html and ids[0][:4] + "*" * 10 + ids[0][-4:] in html  # SEC-03: a list, masked
    assert Person.objects.count() == before  # preview stores nothing
    token = _token(r)
    r = client.post(reverse("members:import_confirm", args=[token]))
    assert r.status_code == 302
    status = client.get(reverse("members:import_status", args=[token]))
    assert 'data-state="done"' in status.content.decode()
    assert Person.objects.filter(id_number__in=ids, branch=tree.branch_a).count() == 2
    assert CadrePost.objects.get(person__id_number=ids[2]).title == "organization_member"
    imported = Person.objects.get(id_number=ids[0])
    assert imported.must_change_password and imported.verification_status == "unverified"
    assert imported.check_password(ids[0][-8:])
    errors = client.get(reverse("members:import_errors", args=[token]))
    wb = load_workbook(BytesIO(b"".join(errors.streaming_content)))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    reasons = [row[header.index("失败原因")] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert any("位数不对" in x for x in reasons) and any("第2行重复" in x for x in reasons)
    # Issue 21: each reason (each part of one) opens with its column, "列名：说明".
    columns = set(header)
    for reason in reasons:
        for part in reason.split("；"):
            assert part.split("：", 1)[0] in columns, reason
    # Same file again: nothing new.
    count = Person.objects.count()
    r = client.post(URL, {"file": upload("members", rows)})
    assert 'id="count-exists">2<' in r.content.decode()
    assert Person.objects.count() == count


def test_bad_files_are_refused(tree, login):
    """SEC-05 / SEC-06: corrupt, renamed, empty, float ID numbers, formulas, merged cells."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    for file in (
        SimpleUploadedFile("x.xlsx", b"PK\x03\x04garbage"),
        SimpleUploadedFile("x.xlsx", b"not a zip"),
        SimpleUploadedFile("x.csv", b"a,b"),
    ):
        assert "导入失败" in refused_page(client, client.post(URL, {"file": file}))
    assert "导入失败" in refused_page(client, client.post(URL, {}))
    assert "没有数据" in refused_page(client, client.post(URL, {"file": upload("members", [])}))
    good = f.new_id_number()
    rows = [good_row(good, "甲甲"), good_row(f.new_id_number(), "乙乙"), good_row(f.new_id_number(), "丙丙")]
    raw = {(3, 3): 3.70211200001011e17, (4, 1): "=A2"}
    r = client.post(URL, {"file": upload("members", rows, raw_cells=raw)})
    html = r.content.decode()
    assert "设置为“文本”格式" in html and "公式" in html


def test_dates_as_cells_and_merged_cells(tree, login, fast_hasher):
    """MEM-07: a join month typed as an Excel date cell or text both work; a merged cell
    leaves the covered cells empty, which fails that row only (here: the 民族 under the ID)."""
    from openpyxl import load_workbook as lw

    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    a, b = f.new_id_number(), f.new_id_number()
    data = workbook_bytes("members", [good_row(a, "甲甲", 入团时间=datetime(2015, 5, 1)), good_row(b, "乙乙")])
    wb = lw(BytesIO(data))
    wb.worksheets[0].merge_cells("C3:D3")
    buf = BytesIO()
    wb.save(buf)
    r = client.post(URL, {"file": SimpleUploadedFile("m.xlsx", buf.getvalue())})
    html = r.content.decode()
    assert 'id="count-created">1<' in html and "请选择民族" in html
    client.post(reverse("members:import_confirm", args=[_token(r)]))
    assert Person.objects.get(id_number=a).joined_month == date(2015, 5, 1)


def test_validation_is_bulk(tree, fast_hasher):
    """MEM-07 (performance): validating 10 or 60 rows runs the same number of queries."""
    from zhtj.core.excel import Row

    def queries(n):
        rows = [Row(i + 2, good_row(f.new_id_number(), "某某"), [], []) for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            importing.validate(rows, "members", tree.branch_a)
        return len(ctx)

    assert queries(10) == queries(60)


def test_store_is_bulk(tree, fast_hasher):
    """MEM-07 (performance): writing 60 valid rows, people and their posts, takes about as many
    queries as writing 10: bulk inserts, not one per row (SQLite may split one long INSERT)."""
    from zhtj.core.excel import Row

    post = {
        "团内现任职务": "委员",
        "任现职年月": "2023-09",
        "任现职方式": "选举",
        "团干部性质": "兼职",
        "是否同级党(工)委(党支部)委员": "否",
        "在岗状态": "在岗",
    }

    def queries(n):
        rows = [Row(i + 2, good_row(f.new_id_number(), "某某", **post), [], []) for i in range(n)]
        results = importing.validate(rows, "members", tree.branch_a)
        with CaptureQueriesContext(connection) as ctx:
            assert importing.store(results, "members", tree.branch_a) == n
        return len(ctx)

    queries(1)  # warm-up: the content type of the audit rows is cached after its first look-up
    assert queries(60) <= queries(10) + 2  # one per row would be 50 more
    assert CadrePost.objects.filter(org=tree.branch_a).count() == 71


def test_cadre_import_and_scope(tree, login, fast_hasher):
    """MEM-06: 导入本级团干部 — posts in the acting org; existing people get the post only;
    another admin's token is a 404."""
    admin = f.admin_of(tree.col_a)
    client = login(admin, tree.col_a)
    member = f.person("周八", branch=tree.branch_b)
    post = {
        "团内现任职务": "委员",
        "任现职年月": "2023-09",
        "任现职方式": "选举",
        "团干部性质": "兼职",
        "是否同级党(工)委(党支部)委员": "否",
        "在岗状态": "在岗",
    }
    rows = [
        good_row(f.new_id_number(), "新人", **post),
        good_row(member.id_number, "周八", **post),
        good_row(f.new_id_number(), "缺职务"),
    ]
    r, token = _import(client, upload("cadres", rows), reverse("members:import", args=["cadres"]))
    assert CadrePost.objects.filter(org=tree.col_a).count() == 3  # the admin + 2
    member.refresh_from_db()
    assert member.branch == tree.branch_b
    other = login(f.admin_of(tree.col_b), tree.col_b)
    assert other.get(reverse("members:import_status", args=[token])).status_code == 404
    assert other.get(reverse("members:import_errors", args=[token])).status_code == 404


def test_committee_imports_into_picked_branch_and_limits(tree, login, fast_hasher, settings):
    """MEM-06: 录入下级支部成员 batch goes to the branch picked in the tree (in scope only);
    too many rows are refused; a second 确认导入 of the same preview does nothing more;
    exported cells starting with = + - @ are neutralized (SEC-05)."""
    client = login(f.admin_of(tree.col_a), tree.col_a)
    r = client.post(URL, {"file": upload("members", [good_row(f.new_id_number(), "某某")])})
    assert "请先在左侧组织树中选择团支部" in refused_page(client, r)
    assert client.get(URL + f"?branch={tree.branch_b.pk}").status_code == 404
    url = URL + f"?branch={tree.branch_a.pk}"
    rows = [good_row(f.new_id_number(), "甲某"), good_row(f.new_id_number(), "@cmd", 手机号码="+8613800000000")]
    r, token = _import(client, upload("members", rows), url)
    assert Person.objects.filter(branch=tree.branch_a, name="甲某").exists()
    again = client.post(reverse("members:import_confirm", args=[token]))
    assert again.status_code == 302 and Person.objects.filter(name="甲某").count() == 1
    wb = load_workbook(BytesIO(b"".join(client.get(reverse("members:import_errors", args=[token])).streaming_content)))
    row = [c.value for c in wb.worksheets[0][2]]
    assert "'@cmd" in row and "'+8613800000000" in row
    assert client.get(reverse("members:import_status", args=["nope"])).status_code == 404
    settings.ZHTJ = settings.ZHTJ | {"MEMBER_IMPORT_MAX_ROWS": 2}
    rows = [good_row(f.new_id_number(), "某某") for _ in range(3)]
    r = client.post(url, {"file": upload("members", rows)})
    assert "一次最多导入 2 行" in refused_page(client, r)


def test_people_already_elsewhere_are_refused(tree, login, fast_hasher):
    """MEM-02 / ROLE-05: an ID number stored in another branch, or with another name, or of a
    deleted person, fails its row; an ID pasted as 3.70211E+17 text asks for a text column."""
    elsewhere = f.person("别处人", branch=tree.branch_b)
    gone = f.person("已删除", branch=None, is_active=False)
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    rows = [
        good_row(elsewhere.id_number, "别处人"),
        good_row(elsewhere.id_number[:-1] + "0", "错号码"),
        good_row(gone.id_number, "已删除"),
        good_row(f.new_id_number(), "科学计数", 身份证号码="3.70211E+17"),
    ]
    r = client.post(URL, {"file": upload("members", rows)})
    html = unescape(r.content.decode())
    assert "组织关系转接" in html and "已被删除" in html and "设置为“文本”格式" in html
    assert 'id="count-created">0<' in html and "确认导入" not in html.split("preview-table")[1]


def test_progress_partial_polls_while_running(tree, login, fast_hasher):
    """BEY-03: the status page's htmx partial keeps polling while the task runs and stops when done."""
    from django.core.cache import cache

    from members.tasks import PROGRESS_KEY

    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    r = client.post(URL, {"file": upload("members", [good_row(f.new_id_number(), "某某")])})
    token = _token(r)
    cache.set(PROGRESS_KEY.format(token), {"state": "running", "done": 500, "total": 2000})
    partial = client.get(reverse("members:import_status", args=[token]), HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="import-progress"') and 'hx-trigger="every 1s"' in partial and "25%" in partial
    cache.set(
        PROGRESS_KEY.format(token), {"state": "done", "done": 1, "total": 1, "created": 1, "exists": 0, "failed": 0}
    )
    partial = client.get(reverse("members:import_status", args=[token]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "导入完成" in partial


def test_too_large_file_refused(tree, login, settings):
    """SEC-05: a file over the size limit is refused before it is opened."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    big = SimpleUploadedFile("big.xlsx", b"0" * (settings.ZHTJ["EXCEL_MAX_BYTES"] + 1))
    r = client.post(URL, {"file": big})
    assert "文件过大" in refused_page(client, r)


def test_huge_upload_stopped_while_streaming(tree, login, settings):
    """SEC-05: the import declares its limit, so a larger body is stopped by the upload handler
    at the chunk that crosses it (not stored to disk first), with the reason."""
    settings.ZHTJ = settings.ZHTJ | {"EXCEL_MAX_BYTES": 2000}
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    rows = [good_row(f.new_id_number(), f"某{i}") for i in range(200)]
    r = client.post(URL, {"file": upload("members", rows)})
    assert "文件过大：不能超过" in refused_page(client, r)
    assert r.wsgi_request.upload_too_large


def test_zip_bomb_refused_before_parsing(tree, login, settings, monkeypatch):
    """SEC-05: a small file that unzips to more than EXCEL_MAX_UNZIPPED_BYTES (a zip bomb, a sheet
    padded with a million formatted rows) is refused before openpyxl reads it; nothing stored."""
    import zhtj.core.excel as excel

    settings.ZHTJ = settings.ZHTJ | {"EXCEL_MAX_UNZIPPED_BYTES": 200 * 1024}
    opened = []
    monkeypatch.setattr(excel, "load_workbook", lambda *a, **k: opened.append(1))
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    rows = [good_row(f.new_id_number(), "某某")]
    padding = {(r, 30): "x" * 50 for r in range(2, 6000)}  # far beyond the template's columns
    before = Person.objects.count()
    r = client.post(URL, {"file": upload("members", rows, raw_cells=padding)})
    assert "解压后超过" in refused_page(client, r)
    assert opened == [] and Person.objects.count() == before


def test_target_deleted_before_confirm(tree, login, fast_hasher):
    """MEM-07 / SEC-06: the branch of a preview deleted by another admin before 确认导入: the
    import fails with a message, nothing stored, no 500."""
    from orgs.models import Organization

    empty = f.branch(tree.col_a, "空团支部")
    client = login(f.admin_of(tree.col_a), tree.col_a)
    r = client.post(URL + f"?branch={empty.pk}", {"file": upload("members", [good_row(f.new_id_number(), "某某")])})
    token = _token(r)
    Organization.objects.filter(pk=empty.pk).delete()
    before = Person.objects.count()
    assert client.post(reverse("members:import_confirm", args=[token])).status_code == 302
    status = client.get(reverse("members:import_status", args=[token])).content.decode()
    assert 'data-state="failed"' in status and "目标组织已不存在" in status
    assert Person.objects.count() == before
