"""上级认证 (INC-13, INC-14) and the 操作中心 (OPC-01, OPC-02)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incentives.choices import Grade, Kind, State
from incentives.models import Evaluation, IncentiveRecord
from tests import factories as f

from .conftest import pdf_upload

YEAR = timezone.localdate().year


def evaluate(client, people, grade, **extra):
    return client.post(
        "/incentives/evaluation/record/", {"year": YEAR, "person": [p.pk for p in people], "grade": grade, **extra}
    )


def test_default_tab_is_joining(inc, login):
    """INC-14 / INC-15: the page opens on 入团激励, where new members' joinings wait."""
    client = login(inc.col_admin, inc.tree.col_a)
    page = client.get("/incentives/certify/").content.decode()
    assert 'class="nav-link active" href="?kind=joining"' in page
    assert page.count('name="record"') == 10
    assert client.get("/incentives/certify/?kind=nonsense").status_code == 400


def test_menu_names_and_order_follow_the_seed(inc, login):
    """INC-01 / INC-14: the 团内激励 menu in the seed's words and order; 荣誉审批 opens the 荣誉激励
    tab of 上级认证, where honors wait for the superior and for the granting org."""
    import re

    client = login(inc.col_admin, inc.tree.col_a)
    html = client.get("/").content.decode()
    group = re.search(r"bi-award\"></i> 团内激励</div>(.*?)</div>", html, re.S).group(1)
    labels = re.findall(r">([^<>]+)</a>", group)
    assert labels == ["荣誉审批", "入团激励", "评议激励", "荣誉激励", "机会激励", "发展激励", "上级认证"]
    assert 'href="/incentives/certify/?kind=honor">荣誉审批</a>' in group
    page = client.get("/incentives/certify/?kind=honor").content.decode()
    assert 'class="nav-link active" href="?kind=honor"' in page


def test_batch_approval_all_or_none(inc, login, client):
    """INC-14 (decision): one bad item (a 不合格 whose file the superior hasn't opened) → nothing
    is applied and the message names it; without it the rest goes through."""
    login(inc.branch_admin, inc.tree.branch_a)
    evaluate(client, inc.members[1:4], Grade.QUALIFIED)
    evaluate(client, inc.members[:1], Grade.UNQUALIFIED, decision_file=pdf_upload())
    ids = list(IncentiveRecord.objects.filter(kind=Kind.EVALUATION).values_list("pk", flat=True))
    login(inc.col_admin, inc.tree.col_a)
    response = client.post("/incentives/certify/batch/", {"kind": "evaluation", "action": "approve", "record": ids})
    text = response.content.decode()
    assert response.status_code == 400 and "全部或全不" in text and "团员0" in text and "请先审阅" in text
    assert not IncentiveRecord.objects.filter(kind=Kind.EVALUATION, state=State.APPROVED).exists()
    good = [pk for pk in ids if pk != Evaluation.objects.get(person=inc.members[0]).pk]
    response = client.post("/incentives/certify/batch/", {"kind": "evaluation", "action": "approve", "record": good})
    assert response.status_code == 302
    assert IncentiveRecord.objects.filter(kind=Kind.EVALUATION, state=State.APPROVED).count() == 3


def test_batch_reject_needs_reason(inc, login, client):
    """INC-14: 不通过 needs a reason, in a batch too."""
    ids = list(IncentiveRecord.objects.filter(kind=Kind.JOINING).values_list("pk", flat=True)[:3])
    login(inc.col_admin, inc.tree.col_a)
    response = client.post("/incentives/certify/batch/", {"kind": "joining", "action": "reject", "record": ids})
    assert response.status_code == 400 and "原因" in response.content.decode()
    response = client.post(
        "/incentives/certify/batch/", {"kind": "joining", "action": "reject", "record": ids, "reason": "信息有误"}
    )
    assert response.status_code == 302
    assert IncentiveRecord.objects.filter(pk__in=ids, state=State.REJECTED, reason="信息有误").count() == 3


def test_reason_longer_than_its_column_is_refused(inc, login, client):
    """SEC-06 / INC-14: an 审批意见 over 200 characters is refused with the limit, one by one and in
    a batch, approve or reject; nothing is decided (on PostgreSQL it was a server error)."""
    ids = list(IncentiveRecord.objects.filter(kind=Kind.JOINING).values_list("pk", flat=True)[:3])
    login(inc.col_admin, inc.tree.col_a)
    long = "意" * 201
    for action in ("approve", "reject"):
        response = client.post(f"/incentives/certify/{ids[0]}/{action}/", {"reason": long})
        assert response.status_code == 400 and "审批意见不能超过200字，当前为201字" in response.content.decode()
        batch = {"kind": "joining", "action": action, "record": ids, "reason": long}
        response = client.post("/incentives/certify/batch/", batch)
        assert response.status_code == 400 and response.content.decode().count("审批意见不能超过200字") == 1
    assert set(IncentiveRecord.objects.filter(pk__in=ids).values_list("state", flat=True)) == {State.PENDING}
    assert client.post(f"/incentives/certify/{ids[0]}/approve/", {"reason": "意" * 200}).status_code == 302
    assert IncentiveRecord.objects.get(pk=ids[0]).reason == "意" * 200


def test_batch_with_out_of_scope_id_is_refused(inc, login, client):
    """ROLE-02: a ticked id outside the subtree refuses the batch, nothing applied."""
    other = f.person("外人", branch=inc.tree.branch_b, password="x", joined_month=timezone.localdate().replace(day=1))
    theirs = IncentiveRecord.objects.get(person=other).pk
    mine = IncentiveRecord.objects.filter(kind=Kind.JOINING, person__branch=inc.tree.branch_a).first().pk
    login(inc.col_admin, inc.tree.col_a)
    response = client.post(
        "/incentives/certify/batch/", {"kind": "joining", "action": "approve", "record": [mine, theirs]}
    )
    assert response.status_code == 400
    assert IncentiveRecord.objects.get(pk=mine).state == State.PENDING


def test_grand_parent_may_not_approve_in_batch(inc, login, client):
    """ROLE-03: 隔级无法操作 — the university's batch over a branch's records applies nothing."""
    ids = list(IncentiveRecord.objects.filter(kind=Kind.JOINING).values_list("pk", flat=True)[:2])
    login(inc.uni_admin, inc.tree.uni)
    response = client.post("/incentives/certify/batch/", {"kind": "joining", "action": "approve", "record": ids})
    assert response.status_code == 400 and "隔级无法操作" in response.content.decode()
    assert not IncentiveRecord.objects.filter(state=State.APPROVED).exists()


def test_certify_list_constant_queries(inc, login, client):
    """The approval list: same number of queries for 10 and 30 pending items."""
    login(inc.col_admin, inc.tree.col_a)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/incentives/certify/?kind=joining").status_code == 200
        return len(ctx)

    small = count()
    today = timezone.localdate().replace(day=1)
    for n in range(20):
        f.person(f"新团员{n}", branch=inc.tree.branch_a, password="x", joined_month=today)
    assert count() == small


def test_inbox_shows_and_drops_the_item(inc, login, client):
    """OPC-01 / OPC-02: pending records are in 操作中心 as 团内激励认证 and leave once handled;
    the recorder gets the result."""
    login(inc.col_admin, inc.tree.col_a)
    page = client.get("/inbox/").content.decode()
    assert "团内激励认证" in page and "入团激励" in page
    ids = list(IncentiveRecord.objects.filter(kind=Kind.JOINING).values_list("pk", flat=True))
    client.post("/incentives/certify/batch/", {"kind": "joining", "action": "approve", "record": ids})
    from zhtj.core import inbox
    from zhtj.core.models import Notification

    class R:
        acting_org = inc.tree.col_a

    assert inbox.counts(R()).get("incentive") == 0
    assert Notification.objects.filter(recipient_org=inc.tree.branch_a, kind="incentive").count() == 10


def test_second_decision_is_refused(inc, login, client):
    """SEC-04: an item approved once can't be decided again."""
    pk = IncentiveRecord.objects.filter(kind=Kind.JOINING).first().pk
    login(inc.col_admin, inc.tree.col_a)
    assert client.post(f"/incentives/certify/{pk}/approve/").status_code == 302
    response = client.post(f"/incentives/certify/{pk}/reject/", {"reason": "x"})
    assert response.status_code == 409 and "已被处理，请刷新后查看" in response.content.decode()
    assert IncentiveRecord.objects.get(pk=pk).state == State.APPROVED


def test_the_decision_names_who_decided(inc, login, client):
    """INC-14 / INC-06: an approval and a rejection record the deciding admin (审批人), on the
    record and in its audit row."""
    from zhtj.core.models import AuditLog

    first, second = IncentiveRecord.objects.filter(kind=Kind.JOINING).order_by("pk")[:2]
    login(inc.col_admin, inc.tree.col_a)
    assert client.post(f"/incentives/certify/{first.pk}/approve/").status_code == 302
    assert client.post(f"/incentives/certify/{second.pk}/reject/", {"reason": "材料不全"}).status_code == 302
    for record, action in ((first, "approve"), (second, "reject")):
        assert IncentiveRecord.objects.get(pk=record.pk).decided_by == inc.col_admin
        assert AuditLog.objects.get(object_id=record.pk, action=action).actor == inc.col_admin


def test_every_tab_runs_constant_queries(inc, login):
    """INC-14: each tab of 上级认证 (evaluations with their files, honors with their recipients,
    推优 records and their status updates) runs the same number of queries for more items."""
    from datetime import date

    from incentives import services
    from incentives.choices import DevelopmentKind, HonorTitle, HonorType, PartyCategory, TrackStatus
    from incentives.models import Development, TrackUpdate

    branch, admin = inc.tree.branch_a, inc.branch_admin

    def add(people):
        services.record_grades(branch, YEAR, people, Grade.QUALIFIED, by=admin)
        services.record_honor(
            branch,
            by=admin,
            honor_type=HonorType.PERSONAL,
            title=HonorTitle.EXCELLENT_MEMBER,
            grantor=inc.tree.col_a,
            grantor_name="学院",
            awarded_month=date(YEAR, 1, 1),
            recipients=people,
        )
        for dev in services.record_development(
            branch,
            people,
            by=admin,
            dev_kind=DevelopmentKind.PARTY,
            recommended_on=date(YEAR, 1, 1),
            category=PartyCategory.ACTIVIST,
            status=TrackStatus.UNCONFIRMED,
        ):
            # a pending status update beside each record (their tab is 发展激励 too)
            services.create_record(
                TrackUpdate,
                kind=Kind.TRACK_UPDATE,
                recorder=branch,
                by=admin,
                person=dev.person,
                summary="更新",
                development=Development.objects.get(pk=dev.pk),
                new_status=TrackStatus.OBSERVING,
            )

    client = login(inc.col_admin, inc.tree.col_a)

    def count(kind):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/incentives/certify/?kind={kind}")
        assert response.status_code == 200
        return len(ctx)

    add(inc.members[:2])
    small = {kind: count(kind) for kind in ("evaluation", "honor", "development")}
    add(inc.members[2:6])
    add(inc.members[6:10])
    assert {kind: count(kind) for kind in ("evaluation", "honor", "development")} == small
