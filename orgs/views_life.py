"""组织生活 (ORG-18): 会议发布 / 团课上传 / 活动发布, the records list, 年度团籍注册审批,
and the member's 三会·两制·一课 and 团日活动 in the personal center (ME-01).

Rules live in orgs/life.py and orgs/forms_life.py; these views only route.
"""

from datetime import date

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from zhtj.core import batch
from zhtj.core.access import MEMBER, ORG_ADMIN, access, scoped
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk
from zhtj.core.workflow import seen_state

from . import life
from .choices import MEETING_KINDS, LifeKind
from .forms_life import LifeRecordForm
from .models_life import AnnualRegistration, LifeRecord

# The three publishing pages and the list filter, by group.
GROUPS = {
    "meeting": ("会议发布", "三会", MEETING_KINDS),
    LifeKind.LECTURE.value: ("团课上传", "团课", (LifeKind.LECTURE,)),
    LifeKind.ACTIVITY.value: ("活动发布", "团日活动", (LifeKind.ACTIVITY,)),
}


def _group_of(kind):
    return "meeting" if kind in MEETING_KINDS else kind


# --- records (admin side) ----------------------------------------------------------------------


@access(ORG_ADMIN)
def record_list(request):
    """组织生活记录 of the acting org's subtree; a branch sees its own, ancestors see all below."""
    group, status = request.GET.get("group", ""), 200
    records = scoped(request, LifeRecord.objects.all(), "branch")
    if group not in GROUPS and group:
        messages.error(request, "筛选条件无效：请从列表中选择类型。")
        group, status = "", 400
    if group:
        records = records.filter(kind__in=GROUPS[group][2])
    records = records.select_related("branch").annotate(n=Count("participants")).order_by("-date", "-pk")
    return render(
        request,
        "orgs/life/list.html",
        {
            "page": paginate(request, records),
            "group": group,
            "groups": GROUPS,
            "is_branch": request.acting_org.is_branch_kind,
        },
        status=status,
    )


def _publish(request, group):
    branch = request.acting_org
    life.require_branch(branch)
    title = GROUPS[group][0]
    kind = request.POST.get("kind") if group == "meeting" else group
    if group == "meeting" and kind not in MEETING_KINDS:
        kind = request.GET.get("kind") if request.GET.get("kind") in MEETING_KINDS else LifeKind.GENERAL_MEETING
    form = LifeRecordForm(request.POST if request.method == "POST" else None, branch=branch, kind=kind)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record, _ = life.save_record(form, branch=branch, by=request.user)
            except life.LifeError as exc:
                messages.error(request, str(exc))
                status = exc.status
            else:
                messages.success(
                    request,
                    f"{record.get_kind_display()}“{record.topic}”已发布，参加人员{record.participants.count()}人。",
                )
                return redirect("orgs:life_detail", pk=record.pk)
        else:
            messages.error(request, "提交的内容有误，请按提示修改后重新提交。")
            status = 400
    return render(request, "orgs/life/form.html", {"form": form, "title": title, "group": group}, status=status)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def meeting_new(request):
    """三会-支部团员大会/支部委员会/团小组会-会议发布."""
    return _publish(request, "meeting")


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def lecture_new(request):
    """团课-团课上传."""
    return _publish(request, LifeKind.LECTURE.value)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def activity_new(request):
    """团日活动-活动发布."""
    return _publish(request, LifeKind.ACTIVITY.value)


def _scoped_record(request, pk):
    return get_object_or_404(
        scoped(request, LifeRecord.objects.select_related("branch", "created_by"), "branch"), pk=pk
    )


@access(ORG_ADMIN)
def record_detail(request, pk):
    record = _scoped_record(request, pk)
    return render(
        request,
        "orgs/life/detail.html",
        {
            "record": record,
            "participants": record.participants.order_by("name"),
            "can_edit": request.acting_org.pk == record.branch_id,
        },
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def record_edit(request, pk):
    """编辑 a record and its participants (the seed: fix a duplicate by editing)."""
    record = _scoped_record(request, pk)
    life.require_own_branch(request.acting_org, record.branch_id)
    kind = request.POST.get("kind") if record.is_meeting and request.POST.get("kind") in MEETING_KINDS else record.kind
    form = LifeRecordForm(
        request.POST if request.method == "POST" else None, instance=record, branch=record.branch, kind=kind
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record, _ = life.save_record(form, branch=record.branch, by=request.user)
            except life.LifeError as exc:
                messages.error(request, str(exc))
                status = exc.status
            else:
                messages.success(request, f"{record.get_kind_display()}“{record.topic}”已修改。")
                return redirect("orgs:life_detail", pk=record.pk)
        else:
            messages.error(request, "提交的内容有误，请按提示修改后重新提交。")
            status = 400
    title = f"编辑{record.get_kind_display()}"
    return render(
        request,
        "orgs/life/form.html",
        {"form": form, "title": title, "group": _group_of(record.kind), "record": record},
        status=status,
    )


# --- 年度团籍注册审批 ----------------------------------------------------------------------------


class BadFilter(Exception):
    pass


def _parse_day(raw, label):
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadFilter(f"筛选条件无效：{label}格式应为 年-月-日。") from None


def _registration_filters(request):
    name = request.GET.get("name", "").strip()[:50]
    state = request.GET.get("state", "")
    if state and state not in AnnualRegistration.State.values:
        raise BadFilter("筛选条件无效：请从列表中选择处理状态。")
    start = _parse_day(request.GET.get("start", ""), "开始日期")
    end = _parse_day(request.GET.get("end", ""), "结束日期")
    if start and end and start > end:
        raise BadFilter("筛选条件无效：开始日期不能晚于结束日期。")
    return {"name": name, "state": state, "start": start, "end": end}


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def registrations(request):
    """业务办理-年度团籍注册审批: filter by name, state and date range; 批量审批 (approve the ticked)."""
    base = scoped(request, AnnualRegistration.objects.select_related("person", "branch"), "branch")
    if request.method == "POST":
        ids = {parse_pk(v) for v in request.POST.getlist("ids")}
        if not ids or None in ids:
            messages.error(request, "请勾选需要审批的年度团籍注册。")
            return _registrations_page(request, base, status=400)
        regs = list(base.filter(pk__in=ids))
        if len(regs) != len(ids):
            raise Http404
        for reg in regs:  # refuse before any is approved; each is decided again under its lock
            life.require_own_branch(request.acting_org, reg.branch_id)
        seen = {reg.pk: seen_state(request, reg, reg.pk) for reg in regs}
        done, skipped = life.approve_many(regs, by=request.user, acting=request.acting_org, seen=seen)
        text = f"已同意{done}条年度团籍注册。"
        if skipped:
            text += f"另有{skipped}条已被处理，未重复审批。"
        messages.success(request, text)
        return redirect(request.get_full_path())
    return _registrations_page(request, base)


def _filtered_registrations(regs, filters):
    if filters["name"]:
        regs = regs.filter(person__name__contains=filters["name"])
    if filters["state"]:
        regs = regs.filter(state=filters["state"])
    if filters["start"]:
        regs = regs.filter(created_at__date__gte=filters["start"])
    if filters["end"]:
        regs = regs.filter(created_at__date__lte=filters["end"])
    return regs


def _decidable(request, regs):
    """What the acting org may decide among `regs`: its own branch's pending registrations."""
    return regs.filter(branch=request.acting_org, state=AnnualRegistration.State.PENDING)


def _registrations_page(request, base, status=200):
    try:
        filters = _registration_filters(request)
    except BadFilter as exc:
        messages.error(request, str(exc))
        filters, status = {"name": "", "state": "", "start": None, "end": None}, 400
    regs = _filtered_registrations(base, filters)
    can_decide = request.acting_org.is_branch_kind
    return render(
        request,
        "orgs/life/registrations.html",
        {
            "page": paginate(request, regs.order_by("-created_at")),
            "filters": filters,
            "states": AnnualRegistration.State.choices,
            "can_decide": can_decide,
            "decidable": _decidable(request, regs).count() if can_decide else 0,
        },
        status=status,
    )


@require_POST
@access(ORG_ADMIN)
def registrations_all(request):
    """ "全部 N 条符合当前筛选条件的" (issue 17, core.batch.whole_set): the branch's pending
    registrations the list's filters (in the query string) select, confirmed with the count, then
    approved set-based (`life.approve_set`), those decided meanwhile listed with the reason."""
    base = scoped(request, AnnualRegistration.objects.all(), "branch")
    try:
        filters = _registration_filters(request)
    except BadFilter as exc:
        messages.error(request, str(exc))
        return _registrations_page(request, base, status=400)
    back = reverse("orgs:registrations") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if not request.acting_org.is_branch_kind:
        messages.error(request, life.NOT_THIS_BRANCH)
        return redirect(back)
    regs = _decidable(request, _filtered_registrations(base, filters))
    described = "，".join(
        part
        for part in (
            f"姓名含“{filters['name']}”" if filters["name"] else "",
            f"{filters['start']:%Y-%m-%d}起" if filters["start"] else "",
            f"至{filters['end']:%Y-%m-%d}" if filters["end"] else "",
        )
        if part
    )
    return batch.whole_set(
        request,
        "orgs.registrations",
        list(regs.order_by("pk").values_list("pk", flat=True)),
        {},
        title="年度团籍注册审批·批量同意",
        what=f"符合当前筛选条件的待审批年度团籍注册{f'（{described}）' if described else ''}",
        verdict="同意",
        fields={},
        back=back,
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def registration(request, pk):
    """One 年度团籍注册: 同意 or 不同意 with a reason (the branch only); ancestors may view."""
    reg = get_object_or_404(
        scoped(request, AnnualRegistration.objects.select_related("person", "branch", "decided_by"), "branch"), pk=pk
    )
    can_decide = request.acting_org.pk == reg.branch_id
    status = 200
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        try:
            reg = life.decide(
                reg,
                decision,
                by=request.user,
                acting=request.acting_org,
                note=request.POST.get("note", ""),
                seen=seen_state(request, reg),
            )
        except life.LifeError as exc:
            messages.error(request, str(exc))
            reg.refresh_from_db()
            status = exc.status
        else:
            messages.success(request, f"{reg.person.name}的{reg.year}年度团籍注册：{reg.get_state_display()}。")
            return redirect("orgs:registrations")
    return render(
        request,
        "orgs/life/registration.html",
        {"reg": reg, "can_decide": can_decide, "note": request.POST.get("note", "")},
        status=status,
    )


# --- the member's side (ME-01) -----------------------------------------------------------------


@access(MEMBER)
def my_life(request):
    """三会·两制·一课: meetings and 团课 the member attended, 年度团籍注册 status, and the
    团员教育评议 results (provided by the incentives app)."""
    return _my_life_page(request)


def _my_life_page(request, status=200):
    person = request.user
    records = person.life_records.select_related("branch").order_by("-date", "-pk")

    def attended(kind):  # one page per kind, each with its own ?<kind>= page number
        return paginate(request, records.filter(kind=kind), param=str(kind))

    return render(
        request,
        "orgs/life/my_life.html",
        {
            "meetings": [(LifeKind(k).label, attended(k)) for k in MEETING_KINDS],
            "lectures": attended(LifeKind.LECTURE),
            "registration": life.registration_of(person),
            "history": person.annual_registrations.select_related("branch").order_by("-year", "-created_at")[:10],
            "year": life.current_year(),
        },
        status=status,
    )


@access(MEMBER)
def my_activities(request):
    """团日活动 the member took part in."""
    records = request.user.life_records.filter(kind=LifeKind.ACTIVITY).select_related("branch").order_by("-date", "-pk")
    return render(request, "orgs/life/my_activities.html", {"page": paginate(request, records)})


@require_POST
@access(MEMBER)
def my_register(request):
    """年度团籍注册 by the member for the current year (once per year)."""
    try:
        reg = life.register(request.user, request.POST.get("note", ""))
    except life.LifeError as exc:
        messages.error(request, str(exc))
        return _my_life_page(request, status=exc.status)
    messages.success(request, f"已提交{reg.year}年度团籍注册，待{reg.branch.name}审批。")
    return redirect(reverse("orgs:my_life"))


urlpatterns = [
    path("life/", record_list, name="life_list"),
    path("life/meetings/new/", meeting_new, name="meeting_new"),
    path("life/lectures/new/", lecture_new, name="lecture_new"),
    path("life/activities/new/", activity_new, name="activity_new"),
    path("life/<int:pk>/", record_detail, name="life_detail"),
    path("life/<int:pk>/edit/", record_edit, name="life_edit"),
    path("life/registrations/", registrations, name="registrations"),
    path("life/registrations/all/", registrations_all, name="registrations_all"),
    path("life/registrations/<int:pk>/", registration, name="registration"),
    path("me/life/", my_life, name="my_life"),
    path("me/activities/", my_activities, name="my_activities"),
    path("me/registration/", my_register, name="my_register"),
]
