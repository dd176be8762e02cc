"""团内大数据 (STAT-01 … STAT-03): age, 民族 and 学历 distributions of an org's subtree as charts
with their tables and Excel downloads; one SQL aggregate per chart; live figures.

The clock stands at 2027-03-10 (Asia/Shanghai).
"""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from members import stats
from members.choices import Education
from members.models import MemberArchive, Person
from tests import factories as f

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2027, 3, 10)


@pytest.fixture(autouse=True)
def _setup(fast_hasher):
    with time_machine.travel(datetime(2027, 3, 10, 10, 0, tzinfo=TZ), tick=False):
        yield


def members(branch, n, start=0, **fields):
    """n members bulk-created in `branch` (no hashing; fields as given)."""
    people = []
    for i in range(start, start + n):
        birth = fields.pop("birth", None) or date(2005, 1, 1)
        people.append(
            Person(id_number=f.new_id_number(birth), name=f"成员{i}", birth_date=birth, branch=branch, **fields)
        )
    return Person.objects.bulk_create(people)


def one(branch, birth, **fields):
    return Person.objects.create(
        id_number=f.new_id_number(birth), name="某团员", gender="M", birth_date=birth, branch=branch, **fields
    )


def test_age_bands_are_computed_as_of_today(tree):
    """STAT-01: ages from birth dates as of today, at the band edges (≤14, 15–18, 19–22, 23–25, 26–28, >28)."""
    b = tree.branch_a
    one(b, date(2012, 3, 11))  # 14 (15th birthday tomorrow)
    one(b, date(2012, 3, 10))  # 15 today
    one(b, date(2008, 3, 11))  # 18
    one(b, date(2008, 3, 10))  # 19
    one(b, date(2001, 3, 10))  # 26
    one(b, date(1998, 3, 11))  # 28
    one(b, date(1998, 3, 10))  # 29
    dist = stats.age_distribution(tree.uni)
    assert dist.rows == [
        ("14岁及以下", 1),
        ("15–18岁", 2),
        ("19–22岁", 1),
        ("23–25岁", 0),
        ("26–28岁", 2),
        ("28岁以上", 1),
    ]
    assert dist.total == 7


def test_leap_day_birthdays(tree):
    """STAT-01: a 29 February birthday turns a year older on 1 March in common years."""
    one(tree.branch_a, date(2012, 2, 29))
    with time_machine.travel(datetime(2027, 2, 28, 10, tzinfo=TZ), tick=False):
        assert stats.age_distribution(tree.uni).rows[0] == ("14岁及以下", 1)
    with time_machine.travel(datetime(2027, 3, 1, 10, tzinfo=TZ), tick=False):
        assert stats.age_distribution(tree.uni).rows[1] == ("15–18岁", 1)


def test_ethnicity_han_first_then_top_minorities_and_other(tree, settings):
    """STAT-01: 汉族, the largest minorities by name (top N from settings), the rest as 其他, blanks as 未填写."""
    settings.ZHTJ = {**settings.ZHTJ, "STAT_TOP_ETHNICITIES": 2}
    for ethnicity, n in [("汉族", 5), ("回族", 3), ("满族", 2), ("壮族", 1), ("苗族", 1), ("", 2)]:
        members(tree.branch_a, n, ethnicity=ethnicity)
    rows = stats.ethnicity_distribution(tree.uni).rows
    assert rows == [("汉族", 5), ("回族", 3), ("满族", 2), ("其他", 2), ("未填写", 2)]


def test_education_in_standard_order(tree):
    """STAT-01: 学历层次 in the standard's order, every level shown (0 included)."""
    members(tree.branch_a, 3, education=Education.BACHELOR)
    members(tree.branch_b, 1, education=Education.MASTER)
    rows = dict(stats.education_distribution(tree.uni).rows)
    assert rows["大学本科"] == 3 and rows["研究生（硕士）"] == 1 and rows["初中"] == 0
    assert list(rows)[:3] == ["研究生（博士）", "研究生（硕士）", "大学本科"]


def test_only_the_acting_subtree_is_counted(tree):
    """STAT-01 / ROLE-02: a college counts its own subtree's members only."""
    members(tree.branch_a, 4, ethnicity="汉族")
    members(tree.branch_b, 6, ethnicity="汉族")
    assert stats.ethnicity_distribution(tree.col_a).total == 4
    assert stats.ethnicity_distribution(tree.uni).total == 10
    assert stats.age_distribution(tree.col_b).total == 6


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


@pytest.mark.parametrize("chart", sorted(stats.CHARTS))
def test_one_query_per_chart_whatever_the_members(tree, chart):
    """STAT-01 / performance: each chart is ONE SQL aggregate: 5 or 60 members, same single query."""
    members(tree.branch_a, 5, ethnicity="汉族", education=Education.BACHELOR)
    assert _queries(lambda: stats.CHARTS[chart](tree.uni)) == 1
    members(tree.branch_b, 55, start=5, ethnicity="回族", education=Education.MASTER)
    assert _queries(lambda: stats.CHARTS[chart](tree.uni)) == 1


def test_stats_page_query_count_does_not_grow(login, tree):
    """STAT-01: the page (chart + table + new-member count) costs the same for 5 or 60 members."""
    c = login(f.admin_of(tree.uni), tree.uni)
    members(tree.branch_a, 5)
    small = _queries(lambda: c.get("/members/stats/ethnicity/"))
    members(tree.branch_b, 55, start=5, ethnicity="藏族")
    assert _queries(lambda: c.get("/members/stats/ethnicity/")) == small


@pytest.mark.parametrize(
    "url,title", [("age", "团员年龄分布"), ("ethnicity", "团员民族分布"), ("education", "团员学历层次")]
)
def test_pages_show_chart_and_table(login, tree, url, title):
    """STAT-01: each page has an ECharts chart, the table behind it and the download link."""
    members(tree.branch_a, 3, ethnicity="汉族", education=Education.BACHELOR)
    page = login(f.admin_of(tree.col_a), tree.col_a).get(f"/members/stats/{url}/").content.decode()
    assert title in page and "vendor/echarts/echarts.min.js" in page and 'id="chart-data"' in page
    assert 'id="stats-table"' in page and f"/members/stats/{url}.xlsx" in page


def test_excel_download_is_the_table(login, tree):
    """STAT-01: the table behind a chart downloads as Excel (opened with openpyxl)."""
    members(tree.branch_a, 3, ethnicity="汉族")
    members(tree.branch_a, 1, ethnicity="回族")
    r = login(f.admin_of(tree.uni), tree.uni).get("/members/stats/ethnicity.xlsx")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("民族", "人数", "占比")
    assert rows[1] == ("汉族", 3, "75.0%") and rows[2] == ("回族", 1, "25.0%")
    assert rows[-1] == ("合计", 4, "100%")


def test_unknown_chart_and_non_admins(login, tree):
    """SEC-06 / ROLE-02: an unknown chart is a 404; a member without an acting org gets 403."""
    c = login(f.admin_of(tree.uni), tree.uni)
    assert c.get("/members/stats/secret.xlsx").status_code == 404
    assert c.get("/members/stats/..%2Fx.xlsx").status_code == 404
    member = login(f.person("团员", branch=tree.branch_a, password="pw-123456"))
    assert member.get("/members/stats/age/").status_code == 403
    assert member.get("/members/stats/age.xlsx").status_code == 403


def test_figures_are_live(login, tree):
    """STAT-03 / BEY-01: a member added now shows in the next request; nothing is cached."""
    c = login(f.admin_of(tree.uni), tree.uni)
    members(tree.branch_a, 2)
    assert 'id="member-total">2<' in c.get("/members/stats/age/").content.decode()
    members(tree.branch_a, 1, start=2)
    assert 'id="member-total">3<' in c.get("/members/stats/age/").content.decode()


def test_new_member_count_of_the_year(login, tree):
    """STAT-02 / ARC-05: members who joined in the year count only once their e-archive is
    已认证; a pending or missing archive keeps them out, other years never count."""
    verified = members(tree.branch_a, 2, joined_month=date(2027, 1, 1))
    pending = members(tree.branch_a, 1, joined_month=date(2027, 3, 1))
    members(tree.branch_a, 1, joined_month=date(2026, 12, 1))
    in_b = members(tree.branch_b, 1, joined_month=date(2027, 2, 1))
    uploader = f.admin_of(tree.col_a)
    for person, state in [(p, MemberArchive.State.VERIFIED) for p in verified + in_b] + [
        (pending[0], MemberArchive.State.PENDING)
    ]:
        MemberArchive.objects.create(
            person=person,
            file="archives/x.pdf",
            size=1,
            pages=1,
            uploaded_by=uploader,
            uploaded_by_org=tree.col_a,
            approver_org=tree.uni if state == MemberArchive.State.PENDING else None,
            state=state,
        )
    assert stats.new_member_count(tree.col_a, 2027) == 2
    assert stats.new_member_count(tree.uni, 2027) == 3
    page = login(f.admin_of(tree.col_a), tree.col_a).get("/members/stats/age/").content.decode()
    assert 'id="new-members">2<' in page


def test_any_subtree_below_the_acting_org(login, tree):
    """STAT-01: figures for any org of the acting org's subtree (?org=); page and download agree;
    out of scope → 404, malformed → 400 with a message."""
    members(tree.branch_a, 2)
    members(tree.branch_b, 3)
    c = login(f.admin_of(tree.uni), tree.uni)
    page = c.get(f"/members/stats/age/?org={tree.col_b.pk}").content.decode()
    assert 'id="member-total">3<' in page and f"/members/stats/age.xlsx?org={tree.col_b.pk}" in page
    r = c.get(f"/members/stats/age.xlsx?org={tree.col_b.pk}")
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.iter_rows(values_only=True))
    assert rows[-1][:2] == ("合计", 3)
    assert c.get(f"/members/stats/age/?org={tree.city.pk}").status_code == 404
    assert c.get(f"/members/stats/age.xlsx?org={tree.city.pk}").status_code == 404
    for bad in ("abc", "-1", "9" * 40):
        r = c.get(f"/members/stats/ethnicity/?org={bad}")
        assert r.status_code == 400 and "统计范围无效" in r.content.decode()
        assert c.get(f"/members/stats/ethnicity.xlsx?org={bad}").status_code == 400
    col_a = login(f.admin_of(tree.col_a), tree.col_a)
    assert col_a.get(f"/members/stats/age/?org={tree.branch_b.pk}").status_code == 404
