"""重点整顿团支部列表 (REC-11): direct sub-branches under key rectification with the items
rectified per month, not cumulative; a constant number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rectification import services
from tests import factories as f

from .conftest import at
from .helpers import as_branch, as_committee, review, submit

URL = "/rectification/branches/key/"


def make_key(login, camp, i, poor):
    submit(as_branch(login, camp, i), poor)
    review(as_committee(login, camp), camp.branches[i], "start_key")


def test_monthly_items_are_not_cumulative(client, login, camp, clock):
    """REC-11: 8 较差 in October → 5 (3 fixed in October) → November 2 (3 fixed in November):
    the list shows 10月 3 and 11月 3, not 6."""
    make_key(login, camp, 0, 8)
    submit(as_branch(login, camp, 0), 5)
    clock.move_to(at(2026, 11, 5, 9, 0))
    review(as_committee(login, camp), camp.branches[0], "continue_key")
    submit(as_branch(login, camp, 0), 2, month="2026-11")
    rows = list(services.key_list(camp.committee, 2026))
    assert len(rows) == 1
    assert (rows[0].m9, rows[0].m10, rows[0].m11, rows[0].m12) == (0, 3, 3, 0)
    page = as_committee(login, camp).get(URL).content.decode()
    assert "B1团支部" in page and "<td>3</td><td>3</td>" in page


def test_only_key_branches_are_listed(client, login, camp):
    """REC-11: only direct sub-branches under key rectification are listed (not a 基本合格 one)."""
    submit(as_branch(login, camp, 1), 2)
    review(as_committee(login, camp), camp.branches[1], "approve")
    make_key(login, camp, 0, 4)
    page = as_committee(login, camp).get(URL).content.decode()
    assert "B1团支部" in page and "B2团支部" not in page


def test_constant_queries(client, login, camp):
    """The page's query count doesn't grow with the number of key branches."""
    make_key(login, camp, 0, 4)
    c = as_committee(login, camp)
    with CaptureQueriesContext(connection) as small:
        c.get(URL)
    for i in range(1, 6):
        make_key(login, camp, i, 5)
    extra = [f.branch(camp.committee, f"C{i}团支部") for i in range(5)]
    assert extra
    c = as_committee(login, camp)
    with CaptureQueriesContext(connection) as large:
        assert c.get(URL).content.decode().count("data-org=") == 6
    assert len(large) == len(small)


def test_fixes_after_delisting_count_in_their_month(client, login, camp, clock):
    """REC-11 at the edge: a key branch passed with 2 较差 (已摘牌) that fixes both on its own in
    November (→ 重点整改后合格) shows 2 in 11月 — the improvement after 已摘牌 counts."""
    make_key(login, camp, 0, 6)
    submit(as_branch(login, camp, 0), 2)  # October: 4 fixed
    review(as_committee(login, camp), camp.branches[0], "pass_key")  # 已摘牌
    clock.move_to(at(2026, 11, 5, 9, 0))
    submit(as_branch(login, camp, 0), 0, month="2026-11")
    (row,) = services.key_list(camp.committee, 2026)
    assert row.state == "key_qualified"
    assert (row.m10, row.m11) == (4, 2)


def test_migration_marks_forms_submitted_after_delisting(client, login, camp, clock):
    """REC-11: forms stored as 已摘牌 before the fix are marked by migration 0002 (the forms after
    the record's key_since that weren't key forms), the branch's first form is not."""
    import importlib

    from django.apps import apps

    from rectification.models import SelfCheck

    make_key(login, camp, 0, 6)
    submit(as_branch(login, camp, 0), 2)
    review(as_committee(login, camp), camp.branches[0], "pass_key")
    clock.move_to(at(2026, 11, 5, 9, 0))
    submit(as_branch(login, camp, 0), 0, month="2026-11")
    SelfCheck.objects.filter(month__month=11).update(while_key=False)  # as stored before the fix
    importlib.import_module("rectification.migrations.0002_delisted_forms_count_as_key").mark(apps, None)
    assert list(SelfCheck.objects.order_by("submitted_at").values_list("while_key", flat=True)) == [False, True, True]


def test_key_list_is_the_committees_key_branches_of_the_year(camp):
    """REC-11, key_list called directly, with what it must leave out: B1, key this year, fixed 3 + 2
    items on its key forms of October and 4 in November (a form before it became key, 7 fixed, doesn't
    count; neither does its record of last year); B4, key with no form yet, lists 0s; B2 was key last
    year only, B3 has a record but was never key, A1 is another committee's key branch. Rows in tree
    order (B4's record was written first)."""
    from datetime import date

    from rectification.models import CampaignRecord, SelfCheck

    b = camp.branches

    def record(branch, year=2026, state="key", key=True):
        return CampaignRecord.objects.create(
            branch=branch, year=year, state=state, key_since=at(year, 10, 1) if key else None
        )

    def form(rec, month, improved, while_key=True):
        SelfCheck.objects.create(
            record=rec, month=month, poor_count=1, improved=improved, while_key=while_key, filler_name="书记"
        )

    record(b[3])
    b1 = record(b[0])
    for month, improved, while_key in ((10, 7, False), (10, 3, True), (10, 2, True), (11, 4, True)):
        form(b1, date(2026, month, 1), improved, while_key)
    form(record(b[0], 2025), date(2025, 10, 1), 9)
    form(record(b[1], 2025), date(2025, 11, 1), 1)
    record(b[2], state="basic", key=False)
    form(record(camp.tree.branch_a), date(2026, 10, 1), 6)
    rows = services.key_list(camp.committee, 2026)
    assert [(row.branch, row.m9, row.m10, row.m11, row.m12) for row in rows] == [
        (b[0], 0, 5, 4, 0),
        (b[3], 0, 0, 0, 0),
    ]


def test_a_leadership_organs_key_branches_in_tree_order(camp):
    """REC-11: a 团县委's direct 团支部 each head a tree of their own (lft 1 each), so the list's
    order is the trees' order: six key branches whose records were written in the reverse order."""
    from orgs.choices import LeadershipLevel
    from rectification.models import CampaignRecord

    county = f.leadership("团市南区委", camp.tree.city, LeadershipLevel.COUNTY)
    branches = [f.branch(county, f"机关第{i}团支部") for i in range(1, 7)]
    for branch in reversed(branches):
        CampaignRecord.objects.create(branch=branch, year=2026, state="key", key_since=at(2026, 10, 1))
    for branch in branches:
        branch.refresh_from_db()
    assert {b.lft for b in branches} == {1}
    in_order = sorted(branches, key=lambda b: b.tree_id)
    assert [row.branch for row in services.key_list(county, 2026)] == in_order
