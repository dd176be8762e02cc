"""管理中心 → 创建下级组织: 单个创建 and 批量创建 (ORG-04, ORG-05, ORG-08, SEC-05, SEC-06, BEY-03)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from orgs.choices import OrgCategory
from orgs.models import Organization
from orgs.naming import NAMING_RULES, category_problem, full_name_problem, short_name_problem, suffix_of
from orgs.suborgs import CATEGORY, NAME, SubOrgRefused, batch_template, create_suborg, delete_suborg, import_suborgs
from tests import factories as f
from tests.concurrency import at_once
from tests.forest import assert_forest_consistent
from tests.uploads import refused_page
from zhtj.core.excel import MARKER_SHEET, XLSX_TYPE, Column, Row, Template
from zhtj.core.models import AuditLog

CREATE = "/orgs/create/"
BATCH = "/orgs/create/batch/"
TEMPLATE = "/orgs/create/template/"
ERRORS = "/orgs/create/errors/"
FULL_NAME = "/orgs/create/full-name/"


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


@pytest.fixture
def uni_client(tree, login):
    """The client acting as the admin of 测试大学团委 (a 团委 under 团青岛市委). A later sibling
    with a sub-org puts nodes to the right of the university in the tree, so inserts have
    bounds to shift on both sides."""
    neighbour = f.OrgFactory(name="另一大学团委", parent=tree.city)
    f.branch(neighbour, "另一团支部")
    return login(f.admin_of(tree.uni, "大学团委书记"))


# --- helpers ---------------------------------------------------------------------------------


def xlsx_bytes(rows=(), template=None, header=None):
    """A workbook made from the downloadable template, filled with `rows` (row 2 on)."""
    wb = (template or batch_template()).workbook()
    ws = wb.worksheets[0]
    if header is not None:
        for c in range(1, ws.max_column + 1):
            ws.cell(row=1, column=c).value = None
        for c, value in enumerate(header, start=1):
            ws.cell(row=1, column=c, value=value)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(name="下级组织.xlsx", content=None, rows=(), **kw):
    return SimpleUploadedFile(name, xlsx_bytes(rows, **kw) if content is None else content, content_type=XLSX_TYPE)


def children_of(org):
    return dict(Organization.objects.filter(parent=org).values_list("name", "category"))


def statuses(response):
    """{row number: (status, reason)} from the result table."""
    import re

    html = response.content.decode()
    rows = re.findall(r'<tr data-row="(\d+)" data-status="(\w+)".*?<td class="small">(.*?)</td></tr>', html, flags=re.S)
    return {int(n): (status, reason) for n, status, reason in rows}


# --- ORG-04: the naming rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("包装车间团支部", OrgCategory.BRANCH),
        ("大雅宝社区团支部", OrgCategory.BRANCH),
        ("北控集团团委", OrgCategory.COMMITTEE),
        ("中国石油大学（华东）团委", OrgCategory.COMMITTEE),
        ("高新区团工委", OrgCategory.WORKING_COMMITTEE),
        ("机关团总支", OrgCategory.GENERAL_BRANCH),
        ("2017级1班团支部", OrgCategory.BRANCH),
        ("计算机专业2017级3班团支部", OrgCategory.BRANCH),
        ("检修班组团支部", OrgCategory.BRANCH),  # 班 without 级: not a class branch
        ("团山东省委", OrgCategory.LEADERSHIP),
    ],
)
def test_good_short_names_pass(db, name, category):
    """ORG-04: names of the seed's patterns, with the suffix of their category, are accepted."""
    assert short_name_problem(name, category) is None


@pytest.mark.parametrize(
    ("name", "category", "reason"),
    [
        ("包装车间团委", OrgCategory.BRANCH, "组织类别为团支部时，组织简称须以“团支部”结尾，如：包装车间团支部"),
        ("包装车间", OrgCategory.BRANCH, "组织类别为团支部时，组织简称须以“团支部”结尾"),
        ("北控集团团委", OrgCategory.WORKING_COMMITTEE, "组织类别为团工委时，组织简称须以“团工委”结尾"),
        # 团工委 also ends with 委: the longest suffix is the one recognised.
        ("高新区团工委", OrgCategory.COMMITTEE, "（“高新区团工委”以“团工委”结尾，与组织类别不符）"),
        ("机关团支部", OrgCategory.GENERAL_BRANCH, "组织类别为团总支时，组织简称须以“团总支”结尾"),
        ("团支部", OrgCategory.BRANCH, "不能只有“团支部”"),
        ("包装 车间团支部", OrgCategory.BRANCH, "不能包含空格"),
        ("包装车间\u3000团支部", OrgCategory.BRANCH, "不能包含空格"),
        ("=A1&团支部", OrgCategory.BRANCH, "不能以“=”"),
        ("车" * 48 + "团支部", OrgCategory.BRANCH, "组织简称不能超过50个字"),
        ("17级1班团支部", OrgCategory.BRANCH, "(专业)入学年份级+班号+团支部"),
        ("2017级一班团支部", OrgCategory.BRANCH, "班号为数字"),
        ("２０１７级1班团支部", OrgCategory.BRANCH, "入学年份为4位数字"),
        ("2017级1班2组团支部", OrgCategory.BRANCH, "如：2017级1班团支部、计算机专业2017级3班团支部"),
        ("1817级1班团支部", OrgCategory.BRANCH, "入学年份“1817”不合理"),
        ("2017级0班团支部", OrgCategory.BRANCH, "班号不能为0"),
        ("山东省团委", OrgCategory.LEADERSHIP, "团+行政区划名称+委"),
        ("", OrgCategory.BRANCH, "请填写组织简称"),
    ],
)
def test_bad_short_names_name_the_rule(db, name, category, reason):
    """ORG-04: a suffix contradicting the category, a malformed class branch, blanks, formula
    starts and over-long names are refused with the rule in the message."""
    problem = short_name_problem(name, category)
    assert problem is not None and reason in problem


def test_short_name_unique_among_siblings(db):
    """ORG-04 / ORG-08: a name already used by a child of the same parent is refused."""
    assert "不能重复" in short_name_problem("计算机学院团委", OrgCategory.COMMITTEE, {"计算机学院团委"})
    assert short_name_problem("计算机学院团委", OrgCategory.COMMITTEE, {"软件学院团委"}) is None


def test_suffix_is_the_longest_match():
    """ORG-04: 团工委 is recognised as such, not as 委 / 团委."""
    assert suffix_of("高新区团工委") == "团工委"
    assert suffix_of("北控集团团委") == "团委"
    assert suffix_of("团山东省委") is None


def test_who_may_create_which_category(tree):
    """ORG-08 (decision): a 团总支 creates 团支部 only; a branch creates nothing; leadership organs
    and the special branch kinds are never created by users."""
    general = f.OrgFactory(name="机关团总支", parent=tree.uni, category=OrgCategory.GENERAL_BRANCH)
    assert category_problem(tree.uni, OrgCategory.WORKING_COMMITTEE) is None
    assert category_problem(general, OrgCategory.BRANCH) is None
    assert "团总支只能创建团支部" in category_problem(general, OrgCategory.COMMITTEE)
    assert "团支部没有下级组织" in category_problem(tree.branch_a, OrgCategory.BRANCH)
    assert "已由系统初始化" in category_problem(tree.uni, OrgCategory.LEADERSHIP)
    assert "由系统生成" in category_problem(tree.uni, OrgCategory.GRADUATE)
    assert "组织类别无效" in category_problem(tree.uni, "nonsense")


# --- 单个创建 (ORG-05, ORG-08) ------------------------------------------------------------------


def test_page_opens_on_batch_with_a_single_tab(tree, uni_client):
    """ORG-08: 创建下级组织 opens on 批量创建 (template download + upload); 单个创建 is a tab with
    the four creatable categories and the parent's name."""
    page = uni_client.get(CREATE)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="batch-form"' in html and "下载Excel模板" in html and 'id="single-form"' not in html
    single = uni_client.get(CREATE + "?tab=single").content.decode()
    assert 'id="single-form"' in single and 'value="测试大学团委" readonly' in single
    for label in ("团委", "团工委", "团总支", "团支部"):
        assert f">{label}</option>" in single
    assert "团的领导机关</option>" not in single and "毕业生团组织</option>" not in single
    assert uni_client.get("/orgs/children/").content.decode().count('href="/orgs/create/"') >= 1


def test_empty_full_name_shows_the_suggestion_and_saves_nothing(tree, uni_client):
    """ORG-05: without a 组织全称 the form comes back with the generated one to check; nothing is saved."""
    before = Organization.objects.count()
    r = uni_client.post(CREATE, {"category": OrgCategory.COMMITTEE, "name": "计算机学院团委", "full_name": ""})
    html = r.content.decode()
    assert r.status_code == 200
    assert 'name="full_name" id="id_full_name" maxlength="300" value="测试大学计算机学院团委"' in html
    assert "请核对、修正后再点击“创建”" in html
    assert Organization.objects.count() == before


def test_single_create_keeps_the_corrected_full_name(tree, uni_client):
    """ORG-05 / ORG-08: the corrected 组织全称 is saved with the short name and category under the
    acting org; an audit row records the creation."""
    r = uni_client.post(
        CREATE,
        {"category": OrgCategory.COMMITTEE, "name": "计算机学院团委", "full_name": "共青团测试大学计算机学院委员会"},
    )
    assert r.status_code == 302 and r["Location"] == CREATE + "?tab=single"
    org = Organization.objects.get(name="计算机学院团委")
    assert (org.parent, org.category, org.full_name, org.is_branch_kind) == (
        tree.uni,
        OrgCategory.COMMITTEE,
        "共青团测试大学计算机学院委员会",
        False,
    )
    assert AuditLog.objects.filter(object_id=org.pk, action="create", content_type__model="organization").exists()
    assert "已创建下级组织“计算机学院团委”" in uni_client.get(r["Location"]).content.decode()
    assert_forest_consistent()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"category": "branch", "name": "计算机学院团委"}, "组织类别为团支部时，组织简称须以“团支部”结尾"),
        ({"category": "committee", "name": "学院A团委"}, "本组织已有名为“学院A团委”的下级组织"),
        ({"category": "branch", "name": "2017级一班团支部"}, "(专业)入学年份级+班号+团支部"),
        ({"category": "branch", "name": "包装 车间团支部"}, "不能包含空格"),
        ({"category": "leadership", "name": "团测试区委"}, "团的领导机关已由系统初始化，无需创建"),
        ({"category": "graduate", "name": "毕业团支部"}, "“毕业生团组织”由系统生成，不能手工创建"),
        ({"category": "", "name": "包装车间团支部"}, "请选择组织类别"),
        ({"category": "nonsense", "name": "包装车间团支部"}, "组织类别无效"),
        ({"category": "branch", "name": ""}, "请填写组织简称"),
        ({"category": "branch", "name": "   "}, "请填写组织简称"),
        ({"category": "branch", "name": "包装车间团支部", "full_name": "=HYPERLINK(1)"}, "组织全称不能以“=”"),
        ({"category": "branch", "name": "包装车间团支部", "full_name": "测试 大学"}, "组织全称不能包含空格"),
        ({"category": "branch", "name": "包装车间团支部", "full_name": "全" * 301}, "300"),
    ],
)
def test_single_create_refuses_bad_input(tree, uni_client, data, reason):
    """ORG-04 / SEC-06: a bad name, category or full name re-renders the form with 400 and the
    reason; nothing is created."""
    before = Organization.objects.count()
    data = {"full_name": "某某全称", **data}
    r = uni_client.post(CREATE, data)
    assert r.status_code == 400
    assert reason in r.content.decode()
    assert "创建失败" in r.content.decode()
    assert Organization.objects.count() == before


def test_general_branch_creates_only_branches(tree, login):
    """ORG-08 (decision): a 团总支's form offers 团支部 only and refuses anything else."""
    general = f.OrgFactory(name="机关团总支", parent=tree.uni, category=OrgCategory.GENERAL_BRANCH)
    c = login(f.admin_of(general))
    single = c.get(CREATE + "?tab=single").content.decode()
    assert ">团支部</option>" in single and ">团委</option>" not in single and "团总支只能创建团支部" in single
    r = c.post(CREATE, {"category": "committee", "name": "某某团委", "full_name": "某某团委"})
    assert r.status_code == 400 and "团总支只能创建团支部，不能创建团委" in r.content.decode()
    assert not Organization.objects.filter(name="某某团委").exists()
    r = c.post(CREATE, {"category": "branch", "name": "第一团支部", "full_name": "机关第一团支部"})
    assert r.status_code == 302
    assert Organization.objects.get(name="第一团支部").parent == general


def test_branch_admin_cannot_create(tree, login):
    """ORG-08: a 团支部 has no sub-orgs: every creation view answers 403 with the reason."""
    c = login(f.admin_of(tree.branch_a))
    for response in (
        c.get(CREATE),
        c.post(CREATE, {"category": "branch", "name": "某某团支部", "full_name": "某某团支部"}),
        c.post(BATCH, {"file": upload(rows=[("某某团支部", "团支部")])}),
        c.get(TEMPLATE),
        c.get(FULL_NAME + "?name=某某团支部&category=branch"),
    ):
        assert response.status_code == 403
        assert "团支部没有下级组织" in response.content.decode()
    assert not Organization.objects.filter(name="某某团支部").exists()


def test_create_rechecks_under_the_lock(tree):
    """ORG-08 / SEC-04: the service checks the rules again, so a second create of the same name
    (two admins at once, or a stale form) is refused and creates nothing."""
    create_suborg(tree.uni, "软件学院团委", OrgCategory.COMMITTEE, "测试大学软件学院团委")
    with pytest.raises(SubOrgRefused, match="不能重复"):
        create_suborg(tree.uni, "软件学院团委", OrgCategory.COMMITTEE, "测试大学软件学院团委")
    assert Organization.objects.filter(name="软件学院团委").count() == 1


def test_full_name_suggestion_for_htmx(tree, uni_client):
    """ORG-05: typing the short name fetches the generated 组织全称 (htmx); a bad name shows the rule instead."""
    r = uni_client.get(FULL_NAME, {"name": "计算机学院团委", "category": "committee"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert 'value="测试大学计算机学院团委"' in r.content.decode()
    r = uni_client.get(FULL_NAME, {"name": "计算机学院团委", "category": "branch"}, HTTP_HX_REQUEST="true")
    assert "须以“团支部”结尾" in r.content.decode() and 'value=""' in r.content.decode()
    single = uni_client.get(CREATE + "?tab=single").content.decode()
    assert 'hx-get="/orgs/create/full-name/"' in single


# --- 批量创建 (ORG-08, BEY-03) ------------------------------------------------------------------


def test_template_has_the_columns_dropdown_and_rules(tree, uni_client):
    """ORG-08: the template has 组织简称 and 组织类别 (required), a dropdown of the four creatable
    categories, instructions quoting the seed's naming rules, and the marker sheet."""
    r = uni_client.get(TEMPLATE)
    assert r.status_code == 200 and r["Content-Type"] == XLSX_TYPE
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    ws = wb.worksheets[0]
    assert [ws.cell(1, 1).value, ws.cell(1, 2).value] == ["组织简称", "组织类别"]
    assert ws.cell(1, 1).font.color.rgb.endswith("C00000") and ws.cell(1, 2).font.color.rgb.endswith("C00000")
    marker = wb[MARKER_SHEET]
    assert marker["A1"].value == "suborgs-v1" and marker.sheet_state == "hidden"
    assert [marker.cell(r, 2).value for r in range(2, 6)] == ["团委", "团工委", "团总支", "团支部"]
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == f"={MARKER_SHEET}!$B$2:$B$5" and "B2" in str(dv.sqref)
    notes = "\n".join(c.value or "" for c in wb["填写说明"]["A"])
    for text in (
        "基层团组织简称为“单位/行政区划名称+团委/团总支/团支部”",  # the seed's words
        "学校班级团支部以“(专业)入学年份+班号+团支部”命名",
        "团工委以“团工委”结尾",
        "2017级1班团支部",
        "计算机专业2017级3班团支部",
        "不要使用公式",
    ):
        assert text in notes


MIXED = [
    ("计算机学院团委", "团委"),  # 2 created
    ("机关团总支", "团总支"),  # 3 created
    ("2017级1班团支部", "团支部"),  # 4 created
    ("包装车间团委", "团支部"),  # 5 suffix contradicts the category
    ("计算机学院团委", "团委"),  # 6 duplicate of row 2 in the same file
    ('=CONCATENATE("某某","团支部")', "团支部"),  # 7 formula
    ("团测试区委", "团的领导机关"),  # 8 not creatable
    ("某某团支部", "支部"),  # 9 not a category
    (None, "团支部"),  # 10 no name
    ("学院A团委", "团委"),  # 11 already exists: not created again
    ("2017级一班团支部", "团支部"),  # 12 bad class branch
    ("某某团支部", None),  # 13 no category
]


def test_batch_reports_every_row_and_creates_the_good_ones(tree, uni_client):
    """ORG-08 / ORG-04 / ORG-05: each row is 已创建, 已存在（未重复创建） or 失败 with its reason; failed
    rows don't stop the good ones; full names are generated; each creation is audited."""
    r = uni_client.post(BATCH, {"file": upload(rows=MIXED)})
    assert r.status_code == 200
    got = statuses(r)
    assert {n: s for n, (s, _) in got.items()} == {
        2: "created",
        3: "created",
        4: "created",
        5: "failed",
        6: "failed",
        7: "failed",
        8: "failed",
        9: "failed",
        10: "failed",
        11: "exists",
        12: "failed",
        13: "failed",
    }
    # Issue 21: every reason opens with its column, "列名：说明".
    assert got[5][1].startswith("组织简称：") and "组织类别为团支部时，组织简称须以“团支部”结尾" in got[5][1]
    assert got[6][1].startswith("组织简称：与第2行重复")
    assert got[7][1].endswith("：单元格中是公式，不支持公式，请直接填写文字。")
    assert got[8][1].startswith("组织类别：") and "团的领导机关已由系统初始化" in got[8][1]
    assert got[9][1].startswith("组织类别：“支部”无效")
    assert got[10][1] == "组织简称：不能为空。"
    assert got[12][1].startswith("组织简称：") and "班号为数字" in got[12][1]
    assert got[13][1].startswith("组织类别：不能为空")
    html = r.content.decode()
    assert "共12行：已创建3个，已存在（未重复创建）1个，失败8个。" in html
    assert "已存在（未重复创建）" in html and 'href="/orgs/create/errors/"' in html
    assert children_of(tree.uni) == {
        "学院A团委": "committee",
        "学院B团委": "committee",
        "计算机学院团委": "committee",
        "机关团总支": "general_branch",
        "2017级1班团支部": "branch",
    }
    assert Organization.objects.get(name="计算机学院团委").full_name == "测试大学计算机学院团委"
    assert Organization.objects.get(name="2017级1班团支部").is_branch_kind
    logs = AuditLog.objects.filter(action="create", note="批量创建下级组织")
    assert logs.count() == 3 and all(log.actor is not None and log.acting_org_id == tree.uni.pk for log in logs)
    assert_forest_consistent()


def test_reupload_creates_no_duplicates_and_the_fixed_error_file_goes_in(tree, uni_client):
    """ORG-08 / BEY-03: uploading the same file again creates nothing new (rows reported as existing);
    the error workbook lists the failed rows with 失败原因 and, corrected, can be uploaded as is."""
    uni_client.post(BATCH, {"file": upload(rows=MIXED)})
    before = Organization.objects.count()
    again = uni_client.post(BATCH, {"file": upload(rows=MIXED)})
    assert again.status_code == 200
    assert "已创建0个，已存在（未重复创建）4个，失败8个" in again.content.decode()
    assert Organization.objects.count() == before

    r = uni_client.get(ERRORS)
    assert r.status_code == 200 and r["Content-Type"] == XLSX_TYPE
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == ["组织简称", "组织类别", "失败原因"]
    failed = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(failed) == 8
    assert failed[0][:2] == ["包装车间团委", "团支部"] and "须以“团支部”结尾" in failed[0][2]
    # the formula comes back as text, not as a live formula
    assert failed[2][0].startswith("'=CONCATENATE")
    # fix two rows in the downloaded file and upload it, 失败原因 column and all
    ws.cell(2, 1, "包装车间团支部")
    ws.cell(8, 1, "2017级2班团支部")
    buf = io.BytesIO()
    wb.save(buf)
    fixed = uni_client.post(BATCH, {"file": upload(content=buf.getvalue())})
    assert fixed.status_code == 200
    assert "已创建2个" in fixed.content.decode()
    assert {"包装车间团支部", "2017级2班团支部"} <= set(children_of(tree.uni))
    assert_forest_consistent()


def test_error_download_needs_this_sessions_upload(tree, uni_client, login):
    """BEY-03: the failed rows are kept per session and org; without them the download says so."""
    r = uni_client.get(ERRORS)
    assert r.status_code == 302 and r["Location"] == CREATE
    assert "没有可下载的失败数据" in uni_client.get(CREATE).content.decode()
    uni_client.post(BATCH, {"file": upload(rows=[("包装车间团委", "团支部")])})
    assert uni_client.get(ERRORS).status_code == 200
    # another admin of another org, even given the same token, gets nothing
    token = uni_client.session["suborg_import_errors"]
    other = login(f.admin_of(tree.col_a, "学院管理员"))
    session = other.session
    session["suborg_import_errors"] = token
    session.save()
    assert other.get(ERRORS).status_code == 302


def test_all_rows_failed_is_refused(tree, uni_client):
    """SEC-06: a file whose rows all fail is refused: back to the form's GET page (post/redirect/get),
    which shows each row's reason once and the error workbook link; nothing is created."""
    before = Organization.objects.count()
    r = uni_client.post(BATCH, {"file": upload(rows=[("包装车间团委", "团支部"), ("某某团支部", "团的领导机关")])})
    html = refused_page(uni_client, r)
    assert "失败2个" in html and 'id="download-errors"' in html
    assert html.count('class="table-danger"') == 2
    assert Organization.objects.count() == before
    assert 'id="batch-results"' not in uni_client.get(r["Location"]).content.decode()  # once
    assert uni_client.get(ERRORS).status_code == 200


def test_general_branch_batch_creates_branches_only(tree, login):
    """ORG-08 (decision): rows asking a 团总支 for anything but 团支部 fail with the reason."""
    general = f.OrgFactory(name="机关团总支", parent=tree.uni, category=OrgCategory.GENERAL_BRANCH)
    c = login(f.admin_of(general))
    r = c.post(BATCH, {"file": upload(rows=[("某某团委", "团委"), ("第一团支部", "团支部")])})
    got = statuses(r)
    assert got[2][0] == "failed" and "团总支只能创建团支部" in got[2][1]
    assert got[3][0] == "created"
    assert children_of(general) == {"第一团支部": "branch"}


def test_array_formula_fails_its_row(tree, uni_client):
    """ORG-08 / SEC-05: an array formula is a formula too."""
    wb = batch_template().workbook()
    ws = wb.worksheets[0]
    ws["A2"] = ArrayFormula("A2:A2", '=CONCATENATE("某","团支部")')
    ws["B2"] = "团支部"
    ws["A3"], ws["B3"] = "第二团支部", "团支部"
    buf = io.BytesIO()
    wb.save(buf)
    got = statuses(uni_client.post(BATCH, {"file": upload(content=buf.getvalue())}))
    assert got[2][0] == "failed" and "不支持公式" in got[2][1]
    assert got[3][0] == "created"


def _zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def _with_broken_sheet():
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes([("某某团支部", "团支部")])))
    entries = {i.filename: good.read(i.filename) for i in good.infolist()}
    sheet = entries["xl/worksheets/sheet1.xml"]
    entries["xl/worksheets/sheet1.xml"] = sheet[: len(sheet) // 2]
    return _zip(entries)


def _plain_workbook():
    wb = Workbook()
    wb.active.append(["组织简称", "组织类别"])
    wb.active.append(["某某团支部", "团支部"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


OTHER_TEMPLATE = Template(marker="members-v1", title="团员导入", columns=[Column("组织简称"), Column("组织类别")])
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("下级组织.xls", lambda: xlsx_bytes([("某某团支部", "团支部")]), "只能上传 .xlsx 格式"),
        ("下级组织.csv", lambda: "组织简称,组织类别\n某某团支部,团支部\n".encode(), "只能上传 .xlsx 格式"),
        ("照片.xlsx", lambda: JPEG, "不是有效的 .xlsx 文件"),
        ("截断.xlsx", lambda: xlsx_bytes([("某某团支部", "团支部")])[:3000], "不是有效的 .xlsx 文件"),
        ("压缩包.xlsx", lambda: _zip({"readme.txt": "not a workbook"}), "文件无法读取"),
        ("坏表.xlsx", _with_broken_sheet, "文件无法读取"),
        ("空.xlsx", lambda: b"", "上传的文件是空的"),
        ("别的表.xlsx", _plain_workbook, "不是“创建下级组织”模板"),
        (
            "团员.xlsx",
            lambda: xlsx_bytes([("某某团支部", "团支部")], template=OTHER_TEMPLATE),
            "不是“创建下级组织”模板",
        ),
        ("少列.xlsx", lambda: xlsx_bytes([("某某团支部",)], header=["组织简称"]), "缺少列：组织类别"),
        (
            "多列.xlsx",
            lambda: xlsx_bytes([("某某团支部", "团支部", "123")], header=["组织简称", "组织类别", "联系电话"]),
            "多出列：联系电话",
        ),
        (
            "重复列.xlsx",
            lambda: xlsx_bytes([("某某团支部", "团支部", "x")], header=["组织简称", "组织类别", "组织简称"]),
            "重复的列：组织简称",
        ),
        ("没数据.xlsx", lambda: xlsx_bytes([]), "没有要创建的组织"),
    ],
)
def test_bad_files_are_refused_whole(tree, uni_client, name, content, message):
    """ORG-08 / SEC-05 / SEC-06: a file that is not the filled-in template (wrong type, renamed
    picture, corrupt zip or XML, empty, another workbook or template, missing / extra / doubled
    columns, no rows) gets a clear message back on the form's page (303); nothing is created."""
    before = Organization.objects.count()
    r = uni_client.post(BATCH, {"file": SimpleUploadedFile(name, content(), content_type=XLSX_TYPE)})
    html = refused_page(uni_client, r)
    assert message in html and "导入失败" in html
    assert 'id="batch-results"' not in html
    assert Organization.objects.count() == before


def test_no_file_is_refused(tree, uni_client):
    """SEC-06: posting the upload form without a file asks for one."""
    r = uni_client.post(BATCH, {})
    assert "请选择要上传的 Excel 文件" in refused_page(uni_client, r)


def test_too_many_rows_is_refused_whole(tree, uni_client, settings):
    """ORG-08 / SEC-06: more rows than the limit (a setting) is refused as a whole: nothing created."""
    settings.ZHTJ = {**settings.ZHTJ, "SUBORG_BATCH_MAX_ROWS": 5}
    rows = [(f"第{i}车间团支部", "团支部") for i in range(6)]
    before = Organization.objects.count()
    r = uni_client.post(BATCH, {"file": upload(rows=rows)})
    assert "一次最多导入 5 行" in refused_page(uni_client, r)
    assert Organization.objects.count() == before


def test_two_thousand_rows_in_a_few_queries(tree, uni_client, django_assert_max_num_queries):
    """ORG-08: a 2000-row file (the limit) creates every row with a constant number of queries
    (existing names loaded once, one shift of the tree, bulk inserts); the tree stays consistent.
    SQLite's bound-parameter limit splits a bulk insert into ~30-row statements, PostgreSQL's
    batches are 500 rows: either way far fewer queries than rows."""
    rows = [(f"第{i}车间团支部", "团支部") for i in range(1, 1999)] + [
        ("学院A团委", "团委"),
        ("第1车间团支部", "团支部"),
    ]
    file = upload(rows=rows)
    with django_assert_max_num_queries(150):
        r = uni_client.post(BATCH, {"file": file})
    assert r.status_code == 200
    assert "共2000行：已创建1998个，已存在（未重复创建）1个，失败1个。" in r.content.decode()
    assert Organization.objects.filter(parent=tree.uni, category=OrgCategory.BRANCH).count() == 1998
    assert AuditLog.objects.filter(action="create", note="批量创建下级组织").count() == 1998
    assert_forest_consistent()
    # the ancestors' bounds grew with the tree: the new orgs are in every ancestor's subtree
    tree.central.refresh_from_db()
    tree.uni.refresh_from_db()
    assert tree.central.subtree().count() == Organization.objects.count()
    assert tree.uni.get_descendant_count() == 2 + 2 + 1998


def test_batch_respects_sort_order_like_mptt(tree, uni_client):
    """ORG-08: new orgs go where a single MPTT insert would put them (before a sibling with a
    higher 组织排序), and the tree stays consistent around them."""
    late = f.OrgFactory(name="末位团委", parent=tree.uni, sort_order=9)
    f.branch(late, "末位一团支部")
    uni_client.post(BATCH, {"file": upload(rows=[("新甲团委", "团委"), ("新乙团委", "团委")])})
    assert_forest_consistent()
    order = list(Organization.objects.filter(parent=tree.uni).order_by("lft").values_list("name", flat=True))
    assert order == ["学院A团委", "学院B团委", "新甲团委", "新乙团委", "末位团委"]
    create_suborg(tree.uni, "新丙团委", OrgCategory.COMMITTEE, "测试大学新丙团委")
    order = list(Organization.objects.filter(parent=tree.uni).order_by("lft").values_list("name", flat=True))
    assert order[-2:] == ["新丙团委", "末位团委"]
    assert_forest_consistent()


def test_created_orgs_show_in_manage_sub_orgs(tree, uni_client):
    """ORG-08: what was created is listed in 管理下级组织 with its per-row actions (删除 among them)."""
    uni_client.post(BATCH, {"file": upload(rows=[("计算机学院团委", "团委")])})
    html = uni_client.get("/orgs/children/").content.decode()
    new = Organization.objects.get(name="计算机学院团委")
    assert f'data-org="{new.pk}"' in html and f'action="/orgs/{new.pk}/delete/"' in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serializes writers)")
def test_concurrent_batches_keep_the_tree_whole(tree):
    """ORG-08 / SEC-04: batches uploaded at the same moment under different parents of one tree,
    and twice under the same parent, take turns: the bounds stay consistent and nothing is
    created twice."""

    def rows(prefix):
        return [Row(i + 2, {NAME: f"{prefix}{i}团支部", CATEGORY: "团支部"}, []) for i in range(60)]

    jobs = [(tree.col_a, "甲"), (tree.col_b, "乙"), (tree.col_a, "甲"), (tree.uni, "丙"), (tree.col_a, "丁")]
    at_once(lambda parent, prefix: import_suborgs(parent, rows(prefix)), jobs)
    assert_forest_consistent()
    assert Organization.objects.filter(parent=tree.col_a, name__startswith="甲").count() == 60
    assert Organization.objects.filter(parent=tree.col_a, name__startswith="丁").count() == 60
    assert Organization.objects.filter(parent=tree.col_b).count() == 61
    assert Organization.objects.filter(parent=tree.uni, name__startswith="丙").count() == 60


def test_an_oversized_batch_file_is_refused_before_it_is_read(tree, uni_client, settings):
    """SEC-05 / ORG-08: 批量创建 declares the Excel upload limit like the other uploads: a body
    announced larger than EXCEL_MAX_BYTES (default 10 MB; here 11 MB) is refused at its first file
    part -- the server reads well under a megabyte of it -- with the limit; nothing is created."""
    from tests.uploads import post_file_streamed

    before = Organization.objects.count()
    too_large = settings.ZHTJ["EXCEL_MAX_BYTES"] + 1024 * 1024
    response, consumed = post_file_streamed(
        uni_client, BATCH, filename="下级组织.xlsx", file_bytes=b"PK" + b"0" * too_large, fields=[("_once", "big-1")]
    )
    assert "文件过大：不能超过 10 MB" in refused_page(uni_client, response)
    assert consumed < 1024 * 1024
    assert Organization.objects.count() == before


def test_a_batch_file_growing_past_the_limit_is_stopped_while_streaming(tree, uni_client, settings):
    """SEC-05: a body small enough to be announced but with a file over the limit (limit set to
    1000 bytes here) is stopped at the chunk that crosses it, with the same message."""
    settings.ZHTJ = {**settings.ZHTJ, "EXCEL_MAX_BYTES": 1000}
    r = uni_client.post(BATCH, {"file": upload(rows=[(f"第{i}团支部", "团支部") for i in range(1, 200)])})
    assert "文件过大：不能超过" in refused_page(uni_client, r)
    assert r.wsgi_request.upload_too_large


# --- The services themselves, word for word (issue 22) ----------------------------------------


def test_template_word_for_word(settings):
    """ORG-08: the template's columns (both required, the category a dropdown of the four
    creatable categories), its instructions as the users read them, and the row limit of the
    setting (default 2000)."""
    assert settings.ZHTJ["SUBORG_BATCH_MAX_ROWS"] == 2000
    assert batch_template() == Template(
        marker="suborgs-v1",
        title="创建下级组织",
        columns=[
            Column("组织简称", required=True, width=40),
            Column("组织类别", required=True, choices=("团委", "团工委", "团总支", "团支部"), width=16),
        ],
        instructions=[
            "批量创建下级组织 填写说明",
            "1. 每行填写一个要创建的直属下级团组织：“组织简称”和“组织类别”均为必填（红色列名）。",
            "2. “组织类别”请从下拉列表中选择：团委、团工委、团总支、团支部。团总支只能创建团支部。",
            "3. " + NAMING_RULES,
            "4. 组织简称的结尾须与组织类别一致：团委以“团委”结尾、团工委以“团工委”结尾、团总支以“团总支”结尾、"
            "团支部以“团支部”结尾；组织简称中不能有空格，同一上级组织下不能重名。",
            "5. 团的领导机关已初始化到系统，无需再次创建。",
            "6. 组织全称由系统根据上级组织和组织简称自动生成，创建后可在“管理下级组织”中查看、核对。",
            "7. 请直接填写文字，不要使用公式；不要增删、改名列，不要修改隐藏的工作表。一次最多导入2000行。",
            "8. 上传后系统逐行给出结果：已创建、已存在（未重复创建）或失败原因。可下载失败数据，按“失败原因”修改后重新上传；"
            "已创建的组织不会重复创建。",
        ],
        max_rows=2000,
    )
    settings.ZHTJ = {**settings.ZHTJ, "SUBORG_BATCH_MAX_ROWS": 300}
    assert batch_template().max_rows == 300 and batch_template().instructions[7].endswith("一次最多导入300行。")


def _rows(*specs):
    """excel.Row objects numbered from 2, as read from an upload: (values, formula columns)."""
    return [Row(n, values, formulas) for n, (values, formulas) in enumerate(specs, start=2)]


def test_batch_refusals_word_for_word(tree):
    """ORG-08 / BEY-03: each failed row's reason exactly, "列名：说明": formulas in both columns,
    a missing name or category (a row without the cell at all), a category off the list, a name
    twice in the file, a category the parent may not create, a name a child of another category
    already has (a 毕业生团组织 named like a 团支部)."""
    f.OrgFactory(name="2020届毕业生团支部", parent=tree.uni, category=OrgCategory.GRADUATE)
    rows = _rows(
        ({NAME: "=A1", CATEGORY: "=B1"}, [NAME, CATEGORY]),
        ({CATEGORY: "团支部"}, []),
        ({NAME: "某某团支部"}, []),
        ({NAME: "某某团支部", CATEGORY: "支部"}, []),
        ({NAME: "某某团支部", CATEGORY: "团支部"}, []),
        ({NAME: "某某团支部", CATEGORY: "团支部"}, []),
        ({NAME: "团测试区委", CATEGORY: "团的领导机关"}, []),
        ({NAME: "2020届毕业生团支部", CATEGORY: "团支部"}, []),
        ({NAME: "学院A团委", CATEGORY: "团委"}, []),
    )
    results = import_suborgs(tree.uni, rows)
    assert [(r.number, r.status, r.reason) for r in results] == [
        (2, "failed", "组织简称、组织类别：单元格中是公式，不支持公式，请直接填写文字。"),
        (3, "failed", "组织简称：不能为空。"),
        (4, "failed", "组织类别：不能为空，请从下拉列表中选择。"),
        (5, "failed", "组织类别：“支部”无效，请从下拉列表中选择：团委、团工委、团总支、团支部。"),
        (6, "created", ""),
        (7, "failed", "组织简称：与第6行重复，同一文件中组织简称不能重复。"),
        (8, "failed", "组织类别：" + category_problem(tree.uni, OrgCategory.LEADERSHIP)),
        (
            9,
            "failed",
            "组织简称：" + short_name_problem("2020届毕业生团支部", OrgCategory.BRANCH, {"2020届毕业生团支部"}),
        ),
        (10, "exists", ""),
    ]
    assert "不能重复" in results[7].reason
    assert children_of(tree.uni) == {
        "学院A团委": "committee",
        "学院B团委": "committee",
        "2020届毕业生团支部": "graduate",
        "某某团支部": "branch",
    }


def _batch_logs():
    return {log.object_id: log for log in AuditLog.objects.filter(note="批量创建下级组织")}


def test_batch_goes_before_the_first_sibling_sorted_after_it(tree):
    """ORG-08: new orgs go before the first sibling with a 组织排序 above 0 (here 1), with their
    depth and kind; each, and only each, gets its audit row with what it was created as."""
    last = f.OrgFactory(name="排序一团委", parent=tree.uni, sort_order=1)
    f.branch(last, "排序一团支部")
    rows = _rows(
        ({NAME: "新甲团委", CATEGORY: "团委"}, []),
        ({NAME: "新乙团总支", CATEGORY: "团总支"}, []),
        ({NAME: "新丙团支部", CATEGORY: "团支部"}, []),
    )
    assert [r.status for r in import_suborgs(tree.uni, rows)] == ["created"] * 3
    assert_forest_consistent()
    order = list(Organization.objects.filter(parent=tree.uni).order_by("lft").values_list("name", flat=True))
    assert order == ["学院A团委", "学院B团委", "新甲团委", "新乙团总支", "新丙团支部", "排序一团委"]
    new = list(Organization.objects.filter(name__startswith="新").order_by("lft"))
    assert [(o.category, o.is_branch_kind, o.level, o.full_name) for o in new] == [
        ("committee", False, tree.uni.level + 1, "测试大学新甲团委"),
        ("general_branch", False, tree.uni.level + 1, "测试大学新乙团总支"),
        ("branch", True, tree.uni.level + 1, "测试大学新丙团支部"),
    ]
    logs = _batch_logs()
    assert set(logs) == {o.pk for o in new}
    for o in new:
        assert logs[o.pk].action == "create"
        assert logs[o.pk].changes == {
            "name": [None, o.name],
            "full_name": [None, o.full_name],
            "category": [None, o.category],
            "parent_id": [None, tree.uni.pk],
        }


def test_batch_under_a_leadership_organ_starts_a_tree_each(tree):
    """ORG-08 / ORG-05: under a leadership organ (团青岛市委) each new org is the root of a tree of
    its own, in the organ's block of tree ids; the three are all audited, none other."""
    rows = _rows(*(({NAME: name, CATEGORY: "团委"}, []) for name in ("甲大学团委", "乙大学团委", "丙大学团委")))
    assert [r.status for r in import_suborgs(tree.city, rows)] == ["created"] * 3
    assert_forest_consistent()
    new = list(Organization.objects.filter(name__in=["甲大学团委", "乙大学团委", "丙大学团委"]).order_by("tree_id"))
    assert [o.name for o in new] == ["甲大学团委", "乙大学团委", "丙大学团委"]
    assert [(o.lft, o.rght, o.tree_level, o.tree_parent_id, o.level) for o in new] == [(1, 2, 0, None, 3)] * 3
    assert [o.tree_id - new[0].tree_id for o in new] == [0, 1, 2]
    logs = _batch_logs()
    assert set(logs) == {o.pk for o in new}
    assert all(logs[o.pk].changes["parent_id"] == [None, tree.city.pk] for o in new)


def test_create_suborg_itself(tree):
    """ORG-05 / ORG-08: the service creates the org as given, and refuses (category first, then the
    short name, then the full name) with the rule's own words."""
    org = create_suborg(tree.uni, "软件学院团委", OrgCategory.COMMITTEE, "共青团测试大学软件学院委员会")
    org.refresh_from_db()
    assert (org.parent, org.name, org.full_name, org.category) == (
        tree.uni,
        "软件学院团委",
        "共青团测试大学软件学院委员会",
        "committee",
    )
    refusals = [
        ((tree.uni, "某团委", OrgCategory.LEADERSHIP, "某"), category_problem(tree.uni, OrgCategory.LEADERSHIP)),
        ((tree.uni, "某团支部", OrgCategory.COMMITTEE, "某"), short_name_problem("某团支部", OrgCategory.COMMITTEE)),
        ((tree.uni, "某团委", OrgCategory.COMMITTEE, "=某"), full_name_problem("=某")),
    ]
    for args, message in refusals:
        assert message
        with pytest.raises(SubOrgRefused) as refused:
            create_suborg(*args)
        assert str(refused.value) == message
    assert_forest_consistent()


def test_batch_goes_before_the_leftmost_of_siblings_sorting_alike(tree):
    """ORG-08: of two siblings with the same 组织排序, the new orgs go before the left one, whatever
    order the database hands them back in (here the left one was created second, then given the
    same 组织排序 as the right one)."""
    right = f.OrgFactory(name="右团委", parent=tree.uni, sort_order=1)
    left = f.OrgFactory(name="左团委", parent=tree.uni, sort_order=0)
    Organization.objects.filter(pk=left.pk).update(sort_order=1)
    import_suborgs(tree.uni, _rows(({NAME: "新甲团委", CATEGORY: "团委"}, [])))
    assert_forest_consistent()
    order = list(Organization.objects.filter(parent=tree.uni).order_by("lft").values_list("name", flat=True))
    assert order == ["学院A团委", "学院B团委", "新甲团委", "左团委", "右团委"]
    assert right.pk < left.pk


def _locked(queries, *conditions):
    return any("FOR UPDATE" in q["sql"] and all(c in q["sql"] for c in conditions) for q in queries)


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite takes no row locks")
def test_each_change_locks_its_trees_root_then_the_org(tree):
    """ORG-08 / ORG-13 / SEC-04: creating (one or a batch) and deleting lock the root row of the
    parent's tree -- not another tree's, not the table's first row -- then the org itself."""
    root = (f'"orgs_organization"."tree_id" = {tree.uni.tree_id}', '"orgs_organization"."lft" = 1')
    org = f'"orgs_organization"."id" = {tree.col_a.pk}'
    with CaptureQueriesContext(connection) as one:
        create_suborg(tree.col_a, "甲团支部", OrgCategory.BRANCH, "甲团支部")
    with CaptureQueriesContext(connection) as batch:
        import_suborgs(tree.col_a, _rows(({NAME: "乙团支部", CATEGORY: "团支部"}, [])))
    for captured in (one, batch):
        assert _locked(captured.captured_queries, *root) and _locked(captured.captured_queries, org)
    with CaptureQueriesContext(connection) as deleting:
        delete_suborg(Organization.objects.get(name="甲团支部"))
    assert _locked(deleting.captured_queries, *root)
