"""组织录入情况 (录入进度督导, ORG-11, BEY-01) and the entry-progress login prompt (OPC-03).

Absolute levels on the `tree` fixture: 团中央 一级, 团山东省委 二级, 团青岛市委 三级, 测试大学团委 四级,
学院A/B团委 五级, A1/B1团支部 六级.
"""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from members.choices import PostTitle
from members.models import CadrePost
from orgs import completeness
from orgs.choices import Industry, OrgCategory
from orgs.models import AdminRegistrationCode, Organization
from orgs.prompts import entry_progress
from tests import factories as f

URL = "/orgs/progress/"
EXPORT = "/orgs/progress/export/"
STAFFING = ("admin_staff_quota", "admin_staff_actual", "career_staff_quota", "career_staff_actual")
NOON = datetime(2026, 11, 22, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


def make_complete(org):
    Organization.objects.filter(pk=org.pk).update(
        industry=Industry.UNIVERSITY,
        secretary_name="书记",
        secretary_id_number="370211199001011233",
        secretary_mobile="13912345678",
        **dict.fromkeys(STAFFING, 0),
    )
    person = f.person(f"{org.name}书记", mobile="13800000000", password="Zhtj-pass-2026")
    CadrePost.objects.create(person=person, org=org, title=PostTitle.SECRETARY)


def mark_logged_in(org):
    Organization.objects.filter(pk=org.pk).update(first_admin_login_at=timezone.now())


def code_for(org, code, **kw):
    kw.setdefault("expires_at", timezone.now() + timedelta(days=20))
    return AdminRegistrationCode.objects.create(org=org, code=code, **kw)


def summary(response):
    return re.search(r'<p id="progress-summary">(.*?)</p>', response.content.decode()).group(1)


def tabs(response):
    block = re.search(r'id="progress-tabs">(.*?)</ul>', response.content.decode(), re.S).group(1)
    return re.findall(r'href="\?level=(\d+)">(\S+?)组织录入情况</a>', block)


def active_tab(response):
    return re.search(
        r'nav-link text-nowrap active" aria-current="page" href="\?level=(\d+)"', response.content.decode()
    )[1]


def table_rows(response):
    body = re.search(r'<table[^>]*id="progress-table">.*?<tbody>(.*?)</tbody>', response.content.decode(), re.S)[1]
    rows = []
    for tr in re.findall(r"<tr data-org=\"\d+\">(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", td).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows.append(cells)
    return rows


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def workbook_rows(response):
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def staged(tree):
    """五级 below 团青岛市委: 学院A团委 (logged in, complete, has a branch), 学院B团委 (has a branch),
    学院C团委 (nothing yet)."""
    col_c = f.OrgFactory(name="学院C团委", full_name="测试大学学院C团委", parent=tree.uni)
    mark_logged_in(tree.col_a)
    make_complete(tree.col_a)
    tree.col_c = col_c
    return tree


# --- the summary sentence -------------------------------------------------------------------------


def test_summary_sentence_in_the_seed_shape(login, staged):
    """ORG-11: the sentence counts the level's orgs, logged in or not, complete or not, with direct
    sub-orgs or not — in the seed's words, stamped to the hour."""
    c = login(f.admin_of(staged.city))
    with time_machine.travel(NOON, tick=False):
        r = c.get(URL, {"level": 5})
    assert r.status_code == 200
    assert summary(r) == (
        "截至2026年11月22日14时，团青岛市委下共有五级组织3个，其中1个已登录系统，2个未登录系统；"
        "1个已完整录入本组织信息，2个未完整录入本组织信息；2个已创建直属下级组织，1个未创建直属下级组织，"
        "具体情况见下表："
    )
    assert active_tab(r) == "5"


def test_summary_is_one_aggregate_query(staged, django_assert_num_queries):
    """ORG-11: the figures of a level come from one aggregate, the depth for the tabs from one more
    (both index range scans, whatever the size of the subtree)."""
    with django_assert_num_queries(2):
        figures = completeness.level_summary(staged.uni, 5)
    assert figures == {"deepest": 6, "total": 3, "logged_in": 1, "complete": 1, "with_children": 2}


def test_figures_are_live(login, staged):
    """BEY-01: a change shows at once, not after an hourly refresh."""
    c = login(f.admin_of(staged.uni))
    assert "其中1个已登录系统" in summary(c.get(URL))
    mark_logged_in(staged.col_b)
    make_complete(staged.col_c)
    s = summary(c.get(URL))
    assert "其中2个已登录系统，1个未登录系统；2个已完整录入本组织信息，1个未完整录入本组织信息" in s


# --- tabs -----------------------------------------------------------------------------------------


def test_tabs_are_the_levels_below_the_acting_org(login, tree):
    """ORG-11: 团中央 sees 二级…六级; a city committee 四级…六级, opening on 四级."""
    r = login(f.admin_of(tree.central)).get(URL)
    assert tabs(r) == [("2", "二级"), ("3", "三级"), ("4", "四级"), ("5", "五级"), ("6", "六级")]
    assert active_tab(r) == "2"
    assert "团中央下共有二级组织1个" in summary(r)
    r = login(f.admin_of(tree.city)).get(URL)
    assert tabs(r) == [("4", "四级"), ("5", "五级"), ("6", "六级")]
    assert active_tab(r) == "4"


def test_deeper_trees_get_more_tabs(login, tree):
    """ORG-01 / ORG-11: a tree deeper than 六级 shows 七级, 八级 … tabs too."""
    grade = f.OrgFactory(name="2024级团总支", parent=tree.col_a, category=OrgCategory.GENERAL_BRANCH)
    klass = f.OrgFactory(name="1班团总支", parent=grade, category=OrgCategory.GENERAL_BRANCH)
    f.branch(klass, "1组团支部")
    c = login(f.admin_of(tree.city))
    r = c.get(URL, {"level": 8})
    assert [label for _, label in tabs(r)] == ["四级", "五级", "六级", "七级", "八级"]
    assert active_tab(r) == "8"
    assert [row[0] for row in table_rows(r)] == ["1组团支部"]


def test_a_low_org_still_gets_the_level_below(login, tree):
    """ORG-11: an org at 六级 or deeper still has a tab for the level below it (empty if no sub-orgs)."""
    grade = f.OrgFactory(name="2024级团总支", parent=tree.col_a, category=OrgCategory.GENERAL_BRANCH)
    r = login(f.admin_of(grade)).get(URL)
    assert r.status_code == 200
    assert tabs(r) == [("7", "七级")]
    assert "下共有七级组织0个" in summary(r)
    assert "该层级暂无组织" in r.content.decode()


@pytest.mark.parametrize("level", ["abc", "1", "3", "-4", "4.5", "99", "7", "٥", "9" * 30, ""])
def test_bad_level_falls_back_to_the_first_tab(login, tree, level):
    """ORG-11 / SEC-06: ?level= that is not a level below the acting org (text, above it, beyond the
    tree) shows the first tab with a message — never a 500."""
    r = login(f.admin_of(tree.city)).get(URL, {"level": level})
    assert r.status_code == 200
    assert active_tab(r) == "4"
    if level:
        assert "所选层级无效，已显示四级组织录入情况。" in messages_of(r)
    e = login(f.admin_of(tree.city)).get(EXPORT, {"level": level})
    assert e.status_code == 200
    assert workbook_rows(e)[1][0] == "测试大学团委"


# --- the table ------------------------------------------------------------------------------------


def test_table_columns(login, staged):
    """ORG-11: 组织简称 (全称 as tooltip), 是否已登录过系统, 组织信息是否完整, 是否已创建下级组织,
    组织管理员, 联系电话 and the open 管理员注册码 of each direct sub-org."""
    uni = staged.uni
    f.admin_of(staged.col_a, "甲管理员")
    f.admin_of(staged.col_a, "乙管理员")
    Organization.objects.filter(pk=staged.col_a.pk).update(phone="0532-86981234")
    code_for(staged.col_b, "OPENb234")
    code_for(staged.col_b, "OLDb2345", created_at=timezone.now() - timedelta(days=1))
    code_for(staged.col_c, "USEDc234", used_at=timezone.now())
    code_for(staged.col_c, "EXPc2345", expires_at=timezone.now() - timedelta(minutes=1))
    code_for(staged.col_c, "JOBc2345", expired=True)
    r = login(f.admin_of(uni)).get(URL)
    assert table_rows(r) == [
        ["学院A团委", "是", "是", "是", "甲管理员、乙管理员", "0532-86981234", "—"],
        ["学院B团委", "否", "否", "是", "—", "—", "OPENb234"],
        ["学院C团委", "否", "否", "否", "—", "—", "—"],
    ]
    assert 'title="测试大学学院C团委">学院C团委</a>' in r.content.decode()


def test_codes_only_for_direct_sub_orgs(login, staged):
    """ORG-09 / ORG-11: 管理员注册码 belong to the direct superior; deeper levels show "—"."""
    code_for(staged.branch_a, "BRANa234")
    r = login(f.admin_of(staged.uni)).get(URL, {"level": 6})
    assert [row[0] for row in table_rows(r)] == ["A1团支部", "B1团支部"]
    assert {row[-1] for row in table_rows(r)} == {"—"}
    r = login(f.admin_of(staged.col_a)).get(URL, {"level": 6})
    assert table_rows(r)[0][-1] == "BRANa234"


def test_sibling_subtrees_are_not_listed(login, tree):
    """ROLE-02 / ORG-11: a college sees its own branches only, and its figures count them only."""
    r = login(f.admin_of(tree.col_a)).get(URL)
    assert [row[0] for row in table_rows(r)] == ["A1团支部"]
    assert "学院A团委下共有六级组织1个" in summary(r)


def test_branch_admin_is_refused(login, tree):
    """ORG-11: the page is for committees and leadership organs; a branch admin gets 403."""
    c = login(f.admin_of(tree.branch_a))
    assert c.get(URL).status_code == 403
    assert c.get(EXPORT).status_code == 403


def test_pagination_fifty_a_page(login, tree):
    """ORG-11: the table shows 50 orgs a page; ?page=999 shows the last page, ?page=abc the first."""
    for i in range(120):
        f.branch(tree.col_a, f"{i:03d}班团支部")
    c = login(f.admin_of(tree.col_a))
    first = table_rows(c.get(URL))
    assert len(first) == 50 and [row[0] for row in first[:2]] == ["A1团支部", "000班团支部"]
    last = c.get(URL, {"page": 3})
    assert len(table_rows(last)) == 21
    assert "第 3 / 3 页，共 121 个组织" in last.content.decode()
    assert 'href="?page=2"' in last.content.decode()  # the request's parameters, and the page
    assert 'href="?level=6&amp;page=2"' in c.get(URL, {"level": 6, "page": 3}).content.decode()
    assert table_rows(c.get(URL, {"page": 999})) == table_rows(last)
    assert table_rows(c.get(URL, {"page": "abc"})) == first
    assert table_rows(c.get(URL, {"page": "-1"})) == table_rows(last)


# --- the download ---------------------------------------------------------------------------------


def test_export_has_the_whole_level(login, staged):
    """ORG-11 / BEY-07: 下载录入情况 writes every org of the level (no page cap) with the table's
    columns; cells that look like formulas are neutralized (SEC-05)."""
    for i in range(60):
        f.branch(staged.col_b, f"{i:02d}班团支部")
    f.branch(staged.col_b, '=HYPERLINK("http://x")团支部')
    f.admin_of(staged.branch_a, "支书")
    r = login(f.admin_of(staged.uni)).get(EXPORT, {"level": 6})
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in r["Content-Disposition"]
    rows = workbook_rows(r)
    assert rows[0] == [
        "组织简称",
        "组织全称",
        "上级组织",
        "是否已登录过系统",
        "组织信息是否完整",
        "是否已创建下级组织",
        "组织管理员",
        "联系电话",
        "管理员注册码",
    ]
    assert len(rows) == 1 + 63
    assert rows[1] == ["A1团支部", "A1团支部", "学院A团委", "否", "否", "否", "支书", None, "—"]
    assert [row[0] for row in rows if "HYPERLINK" in row[0]] == ['\'=HYPERLINK("http://x")团支部']


# --- constant queries -----------------------------------------------------------------------------


def _count(client, url, params):
    client.get(url, params)  # warm up: session, caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def grow(uni, committees=20, branches=15):
    """A few hundred orgs below the university: committees with admins and open codes, branches
    with complete info and secretaries."""
    for i in range(committees):
        col = f.OrgFactory(name=f"扩展{i}学院团委", parent=uni, industry=Industry.UNIVERSITY)
        f.admin_of(col, f"扩展{i}管理员")
        code_for(col, f"GRW{i:05d}")
        for j in range(branches):
            b = f.branch(col, f"扩展{i}-{j}团支部")
            if j % 5 == 0:
                make_complete(b)
                mark_logged_in(b)


def test_page_and_export_run_constant_queries(login, tree, django_assert_max_num_queries):
    """ORG-11: the page and the download run the same number of queries on a tree of a few hundred
    orgs as on a handful: annotations and subqueries, no per-row query."""
    c = login(f.admin_of(tree.uni))
    small = {(url, level): _count(c, url, {"level": level}) for url in (URL, EXPORT) for level in (5, 6)}
    grow(tree.uni)
    assert Organization.objects.count() > 300
    for (url, level), n in small.items():
        with django_assert_max_num_queries(n):  # the same SQL for a longer list (core.pagination)
            r = c.get(url, {"level": level})
            if url == EXPORT:
                assert len(workbook_rows(r)) > (20 if level == 5 else 300)
            else:
                assert len(table_rows(r)) > (20 if level == 5 else 49)


# --- OPC-03: the login prompt ---------------------------------------------------------------------

SUBS_PROMPT = "下级组织信息录入尚未完成：{n}个直属下级组织未完整录入本组织信息"


def prompts_on_home(client):
    return re.findall(
        r'login-prompt" role="alert"><span>(.*?)</span>(?:<a class="btn btn-sm btn-outline-dark" href="([^"]*)")?',
        client.get("/").content.decode(),
    )


def test_committee_is_told_about_incomplete_sub_orgs(login, staged):
    """OPC-03 / ORG-11: a committee admin's home shows how many direct sub-orgs are incomplete, with a
    link to 组织录入情况; the prompt goes away when they are all complete."""
    c = login(f.admin_of(staged.uni))
    assert (SUBS_PROMPT.format(n=2), "/orgs/progress/") in prompts_on_home(c)
    make_complete(staged.col_b)
    make_complete(staged.col_c)
    assert not [p for p in prompts_on_home(c) if "下级组织" in p[0]]


def test_own_org_incomplete_prompt(login, tree):
    """OPC-03 / ORG-07: any admin whose own org is incomplete is sent to fill it in; a branch gets no
    sub-org prompt."""
    c = login(f.admin_of(tree.branch_a))
    found = prompts_on_home(c)
    assert [url for text, url in found if text.startswith("本组织信息尚未完整录入")] == ["/orgs/info/edit/"]
    assert not [p for p in found if "下级组织" in p[0]]
    make_complete(tree.branch_a)
    assert not [p for p in prompts_on_home(c) if p[0].startswith("本组织信息尚未完整录入")]


def test_prompt_is_one_query(tree, django_assert_num_queries):
    """OPC-03: the prompt's figures come from one query; a personal-center request runs none."""

    class Request:
        acting_org = tree.uni

    with django_assert_num_queries(1):
        notes = list(entry_progress(Request()))
    assert [n.text for n in notes][1] == SUBS_PROMPT.format(n=2)
    Request.acting_org = None
    with django_assert_num_queries(0):
        assert not entry_progress(Request())


def test_chinese_level_labels():
    """ORG-11: level labels as the seed writes them."""
    assert [completeness.level_label(n) for n in (2, 6, 10, 11, 20, 23)] == [
        "二级",
        "六级",
        "十级",
        "十一级",
        "二十级",
        "二十三级",
    ]
