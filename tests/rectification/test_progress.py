"""下级团支部整顿进度 (REC-12): key branches of any org's subtree by industry, finished per month
(not cumulative); the tree goes down to a branch's forms; constant queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.choices import Industry
from rectification import services
from tests import factories as f

from .conftest import at
from .helpers import as_branch, as_committee, review, submit

URL = "/rectification/progress/"


def make_key(login, camp, i, poor):
    submit(as_branch(login, camp, i), poor)
    review(as_committee(login, camp), camp.branches[i], "start_key")


def finish(login, camp, i, poor=0):
    submit(as_branch(login, camp, i), poor, month=f"{services.current_month():%Y-%m}")
    review(as_committee(login, camp), camp.branches[i], "pass_key")


def test_by_industry_and_month_not_cumulative(client, login, camp, clock):
    """REC-12: two key branches finish in October, one in November: 10月 2, 11月 1; grouped by the
    branches' industry category; the university sees its whole subtree."""
    for i in range(4):
        make_key(login, camp, i, 5)
    finish(login, camp, 0)
    finish(login, camp, 1, poor=2)
    clock.move_to(at(2026, 11, 3, 9, 0))
    finish(login, camp, 2)
    rows = services.progress(camp.tree.uni, 2026)
    assert len(rows) == 1
    row = rows[0]
    assert row["industry"] == Industry.UNIVERSITY.label
    assert (row["total"], row["done"], row["months"]) == (4, 3, [0, 2, 1, 0])
    page = login(camp.uni_admin, camp.tree.uni).get(URL).content.decode()
    assert "普通高等院校" in page and 'id="total-key">4<' in page


def test_drill_down_to_a_branch_shows_its_forms(client, login, camp):
    """REC-12: the left tree leads to a branch, which shows its submitted forms."""
    submit(as_branch(login, camp, 0), 3)
    u = login(camp.uni_admin, camp.tree.uni)
    assert "学院团委" in u.get(URL).content.decode()
    page = u.get(f"{URL}?org={camp.branches[0].pk}").content.decode()
    assert 'id="check-poor">3<' in page


def test_bad_and_out_of_scope_org(client, login, camp):
    """REC-12 / ROLE-02 / SEC-06: an org outside the acting subtree is a 404; a bad ?org= a 400."""
    c = as_committee(login, camp)
    assert c.get(f"{URL}?org={camp.tree.col_b.pk}").status_code == 404
    assert c.get(f"{URL}?org=abc").status_code == 400
    assert c.get(f"{URL}?org=99999999999999999999").status_code == 400


def test_constant_queries(client, login, camp):
    """Statistics are one aggregate: the same number of queries for a bigger subtree."""
    make_key(login, camp, 0, 5)
    u = login(camp.uni_admin, camp.tree.uni)
    with CaptureQueriesContext(connection) as small:
        u.get(URL)
    other = f.OrgFactory(name="学院C团委", parent=camp.tree.uni, industry=Industry.PARTY_GOVERNMENT)
    for i in range(5):
        b = f.branch(other, industry=Industry.STATE_ENTERPRISE if i % 2 else Industry.UNIVERSITY)
        services.record_for(b, 2026)
    for i in range(1, 6):
        make_key(login, camp, i, 5)
    u = login(camp.uni_admin, camp.tree.uni)
    with CaptureQueriesContext(connection) as large:
        u.get(URL)
    assert len(large) == len(small)


def test_progress_is_the_subtrees_key_branches_of_the_year_by_industry(camp):
    """REC-12, progress called directly: the key branches of the org's subtree this year, by industry
    (an industry not filled in as 未填写行业类别), each counted as finished (重点整改后合格 or 已摘牌)
    in the month of its local date: September 30, 23:59:59 in 9月, October 31, 23:59:59 in 10月,
    November 1, 00:00 in 11月, December 31, 23:59:59 in 12月. Left out: a branch with a record but
    never key, a key record of last year, another subtree's key branch."""
    from rectification.models import CampaignRecord

    b = camp.branches

    def record(branch, state="key", done=None, year=2026, key=True):
        CampaignRecord.objects.create(
            branch=branch, year=year, state=state, key_since=at(year, 9, 1) if key else None, key_done_at=done
        )

    record(b[0], "key_qualified", at(2026, 10, 31, 23, 59, 59))
    record(b[1], "delisted", at(2026, 11, 1, 0, 0))
    record(b[2])
    record(b[3], "key_qualified", at(2026, 12, 31, 23, 59, 59))
    record(b[4], "basic", key=False)
    record(b[5], "key_qualified", at(2025, 10, 5), year=2025)
    record(f.branch(camp.committee, "无行业团支部"), "continue")
    record(
        f.branch(camp.committee, "国企团支部", industry=Industry.STATE_ENTERPRISE),
        "delisted",
        at(2026, 9, 30, 23, 59, 59),
    )
    record(camp.tree.branch_a, "key_qualified", at(2026, 10, 5))
    rows = services.progress(camp.committee, 2026)
    assert [(row["industry"], row["total"], row["done"], row["months"]) for row in rows] == [
        ("未填写行业类别", 1, 0, [0, 0, 0, 0]),
        ("国有企业", 1, 1, [1, 0, 0, 0]),
        ("普通高等院校", 4, 3, [0, 1, 1, 1]),
    ]
