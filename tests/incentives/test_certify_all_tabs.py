"""上级认证's "全部 N 条符合当前筛选条件的" on its 入团激励 and 评议激励 tabs (issue 17; INC-13, INC-14,
INC-15, ROLE-02, ROLE-03, SEC-04, SEC-07): the tab and its 事项 filter decide the set across pages,
records waiting for another committee are never touched, refusals are listed with their reasons,
two clicks have one effect, and 3,000 is one click plus a confirmation with a progress page.
(test_certify_all.py covers the confirmation, INC-04's per-item refusal and the real worker.)"""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from incentives.choices import Grade, Kind, State
from incentives.models import Evaluation, IncentiveRecord
from incentives.services import record_joinings
from tests import factories as f
from tests.batch_helpers import bulk_people, button_count, click_all, one_click_at_scale, status_page, summary
from tests.concurrency import at_once
from zhtj.core import batch
from zhtj.core.models import AuditLog

YEAR = timezone.localdate().year
LIST = "/incentives/certify/"
ALL = "/incentives/certify/all/"


def joinings(branch, n, prefix, by=None):
    """入团激励 of `n` new members, as an import records them (INC-15)."""
    people = bulk_people(branch, n, prefix, joined_month=date(2024, 5, 1))
    record_joinings(people)
    return list(IncentiveRecord.objects.filter(kind=Kind.JOINING, person__in=people).order_by("pk"))


def evaluations(branch, n, prefix, by):
    """评议激励 (合格) of `n` members, as 批量团员教育评议 leaves them (INC-02)."""
    people = bulk_people(branch, n, prefix)
    records = IncentiveRecord.objects.bulk_create(
        IncentiveRecord(
            kind=Kind.EVALUATION,
            recorder=branch,
            recorded_by=by,
            person=p,
            state=State.PENDING,
            summary=f"{YEAR}年度团员教育评议 {p.name}：合格",
        )
        for p in people
    )
    Evaluation.objects.bulk_create(
        Evaluation(record=r, person=p, branch=branch, year=YEAR, grade=Grade.QUALIFIED)
        for r, p in zip(records, people, strict=True)
    )
    return records


MAKERS = {Kind.JOINING: joinings, Kind.EVALUATION: evaluations}
tabs = pytest.mark.parametrize("kind", [Kind.JOINING, Kind.EVALUATION])


def states(records):
    return set(IncentiveRecord.objects.filter(pk__in=[r.pk for r in records]).values_list("state", flat=True))


@tabs
def test_the_whole_filtered_set_across_pages(inc, login, settings, kind):
    """INC-14 / ROLE-02: with 2 rows a page and the 事项 filter, the tab's button counts the 5 甲
    records waiting for 学院A团委 (not the page's 2, not 学院B's 甲, not the 乙); the confirmed
    click approves exactly those, one audit row each."""
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 2}
    make = MAKERS[kind]
    wanted = make(inc.tree.branch_a, 5, "甲团员", inc.branch_admin)
    others = make(inc.tree.branch_a, 3, "乙团员", inc.branch_admin)
    foreign = make(inc.tree.branch_b, 2, "甲外院", inc.branch_admin)
    client = login(inc.col_admin, inc.tree.col_a)
    assert button_count(client.get(f"{LIST}?kind={kind}&q=甲").content.decode()) == 5
    count, token, _ = click_all(client, ALL, {"kind": kind, "q": "甲", "action": "approve"}, f"kind={kind}&q=甲")
    assert count == 5 and summary(status_page(client, token)) == (5, 0)
    assert states(wanted) == {State.APPROVED} and states(others + foreign) == {State.PENDING}
    ids = [r.pk for r in wanted]
    assert AuditLog.objects.filter(action="approve", object_id__in=ids, to_state=State.APPROVED).count() == 5


@tabs
def test_refused_items_are_listed_with_their_reason(inc, kind):
    """SEC-07 / ROLE-02 on each locked row: a record rejected meanwhile is "已被处理", another
    committee's is out of scope; the rest are approved."""
    make = MAKERS[kind]
    mine = make(inc.tree.branch_a, 2, "甲团员", inc.branch_admin)
    foreign = make(inc.tree.branch_b, 1, "甲外院", inc.branch_admin)
    IncentiveRecord.objects.filter(pk=mine[1].pk).update(state=State.REJECTED)
    job = {
        "pks": [mine[0].pk, mine[1].pk, foreign[0].pk],
        "params": {"action": "approve"},
        "org": inc.tree.col_a,
        "actor": inc.col_admin,
    }
    done, failures = batch._actions["incentives.certify"](job, lambda *_: None)
    reasons = {label: reason for label, reason in failures}
    assert done == 1 and len(failures) == 2
    assert "已被处理" in reasons[mine[1].summary] and "不在您的审批范围内" in reasons[foreign[0].summary]
    assert states(foreign) == {State.PENDING}


@tabs
@pytest.mark.django_db(transaction=True)
def test_two_clicks_have_one_effect(tree, fast_hasher, kind):
    """SEC-04 / SEC-07: the confirmation posted twice at once approves each record once: one audit
    row each."""
    admin, branch_admin = f.admin_of(tree.col_a), f.admin_of(tree.branch_a)
    wanted = MAKERS[kind](tree.branch_a, 6, "甲团员", branch_admin)
    clients = []
    for _ in range(2):
        c = Client()
        c.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
        session = c.session
        session["acting_org_id"] = tree.col_a.pk
        session.save()
        clients.append(c)
    statuses = []
    data = {"kind": kind, "action": "approve", "confirmed": "6"}
    at_once(lambda c: statuses.append(c.post(ALL, data).status_code), [(c,) for c in clients])
    assert statuses == [302, 302]
    ids = [r.pk for r in wanted]
    assert states(wanted) == {State.APPROVED}
    assert AuditLog.objects.filter(action="approve", object_id__in=ids).count() == 6


@tabs
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the 3,000-row figure is PostgreSQL's")
def test_three_thousand_is_one_click_and_a_confirmation(inc, login, monkeypatch, kind):
    """Issue 17's bar on PostgreSQL: 3,000 records of the tab waiting for 学院A团委, one click and one
    confirmation, the background task (in-process here) moving the progress bar per chunk."""
    wanted = MAKERS[kind](inc.tree.branch_a, 3000, "甲团员", inc.branch_admin)
    client = login(inc.col_admin, inc.tree.col_a)
    data = {"kind": kind, "q": "甲团员", "action": "approve"}
    seconds = one_click_at_scale(client, LIST, ALL, data, monkeypatch, 3000, f"kind={kind}&q=甲团员")
    print(f"\n上级认证·{kind.label}: 3,000 approved in {seconds:.2f} s")
    assert states(wanted) == {State.APPROVED}
    assert AuditLog.objects.filter(action="approve", to_state=State.APPROVED).count() == 3000
