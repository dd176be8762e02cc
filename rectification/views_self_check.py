"""组织整顿-团支部自检 (REC-02, REC-06, REC-09, REC-10): the history first, with the month filter;
团支部自检 opens the form on the last submitted data; 提交 files it for the current month."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from zhtj.core.access import ORG_ADMIN, access
from zhtj.core.workflow import SEEN_STATE

from . import services as s
from .choices import LOCKED_STATES, RecState
from .forms import SelfCheckForm
from .models import CampaignRecord


def _own_branch(request, year):
    org = request.acting_org
    if not s.takes_part(org, year):
        raise PermissionDenied("团支部自检仅供团支部管理员使用；上级团组织请使用“评估下级团支部”和“整理整顿团支部”。")
    return org


def history_context(branch, year, raw_month):
    """The record, the form shown (the month's last one, or the latest) and the history list."""
    record = CampaignRecord.objects.filter(branch=branch, year=year).first()
    checks = list(record.checks.order_by("-submitted_at", "-pk")) if record else []
    month = s.parse_month(raw_month, year) if raw_month else None
    # REC-10: a month shows its last form (nothing if none); no month, the latest.
    latest = checks[0] if checks else None
    shown = next((c for c in checks if c.month == month), None) if month else latest
    return {
        "branch": branch,
        "year": year,
        "record": record,
        "state_label": record.get_state_display() if record else RecState.NOT_SUBMITTED.label,
        "checks": checks,
        "shown": shown,
        "month": month,
        "months": s.campaign_months(year),
        "deadlines": s.deadlines(year),
    }


def month_filter_status(request, context):
    """A ?month= that is no month of the campaign: a message and 400 (the latest form is shown)."""
    if request.GET.get("month") and context["month"] is None:
        messages.error(request, f"月份筛选无效：请选择{context['year']}年整理整顿期间的月份。")
        return 400
    return 200


@require_http_methods(["GET"])
@access(ORG_ADMIN)
def self_check(request):
    """History first (the seed): the latest form, or with ?month= the last one of that month."""
    year = s.campaign_year()
    branch = _own_branch(request, year)
    context = history_context(branch, year, request.GET.get("month", ""))
    status = month_filter_status(request, context)
    record = context["record"]
    context["editable"] = s.in_campaign() and not (record and record.state in LOCKED_STATES)
    context["locked"] = bool(record and record.state in LOCKED_STATES)
    return render(request, "rectification/self_check.html", context, status=status)


def _initial(record, month):
    """REC-10: a new month starts from the last submitted data."""
    last = record.last_check() if record else None
    initial = dict(last.answers) if last else {}
    initial["month"] = f"{month:%Y-%m}"
    return initial


def fill(request, branch, *, by_superior, template, done_url):
    """The 自检表 form, shared by 团支部自检 and 上级评估; the rules are in the record's `submit`."""
    year = s.campaign_year()
    record = CampaignRecord.objects.filter(branch=branch, year=year).first()
    month = s.current_month()
    context = {"branch": branch, "year": year, "record": record, "month": month, "by_superior": by_superior}
    if request.method == "POST":
        form = SelfCheckForm(request.POST)
        if form.is_valid():
            posted = s.parse_month(form.cleaned_data["month"], year)
            if posted is None:
                messages.error(request, "自检表所属月份无效，请刷新页面后重新填写。")
                return render(request, template, {**context, "form": form}, status=400)
            try:
                record = s.submit_check(
                    branch,
                    form.answers(),
                    posted,
                    by=request.user,
                    org=request.acting_org,
                    by_superior=by_superior,
                    seen=request.POST.get(SEEN_STATE),
                )
            except s.RecError as exc:
                messages.error(request, str(exc))
                return render(request, template, {**context, "form": form}, status=exc.status)
            poor = record.poor_count
            messages.success(
                request,
                f"自检表已提交（{month.month}月，较差项{poor}项），整顿状态：{record.get_state_display()}。"
                + ("等待上级审核。" if record.state in (RecState.PENDING, RecState.KEY_PENDING) else ""),
            )
            return redirect(done_url)
        messages.error(request, "自检表填写不完整，请为每一项选择自检结果。")
        return render(request, template, {**context, "form": form}, status=400)
    if record and record.state in LOCKED_STATES:
        messages.error(request, "自检表已锁定（较差项为0且已通过上级审核或上级评估），不能修改。")
        return redirect(done_url)
    return render(request, template, {**context, "form": SelfCheckForm(initial=_initial(record, month))})


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def self_check_fill(request):
    """团支部自检 / 编辑: the branch fills the form."""
    year = s.campaign_year()
    branch = _own_branch(request, year)
    if request.method == "GET" and not s.in_campaign():  # a post is refused by the record's rules
        messages.error(request, "当前不在整理整顿集中开展期间，不能填写自检表。")
        return redirect("rectification:self_check")
    return fill(
        request,
        branch,
        by_superior=False,
        template="rectification/self_check_form.html",
        done_url="rectification:self_check",
    )


urlpatterns = [
    path("self-check/", self_check, name="self_check"),
    path("self-check/fill/", self_check_fill, name="self_check_fill"),
]
