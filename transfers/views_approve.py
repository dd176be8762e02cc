"""业务办理 → 组织关系转接审批 (转入审批 / 转出审批) and one transfer's page (TRF-12)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from orgs.models import Organization
from zhtj.core.access import ORG_ADMIN, access, scoped
from zhtj.core.audit import history_of
from zhtj.core.pagination import paginate
from zhtj.core.params import local_url, parse_pk
from zhtj.core.workflow import WorkflowError, seen_state

from . import services
from .choices import CLOSED_STATES, OPEN_STATES, State
from .models import Transfer

TABS = {"in": "转入审批", "out": "转出审批", "sent": "我发起的", "done": "转接记录"}
DONE_MESSAGES = {
    "approve": "已同意该组织关系转接。",
    "reject": "已拒绝该组织关系转接，拒绝理由已通知团员。",
    "allocate": "已分配团支部，组织关系转接完成。",
    "withdraw": "已撤销该组织关系转接。",
}


@access(ORG_ADMIN)
def approvals(request):
    """The steps waiting for the acting org: a constant number of queries for any list size."""
    tab = request.GET.get("tab") or "in"
    if tab not in TABS:
        messages.error(request, "不支持的审批类型。")
        tab = "in"
    if tab == "done":  # TRF-08: the read-only history of transfers touching the subtree
        pending = visible(request).filter(state__in=CLOSED_STATES)
    elif tab == "sent":  # TRF-01: what the acting org started and still waits elsewhere
        pending = Transfer.objects.filter(initiator_org=request.acting_org, state__in=OPEN_STATES)
    else:
        pending = Transfer.objects.filter(services.pending_q(request.acting_org))
        pending = pending.filter(state=State.SENDING) if tab == "out" else pending.exclude(state=State.SENDING)
    rows = pending.select_related("person", "from_branch", "target", "initiator_org").order_by("-created_at")
    page = paginate(request, rows, size_key="TRF_LIST_SIZE")
    return render(request, "transfers/approvals.html", {"tabs": TABS, "tab": tab, "page": page})


def visible(request):
    """Transfers touching the acting org's subtree, at either end (ROLE-02). No DISTINCT: each join
    follows a foreign key, so no transfer appears twice."""
    qs = Transfer.objects.all()
    return scoped(request, qs, "from_branch") | scoped(request, qs, "target") | scoped(request, qs, "initiator_org")


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def detail(request, pk):
    t = get_object_or_404(visible(request).select_related("person", "from_branch", "target", "to_branch"), pk=pk)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        branch = None
        try:
            if action == "allocate":
                branch_pk = parse_pk(request.POST.get("branch"))
                if branch_pk is None:
                    raise services.TransferError("请选择分配的团支部。")
                branch = Organization.objects.filter(pk=branch_pk).first()
            done = services.act(
                request.acting_org,
                t,
                action,
                by=request.user,
                note=request.POST.get("note", ""),
                branch=branch,
                seen_state=seen_state(request, t),
            )
            messages.success(request, DONE_MESSAGES[action] + f"当前状态：{done.get_state_display()}。")
            return redirect(local_url(request, request.POST.get("next"), reverse("transfers:detail", args=[t.pk])))
        except (services.TransferError, WorkflowError) as exc:
            messages.error(request, str(exc))
            status = 400
    can_act = services.may_act(request.acting_org, t)
    allocatable = (
        Organization.objects.subtree_of(t.target).filter(is_branch_kind=True).order_by("tree_id", "lft")
        if can_act and t.state == State.ALLOCATING
        else []
    )
    return render(
        request,
        "transfers/detail.html",
        {
            "t": t,
            "can_act": can_act,
            "can_withdraw": t.is_open and t.initiator_org_id == request.acting_org.pk and t.withdrawable(),
            "allocatable": allocatable,
            "history": history_of(t),
        },
        status=status,
    )


urlpatterns = [
    path("approvals/", approvals, name="approvals"),
    path("<int:pk>/", detail, name="detail"),
]
