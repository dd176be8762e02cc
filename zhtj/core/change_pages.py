"""The review page of every change request (zhtj/core/change_requests.py): one view helper, one
template (templates/core/change_request_review.html, which each kind's page extends with its own
facts). The view of a kind looks the request up in its scope (out of scope → 404) and hands it here.

GET shows the request, 同意 / 不同意 to its approver and 撤回 to its filing org while pending. POST
`decision` = approve / reject goes to the kind's service (`decide`), `action` = withdraw (as
我发起的 posts it) to `change_review.withdraw`; both carry the page's `seen_state`, so a step taken
meanwhile is a 409. A refusal re-renders the page with the reason (the error's `status`: 400 or 409)."""

from django.contrib import messages
from django.shortcuts import redirect, render

from . import change_review
from .audit import history_of
from .params import local_url
from .workflow import WorkflowError, seen_state


def review(request, req, *, title, template, decide, context=None, done="inbox"):
    """`title`: the page's name (the seeds'); `decide(req, decision, by=, acting=, note=, seen=)`: the
    kind's service; `context`: the facts its template shows besides the request (a callable of it);
    `done`: where the approver goes after deciding."""
    status = 200
    if request.method == "POST":
        step = request.POST.get("decision") or request.POST.get("action", "")
        seen = seen_state(request, req)
        try:
            if step == "withdraw":
                change_review.withdraw(req, by=request.user, acting=request.acting_org, seen=seen)
                messages.success(request, f"已撤回该{req._meta.verbose_name}。")
                return redirect(local_url(request, request.POST.get("next"), req.get_absolute_url()))
            req = decide(
                req, step, by=request.user, acting=request.acting_org, note=request.POST.get("note", ""), seen=seen
            )
        except WorkflowError as exc:
            messages.error(request, str(exc))
            status = exc.status
            req.refresh_from_db()
        else:
            verdict = change_review.verdict(req)
            messages.success(request, f"已处理：{verdict}。")
            return redirect(done)
    acting = request.acting_org
    pending = req.state == req.State.PENDING
    page = {
        "title": title,
        "req": req,
        "can_decide": pending and req.approver_id == acting.pk,
        "can_withdraw": pending and req.filed_by_org_id == acting.pk,
        "explanation_label": req._meta.get_field("explanation").verbose_name,
        "history": history_of(req)[:20],
        **(context(req) if context else {}),
    }
    return render(request, template, page, status=status)
