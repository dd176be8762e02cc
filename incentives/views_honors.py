"""荣誉激励 (INC-07 … INC-09): 个人荣誉记载 (up to 5 recipients) and 集体荣誉记载; the lists with
上级认证 / 团组织认证 columns and a status filter; 授权审批团组织; delete before the first approval."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from orgs.models import Organization
from zhtj.core.access import ORG_ADMIN, access, scoped
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk
from zhtj.core.workflow import WorkflowError

from . import services
from .choices import COLLECTIVE_TITLES, PERSONAL_TITLES, HonorType, Kind, State
from .scope import visible_records
from .views_common import BadInput, parse_date
from .views_development import _chosen_people, is_search, kept_people, search_people

STATUS_FILTERS = {
    "pending": ("待认证", (State.PENDING, State.GRANTOR)),
    "approved": ("已认证", (State.APPROVED,)),
    "rejected": ("未通过", (State.REJECTED,)),
}


def _type(raw):
    if raw in (None, ""):
        return HonorType.PERSONAL
    if raw not in HonorType.values:
        raise BadInput("荣誉类型无效。")
    return HonorType(raw)


@access(ORG_ADMIN)
def honor_list(request):
    status_code, error = 200, ""
    try:
        honor_type = _type(request.GET.get("type"))
        status = request.GET.get("status") or ""
        if status and status not in STATUS_FILTERS:
            raise BadInput("认证状态无效。")
    except BadInput as exc:
        honor_type, status, status_code, error = HonorType.PERSONAL, "", 400, str(exc)
    rows = (
        visible_records(request)
        .filter(kind=Kind.HONOR, honor__honor_type=honor_type)
        .select_related("recorder", "grantor", "delegate", "honor", "honor__org_recipient")
        .prefetch_related("honor__recipients")
        .order_by("-created_at", "-pk")
    )
    if status:
        rows = rows.filter(state__in=STATUS_FILTERS[status][1])
    name = (request.GET.get("name") or "").strip()[:50]
    if name:
        rows = rows.filter(summary__contains=name)
    acting = request.acting_org
    children = list(acting.get_children().only("pk", "name", "tree_id", "lft", "parent_id"))
    return render(
        request,
        "incentives/honor_list.html",
        {
            "page": paginate(request, rows),
            "honor_type": honor_type,
            "types": HonorType.choices,
            "status": status,
            "statuses": [(k, v[0]) for k, v in STATUS_FILTERS.items()],
            "name": name,
            "children": children,
            "error": error,
        },
        status=status_code,
    )


def _grantors(acting):
    """选择授予组织: the acting org or one of its ancestors (an honor comes from at or above)."""
    return list(acting.get_ancestors(include_self=True).only("pk", "name", "level"))


def _collective_targets(request):
    """Orgs of the acting subtree, two levels down at most (the list stays short)."""
    acting = request.acting_org
    return list(
        scoped(request, Organization.objects.all(), "")
        .filter(level__lte=acting.level + 2)
        .order_by("tree_id", "lft")
        .only("pk", "name")
    )


@access(ORG_ADMIN)
def honor_new(request):
    try:
        honor_type = _type(request.GET.get("type") or request.POST.get("honor_type"))
    except BadInput as exc:
        return render(
            request, "incentives/refused.html", {"error": str(exc), "back": reverse("incentives:honors")}, status=400
        )
    q, found = search_people(request)
    acting = request.acting_org
    grantors = _grantors(acting)
    personal = honor_type == HonorType.PERSONAL
    titles = PERSONAL_TITLES if personal else COLLECTIVE_TITLES
    context = {
        "honor_type": honor_type,
        "personal": personal,
        "q": q,
        "found": found,
        "titles": [(t.value, t.label) for t in titles],
        "grantors": grantors,
        "targets": [] if personal else _collective_targets(request),
        "data": request.POST,
    }
    if request.method == "POST" and not is_search(request):
        try:
            grantor_id = request.POST.get("grantor", "")
            grantor = next((g for g in grantors if str(g.pk) == grantor_id), None)
            org_recipient = None
            if not personal:
                target = request.POST.get("org_recipient", "")
                org_recipient = next((o for o in context["targets"] if str(o.pk) == target), None)
            record = services.record_honor(
                acting,
                by=request.user,
                honor_type=honor_type,
                title=request.POST.get("title", ""),
                grantor=grantor,
                grantor_name=request.POST.get("grantor_name", ""),
                awarded_month=parse_date(request.POST.get("awarded_month"), "荣誉获得时间", month=True),
                recipients=_chosen_people(request) if personal else (),
                org_recipient=org_recipient,
            )
        except (BadInput, WorkflowError) as exc:
            context["error"] = str(exc)
            context["found"] = kept_people(request)
            return render(request, "incentives/honor_new.html", context, status=400)
        done = "已生效" if record.state == State.APPROVED else f"当前状态：{record.get_state_display()}"
        messages.success(request, f"荣誉记载已提交（{done}）：{record.summary}")
        return redirect(f"{reverse('incentives:honors')}?type={honor_type}")
    return render(request, "incentives/honor_new.html", context)


@require_POST
@access(ORG_ADMIN)
def honor_delegate(request, pk):
    """授权审批团组织 (INC-09): the granting org picks one of its direct sub-orgs."""
    record = get_object_or_404(visible_records(request).filter(kind=Kind.HONOR), pk=pk)
    raw = request.POST.get("delegate", "")
    org = None
    if raw:
        org_pk = parse_pk(raw)
        org = request.acting_org.get_children().filter(pk=org_pk).first() if org_pk is not None else None
        if org is None:
            return render(
                request,
                "incentives/refused.html",
                {"error": "请选择本组织的下级组织。", "back": reverse("incentives:honors")},
                status=400,
            )
    try:
        services.delegate_approval(request, record, org)
    except WorkflowError as exc:
        return render(
            request, "incentives/refused.html", {"error": str(exc), "back": reverse("incentives:honors")}, status=400
        )
    messages.success(request, f"已授权{org.name}审批：{record.summary}" if org else f"已取消授权：{record.summary}")
    return redirect(f"{reverse('incentives:honors')}?type={record.honor.honor_type}")


urlpatterns = [
    path("honors/", honor_list, name="honors"),
    path("honors/new/", honor_new, name="honor_new"),
    path("honors/<int:pk>/delegate/", honor_delegate, name="honor_delegate"),
]
