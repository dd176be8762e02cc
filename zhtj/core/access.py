"""Access policies: the first thing every view declares (ROLE-02, ROLE-03, SEC-01).

Each view is wrapped by `@access(POLICY)` (or `access(POLICY)(View.as_view())` in
urls). The wrapper enforces the view-level part of the policy and leaves a mark
(`view.access_policy`) that tests/core/test_access_policies.py checks on every
URL pattern. The object-level part is done by scoped lookups: querysets are
restricted to the acting org's subtree *before* the id is looked up, so an
out-of-scope id is a 404 that says nothing about whether it exists.

Policies:
  public            no login (login page, 忘记密码, 管理员注册)
  member            any logged-in person, acting on their own data
  org_admin         the acting org is one the person administers; objects in its subtree
  direct_superior   org_admin, and the object's org is a direct child of the acting
                    org (隔级无法操作, ROLE-03): checked with require_direct_superior()
  leadership(level) the acting org is a 团的领导机关 at `level` or higher
  ops               a superuser
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .tree import in_subtree


class Policy:
    def __init__(self, name, needs_login=True, needs_acting_org=False, min_level=None, superuser=False):
        self.name = name
        self.needs_login = needs_login
        self.needs_acting_org = needs_acting_org
        self.min_level = min_level
        self.superuser = superuser

    def __repr__(self):
        return f"<Policy {self.name}>"

    def check(self, request):
        """Raise PermissionDenied (403 with a Chinese reason) unless the request may enter."""
        user = request.user
        if self.superuser and not user.is_superuser:
            raise PermissionDenied("此功能仅限系统运维人员使用。")
        org = getattr(request, "acting_org", None)
        if self.needs_acting_org and org is None:
            raise PermissionDenied("此功能仅限组织管理员使用，请先切换到您管理的组织。")
        if self.min_level is not None and (
            org is None or not org.is_leadership or org.leadership_level > self.min_level
        ):
            raise PermissionDenied("此功能仅限相应层级的团的领导机关使用。")


PUBLIC = Policy("public", needs_login=False)
MEMBER = Policy("member")
ORG_ADMIN = Policy("org_admin", needs_acting_org=True)
DIRECT_SUPERIOR = Policy("direct_superior", needs_acting_org=True)
OPS = Policy("ops", superuser=True)


def leadership(level):
    """Acting org is a leadership organ of `level` or higher (1 团中央 … 4 县级)."""
    return Policy(f"leadership({level})", needs_acting_org=True, min_level=level)


def access(policy):
    """Declare and enforce a view's access policy."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if policy.needs_login and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            policy.check(request)
            return view(request, *args, **kwargs)

        wrapped.access_policy = policy
        return wrapped

    return decorate


# --- scoped lookups ------------------------------------------------------------------


def acting_org_or_404(request):
    org = getattr(request, "acting_org", None)
    if org is None:
        raise Http404
    return org


def scoped(request, queryset, via):
    """`queryset` limited to the acting org's subtree; no acting org → nothing.
    `via` is the path to the org field, or "" for a queryset of orgs."""
    org = getattr(request, "acting_org", None)
    if org is None:
        return queryset.none()
    return in_subtree(queryset, org, via)


def require_direct_superior(request, org):
    """ROLE-03: only the direct superior acts. Out of scope → 404; a grand-parent → 403."""
    check_direct_superior(acting_org_or_404(request), org)


def check_direct_superior(acting, org):
    """require_direct_superior for an acting org, as a workflow guard runs it on a locked row."""
    if acting is None or not acting.contains(org):
        raise Http404
    if org.parent_id != acting.pk:
        raise PermissionDenied("隔级无法操作：只有直属上级团组织的管理员可以办理此事项。")


def require_self_or_direct_superior(request, org):
    """The org itself or its direct superior (ROLE-07, ORG-12); other ancestors may only view."""
    acting = acting_org_or_404(request)
    if not acting.contains(org):
        raise Http404
    if acting.pk not in (org.pk, org.parent_id):
        raise PermissionDenied("隔级无法操作：只有本组织或直属上级团组织的管理员可以办理此事项。")
