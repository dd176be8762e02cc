"""超龄团员 确认离团 in batches (issue 17; MEM-11, ROLE-02, SEC-04): 全选本页, or "全部 N 条符合当前筛选
条件的" — the 姓名 filter decides the set across pages, only members the acting org may confirm (its
own branch's or its direct sub-branches') are taken, each leaves with its audit rows, refusals are
listed with their reasons, two clicks have one effect, and 3,000 is one click plus a confirmation
with a progress page."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client

from members.models import Person
from tests import factories as f
from tests.batch_helpers import bulk_people, button_count, click_all, one_click_at_scale, status_page, summary
from tests.concurrency import at_once
from zhtj.core import batch
from zhtj.core.models import AuditLog

LIST = "/members/aged-out/"
ALL = "/members/aged-out/all/"
FLAGGED = {"aged_out_on": date(2026, 1, 1)}


@pytest.fixture
def aged(tree, fast_hasher):
    class A:
        pass

    a = A()
    a.tree = tree
    a.col_admin = f.admin_of(tree.col_a)
    a.wanted = bulk_people(tree.branch_a, 5, "甲超龄", **FLAGGED)
    a.others = bulk_people(tree.branch_a, 3, "乙超龄", **FLAGGED)
    a.foreign = bulk_people(tree.branch_b, 2, "甲外院", **FLAGGED)
    a.young = bulk_people(tree.branch_a, 2, "甲年轻")
    return a


def left(people):
    return set(Person.objects.filter(pk__in=[p.pk for p in people]).values_list("left_league_on", flat=True))


def test_the_whole_filtered_set_across_pages(aged, login, settings):
    """MEM-11 / ROLE-02: with 2 rows a page and the 姓名 filter, the button counts the 5 flagged 甲
    of 学院A's branch (not the page's 2, not 学院B's, not the unflagged); the confirmed click makes
    exactly those leave, each with its audit rows."""
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 2}
    client = login(aged.col_admin, aged.tree.col_a)
    page = client.get(f"{LIST}?q=甲").content.decode()
    assert button_count(page) == 5 and 'data-check-all="#aged-table .pick"' in page
    count, token, _ = click_all(client, ALL, {}, "q=甲")
    assert count == 5 and summary(status_page(client, token)) == (5, 0)
    assert None not in left(aged.wanted) and len(left(aged.wanted)) == 1
    assert set(Person.objects.filter(pk__in=[p.pk for p in aged.wanted]).values_list("branch", flat=True)) == {None}
    assert left(aged.others + aged.foreign + aged.young) == {None}
    ids = [p.pk for p in aged.wanted]
    assert AuditLog.objects.filter(action="age_out_confirmed", object_id__in=ids).count() == 5
    update = AuditLog.objects.filter(action="update", object_id=ids[0]).get()
    assert update.changes["branch_id"] == [aged.tree.branch_a.pk, None]


def test_a_grand_parent_confirms_nothing(aged, login):
    """MEM-11: the university (a grand-parent) sees the flagged members but may confirm none: no
    button, and a forged post finds nothing to do."""
    client = login(f.admin_of(aged.tree.uni), aged.tree.uni)
    page = client.get(LIST).content.decode()
    assert "甲超龄0" in page and button_count(page) is None
    response = client.post(ALL, {"confirmed": "10"}, follow=True)
    assert "没有符合当前筛选条件的待处理事项" in response.content.decode()
    assert left(aged.wanted) == {None}


def test_refused_items_are_listed_with_their_reason(aged):
    """SEC-04 on the locked rows: one who left meanwhile is "已确认离团", another committee's member
    is out of scope; the rest leave."""
    Person.objects.filter(pk=aged.wanted[1].pk).update(left_league_on=date(2026, 2, 1), branch=None)
    job = {
        "pks": [aged.wanted[0].pk, aged.wanted[1].pk, aged.foreign[0].pk],
        "org": aged.tree.col_a,
        "actor": aged.col_admin,
    }
    done, failures = batch._actions["members.aged_out"](job, lambda *_: None)
    reasons = dict(failures)
    assert done == 1 and "已确认离团" in reasons["甲超龄1"] and "不在您的确认范围内" in reasons["甲外院0"]
    assert left(aged.foreign) == {None}


@pytest.mark.django_db(transaction=True)
def test_two_clicks_have_one_effect(tree, fast_hasher):
    """SEC-04: the confirmation posted twice at once confirms each member once (one pair of audit rows each)."""
    admin = f.admin_of(tree.col_a)
    wanted = bulk_people(tree.branch_a, 6, "甲超龄", **FLAGGED)
    clients = []
    for _ in range(2):
        c = Client()
        c.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
        session = c.session
        session["acting_org_id"] = tree.col_a.pk
        session.save()
        clients.append(c)
    statuses = []
    at_once(lambda c: statuses.append(c.post(ALL, {"confirmed": "6"}).status_code), [(c,) for c in clients])
    assert statuses == [302, 302]
    ids = [p.pk for p in wanted]
    assert Person.objects.filter(pk__in=ids, left_league_on__isnull=False).count() == 6
    assert AuditLog.objects.filter(action="age_out_confirmed", object_id__in=ids).count() == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the 3,000-row figure is PostgreSQL's")
def test_three_thousand_is_one_click_and_a_confirmation(tree, fast_hasher, login, monkeypatch):
    """Issue 17's bar on PostgreSQL: 3,000 flagged members of a direct sub-branch, one click and one
    confirmation, the background task (in-process here) moving the progress bar per chunk."""
    admin = f.admin_of(tree.col_a)
    bulk_people(tree.branch_a, 3000, "甲超龄", **FLAGGED)
    client = login(admin, tree.col_a)
    seconds = one_click_at_scale(client, LIST, ALL, {}, monkeypatch, 3000)
    print(f"\n超龄团员·确认离团: 3,000 confirmed in {seconds:.2f} s")
    assert Person.objects.filter(left_league_on__isnull=False).count() == 3000
    assert AuditLog.objects.filter(action="age_out_confirmed").count() == 3000
