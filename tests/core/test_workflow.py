"""The approval pattern itself (SEC-04, zhtj/core/workflow.py), called directly."""

import pytest
from django.test import RequestFactory

from members.models import MemberArchive
from tests import factories as f
from zhtj.core.models import AuditLog
from zhtj.core.workflow import AlreadyHandled, WorkflowError, by_system, perform, seen_state


def _pending(tree):
    """An e-archive waiting for 学院A团委 (the file plays no part)."""
    return MemberArchive.objects.create(
        person=f.person("李新", branch=tree.branch_a),
        file="archives/x.pdf",
        size=1024,
        pages=1,
        uploaded_by=f.admin_of(tree.branch_a),
        uploaded_by_org=tree.branch_a,
        approver_org=tree.col_a,
    )


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
    assert AuditLog.objects.filter(object_id=archive.pk).count() == 1
