"""评议激励 (INC-02 … INC-06): the branch's members for the chosen year, one by one in the
评议结果 column or ticked → 批量团员教育评议; the decision PDF behind a permission check."""

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from members.models import Person
from zhtj.core import pdf
from zhtj.core.access import ORG_ADMIN, access
from zhtj.core.pagination import paginate
from zhtj.core.params import local_url, parse_pk
from zhtj.core.uploads import refuse_upload, upload_limit
from zhtj.core.workflow import WorkflowError

from . import services
from .choices import Grade, State
from .models import Evaluation
from .scope import subtree_q
from .views_common import BadInput, parse_ids, parse_year, pdf_response, year_range

# 认证状态 filter of the list (the seed's header: year, 认证状态): the 上级认证 column's values.
STATUS_FILTERS = {
    "none": "-（未记载）",
    State.PENDING.value: State.PENDING.label,
    State.APPROVED.value: State.APPROVED.label,
    State.REJECTED.value: State.REJECTED.label,
}


def _rows(branch, year, status=""):
    """Members of the branch now, this year's result, and INC-05's approved 优秀 count: 3 queries.
    `status` keeps the members whose result of the year is in that state ("none": no result)."""
    first = settings.ZHTJ["INC_EARLIEST_YEAR"]
    this_year = Evaluation.objects.filter(year=year).select_related("record")
    people = Person.objects.filter(branch=branch)
    if status:
        result = Evaluation.objects.filter(person=OuterRef("pk"), year=year)
        if status == "none":
            people = people.filter(~Exists(result))
        else:
            people = people.filter(Exists(result.filter(record__state=status)))
    return (
        people.annotate(
            excellent_total=Count(
                "evaluations",
                filter=Q(
                    evaluations__grade=Grade.EXCELLENT,
                    evaluations__year__gte=first,
                    evaluations__record__state=State.APPROVED,
                ),
            )
        )
        .prefetch_related(Prefetch("evaluations", queryset=this_year, to_attr="this_year"))
        .order_by("name", "pk")
    )


def _page(request, raw_year, error="", status=200, raw_state=""):
    org = request.acting_org
    try:
        year = parse_year(raw_year)
    except BadInput as exc:
        year, status, error = parse_year(None), 400, error or str(exc)
    state = raw_state or ""
    if state and state not in STATUS_FILTERS:
        state, status, error = "", 400, error or "认证状态无效。"
    context = {"org": org, "year": year, "years": year_range(), "grades": Grade.choices, "error": error}
    context |= {"is_branch": org.is_branch_kind, "state": state, "states": STATUS_FILTERS.items()}
    if org.is_branch_kind:
        page = paginate(request, _rows(org, year, state))
        for row in page:
            row.evaluation = row.this_year[0] if row.this_year else None
        context["page"] = page
        # 记载 of one member (a file to attach, a reason): its own form above the list
        one = parse_pk(request.GET.get("person"))
        if one is not None:
            context["one"] = get_object_or_404(_rows(org, year).filter(pk=one))
            context["one"].evaluation = next(iter(context["one"].this_year), None)
    return render(request, "incentives/evaluation_list.html", context, status=status)


@access(ORG_ADMIN)
def evaluation_list(request):
    return _page(request, request.GET.get("year"), raw_state=request.GET.get("state"))


@require_POST
@access(ORG_ADMIN)
@upload_limit("INC_PDF_MAX_BYTES")
def evaluation_record(request):
    """Record one member (the row's form) or the ticked members (批量团员教育评议)."""
    org = request.acting_org
    back = reverse("incentives:evaluation")
    try:
        if getattr(request, "upload_too_large", False):  # SEC-05: stopped while parsing the body
            raise BadInput(pdf.too_large_message("组织处置或纪律处分决定", settings.ZHTJ["INC_PDF_MAX_BYTES"]))
        if not org.is_branch_kind:
            raise BadInput("评议结果由团支部管理员记载。")
        year = parse_year(request.POST.get("year"))
        ids = parse_ids(request.POST.getlist("person"))
        people = list(Person.objects.filter(branch=org, pk__in=ids))
        if len(people) != len(ids):
            raise BadInput("所选团员不在本团支部，请刷新后重试。")
        n = services.record_grades(
            org,
            year,
            people,
            request.POST.get("grade", ""),
            by=request.user,
            reason=request.POST.get("reason", ""),
            decision_file=request.FILES.get("decision_file"),
        )
    except (BadInput, WorkflowError) as exc:
        return refuse_upload(request, str(exc), to=local_url(request, request.headers.get("Referer"), back))
    messages.success(request, f"已记载{n}名团员的{year}年度评议结果，待直属上级团组织认证。")
    return redirect(f"{back}?year={year}")


@access(ORG_ADMIN)
def evaluation_decision(request, pk):
    """SEC-01 / INC-04: the decision PDF, only inside the acting org's subtree; the direct
    superior's opening is recorded so it may approve."""
    org = request.acting_org
    evaluation = get_object_or_404(
        Evaluation.objects.select_related("record__recorder", "person").filter(
            subtree_q(org, "branch") | subtree_q(org, "person__branch")
        ),
        pk=pk,
    )
    response = pdf_response(evaluation.decision_file, f"处分决定-{evaluation.person.name}")
    services.mark_decision_viewed(request, evaluation)
    return response


urlpatterns = [
    path("evaluation/", evaluation_list, name="evaluation"),
    path("evaluation/record/", evaluation_record, name="evaluation_record"),
    path("evaluation/<int:pk>/decision/", evaluation_decision, name="evaluation_decision"),
]
