"""入团激励 and 机会激励 (INC-15, decision) on the same record-and-approve pattern; 我的激励 for
the member (the personal center)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from zhtj.core.access import MEMBER, ORG_ADMIN, access
from zhtj.core.pagination import paginate
from zhtj.core.params import fitting, local_url
from zhtj.core.workflow import WorkflowError

from . import services
from .choices import Kind, OpportunityCategory
from .models import IncentiveRecord, Joining, Opportunity
from .scope import listed, listed_records, visible_records
from .views_common import BadInput, parse_date
from .views_development import _chosen_people, is_search, kept_people, search_people

PAGES = {
    Kind.JOINING: {"url": "incentives:joining", "related": "joining"},
    Kind.OPPORTUNITY: {"url": "incentives:opportunity", "related": "opportunity"},
}


def _list(request, kind):
    rows = listed_records(request, kind, related=("recorder", "person", "person__branch", PAGES[kind]["related"]))
    return render(
        request,
        "incentives/record_list.html",
        {
            "page": paginate(request, rows, bounded=listed()),
            "kind": kind,
            "label": kind.label,
            "new_url": f"{PAGES[kind]['url']}_new",
        },
    )


def _create(request, kind):
    people = _chosen_people(request)
    if not people:
        raise BadInput("请先搜索并添加人员。")
    if kind == Kind.JOINING:
        taken = IncentiveRecord.objects.filter(kind=kind, person__in=people).select_related("person").first()
        if taken is not None:
            raise BadInput(f"{taken.person.name}已有入团激励记录，无需重复记载。")
        joined_on = parse_date(request.POST.get("date"), "入团时间", month=True, from_earliest_year=False)
        ceremony = fitting(request.POST.get("ceremony"), 200, "入团仪式", BadInput)
        return [
            services.create_record(
                Joining,
                kind=kind,
                recorder=request.acting_org,
                by=request.user,
                person=p,
                summary=f"入团激励 {p.name}：{joined_on:%Y-%m}入团",
                joined_on=joined_on,
                ceremony=ceremony,
            )
            for p in people
        ]
    category = request.POST.get("category", "")
    if category not in OpportunityCategory.values:
        raise BadInput("请选择机会类别。")
    title = fitting(request.POST.get("title"), 100, "机会名称", BadInput)
    if not title:
        raise BadInput("请填写机会名称。")
    occurred_on = parse_date(request.POST.get("date"), "时间")
    return [
        services.create_record(
            Opportunity,
            kind=kind,
            recorder=request.acting_org,
            by=request.user,
            person=p,
            summary=f"机会激励 {p.name}：{OpportunityCategory(category).label} {title}",
            category=category,
            title=title,
            occurred_on=occurred_on,
        )
        for p in people
    ]


def _new(request, kind):
    q, found = search_people(request)
    context = {
        "q": q,
        "found": found,
        "kind": kind,
        "label": kind.label,
        "data": request.POST,
        "categories": OpportunityCategory.choices,
        "list_url": PAGES[kind]["url"],
    }
    if request.method == "POST" and not is_search(request):
        try:
            with services.transaction.atomic():
                records = _create(request, kind)
        except (BadInput, WorkflowError) as exc:
            context["error"] = str(exc)
            context["found"] = kept_people(request)
            return render(request, "incentives/record_new.html", context, status=400)
        messages.success(request, f"已记载{len(records)}条{kind.label}。")
        return redirect(reverse(PAGES[kind]["url"]))
    return render(request, "incentives/record_new.html", context)


@access(ORG_ADMIN)
def joining_list(request):
    return _list(request, Kind.JOINING)


@access(ORG_ADMIN)
def joining_new(request):
    return _new(request, Kind.JOINING)


@access(ORG_ADMIN)
def opportunity_list(request):
    return _list(request, Kind.OPPORTUNITY)


@access(ORG_ADMIN)
def opportunity_new(request):
    return _new(request, Kind.OPPORTUNITY)


@access(MEMBER)
def mine(request):
    """我的激励 (ME-01, INC-01): the member's own record, all five kinds."""
    return render(
        request,
        "incentives/mine.html",
        {"records": paginate(request, services.records_of(request.user), param="records"), "panel_title": "我的激励"},
    )


@require_POST
@access(ORG_ADMIN)
def record_delete(request, pk):
    """删除 for every kind (INC-13): the recorder, before the first approval."""
    record = get_object_or_404(visible_records(request), pk=pk)
    back = local_url(request, request.POST.get("next"), reverse("incentives:certify"))
    try:
        services.delete_record(request, record)
    except WorkflowError as exc:
        return render(request, "incentives/refused.html", {"error": str(exc), "back": back}, status=400)
    messages.success(request, f"已删除：{record.summary}")
    return redirect(back)


urlpatterns = [
    path("joining/", joining_list, name="joining"),
    path("joining/new/", joining_new, name="joining_new"),
    path("opportunity/", opportunity_list, name="opportunity"),
    path("opportunity/new/", opportunity_new, name="opportunity_new"),
    path("mine/", mine, name="mine"),
    path("records/<int:pk>/delete/", record_delete, name="record_delete"),
]
