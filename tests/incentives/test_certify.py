"""上级认证 (INC-13, INC-14) and the 操作中心 (OPC-01, OPC-02)."""

import pytest
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


# --- the services of 上级认证, called directly (issue 22: every refusal and every result word for word)


def _request(user, org):
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.user, request.acting_org = user, org
    return request


def _honor_at_its_grantor(inc):
    from incentives import services
    from incentives.choices import HonorTitle, HonorType

    return services.record_honor(
        inc.tree.col_a,
        by=inc.col_admin,
        honor_type=HonorType.PERSONAL,
        title=HonorTitle.EXCELLENT_MEMBER,
        grantor=inc.tree.uni,
        grantor_name="测试大学",
        awarded_month="2024-05-01",
        recipients=inc.members[:1],
    )


def test_who_may_decide_word_for_word(inc):
    """ROLE-03 / INC-09 / INC-13: the direct superior decides a pending record, a grand-parent is
    refused (隔级无法操作), an org outside gets 404 and so does no acting org; an honor at its
    granting org is refused to the superior with its own words, and decided by the grantor."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from incentives.services import authorize

    joining = IncentiveRecord.objects.filter(kind=Kind.JOINING).first()
    authorize(inc.tree.col_a, joining)
    with pytest.raises(PermissionDenied) as exc:
        authorize(inc.tree.uni, joining)
    assert str(exc.value) == "隔级无法操作：只有直属上级团组织的管理员可以办理此事项。"
    for outside in (inc.tree.col_b, inc.tree.branch_b, None):
        with pytest.raises(Http404):
            authorize(outside, joining)
    honor = _honor_at_its_grantor(inc)
    assert honor.state == State.GRANTOR
    authorize(inc.tree.uni, honor)
    with pytest.raises(PermissionDenied) as exc:
        authorize(inc.tree.city, honor)
    assert str(exc.value) == "您所在组织不是该事项的审批组织，无法操作。"


def test_a_decision_tells_the_recorder_word_for_word(inc):
    """OPC-01 / INC-14: each decision leaves the recorder one result in its 操作中心 saying what
    was decided -- 已通过, 已通过（待授予组织认证） while an honor goes on to its grantor, 未通过
    with the reason."""
    from incentives import services
    from incentives.choices import HonorTitle, HonorType
    from zhtj.core.models import Notification
    from zhtj.core.workflow import WorkflowError

    superior = _request(inc.col_admin, inc.tree.col_a)
    first, second = IncentiveRecord.objects.filter(kind=Kind.JOINING).order_by("pk")[:2]
    with pytest.raises(WorkflowError) as exc:
        services.decide(superior, first, "delete")
    assert str(exc.value) == "不支持的操作。"
    assert services.decide(superior, first, "approve").state == State.APPROVED
    assert IncentiveRecord.objects.get(pk=first.pk).reason == ""  # approved without words: no 审批意见
    assert services.decide(superior, second, "reject", note="信息有误").state == State.REJECTED
    honor = services.record_honor(
        inc.tree.branch_a,
        by=inc.branch_admin,
        honor_type=HonorType.PERSONAL,
        title=HonorTitle.EXCELLENT_MEMBER,
        grantor=inc.tree.uni,
        grantor_name="测试大学",
        awarded_month="2024-05-01",
        recipients=inc.members[:1],
    )
    assert services.decide(superior, honor, "approve").state == State.GRANTOR
    texts = list(
        Notification.objects.filter(recipient_org=inc.tree.branch_a, kind="incentive")
        .order_by("pk")
        .values_list("text", flat=True)
    )
    assert texts == [
        f"团内激励认证已通过：{first.summary}",
        f"团内激励认证未通过：{second.summary}（信息有误）",
        f"团内激励认证已通过（待授予组织认证）：{honor.summary}",
    ]


def test_batch_refusals_word_for_word(inc):
    """INC-14 / SEC-04 / SEC-06: a batch is refused before anything is tried when nothing is
    ticked, 不通过 has no reason, or the 审批意见 is over 200 characters; when items can't be
    decided nothing is, and the message names each with its reason (400; 409 when one was
    already handled). 200 characters are taken."""
    from incentives import services
    from zhtj.core.workflow import WorkflowError

    superior = _request(inc.col_admin, inc.tree.col_a)
    records = list(IncentiveRecord.objects.filter(kind=Kind.JOINING).order_by("pk"))

    def refusal(*args, **kw):
        with pytest.raises(WorkflowError) as exc:
            services.decide_many(superior, *args, **kw)
        return exc.value

    assert str(refusal([], "approve")) == "请先勾选要审批的事项。"
    assert str(refusal(records[:1], "reject", note="  ")) == "审批不通过须填写原因。"
    assert str(refusal(records[:1], "approve", note="意" * 201)) == "审批意见不能超过200字，当前为201字。"
    other = f.person("外人", branch=inc.tree.branch_b, password="x", joined_month=timezone.localdate().replace(day=1))
    theirs = IncentiveRecord.objects.get(person=other)
    refused = refusal([records[0], theirs], "approve")
    assert isinstance(refused, services.BatchError) and refused.status == 400
    assert refused.failures == [(theirs.summary, "不在您的审批范围内")]
    assert str(refused) == f"批量审批未执行（全部或全不）：1项不能处理——{theirs.summary}：不在您的审批范围内"
    assert IncentiveRecord.objects.get(pk=records[0].pk).state == State.PENDING
    assert services.decide(superior, records[1], "approve").state == State.APPROVED
    handled = refusal([records[1], records[2]], "approve", seen={records[1].pk: State.PENDING})
    assert handled.status == 409 and len(handled.failures) == 1 and handled.failures[0][0] == records[1].summary
    assert IncentiveRecord.objects.get(pk=records[2].pk).state == State.PENDING
    assert services.decide_many(superior, records[2:4], "reject", note="意" * 200) == 2
    assert set(
        IncentiveRecord.objects.filter(pk__in=[r.pk for r in records[2:4]]).values_list("reason", flat=True)
    ) == {"意" * 200}


def test_the_whole_set_is_checked_word_for_word_before_it_starts():
    """INC-14 / SEC-06: 全部审批 needs 通过 or 不通过, a reason for 不通过, at most 200 characters."""
    from incentives.services import check_batch
    from zhtj.core.workflow import WorkflowError

    def refusal(action, note):
        with pytest.raises(WorkflowError) as exc:
            check_batch(action, note)
        return str(exc.value)

    assert refusal("", "") == "请选择审批结果。"
    assert refusal("reject", " ") == "审批不通过须填写原因。"
    assert refusal("reject", None) == "审批不通过须填写原因。"
    assert refusal("approve", "意" * 201) == "审批意见不能超过200字，当前为201字。"
    check_batch("approve", "")
    check_batch("approve", None)
    check_batch("reject", "意" * 200)


def test_the_superior_opening_a_decision_is_recorded_once(inc):
    """INC-04: only the recorder's direct superior opening the decision counts, once, with an
    audit row; the branch itself, a grand-parent or no acting org leave it unopened."""
    from incentives import services
    from zhtj.core.models import AuditLog

    services.record_grades(
        inc.tree.branch_a, YEAR, inc.members[:1], Grade.BASIC, by=inc.branch_admin, decision_file=pdf_upload()
    )
    ev = Evaluation.objects.select_related("record__recorder").get()
    for user, org in ((inc.branch_admin, inc.tree.branch_a), (inc.uni_admin, inc.tree.uni), (inc.col_admin, None)):
        services.mark_decision_viewed(_request(user, org), ev)
    assert Evaluation.objects.get().decision_viewed_at is None
    services.mark_decision_viewed(_request(inc.col_admin, inc.tree.col_a), ev)
    first = Evaluation.objects.get().decision_viewed_at
    assert first is not None
    ev.refresh_from_db()
    services.mark_decision_viewed(_request(inc.col_admin, inc.tree.col_a), ev)
    assert Evaluation.objects.get().decision_viewed_at == first
    views = AuditLog.objects.filter(object_id=ev.record.pk, action="view_decision")
    assert list(views.values_list("actor", flat=True)) == [inc.col_admin.pk]


def test_a_batch_with_an_item_already_handled_answers_409(inc, login, client):
    """SEC-04 / INC-14: a batch whose page showed an item still 待认证, which another admin has
    decided since, is refused whole with 409 (已被处理), not 400; nothing else is applied."""
    first, second = IncentiveRecord.objects.filter(kind=Kind.JOINING).order_by("pk")[:2]
    login(inc.col_admin, inc.tree.col_a)
    assert client.post(f"/incentives/certify/{first.pk}/approve/").status_code == 302
    data = {
        "kind": "joining",
        "action": "approve",
        "record": [first.pk, second.pk],
        f"seen_state_{first.pk}": State.PENDING,
        f"seen_state_{second.pk}": State.PENDING,
    }
    response = client.post("/incentives/certify/batch/", data)
    assert response.status_code == 409 and "已被处理，请刷新后查看" in response.content.decode()
    assert IncentiveRecord.objects.get(pk=second.pk).state == State.PENDING


def test_a_batch_names_every_item_it_refuses_and_keeps_an_approvals_reason_empty(inc):
    """INC-14: a refused batch names each item with its reason, separated by "；"; 不通过 without a
    reason (none at all) is refused before any item is tried; a batch approved without words
    keeps no 审批意见."""
    from incentives import services
    from zhtj.core.workflow import WorkflowError

    superior = _request(inc.col_admin, inc.tree.col_a)
    records = list(IncentiveRecord.objects.filter(kind=Kind.JOINING).order_by("pk")[:3])
    outsiders = [
        f.person(f"外人{n}", branch=inc.tree.branch_b, password="x", joined_month=timezone.localdate().replace(day=1))
        for n in range(2)
    ]
    theirs = list(IncentiveRecord.objects.filter(person__in=outsiders).order_by("pk"))
    with pytest.raises(services.BatchError) as exc:
        services.decide_many(superior, [records[0], *theirs], "approve")
    assert str(exc.value) == (
        f"批量审批未执行（全部或全不）：2项不能处理——{theirs[0].summary}：不在您的审批范围内；"
        f"{theirs[1].summary}：不在您的审批范围内"
    )
    with pytest.raises(WorkflowError) as exc:
        services.decide_many(superior, records[:1], "reject", note=None)
    assert type(exc.value) is WorkflowError and str(exc.value) == "审批不通过须填写原因。"
    assert services.decide_many(superior, records[:2], "approve") == 2
    assert list(
        IncentiveRecord.objects.filter(pk__in=[r.pk for r in records[:2]]).values_list("reason", flat=True)
    ) == [
        "",
        "",
    ]


def test_a_storage_failure_after_deleting_is_logged_not_an_error(inc, monkeypatch, django_capture_on_commit_callbacks):
    """SEC-01 / INC-04: the decision file is removed once the deletion has committed; a storage
    hiccup then doesn't undo or fail the deletion (the change stands, the failure is logged)."""
    from django.core.files.storage import default_storage

    from incentives import services

    services.record_grades(
        inc.tree.branch_a, YEAR, inc.members[:1], Grade.BASIC, by=inc.branch_admin, decision_file=pdf_upload()
    )
    record = IncentiveRecord.objects.get(kind=Kind.EVALUATION)
    tried = []

    def broken(name):
        tried.append(name)
        raise OSError("storage unavailable")

    monkeypatch.setattr(default_storage, "delete", broken)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_record(_request(inc.branch_admin, inc.tree.branch_a), record)
    assert len(tried) == 1 and tried[0].endswith(".pdf")
    assert not IncentiveRecord.objects.filter(pk=record.pk).exists()


def test_each_item_of_a_batch_is_checked_against_the_state_its_page_showed(inc):
    """SEC-04: each ticked item is decided only if it is still in the state its row showed; one
    shown in another state refuses the batch (409), naming it, and nothing is applied."""
    from incentives import services

    superior = _request(inc.col_admin, inc.tree.col_a)
    first, second = IncentiveRecord.objects.filter(kind=Kind.JOINING).order_by("pk")[:2]
    with pytest.raises(services.BatchError) as exc:
        services.decide_many(
            superior, [first, second], "approve", seen={first.pk: State.PENDING, second.pk: State.REJECTED}
        )
    assert exc.value.status == 409 and [summary for summary, _ in exc.value.failures] == [second.summary]
    assert set(IncentiveRecord.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True)) == {
        State.PENDING
    }
    assert services.decide_many(superior, [first, second], "approve", seen={first.pk: State.PENDING}) == 2
