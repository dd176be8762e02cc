"""上级认证 (INC-13, INC-14): one page, a tab per kind (default 入团激励); approve one (the
superior may adjust a 评议 grade, INC-06), or tick several → 批量审批 (all or none); 不通过 needs
a reason. Only the org a record waits for acts (ROLE-03: a grand-parent gets 403)."""

from urllib.parse import quote

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from zhtj.core import batch
from zhtj.core.access import DIRECT_SUPERIOR, access
from zhtj.core.pagination import paginate
from zhtj.core.workflow import WorkflowError, seen_state

from . import services
from .choices import Grade, Kind
from .models import IncentiveRecord
from .scope import visible_records
from .views_common import BadInput, parse_ids

# Tabs in the seed's order; 推优 status updates sit under 发展激励.
TABS = (Kind.JOINING, Kind.EVALUATION, Kind.HONOR, Kind.OPPORTUNITY, Kind.DEVELOPMENT)
TAB_KINDS = {tab: (tab,) for tab in TABS} | {Kind.DEVELOPMENT: (Kind.DEVELOPMENT, Kind.TRACK_UPDATE)}
RELATED = {
    Kind.JOINING: ("joining",),
    Kind.EVALUATION: ("evaluation", "evaluation__person"),
    Kind.HONOR: ("honor", "honor__org_recipient", "grantor", "delegate"),
    Kind.OPPORTUNITY: ("opportunity",),
    Kind.DEVELOPMENT: ("development", "trackupdate", "trackupdate__development"),
}


def _tab(request):
    raw = request.GET.get("kind") or Kind.JOINING
    if raw not in TABS:
        raise BadInput("激励类型无效。")
    return Kind(raw)


def _query(request):
    """The list's 事项 filter (name or content), from the query string or a batch form."""
    return ((request.GET.get("q") or request.POST.get("q") or "").strip())[:50]


def filtered(request, tab, q=""):
    """The tab's records waiting for the acting org, matching the 事项 filter."""
    qs = IncentiveRecord.objects.awaiting(request.acting_org).filter(kind__in=TAB_KINDS[tab])
    return qs.filter(summary__contains=q) if q else qs


def pending_for(request, tab, q=""):
    """The tab's records waiting for the acting org, in a constant number of queries."""
    qs = filtered(request, tab, q).select_related("recorder", "person", *RELATED[tab]).order_by("created_at", "pk")
    if tab == Kind.HONOR:
        qs = qs.prefetch_related("honor__recipients")
    return qs


@access(DIRECT_SUPERIOR)
def certify(request):
    try:
        tab = _tab(request)
    except BadInput as exc:
        return _page(request, Kind.JOINING, str(exc), 400)
    return _page(request, tab)


def _page(request, tab, error="", status=200):
    waiting = IncentiveRecord.objects.awaiting(request.acting_org)
    counts = waiting.aggregate(**{t.value: Count("pk", filter=Q(kind__in=TAB_KINDS[t])) for t in TABS})
    return render(
        request,
        "incentives/certify.html",
        {
            "tab": tab,
            "tabs": [(t, t.label, counts[t.value]) for t in TABS],
            "page": paginate(request, pending_for(request, tab, _query(request))),
            "q": _query(request),
            "grades": [(v, label) for v, label in Grade.choices if v != Grade.ABSENT],
            "error": error,
        },
        status=status,
    )


def _back(request, kind):
    return redirect(f"{reverse('incentives:certify')}?kind={kind}")


def _tab_of(record):
    return Kind.DEVELOPMENT if record.kind == Kind.TRACK_UPDATE else record.kind


@require_POST
@access(DIRECT_SUPERIOR)
def decide_one(request, pk, action):
    record = get_object_or_404(visible_records(request).select_related("recorder"), pk=pk)
    changes = {}
    if action == "approve" and record.kind == Kind.EVALUATION and request.POST.get("grade"):
        changes["grade"] = request.POST["grade"]
    try:
        done = services.decide(
            request, record, action, request.POST.get("reason", ""), seen=seen_state(request, record), **changes
        )
    except WorkflowError as exc:
        return _page(request, _tab_of(record), str(exc), 400)
    messages.success(request, f"{'审批通过' if action == 'approve' else '审批不通过'}：{done.summary}")
    return _back(request, _tab_of(record))


@require_POST
@access(DIRECT_SUPERIOR)
def decide_batch(request):
    """批量审批: all or none (services.decide_many); the message names every bad item."""
    kind = request.POST.get("kind") if request.POST.get("kind") in TABS else Kind.JOINING
    action = request.POST.get("action")
    try:
        if action not in ("approve", "reject"):
            raise BadInput("请选择审批结果。")
        ids = parse_ids(request.POST.getlist("record"))
        records = list(visible_records(request).select_related("recorder").filter(pk__in=ids).order_by("pk"))
        if len(records) != len(ids):
            raise BadInput("勾选的事项不存在或不在您的管理范围内，请刷新后重试。")
        seen = {r.pk: seen_state(request, r, r.pk) for r in records}
        n = services.decide_many(request, records, action, request.POST.get("reason", ""), seen=seen)
    except (BadInput, WorkflowError) as exc:
        return _page(request, Kind(kind), str(exc), getattr(exc, "status", 400))
    messages.success(request, f"批量审批完成：{n}项{'通过' if action == 'approve' else '不通过'}。")
    return _back(request, kind)


@require_POST
@access(DIRECT_SUPERIOR)
def decide_all(request):
    """ "全部 N 条符合当前筛选条件的" (issue 17, core.batch.whole_set): the tab's records waiting for
    the acting org that match the 事项 filter, confirmed with the count, then decided set-based
    (`services.decide_set`) with the refused ones listed on the progress page."""
    kind = request.POST.get("kind") if request.POST.get("kind") in TABS else Kind.JOINING
    tab, q = Kind(kind), _query(request)
    action, note = request.POST.get("action"), request.POST.get("reason", "")
    try:
        services.check_batch(action, note)
    except WorkflowError as exc:
        return _page(request, tab, str(exc), 400)
    pks = list(filtered(request, tab, q).order_by("pk").values_list("pk", flat=True))
    verdict = "审批通过" if action == "approve" else f"审批不通过（{note}）"
    return batch.whole_set(
        request,
        "incentives.certify",
        pks,
        {"action": action, "note": note, "kind": kind},
        title=f"上级认证·批量{'通过' if action == 'approve' else '不通过'}",
        what=f"符合当前筛选条件的待审批事项（{tab.label}{f'，含“{q}”' if q else ''}）",
        verdict=verdict,
        fields={"kind": kind, "q": q, "action": action, "reason": note},
        back=f"{reverse('incentives:certify')}?kind={kind}" + (f"&q={quote(q)}" if q else ""),
    )


urlpatterns = [
    path("certify/", certify, name="certify"),
    path("certify/all/", decide_all, name="certify_all"),
    path("certify/batch/", decide_batch, name="certify_batch"),
    path("certify/<int:pk>/approve/", decide_one, {"action": "approve"}, name="certify_approve"),
    path("certify/<int:pk>/reject/", decide_one, {"action": "reject"}, name="certify_reject"),
]
