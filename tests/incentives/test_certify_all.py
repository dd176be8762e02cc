"""上级认证 on the whole filtered set: "全部 N 条符合当前筛选条件的" (issue 17, INC-13, INC-14, INC-04).

Confirmed with the count; set-based (one locking SELECT, one UPDATE, one audit INSERT per chunk,
not a transaction per item); each item still passes its rules on its locked row and gets its audit
row and its 操作中心 result; refused items are listed with their reasons and the rest are done; a
set above BATCH_INLINE_MAX runs in a real Celery worker while the page polls its progress.
"""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incentives.choices import Grade, Kind, State
from incentives.models import IncentiveRecord
from tests.core.test_celery_worker import needs_services, worker  # noqa: F401 -- the fixture
from zhtj.core import batch
from zhtj.core.models import AuditLog, Notification

from .conftest import pdf_upload

YEAR = timezone.localdate().year


def evaluate(client, people, grade, **extra):
    data = {"year": YEAR, "person": [p.pk for p in people], "grade": grade, **extra}
    assert client.post("/incentives/evaluation/record/", data).status_code == 302


def all_of(client, **data):
    return client.post("/incentives/certify/all/", {"kind": "evaluation", "action": "approve", **data})


def evaluations(state):
    return IncentiveRecord.objects.filter(kind=Kind.EVALUATION, state=state)


def test_confirmed_with_the_count(inc, login, client):
    """The first post shows the count and changes nothing; a confirmation whose count is no longer
    the set's is shown again with the new count (409), still changing nothing."""
    login(inc.branch_admin, inc.tree.branch_a)
    evaluate(client, inc.members[:4], Grade.QUALIFIED)
    login(inc.col_admin, inc.tree.col_a)
    page = client.get("/incentives/certify/?kind=evaluation").content.decode()
    assert "全部 4 条符合当前筛选条件的" in page and 'data-check-all="#certify-table .pick"' in page
    response = all_of(client)
    assert response.status_code == 200 and "全部 4 条" in response.content.decode()
    assert 'name="confirmed" value="4"' in response.content.decode()
    response = all_of(client, confirmed="5")
    assert response.status_code == 409 and "现为 4 条" in response.content.decode()
    assert evaluations(State.PENDING).count() == 4


def test_the_filter_decides_the_set(inc, login, client):
    """Only the items matching the list's 事项 filter are counted and decided."""
    login(inc.branch_admin, inc.tree.branch_a)
    evaluate(client, inc.members[:4], Grade.QUALIFIED)
    login(inc.col_admin, inc.tree.col_a)
    name = inc.members[2].name
    assert "全部 1 条" in client.get(f"/incentives/certify/?kind=evaluation&q={name}").content.decode()
    response = all_of(client, q=name, confirmed="1")
    assert response.status_code == 302
    assert list(evaluations(State.APPROVED).values_list("person", flat=True)) == [inc.members[2].pk]


def test_refused_items_are_listed_and_the_rest_done(inc, login, client):
    """INC-04 still applies per item: a 不合格 whose decision the superior hasn't opened is refused
    with its reason; the others are approved, each with one audit row and one result for the
    recorder; a reject needs its reason before anything is tried (INC-14)."""
    login(inc.branch_admin, inc.tree.branch_a)
    evaluate(client, inc.members[1:6], Grade.QUALIFIED)
    evaluate(client, inc.members[:1], Grade.UNQUALIFIED, decision_file=pdf_upload())
    login(inc.col_admin, inc.tree.col_a)
    assert client.post("/incentives/certify/all/", {"kind": "evaluation", "action": "reject"}).status_code == 400
    before = Notification.objects.count()
    response = all_of(client, confirmed="6")
    assert response.status_code == 302
    status = client.get(response["Location"]).content.decode()
    assert "已处理 <strong>5</strong> 项" in status and "1</strong> 项未处理" in status
    assert inc.members[0].name in status and "请先审阅组织处置或纪律处分决定再审批" in status
    assert evaluations(State.APPROVED).count() == 5 and evaluations(State.PENDING).count() == 1
    approved = evaluations(State.APPROVED).values("pk")
    assert AuditLog.objects.filter(action="approve", object_id__in=approved, to_state=State.APPROVED).count() == 5
    assert Notification.objects.count() == before + 5
    assert set(evaluations(State.APPROVED).values_list("decided_by", flat=True)) == {inc.col_admin.pk}


def test_set_based_queries_do_not_grow_with_the_set(inc, login, client, settings):
    """Not a transition per transaction: the queries of a batch of 2 and of 6 are the same."""
    settings.ZHTJ = {**settings.ZHTJ, "BATCH_CHUNK": 500}
    login(inc.branch_admin, inc.tree.branch_a)
    evaluate(client, inc.members[:8], Grade.QUALIFIED)
    login(inc.col_admin, inc.tree.col_a)
    counts = []
    for n in (2, 6):
        pks = list(evaluations(State.PENDING).order_by("pk").values_list("pk", flat=True)[:n])
        job = {"pks": pks, "params": {"action": "approve"}, "org": inc.tree.col_a, "actor": inc.col_admin}
        with CaptureQueriesContext(connection) as queries:
            done, failures = batch._actions["incentives.certify"](job, lambda *_: None)
        assert (done, failures) == (n, [])
        # savepoints aside (one per item, for the rules' own writes), the statements are constant
        counts.append(len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]))
    assert counts[0] == counts[1], counts


def test_a_grand_parent_is_refused_per_item(inc, login, client):
    """ROLE-03 on the locked row: the university 团委 (a grand-parent) finds nothing waiting for it."""
    login(inc.branch_admin, inc.tree.branch_a)
    evaluate(client, inc.members[:2], Grade.QUALIFIED)
    pks = list(evaluations(State.PENDING).values_list("pk", flat=True))
    job = {"pks": pks, "params": {"action": "approve"}, "org": inc.tree.uni, "actor": inc.uni_admin}
    done, failures = batch._actions["incentives.certify"](job, lambda *_: None)
    assert done == 0 and len(failures) == 2 and all("隔级" in reason for _, reason in failures)


pytestmark_worker = pytest.mark.skipif(needs_services, reason="needs REDIS_URL and PostgreSQL (CI sets both)")


@pytestmark_worker
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_above_the_threshold_it_runs_in_the_worker(inc, login, client, settings, worker):  # noqa: F811
    """Above BATCH_INLINE_MAX the request only queues the task: a separate Celery worker does the
    work while the page's progress bar polls, then shows the summary."""
    settings.ZHTJ = {**settings.ZHTJ, "BATCH_INLINE_MAX": 2, "BATCH_CHUNK": 2}
    login(inc.branch_admin, inc.tree.branch_a)
    evaluate(client, inc.members[:6], Grade.QUALIFIED)
    login(inc.col_admin, inc.tree.col_a)
    response = all_of(client, confirmed="6")
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    deadline = time.time() + 90
    while (batch.progress_of(token) or {}).get("state") != "done" and time.time() < deadline:
        time.sleep(0.3)
    assert batch.progress_of(token)["state"] == "done"
    assert evaluations(State.APPROVED).count() == 6
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="done"' in partial and "hx-get" not in partial and "已处理 <strong>6</strong> 项" in partial
