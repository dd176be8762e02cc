"""发展激励 (INC-10 … INC-12): the four kinds, 推优入党记载 with its PDF, and 更新状态 once the
yearly prompt is due. Records show where the member is now (TRF-08)."""

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from members.models import Person
from zhtj.core import pdf
from zhtj.core.access import ORG_ADMIN, access
from zhtj.core.pagination import paginate
from zhtj.core.params import pk_list
from zhtj.core.uploads import kept_form, refuse_upload, upload_limit
from zhtj.core.workflow import WorkflowError

from . import services
from .choices import DevelopmentKind, Kind, PartyCategory, State, TrackStatus
from .models import Development
from .scope import subtree_q, visible_records
from .tracking import DATE_NEEDED, allowed_next, pending_update
from .views_common import BadInput, parse_date, parse_ids, pdf_response


def is_search(request):
    """The form's 搜索 button: show the people found beside those ticked; store nothing."""
    return request.method == "POST" and "search" in request.POST


def search_people(request):
    """搜索姓名: members of the acting org's subtree by name or 身份证号码 (at most 20), after the
    people already ticked, so several searches add up to one list (INC-07: up to 5 recipients
    found by name or ID number one at a time)."""
    q = ((request.POST if is_search(request) else request.GET).get("q") or "").strip()[:30]
    found = kept_people(request) if is_search(request) else []
    if q:
        people = Person.objects.in_branches_of(request.acting_org).filter(Q(name__contains=q) | Q(id_number=q.upper()))
        seen = {p.pk for p in found}
        # the matches are offered, not chosen: the admin ticks who is meant (5-person limits)
        found += [p for p in people.select_related("branch").order_by("name")[:20] if p.pk not in seen]
    return q, found


def kept_people(request, data=None):
    """The ticked people again after an error or a search, so nothing typed is lost (in scope only)."""
    ids = pk_list((request.POST if data is None else data).getlist("person"), limit=20)
    people = list(
        Person.objects.in_branches_of(request.acting_org).filter(pk__in=ids).select_related("branch").order_by("name")
    )
    for p in people:
        p.ticked = True
    return people


def _chosen_people(request):
    ids = parse_ids(request.POST.getlist("person"))
    people = list(Person.objects.in_branches_of(request.acting_org).filter(pk__in=ids))
    if len(people) != len(ids):
        raise BadInput("所选人员不在本组织管理范围内，请重新搜索。")
    return people


@access(ORG_ADMIN)
def development_list(request):
    dev_kind = request.GET.get("type") or DevelopmentKind.PARTY
    status = 200
    if dev_kind not in DevelopmentKind.values:
        dev_kind, status = DevelopmentKind.PARTY, 400
        messages.error(request, "发展激励类型无效。")
    org = request.acting_org
    rows = (
        visible_records(request)
        .filter(kind=Kind.DEVELOPMENT, development__dev_kind=dev_kind)
        .annotate(here=subtree_q(org, "person__branch"), update_pending=pending_update())
        .select_related("recorder", "person", "person__branch", "development")
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "incentives/development_list.html",
        {
            "page": paginate(request, rows),
            "dev_kind": dev_kind,
            "kinds": DevelopmentKind.choices,
            "party": dev_kind == DevelopmentKind.PARTY,
        },
        status=status,
    )


@access(ORG_ADMIN)
@upload_limit("INC_PDF_MAX_BYTES")
def development_new(request):
    q, found = search_people(request)
    context = {
        "q": q,
        "found": found,
        "kinds": DevelopmentKind.choices,
        "categories": PartyCategory.choices,
        "statuses": [(TrackStatus.UNCONFIRMED, "未确定"), (TrackStatus.CONFIRMED, "已确定")],
        "data": request.POST,
    }
    if request.method == "GET" and (kept := kept_form(request)) is not None:
        # back after a refusal: the typed fields and the ticked people again
        context["data"], context["found"] = kept, kept_people(request, kept) + found
    if request.method == "POST" and not is_search(request):
        try:
            if getattr(request, "upload_too_large", False):  # SEC-05: stopped while parsing the body
                raise BadInput(pdf.too_large_message("推优表", settings.ZHTJ["INC_PDF_MAX_BYTES"]))
            people = _chosen_people(request)
            confirmed_on = parse_date(request.POST.get("confirmed_on"), "确定时间", required=False)
            records = services.record_development(
                request.acting_org,
                people,
                by=request.user,
                dev_kind=request.POST.get("dev_kind", ""),
                recommended_on=parse_date(request.POST.get("recommended_on"), "推荐时间"),
                note=request.POST.get("note", ""),
                category=request.POST.get("category", ""),
                status=request.POST.get("status", ""),
                confirmed_on=confirmed_on,
                form_file=request.FILES.get("form_file"),
            )
        except (BadInput, WorkflowError) as exc:
            return refuse_upload(request, str(exc))
        pending = sum(r.state == State.PENDING for r in records)
        messages.success(request, f"已记载{len(records)}条发展激励" + ("，待直属上级团组织认证。" if pending else "。"))
        return redirect(f"{reverse('incentives:development')}?type={request.POST.get('dev_kind')}")
    return render(request, "incentives/development_new.html", context)


def _movable(request, pk):
    """A 推优 record whose member sits in the acting org's subtree now (TRF-08)."""
    return get_object_or_404(
        Development.objects.select_related("record", "record__person").filter(
            subtree_q(request.acting_org, "record__person__branch"), dev_kind=DevelopmentKind.PARTY
        ),
        pk=pk,
    )


@access(ORG_ADMIN)
def development_update(request, pk):
    """更新状态 (INC-12): the allowed next states and the date each needs; filed for approval."""
    dev = _movable(request, pk)
    context = {
        "dev": dev,
        "choices": [(s, TrackStatus(s).label, DATE_NEEDED.get(s, "")) for s in allowed_next(dev)],
    }
    if request.method == "POST":
        try:
            step_date = parse_date(request.POST.get("step_date"), "确定时间/入党时间", required=False)
            services.request_track_update(request, dev, request.POST.get("new_status", ""), step_date)
        except (BadInput, WorkflowError) as exc:
            context["error"] = str(exc)
            return render(request, "incentives/development_update.html", context, status=400)
        messages.success(request, f"已提交{dev.record.person.name}的推优状态更新，待上级团委审核后生效。")
        return redirect(reverse("incentives:development"))
    return render(request, "incentives/development_update.html", context)


@access(ORG_ADMIN)
def development_form(request, pk):
    """SEC-01: the 推优表 PDF through a scoped view."""
    record = get_object_or_404(
        visible_records(request).filter(kind=Kind.DEVELOPMENT).select_related("development", "person"), pk=pk
    )
    return pdf_response(record.development.form_file, f"推优表-{record.person.name}")


urlpatterns = [
    path("development/", development_list, name="development"),
    path("development/new/", development_new, name="development_new"),
    path("development/<int:pk>/update/", development_update, name="development_update"),
    path("development/<int:pk>/form/", development_form, name="development_form"),
]
