"""组织整顿 for the superior: 整理整顿团支部 (下级组织列表, 是否整改, 勾选排名后 20% 团支部,
重点整顿团支部列表) and 评估下级团支部 (REC-02 … REC-05, REC-07, REC-11). Every ancestor in scope
may look; only the direct superior acts (require_direct_superior: 403 隔级无法操作)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orgs.models import Organization
from zhtj.core.access import DIRECT_SUPERIOR, ORG_ADMIN, access, require_direct_superior, scoped
from zhtj.core.pagination import paginate
from zhtj.core.workflow import seen_state

from . import services as s
from .choices import AWAITING_REVIEW, LOCKED_STATES, RecState
from .models import CampaignRecord
from .views_self_check import fill, history_context, month_filter_status


def _committee(request):
    org = request.acting_org
    if org.is_branch_kind:
        raise PermissionDenied("此功能仅供团支部的上级团组织管理员使用。")
    return org


def _list_context(acting, year):
    rows = list(s.with_status(s.rec_orgs(acting, year), year).order_by("tree_id", "lft"))
    labels = s.STATE_LABELS
    for row in rows:
        row.state_label = labels[row.rec_state]
        # REC-05: a row that can't be picked says why (a 团总支 listed for GRD-05 is no branch)
        row.bottom_refusal = s.bottom_refusal(row) if row.is_branch_kind else "非团支部，不参加排名"
    candidates = {row.pk for row in rows if row.bottom_refusal is None}
    done = s.bottom_done(acting, year)
    return {
        "org": acting,
        "year": year,
        "rows": rows,
        "candidates": candidates,
        "minimum": s.bottom_minimum(len(candidates)),
        "bottom_done": done,
        "deadlines": s.deadlines(year),
        "awaiting": [str(v) for v in AWAITING_REVIEW],
    }


SCOPES = ("direct", "all")


@require_GET
@access(ORG_ADMIN)
def branches(request):
    """整理整顿团支部 → 下级组织列表: status of every direct sub-branch, bottom-20% marks. With
    ?scope=all every branch of the subtree, paginated: the seed lets a superior see all sub-branches'
    forms and marks, while reviewing and the bottom 20% stay with the direct superior."""
    acting = _committee(request)
    year = s.campaign_year()
    scope = request.GET.get("scope") or "direct"
    if scope not in SCOPES:
        messages.error(request, "列表范围无效，已显示直属团支部。")
        return render(request, "rectification/branches.html", _list_context(acting, year), status=400)
    if scope == "direct":
        return render(request, "rectification/branches.html", _list_context(acting, year))
    rows = (
        s.with_status(s.rec_orgs(acting, year, whole_subtree=True), year)
        .select_related("parent")
        .order_by("tree_id", "lft")
    )
    page = paginate(request, rows, noun="个团支部")
    for row in page:
        row.state_label = s.STATE_LABELS[row.rec_state]
    context = {
        "org": acting,
        "year": year,
        "whole": True,
        "rows": page,
        "page": page,
        "deadlines": s.deadlines(year),
        "awaiting": [str(v) for v in AWAITING_REVIEW],
    }
    return render(request, "rectification/branches.html", context)


@require_POST
@access(DIRECT_SUPERIOR)
def select_bottom(request):
    """勾选排名后 20% 团支部 (REC-05): the acting org's own direct sub-branches only."""
    acting = _committee(request)
    raw = request.POST.getlist("branches")
    if any(not (v.isascii() and v.isdigit() and len(v) <= 12) for v in raw):
        messages.error(request, "所选团支部无效，请重新勾选。")
        return render(request, "rectification/branches.html", _list_context(acting, s.campaign_year()), status=400)
    ids = sorted({int(v) for v in raw})
    for org in scoped(request, Organization.objects.filter(pk__in=ids), ""):
        require_direct_superior(request, org)  # a grandchild: 403 隔级无法勾选
    if scoped(request, Organization.objects.filter(pk__in=ids), "").count() != len(ids):
        raise Http404
    try:
        count = s.select_bottom(acting, ids, by=request.user)
    except s.RecError as exc:
        messages.error(request, str(exc))
        return render(
            request, "rectification/branches.html", _list_context(acting, s.campaign_year()), status=exc.status
        )
    messages.success(request, f"已勾选{count}个排名后 20% 团支部，整顿状态变为重点整改中。")
    return redirect("rectification:branches")


def _branch_in_scope(request, pk):
    return get_object_or_404(scoped(request, Organization.objects.select_related("parent"), ""), pk=pk)


@require_http_methods(["GET", "POST"])
@access(DIRECT_SUPERIOR)
def review(request, pk):
    """是否整改 / re-review: the branch's last form and the actions its status allows."""
    branch = _branch_in_scope(request, pk)
    year = s.campaign_year()
    if request.method == "POST":
        record = CampaignRecord.objects.filter(branch=branch, year=year).first()
        if record is None:
            messages.error(request, "该团支部尚未提交自检表，无需审核。")
            return render(request, "rectification/review.html", _review_context(request, branch, year), status=409)
        try:
            record = s.review(
                record,
                request.POST.get("action", ""),
                by=request.user,
                acting=request.acting_org,
                note=request.POST.get("note", ""),
                seen=seen_state(request, record),
            )
        except s.RecError as exc:
            messages.error(request, str(exc))
            return render(
                request, "rectification/review.html", _review_context(request, branch, year), status=exc.status
            )
        messages.success(request, f"已审核“{branch.name}”的自检表，整顿状态：{record.get_state_display()}。")
        return redirect("rectification:branches")
    context = _review_context(request, branch, year)
    return render(request, "rectification/review.html", context, status=month_filter_status(request, context))


def _review_context(request, branch, year):
    context = history_context(branch, year, request.GET.get("month", ""))
    record = context["record"]
    context["can_act"] = branch.parent_id == request.acting_org.pk
    context["first_review"] = bool(record and record.state == RecState.PENDING)
    context["key_review"] = bool(record and record.state == RecState.KEY_PENDING)
    if record:  # REC-04: a button only for an action the record would accept
        context["allowed"] = {a for a in ("approve", "start_key", "pass_key") if record.review_refusal(a) is None}
    context["threshold"] = settings.ZHTJ["REC_KEY_POOR_COUNT"]
    context["locked"] = bool(record and record.state in LOCKED_STATES)
    return context


def _evaluate_list(request, acting, status=200):
    year = s.campaign_year()
    rows = (
        s.with_status(s.rec_orgs(acting, year), year)
        .filter(rec_state=RecState.NOT_SUBMITTED)
        .order_by("tree_id", "lft")
    )
    context = {"org": acting, "year": year, "rows": paginate(request, rows)}
    return render(request, "rectification/evaluate_list.html", context, status=status)


@require_GET
@access(ORG_ADMIN)
def evaluate_list(request):
    """评估下级团支部: the direct sub-branches that have not submitted a form."""
    return _evaluate_list(request, _committee(request))


@require_http_methods(["GET", "POST"])
@access(DIRECT_SUPERIOR)
def evaluate(request, pk):
    """上级评估 (REC-02, REC-04): the direct superior fills the form of a branch that never submitted."""
    branch = _branch_in_scope(request, pk)
    require_direct_superior(request, branch)
    year = s.campaign_year()
    if not s.takes_part(branch, year):  # a 团委 below: no 自检表, no record made for it
        messages.error(request, f"“{branch.name}”不是团支部，不参加整理整顿，无需评估。")  # nor a pool
        return _evaluate_list(request, request.acting_org, status=400)
    if request.method == "GET" and not s.in_campaign():  # a post is refused by the record's rules
        messages.error(request, "当前不在整理整顿集中开展期间，不能评估。")
        return redirect("rectification:evaluate_list")
    submitted = CampaignRecord.objects.filter(branch=branch, year=year).exclude(state=RecState.NOT_SUBMITTED)
    if request.method == "GET" and submitted.exists():  # a stale link; a post is refused by the record's rules
        messages.error(request, f"“{branch.name}”已提交过自检表，上级只能对尚未提交自检表的团支部进行评估。")
        return _evaluate_list(request, request.acting_org, status=409)
    return fill(
        request,
        branch,
        by_superior=True,
        template="rectification/self_check_form.html",
        done_url="rectification:evaluate_list",
    )


@require_GET
@access(ORG_ADMIN)
def key_list(request):
    """重点整顿团支部列表 (REC-11): items rectified per month, not cumulative."""
    acting = _committee(request)
    year = s.campaign_year()
    months = s.campaign_months(year)
    rows = paginate(request, s.key_list(acting, year))
    for row in rows:
        row.per_month = [getattr(row, f"m{m.month}") for m in months]
    return render(request, "rectification/key_list.html", {"org": acting, "year": year, "rows": rows, "months": months})


urlpatterns = [
    path("branches/", branches, name="branches"),
    path("branches/bottom/", select_bottom, name="select_bottom"),
    path("branches/key/", key_list, name="key_list"),
    path("review/<int:pk>/", review, name="review"),
    path("evaluate/", evaluate_list, name="evaluate_list"),
    path("evaluate/<int:pk>/", evaluate, name="evaluate"),
]
