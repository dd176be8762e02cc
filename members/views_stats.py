"""团内大数据 (STAT-01, STAT-03): one page per chart with its table and an Excel download."""

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from zhtj.core.access import ORG_ADMIN, access
from zhtj.core.excel import export_response

from . import stats


def _chart(request, chart):
    return stats.CHARTS[chart](request.acting_org)


def _page(request, chart):
    org = request.acting_org
    dist = _chart(request, chart)
    year = timezone.localdate().year
    return render(
        request,
        "members/stats.html",
        {
            "org": org,
            "chart": chart,
            "dist": dist,
            "series": {"labels": [label for label, _ in dist.rows], "values": [n for _, n in dist.rows]},
            "year": year,
            "new_members": stats.new_member_count(org, year),
            "charts": [("age", "团员年龄分布"), ("ethnicity", "团员民族分布"), ("education", "团员学历层次")],
            "chart_type": "pie" if chart == "education" else "bar",
        },
    )


@access(ORG_ADMIN)
def age(request):
    return _page(request, "age")


@access(ORG_ADMIN)
def ethnicity(request):
    return _page(request, "ethnicity")


@access(ORG_ADMIN)
def education(request):
    return _page(request, "education")


@access(ORG_ADMIN)
def download(request, chart):
    """The table behind a chart as Excel (injection-safe export). Unknown chart → 404."""
    if chart not in stats.CHARTS:
        raise Http404
    dist = _chart(request, chart)
    rows = [*dist.with_shares(), ("合计", dist.total, "100%" if dist.total else "0.0%")]
    day = timezone.localdate()
    return export_response(
        f"{dist.title}-{request.acting_org.name}-{day:%Y%m%d}.xlsx",
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
