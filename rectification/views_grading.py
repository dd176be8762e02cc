"""对标定级-团(总)支部自评 and 对标定级-上级复核 (GRD-01 … GRD-07)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhtj.core import batch
from zhtj.core.access import DIRECT_SUPERIOR, ORG_ADMIN, access
from zhtj.core.pagination import paginate
from zhtj.core.workflow import SEEN_STATE

from . import grading as g
from .choices import GRADING_STANDARD, GrdState, Level
from .services import RecError


def _self_context(org, year):
    record = g.record_of(org, year)
    limit = settings.ZHTJ["GRD_MAX_CHANGES"]
    locked = g.is_locked(year)
    if locked:
        may_rate = False
    elif record is None:
        may_rate = True
    elif record.state == GrdState.PENDING:
        may_rate = record.changes < limit
    else:
        may_rate = record.state == GrdState.REVIEWED and record.review_level == Level.NONE
    return {
        "org": org,
        "year": year,
        "record": record,
        "standard": GRADING_STANDARD,
        "levels": Level.choices,
        "may_rate": may_rate,
        "year_locked": locked,
        "lock_at": g.lock_moment(year),
        "founded_by": g.founded_by(year),
        "limit": limit,
        "left": limit - record.changes if record and record.state == GrdState.PENDING else limit,
    }


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def grading_self(request):
    """团(总)支部自评: the year's standard, the level dropdown, 提交; the review in the last column."""
    org = request.acting_org
    year = g.grading_year()
    try:
        g.check_in_scope(org, year)
    except RecError as exc:
        raise PermissionDenied(str(exc)) from None
    if request.method == "POST":
        try:
            record = g.rate(org, request.POST.get("level", ""), by=request.user)
        except RecError as exc:
            messages.error(request, str(exc))
            return render(request, "rectification/grading_self.html", _self_context(org, year), status=exc.status)
        messages.success(request, f"自评已提交：{record.get_self_level_display()}，等待上级团委复核。")
        return redirect("rectification:grading_self")
    return render(request, "rectification/grading_self.html", _self_context(org, year))


def _committee(request):
    if request.acting_org.is_branch_kind:
        raise PermissionDenied("上级复核仅供团(总)支部的上级团组织管理员使用。")
    return request.acting_org


def _self_filter(request):
    """The list's 自评结果 filter; an unknown value is a 400 with the reason."""
    raw = request.GET.get("self", "")
    if raw and raw not in Level.values:
        raise RecError("筛选条件无效：请从列表中选择自评结果。")
    return raw


def _review_context(request, acting, year, self_level=""):
    rows = g.review_rows(acting, year)
    return {
        "org": acting,
        "year": year,
        "rows": paginate(request, rows.filter(g_self=self_level) if self_level else rows),
        "levels": Level.choices,
        "self_level": self_level,
        "progress": g.review_progress(acting, year),
        "lock_at": g.lock_moment(year),
        "locked": g.is_locked(year),
        "reviewable": 0 if g.is_locked(year) else g.pending_reviews(acting, year, self_level).count(),
    }


@require_GET
@access(ORG_ADMIN)
def grading_review(request):
    """上级复核: direct sub 团(总)支部 (not 团委/团工委), red where re-submitted (GRD-06)."""
    acting = _committee(request)
    try:
        self_level = _self_filter(request)
    except RecError as exc:
        messages.error(request, str(exc))
        return render(
            request, "rectification/grading_review.html", _review_context(request, acting, g.grading_year()), status=400
        )
    return render(
        request, "rectification/grading_review.html", _review_context(request, acting, g.grading_year(), self_level)
    )


@require_POST
@access(DIRECT_SUPERIOR)
def grading_review_all(request):
    """ "全部 N 条符合当前筛选条件的" (issue 17, core.batch.whole_set): the self-ratings still to review
    that the 自评结果 filter selects, reviewed at the chosen level (`grading.review_set`)."""
    acting, year = _committee(request), g.grading_year()
    back = reverse("rectification:grading_review") + (f"?{request.GET.urlencode()}" if request.GET else "")
    try:
        self_level = _self_filter(request)
        level = g.parse_level(request.POST.get("level", ""))
        if g.is_locked(year):
            raise RecError(f"{year}年度对标定级复核结果已锁定，不允许再次更改。", status=409)
    except RecError as exc:
        messages.error(request, str(exc))
        context = _review_context(request, acting, year)
        return render(request, "rectification/grading_review.html", context, status=exc.status)
    pks = list(g.pending_reviews(acting, year, self_level).order_by("pk").values_list("pk", flat=True))
    label = Level(level).label
    return batch.whole_set(
        request,
        "rectification.grading",
        pks,
        {"level": level},
        title=f"对标定级·批量复核为{label}",
        what=f"符合当前筛选条件的待复核团(总)支部自评结果{f'（自评{Level(self_level).label}）' if self_level else ''}",
        verdict=f"复核为{label}",
        fields={"level": level},
        back=back,
    )


@require_POST
@access(DIRECT_SUPERIOR)
def grading_review_submit(request):
    """复核团(总)支部自评结果 (or 修改) for the ticked orgs: all or nothing."""
    acting = _committee(request)
    # 修改 on one row reviews that org alone with the chosen level.
    raw = [request.POST["only"]] if request.POST.get("only") else request.POST.getlist("orgs")
    status = 400
    try:
        if any(not (v.isascii() and v.isdigit() and len(v) <= 12) for v in raw):
            raise RecError("所选组织无效，请重新勾选。")
        ids = sorted({int(v) for v in raw})
        seen = {pk: request.POST.get(f"{SEEN_STATE}_{pk}") for pk in ids}
        count = g.review(acting, ids, request.POST.get("level", ""), by=request.user, seen=seen)
    except RecError as exc:
        if exc.status == 404:
            raise Http404 from None
        if exc.status == 403:
            raise PermissionDenied(str(exc)) from None
        messages.error(request, str(exc))
        status = exc.status
        return render(
            request,
            "rectification/grading_review.html",
            _review_context(request, acting, g.grading_year()),
            status=status,
        )
    messages.success(request, f"已复核{count}个团(总)支部的自评结果：{Level(request.POST['level']).label}。")
    return redirect("rectification:grading_review")


urlpatterns = [
    path("grading/", grading_self, name="grading_self"),
    path("grading/review/", grading_review, name="grading_review"),
    path("grading/review/submit/", grading_review_submit, name="grading_review_submit"),
    path("grading/review/all/", grading_review_all, name="grading_review_all"),
]
