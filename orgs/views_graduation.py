"""组织管理 → 标记团支部毕业时间 (ORG-15) and 毕业时间更正 (BEY-02).

The marking page lists the 团支部 of the acting org's subtree (未标记 to select, 已标记
read-only with their mark). 下一步 shows the seed's warning; 确定 marks the whole batch with
one time. A wrong mark is corrected through a request the provincial committee decides in
操作中心. The rules live in orgs/graduation.py.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from zhtj.core.access import ORG_ADMIN, access, scoped
from zhtj.core.audit import history_of
from zhtj.core.change_pages import review
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk

from . import graduation as g
from .choices import OrgCategory
from .models import GraduationCorrectionRequest, Organization

STATUSES = {"unmarked": "未标记", "marked": "已标记"}


def _require_may_mark(request):
    """ORG-15: 校团委, 二级团委, 年级团总支 of the school domain only; the reason says what to check."""
    if not request.acting_org.may_mark_graduation:
        raise PermissionDenied(g.NOT_ALLOWED)


class BadFilter(Exception):
    pass


def _filters(request):
    """(status, parent org or None) from the query string: malformed → BadFilter, out of scope → 404."""
    status = request.GET.get("status") or "unmarked"
    if status not in STATUSES:
        raise BadFilter("筛选条件无效：状态只能是“未标记”或“已标记”。")
    raw = request.GET.get("parent") or ""
    parent = None
    if raw:
        pk = parse_pk(raw)
        if pk is None:
            raise BadFilter("筛选条件无效：请从列表中选择上级组织。")
        parent = get_object_or_404(scoped(request, Organization.objects.all(), ""), pk=pk)
    return status, parent


def _rows(acting, status, parent):
    base = g.markable(acting) if status == "unmarked" else g.marked(acting)
    if parent is not None:
        base = base.filter(parent=parent)
    members = Organization.objects.filter(pk=OuterRef("pk")).annotate(n=Count("members")).values("n")
    pending = GraduationCorrectionRequest.objects.filter(
        branch=OuterRef("pk"), state=GraduationCorrectionRequest.State.PENDING
    )
    return (
        base.select_related("parent")
        .annotate(member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0), correcting=Exists(pending))
        .order_by("tree_id", "lft")
    )


def _page_context(request, *, selected=(), data=None, error=""):
    acting = request.acting_org
    try:
        status, parent = _filters(request)
    except BadFilter as exc:
        status, parent, error = "unmarked", None, str(exc)
    page = paginate(request, _rows(acting, status, parent))
    has_branches = Exists(Organization.objects.filter(parent=OuterRef("pk"), category=OrgCategory.BRANCH))
    parents = (
        Organization.objects.subtree_of(acting)
        .filter(has_branches)
        .order_by("tree_id", "lft")
        .only("pk", "name", "level")
    )
    corrections = (
        scoped(request, GraduationCorrectionRequest.objects.all(), "branch")
        .select_related("branch", "approver")
        .order_by("-created_at")[:20]
    )
    return {
        "org": acting,
        "status": status,
        "statuses": STATUSES,
        "parent": parent,
        "parents": parents,
        "page": page,
        "counts": {"unmarked": g.markable(acting).count(), "marked": g.marked(acting).count()},
        "selected": {str(pk) for pk in selected},
        "data": data or {},
        "reasons": g.UNKNOWN_REASONS,
        "other_max": g.OTHER_MAX_LENGTH,
        "corrections": corrections,
        "conversion": g.conversion_label(),
        "not_allowed": g.NOT_ALLOWED,
    }, error


def _render_page(request, *, status=200, selected=(), data=None):
    context, error = _page_context(request, selected=selected, data=data)
    if error:
        messages.error(request, error)
        status = 400
    return render(request, "orgs/graduation.html", context, status=status)


def _selected_ids(request):
    ids = {parse_pk(v) for v in request.POST.getlist("branches")}
    if None in ids:
        raise g.GraduationError("所选团支部无效，请重新勾选。")
    return sorted(ids)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def graduation(request):
    """标记团支部毕业时间: GET lists; POST step 下一步 (next) → confirmation, 确定 (confirm) → marks."""
    _require_may_mark(request)
    if request.method == "GET":
        return _render_page(request)
    step = request.POST.get("step", "")
    data = {k: request.POST.get(k, "") for k in ("month", "reason", "reason_other")}
    ids = []
    try:
        ids = _selected_ids(request)
        if step == "back":
            return _render_page(request, selected=ids, data=data)
        if step not in ("next", "confirm"):
            raise g.GraduationError("不支持的操作，请重新提交。")
        if not ids:
            raise g.GraduationError("请勾选需要标记的团支部。")
        # Out of scope (or no such org) is a 404, before anything else is said about it.
        branches = list(
            scoped(request, Organization.objects.select_related("parent"), "")
            .filter(pk__in=ids)
            .order_by("tree_id", "lft")
        )
        if len(branches) != len(ids):
            raise Http404
        month, reason = g.parse_mark(request.POST)
        if step == "next":
            g.check_selection(branches)
            return render(
                request,
                "orgs/graduation_confirm.html",
                {
                    "org": request.acting_org,
                    "branches": branches,
                    "data": data,
                    "label": g.mark_label(month, reason),
                    "convert_now": g.is_due(month),
                    "conversion": g.conversion_label(),
                    "next_url": request.get_full_path(),
                },
            )
        count, converted, members = g.mark_branches(
            request.acting_org, ids, month=month, reason=reason, by=request.user
        )
    except g.GraduationError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, str(exc))
        return _render_page(request, status=exc.status, selected=ids, data=data)
    text = f"已为{count}个团支部标记毕业时间：{g.mark_label(month, reason)}。标记后不可自行更改。"
    if converted:
        text += f"本年度转换日期（{g.conversion_label()}）已过，{converted}个团支部已变更为毕业生团组织，{members}名成员已标识为毕业生。"
    messages.success(request, text)
    return redirect(f"{reverse('orgs:graduation')}?status=marked")


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def correct(request, pk):
    """申请更正 a marked branch's graduation time (BEY-02): to the provincial committee."""
    _require_may_mark(request)
    branch = get_object_or_404(scoped(request, Organization.objects.select_related("parent"), ""), pk=pk)
    context = {
        "org": request.acting_org,
        "branch": branch,
        "current": g.mark_label(branch.graduation_month, branch.graduation_unknown_reason),
        "pending": g.pending_correction(branch).first(),
        "reasons": g.UNKNOWN_REASONS,
        "other_max": g.OTHER_MAX_LENGTH,
        "data": {},
        "approver": g.province_of(branch),
    }
    marked = (
        branch.category in g.CORRECTABLE_CATEGORIES and Organization.objects.filter(pk=pk).filter(g.MARKED).exists()
    )
    if not marked:
        messages.error(
            request, "该团支部尚未标记毕业时间（或不是团支部），无需更正，请在“标记团支部毕业时间”中直接标记。"
        )
        return render(request, "orgs/graduation_correct.html", context, status=409)
    if request.method == "POST":
        context["data"] = {k: request.POST.get(k, "") for k in ("month", "reason", "reason_other", "explanation")}
        try:
            month, reason = g.parse_mark(request.POST, years_back=settings.ZHTJ["GRADUATION_CORRECTION_YEARS_BACK"])
            req = g.file_correction(
                request.acting_org,
                branch,
                month=month,
                reason=reason,
                explanation=request.POST.get("explanation", ""),
                by=request.user,
            )
        except g.GraduationError as exc:
            messages.error(request, str(exc))
            context["pending"] = g.pending_correction(branch).first()
            return render(request, "orgs/graduation_correct.html", context, status=exc.status)
        messages.success(request, f"毕业时间更正申请已提交，待{req.approver.name}审批。")
        return redirect("orgs:graduation_correction", pk=req.pk)
    return render(request, "orgs/graduation_correct.html", context)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def correction(request, pk):
    """One 毕业时间更正 request: admins in scope may view it; only the provincial committee decides,
    the filing org may withdraw it while pending."""
    req = get_object_or_404(
        scoped(
            request,
            GraduationCorrectionRequest.objects.select_related(
                "branch", "filed_by_org", "approver", "requested_by", "decided_by"
            ),
            "branch",
        ),
        pk=pk,
    )
    return review(
        request,
        req,
        title="毕业时间更正",
        template="orgs/graduation_correction.html",
        decide=g.decide_correction,
        context=_correction_context,
    )


def _correction_context(req):
    branch = Organization.objects.get(pk=req.branch_id)
    marks = ("graduation_mark", "graduation_correction", "graduate_conversion")
    return {"branch": branch, "branch_history": history_of(branch).filter(action__in=marks)[:10]}


urlpatterns = [
    path("graduation/", graduation, name="graduation"),
    path("graduation/<int:pk>/correct/", correct, name="graduation_correct"),
    path("graduation/corrections/<int:pk>/", correction, name="graduation_correction"),
]
