"""业务办理 → 管理员变更 (ORG-12).

An org changing its own admins files a request that its direct superior approves
in 操作中心; a direct superior changing a sub-org's admins applies at once.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from orgs.choices import BRANCH_KINDS
from orgs.models import Organization
from zhtj.core import inbox
from zhtj.core.access import DIRECT_SUPERIOR, ORG_ADMIN, access, require_direct_superior, scoped
from zhtj.core.change_pages import review
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk
from zhtj.core.workflow import WorkflowError

from .choices import PostTitle
from .models import AdminChangeRequest
from .services import admin_add_refusal, decide_admin_change, grant_admin, request_admin_change, revoke_admin


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def admin_change(request, org_pk=None):
    acting = request.acting_org
    if org_pk is None:
        org, own = acting, True
    else:
        org = get_object_or_404(scoped(request, Organization.objects.all(), ""), pk=org_pk)
        require_direct_superior(request, org)
        own = False
    posts = org.cadre_posts.active().select_related("person").order_by("admin_slot", "title")
    if request.method == "POST":
        post = get_object_or_404(posts, pk=parse_pk(request.POST.get("post")) or -1)
        action = request.POST.get("action")
        if action not in AdminChangeRequest.Action.values:
            messages.error(request, "请选择“添加管理员”或“撤销管理员”。")
            return render(request, "members/admin_change.html", _context(request, org, own, posts), status=400)
        try:
            if own:
                _refuse_own_secretary_revoke(org, post, action)
                request_admin_change(post, action, by=request.user)
                messages.success(request, "管理员变更申请已提交，待上级组织管理员审批。")
            else:
                (grant_admin if action == AdminChangeRequest.Action.ADD else revoke_admin)(post)
                inbox.notify(
                    org=org,
                    kind="admin_change",
                    text=f"上级组织已为本组织{AdminChangeRequest.Action(action).label}：{post.person.name}",
                )
                messages.success(request, f"已{AdminChangeRequest.Action(action).label}：{post.person.name}。")
        except WorkflowError as exc:
            messages.error(request, str(exc))
            return render(request, "members/admin_change.html", _context(request, org, own, posts), status=409)
        return redirect(request.path)
    return render(request, "members/admin_change.html", _context(request, org, own, posts))


def _refuse_own_secretary_revoke(org, post, action):
    """ORG-12: revoking a branch secretary's admin rights is the superior's call."""
    if (
        action == AdminChangeRequest.Action.REVOKE
        and org.category in BRANCH_KINDS
        and post.title == PostTitle.SECRETARY
    ):
        raise WorkflowError("如需撤销团支部书记的管理员权限，请联系上级组织管理员办理。")


def _context(request, org, own, posts):
    """Each row offers only the action the service would accept, or says why not (ORG-12)."""
    add_refusal = admin_add_refusal(org.pk, waiting_too=own)
    page = paginate(request, posts.order_by("admin_slot", "title", "pk"))
    for post in page:
        if post.is_admin:
            post.action, post.refusal = AdminChangeRequest.Action.REVOKE, None
            if own:
                try:
                    _refuse_own_secretary_revoke(org, post, post.action)
                except WorkflowError as exc:
                    post.refusal = str(exc)
        else:
            post.action, post.refusal = AdminChangeRequest.Action.ADD, add_refusal
    return {
        "org": org,
        "own": own,
        "page": page,
        "limit": settings.ZHTJ["ADMINS_PER_ORG"],
        "pending": AdminChangeRequest.objects.filter(
            filed_by_org=org, state=AdminChangeRequest.State.PENDING
        ).select_related("post__person"),
        "actions": AdminChangeRequest.Action,
    }


@require_http_methods(["GET", "POST"])
@access(DIRECT_SUPERIOR)
def admin_request(request, pk):
    """One 管理员变更 request: any ancestor may view it; only the direct superior decides, the org
    itself may withdraw it while pending."""
    req = get_object_or_404(
        scoped(
            request,
            AdminChangeRequest.objects.select_related(
                "filed_by_org", "approver", "post__person", "requested_by", "decided_by"
            ),
            "filed_by_org",
        ),
        pk=pk,
    )
    return review(
        request, req, title="管理员变更审批", template="members/admin_request.html", decide=decide_admin_change
    )
