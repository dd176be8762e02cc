"""The approval pattern itself (SEC-04, zhtj/core/workflow.py), called directly."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from members.models import MemberArchive
from tests import factories as f
from zhtj.core import workflow
from zhtj.core.models import AuditLog
from zhtj.core.workflow import AlreadyHandled, WorkflowError, by_system, perform, perform_many, seen_state


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


def _pending(tree, uploader=None):
    """An e-archive waiting for 学院A团委 (the file plays no part)."""
    return MemberArchive.objects.create(
        person=f.person("李新", branch=tree.branch_a),
        file="archives/x.pdf",
        size=1024,
        pages=1,
        uploaded_by=uploader or f.admin_of(tree.branch_a),
        uploaded_by_org=tree.branch_a,
        approver_org=tree.col_a,
    )


def _logs(archive):
    """The archive's audit rows (an object id alone may be another model's too)."""
    return AuditLog.objects.filter(object_id=archive.pk, content_type__model="memberarchive")


def test_seen_state_is_what_the_form_was_rendered_in():
    """SEC-04: the state a form posts ({% form_guard obj %}) -- a batch form's per row, under
    `seen_state_<pk>` -- and, when a client posts none, the state this request read."""
    obj = MemberArchive(pk=7, state=MemberArchive.State.VERIFIED)
    posted = RequestFactory().post("/", {"seen_state": "pending", "seen_state_7": "rejected"})
    assert seen_state(posted, obj) == "pending"
    assert seen_state(posted, obj, pk=7) == "rejected"
    bare = RequestFactory().post("/", {})
    assert seen_state(bare, obj) == seen_state(bare, obj, pk=7) == "verified"


def test_a_refusal_records_who_refused_when_and_why(tree):
    """SEC-04 / ARC-03: a superior's 不同意 needs its reason; it records the reason, who decided
    and when -- not only the state."""
    admin = f.admin_of(tree.col_a)
    archive = _pending(tree)
    with pytest.raises(WorkflowError) as refused:
        perform(archive, "reject", guard=by_system, by=admin, note="  ")
    assert str(refused.value) == "不同意时须填写理由。"
    archive = perform(archive, "reject", guard=by_system, by=admin, note="第二页模糊不清")
    archive.refresh_from_db()
    assert (archive.state, archive.decided_by, archive.reason) == ("rejected", admin, "第二页模糊不清")
    assert archive.decided_at is not None


def test_already_handled_says_the_state_it_is_in():
    """SEC-04: the 409 names the state the item is in now; without an item, the short form."""
    verified = MemberArchive(state=MemberArchive.State.VERIFIED)
    assert str(AlreadyHandled(verified)) == "该事项当前状态为“已认证”，已被处理，请刷新后查看。"
    assert str(AlreadyHandled()) == "已被处理，请刷新后查看。"


def test_a_workflow_error_answers_400_unless_told(tree):
    """SEC-06: a refusal is a 400 (bad input) unless it says 409 (the data as it is now refuses
    it); perform's own refusals -- no such action, an item gone -- are 400s."""
    assert (WorkflowError("理由").status, WorkflowError("已变化", status=409).status) == (400, 409)
    archive = _pending(tree)
    with pytest.raises(WorkflowError) as refused:
        perform(archive, "no_such_action", guard=by_system)
    assert refused.value.status == 400


def test_perform_refuses_what_is_no_transition_and_what_is_gone(tree):
    """SEC-04: an action that is no transition of the item (a method or nothing) and an item deleted
    since the page was read are refused in words, nothing written; a transition without a note
    records none."""
    archive = _pending(tree)
    for action in ("may_replace", "no_such_action"):
        with pytest.raises(WorkflowError) as refused:
            perform(archive, action, guard=by_system)
        assert str(refused.value) == "不支持的操作。"
    approved = perform(archive, "approve", guard=by_system)
    assert AuditLog.objects.get(object_id=approved.pk, action="approve").note == ""
    MemberArchive.objects.filter(pk=archive.pk).delete()
    with pytest.raises(WorkflowError) as gone:
        perform(archive, "reject", guard=by_system, note="模糊")
    assert str(gone.value) == "该事项已不存在。"
    assert _logs(archive).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the VALUES form is PostgreSQL's")
def test_a_batch_writes_its_rows_back_in_one_update_from_values(tree):
    """Issue 17: on PostgreSQL a batch's rows go back in ONE UPDATE … FROM (VALUES …) (Django's
    bulk_update, a CASE WHEN per field and row, costs ~4 s of Python for 3,000 rows)."""
    admin = f.admin_of(tree.col_a)
    uploader = f.admin_of(tree.branch_a)
    archives = [_pending(tree, uploader) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        done, failures = perform_many(
            MemberArchive.objects.all(), [a.pk for a in archives], "approve", guard=by_system, by=admin
        )
    assert (done, failures) == (3, [])
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "FROM (VALUES" in updates[0]
    # the chunk's transaction (a savepoint inside the test's) and ONE savepoint around its rows,
    # not one a row (none of its transitions refused)
    assert len([q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]) == 2
    assert set(MemberArchive.objects.values_list("state", "decided_by", "reason")) == {("verified", admin.pk, "")}


def test_a_batch_writes_its_rows_back_with_bulk_update_elsewhere(tree, monkeypatch):
    """Issue 17: elsewhere than PostgreSQL (the embedded SQLite) a batch's rows go back by Django's
    bulk_update -- every changed field of every row done (the decision, the time handled). Run on PostgreSQL
    too, by telling the write-back that its database is not PostgreSQL."""
    monkeypatch.setattr(workflow, "connection", SimpleNamespace(vendor="sqlite"))
    admin = f.admin_of(tree.col_a)
    uploader = f.admin_of(tree.branch_a)
    archives = [_pending(tree, uploader) for _ in range(2)]
    done, failures = perform_many(
        MemberArchive.objects.all(), [a.pk for a in archives], "approve", guard=by_system, by=admin, note="清晰"
    )
    assert (done, failures) == (2, [])
    rows = MemberArchive.objects.order_by("pk")
    assert [(a.state, a.decided_by, a.reason) for a in rows] == [("verified", admin, "清晰")] * 2
    assert all(a.decided_at is not None and a.updated_at >= a.decided_at for a in rows)


def test_a_batch_refuses_each_row_for_its_own_reason(tree):
    """SEC-04 in a batch: a row handled since the page was read is refused naming the state it is
    in now; a row whose transition's condition refuses it, in the condition's words or with the
    state; the others are done."""
    admin = f.admin_of(tree.branch_a)
    verified, handled = _pending(tree, admin), _pending(tree, admin)
    MemberArchive.objects.filter(pk__in=[verified.pk, handled.pk]).update(state=MemberArchive.State.VERIFIED)
    upload = {
        "name": "archives/y.pdf",
        "original_name": "新.pdf",
        "size": 1,
        "pages": 1,
        "by": admin,
        "org": tree.branch_a,
    }
    rejected = _pending(tree, admin)
    MemberArchive.objects.filter(pk=rejected.pk).update(state=MemberArchive.State.REJECTED)
    done, failures = perform_many(
        MemberArchive.objects.all(), [verified.pk, rejected.pk], "replace", guard=by_system, upload=upload
    )
    assert done == 1
    assert [(row.pk, reason) for row, reason in failures] == [(verified.pk, "该事项当前状态为“已认证”，不允许此操作。")]
    done, failures = perform_many(MemberArchive.objects.all(), [handled.pk], "approve", guard=by_system)
    assert (done, [reason for _, reason in failures]) == (0, ["该事项当前状态为“已认证”，已被处理，请刷新后查看。"])


def test_a_batch_in_chunks_lists_every_refusal_and_reports_progress(tree, settings):
    """Issue 17 / SEC-04: chunk by chunk (BATCH_CHUNK), the refusals of every chunk are listed -- an
    item gone or out of scope by its number -- progress is reported after each, and each row done
    has its audit row: who, from which state."""
    settings.ZHTJ = {**settings.ZHTJ, "BATCH_CHUNK": 1}
    admin = f.admin_of(tree.col_a)
    uploader = f.admin_of(tree.branch_a)
    ok, handled = _pending(tree, uploader), _pending(tree, uploader)
    MemberArchive.objects.filter(pk=handled.pk).update(state=MemberArchive.State.VERIFIED)
    gone = handled.pk + 1000
    steps = []
    done, failures = perform_many(
        MemberArchive.objects.all(),
        [gone, ok.pk, handled.pk],
        "approve",
        guard=by_system,
        by=admin,
        progress=lambda n, total: steps.append((n, total)),
    )
    assert done == 1 and steps == [(1, 3), (2, 3), (3, 3)]
    assert [(getattr(row, "pk", row), reason) for row, reason in failures] == [
        (gone, "该事项已不存在或不在您的管理范围内。"),
        (handled.pk, "该事项当前状态为“已认证”，已被处理，请刷新后查看。"),
    ]
    log = AuditLog.objects.get(object_id=ok.pk, action="approve")
    assert (log.actor, log.from_state, log.to_state, log.note) == (admin, "pending", "verified", "")


def test_the_guard_decides_on_each_locked_row(tree):
    """SEC-04: who may act is decided by the guard on each locked row -- a row it refuses is listed
    with the guard's words (or, when it gives none, 不在您的审批范围内), the others are done."""
    from django.core.exceptions import PermissionDenied

    uploader = f.admin_of(tree.branch_a)
    ok, worded, silent = (_pending(tree, uploader) for _ in range(3))

    def guard(row):
        if row.pk == worded.pk:
            raise PermissionDenied("只有上级团委可以审批。")
        if row.pk == silent.pk:
            raise PermissionDenied

    done, failures = perform_many(
        MemberArchive.objects.all(), [ok.pk, worded.pk, silent.pk], "approve", guard=guard, by=uploader
    )
    assert done == 1
    assert [(row.pk, reason) for row, reason in failures] == [
        (worded.pk, "只有上级团委可以审批。"),
        (silent.pk, "不在您的审批范围内。"),
    ]
    assert set(MemberArchive.objects.filter(state="verified").values_list("pk", flat=True)) == {ok.pk}
    with pytest.raises(PermissionDenied):
        perform(worded, "approve", guard=guard)


def test_a_condition_refuses_in_its_own_words(tree, monkeypatch):
    """SEC-04: a transition's condition may carry its words (`condition.refusal`): one item and a
    batch refuse with them; without them, with the state the item is in."""
    admin = f.admin_of(tree.branch_a)
    verified = _pending(tree, admin)
    MemberArchive.objects.filter(pk=verified.pk).update(state=MemberArchive.State.VERIFIED)
    upload = {
        "name": "archives/y.pdf",
        "original_name": "新.pdf",
        "size": 1,
        "pages": 1,
        "by": admin,
        "org": tree.branch_a,
    }
    default = "该事项当前状态为“已认证”，不允许此操作。"
    with pytest.raises(WorkflowError) as refused:
        perform(verified, "replace", guard=by_system, upload=upload)
    assert str(refused.value) == default
    monkeypatch.setattr(MemberArchive.may_replace, "refusal", "请先申请更换档案。", raising=False)
    with pytest.raises(WorkflowError) as refused:
        perform(verified, "replace", guard=by_system, upload=upload)
    assert str(refused.value) == "请先申请更换档案。"
    done, failures = perform_many(MemberArchive.objects.all(), [verified.pk], "replace", guard=by_system, upload=upload)
    assert (done, [reason for _, reason in failures]) == (0, ["请先申请更换档案。"])


def test_a_row_refused_inside_its_transition_is_undone_alone(tree, monkeypatch):
    """Issue 17 / SEC-04: a rule that refuses inside the transition, after having written, refuses
    that row only (its words, or 不在您的审批范围内 when it gives none): the chunk is run again with a
    savepoint a row, so the row keeps nothing of what it wrote and the others are done."""
    admin = f.admin_of(tree.col_a)
    uploader = f.admin_of(tree.branch_a)
    ok, bad, silent, late = (_pending(tree, uploader) for _ in range(4))
    record = MemberArchive.record_decision

    def half_way(self, by, note):
        record(self, by, note)  # written first ...
        if self.pk == bad.pk:
            raise WorkflowError("该团员已转出。")  # ... then refused
        if self.pk == silent.pk:
            raise WorkflowError

    monkeypatch.setattr(MemberArchive, "record_decision", half_way)
    with CaptureQueriesContext(connection) as queries:
        done, failures = perform_many(
            MemberArchive.objects.all(),
            [ok.pk, bad.pk, silent.pk, late.pk],
            "approve",
            guard=by_system,
            by=admin,
            note="清晰",
        )
    assert done == 2
    assert [(row.pk, reason) for row, reason in failures] == [
        (bad.pk, "该团员已转出。"),
        (silent.pk, "不在您的审批范围内。"),
    ]
    rows = {a.pk: (a.state, a.decided_by_id, a.reason) for a in MemberArchive.objects.all()}
    assert rows == {
        ok.pk: ("verified", admin.pk, "清晰"),
        bad.pk: ("pending", None, ""),
        silent.pk: ("pending", None, ""),
        late.pk: ("verified", admin.pk, "清晰"),
    }
    assert sorted(AuditLog.objects.filter(action="approve").values_list("object_id", flat=True)) == sorted(
        [ok.pk, late.pk]
    )
    if connection.vendor == "postgresql":
        # the chunk's, its first run's, then one a row (4) in the careful run
        assert len([q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]) == 6


def test_perform_acts_on_the_state_seen_and_records_it(tree, monkeypatch):
    """SEC-04: perform acts on a fresh locked copy only when the state the form was rendered in is
    still the state (409 naming the state otherwise, nothing written) and the transition starts
    from it; it saves the copy, returns it and writes one audit row: who, from, to, the note. The
    optimistic check at save (a second guard) refuses the same way."""
    from django_fsm import ConcurrentTransition

    admin = f.admin_of(tree.col_a)
    archive = _pending(tree)
    with pytest.raises(AlreadyHandled) as handled:
        perform(archive, "approve", guard=by_system, seen_state="rejected", by=admin)
    assert str(handled.value) == "该事项当前状态为“待审批”，已被处理，请刷新后查看。"
    assert not _logs(archive).exists()

    def concurrent(self, *args, **kwargs):
        raise ConcurrentTransition

    with monkeypatch.context() as patched:
        patched.setattr(MemberArchive, "save", concurrent)
        with pytest.raises(AlreadyHandled) as handled:
            perform(archive, "approve", guard=by_system, seen_state="pending", by=admin)
    assert str(handled.value).startswith("该事项当前状态为")  # the item's state named, not the short form
    assert MemberArchive.objects.get(pk=archive.pk).state == "pending"

    done = perform(archive, "approve", guard=by_system, seen_state="pending", by=admin, note="清晰")
    assert archive.state == "pending" and (done.pk, done.state, done.reason) == (archive.pk, "verified", "清晰")
    assert MemberArchive.objects.get(pk=archive.pk).state == "verified"
    log = _logs(archive).get()
    assert (log.action, log.actor, log.from_state, log.to_state, log.note) == (
        "approve",
        admin,
        "pending",
        "verified",
        "清晰",
    )
    with pytest.raises(AlreadyHandled) as handled:
        perform(archive, "approve", guard=by_system)  # no form: the transition no longer starts here
    assert str(handled.value) == "该事项当前状态为“已认证”，已被处理，请刷新后查看。"


def test_a_batch_tells_after_each_chunk_and_records_the_acting_admin(tree, settings):
    """Issue 17 / BEY-05: `after` gets each chunk's rows done (notices are sent in the chunk's
    transaction); the audit rows name the item, the action, the note, and -- given no `by` -- the
    admin and org acting (audit.acting_as)."""
    from django.contrib.contenttypes.models import ContentType

    from zhtj.core.audit import acting_as

    settings.ZHTJ = {**settings.ZHTJ, "BATCH_CHUNK": 2}
    admin = f.admin_of(tree.col_a)
    uploader = f.admin_of(tree.branch_a)
    archives = [_pending(tree, uploader) for _ in range(3)]
    told = []
    with acting_as(admin, tree.col_a.pk):
        done, failures = perform_many(
            MemberArchive.objects.all(),
            [a.pk for a in archives],
            "approve",
            guard=by_system,
            note="清晰",
            after=lambda rows: told.append([(r.pk, r.state) for r in rows]),
        )
    assert (done, failures) == (3, [])
    assert told == [[(archives[0].pk, "verified"), (archives[1].pk, "verified")], [(archives[2].pk, "verified")]]
    logs = AuditLog.objects.filter(action="approve").order_by("object_id")
    assert [(log.object_id, log.action, log.note, log.actor, log.acting_org_id) for log in logs] == [
        (a.pk, "approve", "清晰", admin, tree.col_a.pk) for a in archives
    ]
    assert {log.content_type for log in logs} == {ContentType.objects.get_for_model(MemberArchive)}


def test_a_batch_goes_on_past_a_gone_row_and_a_transition_not_allowed(tree, monkeypatch):
    """SEC-04 in a batch: an item gone, in the middle of a chunk, is listed and the rest done; a
    transition that django-fsm refuses while running (TransitionNotAllowed) is already handled."""
    from django_fsm import TransitionNotAllowed

    admin = f.admin_of(tree.col_a)
    uploader = f.admin_of(tree.branch_a)
    ok, refused, late = (_pending(tree, uploader) for _ in range(3))
    gone = late.pk + 1000
    record = MemberArchive.record_decision

    def not_allowed(self, by, note):
        if self.pk == refused.pk:
            raise TransitionNotAllowed("refused")
        record(self, by, note)

    monkeypatch.setattr(MemberArchive, "record_decision", not_allowed)
    done, failures = perform_many(
        MemberArchive.objects.all(), [ok.pk, gone, refused.pk, late.pk], "approve", guard=by_system, by=admin
    )
    assert done == 2
    assert [(getattr(row, "pk", row), reason) for row, reason in failures] == [
        (gone, "该事项已不存在或不在您的管理范围内。"),
        (refused.pk, "该事项当前状态为“待审批”，已被处理，请刷新后查看。"),
    ]
    assert set(MemberArchive.objects.filter(state="verified").values_list("pk", flat=True)) == {ok.pk, late.pk}


def test_a_batch_writes_every_field_any_row_changed(tree):
    """Issue 17: the write-back sets every field that any row of the chunk changed, on every row:
    a field the last row left as it was (its 审批意见 already the note) is still written for the
    rows that changed it."""
    admin = f.admin_of(tree.col_a)
    uploader = f.admin_of(tree.branch_a)
    first, last = _pending(tree, uploader), _pending(tree, uploader)
    MemberArchive.objects.filter(pk=last.pk).update(reason="清晰", decided_by=admin)
    done, failures = perform_many(
        MemberArchive.objects.all(), [first.pk, last.pk], "approve", guard=by_system, by=admin, note="清晰"
    )
    assert (done, failures) == (2, [])
    rows = MemberArchive.objects.order_by("pk").values_list("state", "decided_by", "reason")
    assert list(rows) == [("verified", admin.pk, "清晰")] * 2


def test_a_careful_run_passes_the_transitions_arguments(tree, monkeypatch):
    """Issue 17: when a row refuses inside its transition, the chunk's careful run gives the other
    rows' transitions the same arguments (a 替换档案's upload)."""
    admin = f.admin_of(tree.branch_a)
    rejected = [_pending(tree, admin) for _ in range(2)]
    MemberArchive.objects.filter(pk__in=[a.pk for a in rejected]).update(state=MemberArchive.State.REJECTED)
    upload = {
        "name": "archives/y.pdf",
        "original_name": "新.pdf",
        "size": 2,
        "pages": 3,
        "by": admin,
        "org": tree.branch_a,
    }
    set_upload = MemberArchive.set_upload

    def refusing(self, **fields):
        if self.pk == rejected[0].pk:
            raise WorkflowError("文件已损坏。")
        set_upload(self, **fields)

    monkeypatch.setattr(MemberArchive, "set_upload", refusing)
    done, failures = perform_many(
        MemberArchive.objects.all(), [a.pk for a in rejected], "replace", guard=by_system, by=admin, upload=upload
    )
    assert (done, [(row.pk, reason) for row, reason in failures]) == (1, [(rejected[0].pk, "文件已损坏。")])
    replaced = MemberArchive.objects.get(pk=rejected[1].pk)
    assert (replaced.state, replaced.original_name, replaced.pages) == ("pending", "新.pdf", 3)


def test_perform_passes_the_transitions_arguments(tree):
    """SEC-04: perform gives the transition the caller's arguments (a 替换档案's upload)."""
    admin = f.admin_of(tree.branch_a)
    archive = _pending(tree, admin)
    MemberArchive.objects.filter(pk=archive.pk).update(state=MemberArchive.State.REJECTED)
    upload = {
        "name": "archives/y.pdf",
        "original_name": "新.pdf",
        "size": 2,
        "pages": 3,
        "by": admin,
        "org": tree.branch_a,
    }
    replaced = perform(archive, "replace", guard=by_system, by=admin, upload=upload)
    assert (replaced.state, replaced.original_name, replaced.pages) == ("pending", "新.pdf", 3)
    assert MemberArchive.objects.get(pk=archive.pk).original_name == "新.pdf"
