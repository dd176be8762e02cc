"""组织整顿-下级团支部整顿进度 (REC-12): for the acting org or any org below it (?org=), the key
branches of its subtree by industry category and, per month, how many finished then. The left
list goes down the tree; at a branch it shows the branch's submitted forms."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET

from orgs.models import Organization
from zhtj.core.access import ORG_ADMIN, access, scoped

from . import services as s
from .views_self_check import history_context


@require_GET
@access(ORG_ADMIN)
def progress(request):
    raw = request.GET.get("org", "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        org = None
    else:
        org = get_object_or_404(scoped(request, Organization.objects.all(), ""), pk=int(raw)) if raw else None
    status = 200
    if org is None:
        org = request.acting_org
        if raw:
            messages.error(request, "组织参数无效，已显示本组织的整顿进度。")
            status = 400
    year = s.campaign_year()
    context = {
        "org": org,
        "year": year,
        "months": s.campaign_months(year),
        "path": org.get_ancestors(include_self=True).filter(level__gte=request.acting_org.level),
        "children": org.get_children()
        .order_by("tree_id", "lft")
        .only("pk", "name", "category", "tree_id", "lft", "parent_id"),
    }
    if org.is_branch_kind:
        context.update(history_context(org, year, ""))
    else:
        rows = s.progress(org, year)
        context["rows"] = rows
        context["totals"] = {
            "total": sum(r["total"] for r in rows),
            "done": sum(r["done"] for r in rows),
            "months": [sum(r["months"][i] for r in rows) for i in range(len(context["months"]))],
        }
    return render(request, "rectification/progress.html", context, status=status)


urlpatterns = [path("progress/", progress, name="progress")]
