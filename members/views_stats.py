"""团内大数据 (STAT-01, STAT-03): one page per chart with its table and an Excel download."""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

from orgs.models import Organization
from zhtj.core.access import ORG_ADMIN, access, scoped
from zhtj.core.excel import export_response
from zhtj.core.params import parse_pk
from zhtj.core.replica import reads_replica

from . import stats


def _org(request):
    """The subtree to count: the acting org, or `?org=` any org below it (STAT-01: any subtree).
    Malformed → 400 with a message; out of scope or unknown → 404."""
    raw = request.GET.get("org", "")
    if not raw:
        return request.acting_org
    pk = parse_pk(raw)
    if pk is None:
        raise BadRequest("统计范围无效，请从下级组织列表中选择。")
    return get_object_or_404(scoped(request, Organization.objects.all(), ""), pk=pk)


def _page(request, chart, org=None, status=200):
    if org is None:
        try:
            org = _org(request)
        except BadRequest as exc:
            messages.error(request, str(exc))
            org, status = request.acting_org, 400
    dist = stats.CHARTS[chart](org)
    year = timezone.localdate().year
    return render(
        request,
        "members/stats.html",
        {
            "org": org,
            "children": org.get_children().only("pk", "name", "tree_id", "lft", "parent_id"),
            "parent": org.parent if org.pk != request.acting_org.pk else None,
            "chart": chart,
            "dist": dist,
            "series": {"labels": [label for label, _ in dist.rows], "values": [n for _, n in dist.rows]},
            "year": year,
            "new_members": stats.new_member_count(org, year),
            "charts": [("age", "团员年龄分布"), ("ethnicity", "团员民族分布"), ("education", "团员学历层次")],
            "chart_type": "pie" if chart == "education" else "bar",
            "scope": f"?org={org.pk}" if org.pk != request.acting_org.pk else "",
        },
        status=status,
    )


@access(ORG_ADMIN)
@reads_replica
def age(request):
    return _page(request, "age")


@access(ORG_ADMIN)
@reads_replica
def ethnicity(request):
    return _page(request, "ethnicity")


@access(ORG_ADMIN)
@reads_replica
def education(request):
    return _page(request, "education")


@access(ORG_ADMIN)
@reads_replica
def download(request, chart):
    """The table behind a chart as Excel (injection-safe export). Unknown chart → 404."""
    if chart not in stats.CHARTS:
        raise Http404
    try:
        org = _org(request)
    except BadRequest as exc:
        messages.error(request, str(exc))
        return _page(request, chart, request.acting_org, status=400)
    dist = stats.CHARTS[chart](org)
    rows = [*dist.with_shares(), ("合计", dist.total, "100%" if dist.total else "0.0%")]
    day = timezone.localdate()
    return export_response(
        f"{dist.title}-{org.name}-{day:%Y%m%d}.xlsx",
        [dist.dimension, "人数", "占比"],
        rows,
        title=dist.title,
    )


urlpatterns = [
    path("stats/age/", age, name="stats_age"),
    path("stats/ethnicity/", ethnicity, name="stats_ethnicity"),
    path("stats/education/", education, name="stats_education"),
    path("stats/<str:chart>.xlsx", download, name="stats_download"),
]
