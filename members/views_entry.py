"""录入团员团干部 (branch), 录入下级支部成员 (committee, branch picked in the left org tree),
录入本级团干部 (团委/团工委/团总支 and leadership organs): single entry (MEM-06). The rules are
validation.check_person / check_post, through PersonForm."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Value
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from orgs.models import Organization
from zhtj.core import tree
from zhtj.core.access import ORG_ADMIN, access
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk

from .archives import entry_notice, joined_needs_archive
from .forms_people import PersonForm
from .people import EntryRefused, enter_member, enter_own_cadre


def branch_tree(request, org):
    """The left tree of the acting org's subtree. While the subtree holds at most
    MEMBER_LIST_BRANCH_CHOICES orgs (inside one tree its size needs no query), all of it, indented by
    level, in one range query. Beyond that (issue 17: 团中央's would be every org of the country) one
    level at a time: the direct children of the org opened (?node=, looked up in the subtree), a page
    of them, with the path back up; or, with ?bq=, the first branches whose name holds the text."""
    most = settings.ZHTJ["MEMBER_LIST_BRANCH_CHOICES"]
    subtree = Organization.objects.subtree_of(org, include_self=False).order_by("tree_id", "lft")
    size = tree.size(org)  # None for a leadership organ (its subtree spans trees): counted up to most + 1
    if (size - 1 if size is not None else subtree[: most + 1].count()) <= most:
        return {"rows": subtree.annotate(indent=(F("level") - org.level) * 1), "whole": True}
    typed = (request.GET.get("bq") or "").strip()[:50]
    if typed:
        found = subtree.filter(is_branch_kind=True, name__icontains=typed).annotate(indent=Value(0))
        return {"rows": found[:most], "typed": typed}
    node = org
    if (raw := request.GET.get("node")) is not None:
        node = get_object_or_404(subtree, pk=parse_pk(raw) or -1)
    path = [pk for pk, level in tree.ancestors(node, include_self=True) if level > org.level]
    crumbs = Organization.objects.filter(pk__in=path).order_by("level").only("pk", "name")
    # has_children in the same query: is_leaf_node counts a leadership organ's subtree, one query a row
    has_children = Exists(Organization.objects.filter(parent=OuterRef("pk")))
    children = node.get_children().annotate(indent=Value(0), has_children=has_children)
    return {"rows": paginate(request, children, param="nodes"), "node": node, "crumbs": crumbs, "paged": True}


def picked_branch(request, org):
    """The branch chosen in the tree (?branch=), looked up in the acting org's subtree only."""
    raw = request.GET.get("branch", "")
    if not raw:
        return None
    pk = parse_pk(raw)
    if pk is None:
        raise Http404
    # a 特殊单位专属库 is filled by transfers only (ORG-02, TRF-09): not a branch to enter people into
    return get_object_or_404(Organization.objects.subtree_of(org, include_self=False).branches(), pk=pk)


def _render(request, form, status=200, **context):
    return render(request, "members/enter.html", {"form": form} | context, status=status)


def _enter(request, branch, context):
    as_cadre = request.GET.get("cadre") == "1"
    context |= {"target": branch, "branch": branch if context.get("tree") is not None else None}
    context |= {"cadre_toggle": True, "as_cadre": as_cadre}
    form = PersonForm(request.POST if request.method == "POST" else None, org=branch, cadre=as_cadre)
    if request.method == "GET":
        return _render(request, form, **context)
    if not form.is_valid():
        messages.error(request, "录入失败，请按提示修改后重新提交。")
        return _render(request, form, status=400, **context)
    try:
        person = enter_member(form.person_clean, branch, form.post_clean if as_cadre else None)
    except EntryRefused as exc:
        form.add_error("id_number", str(exc))
        messages.error(request, str(exc))
        return _render(request, form, status=409, **context)
    messages.success(
        request, f"已录入{'团干部' if as_cadre else '团员'}{person.name}到{branch.name}，初始密码为身份证号码后8位。"
    )
    if joined_needs_archive(person.joined_month):
        messages.warning(request, entry_notice(1))
    return redirect(request.get_full_path())


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def enter_branch_member(request):
    """团员管理-录入团员团干部 (a branch admin, into the acting branch)."""
    branch = request.acting_org
    if not branch.is_branch_kind:
        raise PermissionDenied("录入团员团干部仅限团支部管理员使用；上级组织请使用“录入下级支部成员”。")
    context = {
        "title": "录入团员团干部",
        "intro": "录入本团支部的团员或团干部；也可下载模板批量导入。",
        "batch_url": reverse("members:import", args=["members"]),
    }
    return _enter(request, branch, context)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def enter_sub_member(request):
    """团员管理-录入下级支部成员 (团委/团工委/团总支 and leadership organs): pick the branch
    in the left org tree, then enter as a branch would."""
    org = request.acting_org
    if org.is_branch_kind:
        raise PermissionDenied("团支部请使用“录入团员团干部”。")
    branch = picked_branch(request, org)
    context = {
        "title": "录入下级支部成员",
        "intro": "在左侧组织树中选择录入人员所在支部，然后单个录入或批量导入。",
        "tree": branch_tree(request, org),
        "batch_url": reverse("members:import", args=["members"]) + (f"?branch={branch.pk}" if branch else ""),
    }
    if branch is None:
        if request.method == "POST":
            messages.error(request, "请先在左侧组织树中选择团支部。")
            return _render(request, PersonForm(org=org), status=400, target=None, **context)
        return _render(request, PersonForm(org=org), target=None, **context)
    return _enter(request, branch, context)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def enter_own_cadres(request):
    """团干部管理-录入本级团干部: a cadre post in the acting org (MEM-06). The person need not
    be a member of any branch here; someone already registered just gets the post."""
    org = request.acting_org
    if org.is_branch_kind:
        raise PermissionDenied(
            "录入本级团干部仅限团委、团工委、团总支和团的领导机关使用；团支部请使用“录入团员团干部”。"
        )
    context = {
        "title": "录入本级团干部",
        "intro": "录入本组织的团干部。已在系统中的人员（如在其他组织任职的）可直接录入，其个人信息不会被改动。",
        "target": org,
        "batch_url": reverse("members:import", args=["cadres"]),
    }
    form = PersonForm(request.POST if request.method == "POST" else None, org=org, cadre=True, existing_ok=True)
    if request.method == "GET":
        return _render(request, form, **context)
    if not form.is_valid():
        messages.error(request, "录入失败，请按提示修改后重新提交。")
        return _render(request, form, status=400, **context)
    try:
        post = enter_own_cadre(form.person_clean, org, form.post_clean)
    except EntryRefused as exc:
        messages.error(request, str(exc))
        return _render(request, form, status=409, **context)
    messages.success(request, f"已录入本级团干部{post.person.name}（{post.get_title_display()}）。")
    return redirect("members:enter_cadre")


urlpatterns = [
    path("enter/", enter_branch_member, name="enter"),
    path("enter/sub/", enter_sub_member, name="enter_sub"),
    path("enter/cadre/", enter_own_cadres, name="enter_cadre"),
]
