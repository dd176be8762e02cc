"""Filing, deciding and withdrawing a `ChangeRequest` (zhtj/core/change_requests.py): the rules every
kind shares. An app's service checks what is particular to its kind, then calls these; the change
an approval makes is the app's `apply(req, by=…)`, run here on the locked row in the same
transaction as the decision, so a change that can't be made leaves the request undecided."""

from django.db import IntegrityError, transaction

from . import audit, inbox
from .params import fitting
from .workflow import WorkflowError, perform

NOTE_MAX = 200


def file(model, *, one_open, by, **fields):
    """Create a pending request (one audit row). `one_open`: the message when the target already
    has an open request, as the model's partial unique index decides it (a double click, two admins)."""
    try:
        with transaction.atomic():
            req = model.objects.create(requested_by=by, **fields)
            audit.record(req, "submit", to_state=req.state, note=req.explanation, actor=by)
    except IntegrityError:
        raise WorkflowError(one_open) from None
    return req


def decide(req, decision, *, by, acting, note="", seen=None, apply=None):
    """同意 / 不同意 by the stored approver, decided on the locked row (SEC-04); `seen`: the state the
    page showed. 同意 runs `apply(req, by=by)` in the same transaction. The filing org is told."""
    note = fitting(note, NOTE_MAX, "理由", WorkflowError)
    if decision not in ("approve", "reject"):
        raise WorkflowError("请选择“同意”或“不同意”。")
    if decision == "reject" and not note:
        raise WorkflowError("不同意时须填写理由。")
    with transaction.atomic():
        req = perform(
            req, decision, guard=lambda locked: locked.check_decider(acting), seen_state=seen, by=by, note=note
        )
        if decision == "approve" and apply is not None:
            apply(req, by=by)
        inbox.notify(
            org=req.filed_by_org, kind=req.inbox_kind, text=f"{req.subject}{verdict(req)}", link=req.get_absolute_url()
        )
    return req


def verdict(req):
    """ "已同意，…" / "不同意（理由）" of a decided request."""
    if req.state == req.State.REJECTED:
        return f"不同意（{req.reason}）"
    return f"已同意，{req.effect}" if req.effect else "已同意"


def withdraw(req, *, by, acting, seen=None):
    """撤回 by the filing org while undecided, decided on the locked row: a decision taken meanwhile
    wins (409), and an approver can't take it back for the filer (403)."""
    return perform(req, "withdraw", guard=lambda locked: locked.check_filer(acting), seen_state=seen, by=by)
