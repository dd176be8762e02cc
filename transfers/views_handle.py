"""业务办理 → 组织关系转接办理: 办理转入 / 办理转出 / 组织关系批量转接 (TRF-01/02/03/05)."""

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from members.models import Person
from orgs.choices import COMMITTEE_KINDS, OrgCategory
from orgs.models import Organization
from zhtj.core.access import ORG_ADMIN, access, scoped
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk

from . import services
from .choices import Destination, Reason

TABS = {"in": "办理转入", "out": "办理转出", "batch": "组织关系批量转接"}


class BadInput(Exception):
    pass


def _int(raw, message):
    pk = parse_pk(raw)
    if pk is None:
        raise BadInput(message)
    return pk


def search_orgs(q):
    """Target org search by name within the whole system (TRF-03); leadership organs excluded."""
    q = (q or "").strip()
    if not q:
        return Organization.objects.none()
    return (
        Organization.objects.filter(Q(name__icontains=q) | Q(full_name__icontains=q))
        .exclude(category=OrgCategory.LEADERSHIP)
        .select_related("parent")[:20]
    )


def tabs_for(org):
    """The ways `org` may start a transfer: a tab only where the service would accept it."""
    return {key: label for key, label in TABS.items() if services.way_refusal(org, key) is None}


def _context(request, tab):
    acting = request.acting_org
    branches = scoped(request, Organization.objects.branch_kinds(), "").order_by("tree_id", "lft")
    # a picker, not the subtree's every branch: the first matches of the typed name
    most = settings.ZHTJ["MEMBER_LIST_BRANCH_CHOICES"]
    typed = (request.GET.get("bq") or "").strip()[:50]
    shown = list((branches.filter(name__icontains=typed) if typed else branches).only("pk", "name")[: most + 1])
    ctx = {
        "tabs": tabs_for(acting),
        "tab": tab,
        "reasons": Reason.choices,
        "destinations": Destination.choices,
        "branches": shown[:most],
        "more_branches": len(shown) > most,
        "is_committee": acting.category in COMMITTEE_KINDS,
        "batch_max": settings.ZHTJ["TRF_BATCH_MAX"],
        "get": request.GET,
    }
    raw_branch = request.GET.get("branch", "")
    if raw_branch:
        branch = get_object_or_404(branches, pk=_int(raw_branch, "请选择转出团支部。"))
        ctx["branch"] = branch
        ctx["people"] = paginate(request, Person.objects.filter(branch=branch).order_by("name", "pk"), param="people")
    if tab == "out":
        ctx["targets"] = search_orgs(request.GET.get("q"))
    if tab == "in" and request.GET.get("name") and request.GET.get("id_number"):
        ctx["found"] = find_person(request.GET)
        if ctx["found"] is None:
            messages.info(request, "未查询到该团员，请核对姓名和身份证号码。")
    return ctx


def find_person(data):
    """TRF-02: 办理转入 finds a member anywhere by name AND 身份证号码, never by a bare id (the
    submitted form repeats both, so a guessed id reveals nobody)."""
    name, id_number = (data.get("name") or "").strip(), (data.get("id_number") or "").strip().upper()
    if not (name and id_number):
        return None
    return Person.objects.filter(name=name, id_number=id_number, branch__isnull=False).select_related("branch").first()


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def handle(request):
    tabs = tabs_for(request.acting_org)
    tab = request.GET.get("tab") or request.POST.get("tab") or next(iter(tabs))
    if tab not in TABS:
        messages.error(request, "不支持的办理方式。")
        return render(request, "transfers/handle.html", {"tabs": tabs, "tab": next(iter(tabs))}, status=400)
    if tab not in tabs:  # a way this org can't use, typed into the address (TRF-01, TRF-05)
        messages.error(request, services.way_refusal(request.acting_org, tab))
        return render(request, "transfers/handle.html", {"tabs": tabs, "tab": None}, status=403)
    try:
        ctx = _context(request, tab)
    except BadInput as exc:
        messages.error(request, str(exc))
        return render(request, "transfers/handle.html", {"tabs": tabs, "tab": tab}, status=400)
    if request.method == "GET":
        return render(request, "transfers/handle.html", ctx)
    acting, by, post = request.acting_org, request.user, request.POST
    try:
        if tab == "in":
            person = find_person(post)
            if person is None:
                raise BadInput("未查询到该团员，请核对姓名和身份证号码后重新查询。")
            services.start_inbound(
                acting, person, by=by, reason=post.get("reason", ""), destination=post.get("destination", "")
            )
            messages.success(
                request,
                f"已提交{person.name}的转入申请，待其所在团支部或直属上级审批。可在“我发起的”中查看进度或撤销。",
            )
        elif tab == "out":
            ids = [_int(v, "请选择转出的团员。") for v in post.getlist("people")]
            if not ids:
                raise BadInput("请选择转出的团员。")
            people = list(scoped(request, Person.objects.filter(pk__in=ids), "branch").select_related("branch"))
            if len(people) != len(set(ids)):
                raise Http404
            target = get_object_or_404(Organization, pk=_int(post.get("target"), "请选择转入组织。"))
            made = services.start_outbound(
                acting, people, target, by=by, reason=post.get("reason", ""), destination=post.get("destination", "")
            )
            messages.success(
                request, f"已提交{len(made)}人的转出申请，待{target.name}审批。可在“我发起的”中查看进度或撤销。"
            )
        else:
            branches = scoped(request, Organization.objects.branch_kinds(), "")
            source = get_object_or_404(branches, pk=_int(post.get("source"), "请选择转出团支部。"))
            target = get_object_or_404(branches, pk=_int(post.get("target"), "请选择转入团支部。"))
            ids = [_int(v, "请选择转出的团员。") for v in post.getlist("people")]
            moved, refused = services.batch(acting, source, target, ids, by=by, reason=post.get("reason", ""))
            if moved:
                messages.success(request, f"已将{moved}人的组织关系转入{target.name}。")
            else:  # nothing moved: no success message beside the refusals
                messages.error(request, "所选团员均未能转接，原因如下。")
            for message in refused.values():
                (messages.warning if moved else messages.error)(request, f"未转接：{message}")
    except (BadInput, services.TransferError) as exc:
        messages.error(request, str(exc))
        return render(request, "transfers/handle.html", ctx, status=400)
    return redirect(f"{request.path}?tab={tab}")


urlpatterns = [path("handle/", handle, name="handle")]
