"""Every URL declares an access policy (ROLE-01, ROLE-02, SEC-01).

DESIGN "Access": each view declares one policy with `@access(...)` (zhtj/core/access.py),
which leaves `view.access_policy` on the callback. The walker below visits every URL
pattern of the project's resolver, through every include, and reports each callback
without a declared policy. The one exemption is the Django admin mounted at ops/admin/:
that is the `ops` policy (ROLE-01), enforced by Django admin's own staff check, and the
tests at the bottom prove that check holds.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
from django.contrib import admin
from django.http import HttpResponse
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, resolve, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RoutePattern

from members.models import Person
from tests import factories as f
from zhtj.core.access import MEMBER, OPS, PUBLIC, Policy, access

PASSWORD = "Zhtj-pass-2026"


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


# --- the walker -------------------------------------------------------------------------

# The only exemption, spelled out: the Django admin site (namespace and app "admin") mounted
# at the top level under exactly this prefix. It is the `ops` policy: Django admin checks
# is_active + is_staff itself (AdminSite.admin_view), and only superusers are staff here.
ADMIN_PREFIX = "ops/admin/"
ADMIN_POLICY = OPS


@dataclass(frozen=True)
class Endpoint:
    route: str  # the full route from the root, e.g. "members/<int:pk>/reset-code/"
    name: str | None  # "namespace:name" as for reverse()
    callback: object
    chain: tuple  # every pattern object from the root down to this one
    exempt: bool  # inside the Django admin mount

    @property
    def policy(self):
        return getattr(self.callback, "access_policy", None)


def _is_django_admin_mount(resolver, depth):
    """True only for `path("ops/admin/", admin.site.urls)` at the root: the right prefix, the
    "admin" namespace and app, and views that really belong to `admin.site` (a look-alike
    include that merely calls itself "admin" gets no exemption)."""
    if depth != 0 or str(resolver.pattern) != ADMIN_PREFIX:
        return False
    if resolver.namespace != "admin" or resolver.app_name != "admin":
        return False
    index = next((p for p in resolver.url_patterns if isinstance(p, URLPattern) and p.name == "index"), None)
    return index is not None and _is_the_admin_site(getattr(index.callback, "admin_site", None))


def _is_the_admin_site(site):
    # admin.site is a LazyObject: `==` compares the wrapped AdminSite by identity.
    return site is not None and admin.site == site


def walk(resolver=None):
    """Every endpoint reachable from `resolver` (default: the project's root resolver)."""
    resolver = resolver if resolver is not None else get_resolver()
    yield from _walk(resolver.url_patterns, chain=(), namespaces=(), exempt=False)


def _walk(patterns, chain, namespaces, exempt):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner_ns = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(
                pattern.url_patterns,
                chain=(*chain, pattern),
                namespaces=inner_ns,
                exempt=exempt or _is_django_admin_mount(pattern, len(chain)),
            )
        else:
            full = (*chain, pattern)
            name = ":".join((*namespaces, pattern.name)) if pattern.name else None
            yield Endpoint(
                route="".join(str(p.pattern) for p in full),
                name=name,
                callback=pattern.callback,
                chain=full,
                exempt=exempt,
            )


def missing_policies(resolver=None):
    """Endpoints whose view declares no access policy (the Django admin mount excepted)."""
    return [e for e in walk(resolver) if not e.exempt and not isinstance(e.policy, Policy)]


_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def sample_url(endpoint):
    """A concrete URL for the endpoint, arguments filled with harmless samples; None when a
    regex pattern with groups makes that guesswork."""
    parts = []
    for p in endpoint.chain:
        if not isinstance(p.pattern, RoutePattern):
            regex = str(p.pattern)
            if re.search(r"[()\[\]\\.*+?|]", regex.strip("^$")):
                return None
            parts.append(regex.strip("^$"))
            continue

        def fill(match, converters=p.pattern.converters):
            converter = converters[match["name"]]
            if isinstance(converter, IntConverter):
                return converter.to_url(1)
            if isinstance(converter, UUIDConverter):
                return converter.to_url(UUID(int=1))
            return "x"

        parts.append(_PARAM.sub(fill, str(p.pattern)))
    url = "/" + "".join(parts)
    assert resolve(url).func is endpoint.callback, f"sample {url} does not reach {endpoint.route}"
    return url


def assert_redirects_to(response, login_url, next_url):
    assert response.status_code == 302, (next_url, response.status_code)
    where = urlsplit(response["Location"])
    assert where.path == login_url, (next_url, response["Location"])
    assert parse_qs(where.query).get("next") == [next_url], (next_url, response["Location"])


# --- every view declares a policy ---------------------------------------------------------


def test_every_url_declares_an_access_policy():
    """ROLE-02 / SEC-01: every view in the project's URL tree carries a declared access policy
    (set by @access); the Django admin mount is the only, explicit exemption."""
    endpoints = list(walk())
    missing = [f"/{e.route} ({e.name or 'unnamed'}) → {e.callback!r}" for e in missing_policies()]
    assert not missing, "views without @access(...):\n" + "\n".join(missing)

    # The walk went through every include, and the exemption is exactly the admin mount.
    project = [e for e in endpoints if not e.exempt]
    assert {"home", "orgs:detail", "members:detail", "members:admin_request", "login"} <= {e.name for e in project}
    exempt = [e for e in endpoints if e.exempt]
    assert exempt, "the Django admin should be mounted at /ops/admin/"
    admin_names = _admin_names()
    assert all(e.route.startswith(ADMIN_PREFIX) and e.name in (None, *admin_names) for e in exempt)
    assert {e.name for e in exempt} >= {"admin:index", "admin:login", "admin:members_person_changelist"}
    assert not [e for e in project if e.route.startswith(ADMIN_PREFIX)]


def _admin_names():
    return {f"admin:{e.name}" for e in _walk_admin_site()}


def _walk_admin_site():
    for p in admin.site.get_urls():
        if isinstance(p, URLResolver):
            yield from (q for q in p.url_patterns if isinstance(q, URLPattern))
        else:
            yield p


def test_public_surface_is_only_the_login_pages():
    """ROLE-06 / ROLE-07 / SEC-01: only the login, logout, 忘记密码, 管理员注册 (ORG-09) and 团员注册
    (REG-01: find the branch, its form, 查询审批结果) views and the data-free health check are public.
    A new public view must be added here on purpose."""
    public = {e.name for e in walk() if not e.exempt and e.policy is PUBLIC}
    assert public == {
        "login",
        "logout",
        "forgot_password",
        "members:register",
        "members:join",
        "members:join_branch",
        "members:join_status",
        "healthz",
    }
    assert all(isinstance(e.policy, Policy) for e in walk() if not e.exempt)


# --- the walker itself catches a missing policy ------------------------------------------------


def _undeclared(request, pk=None):
    return HttpResponse("这里没有声明访问策略")


@access(MEMBER)
def _declared(request):
    return HttpResponse("ok")


def _wrap_without_wraps(view):
    """A careless decorator that drops the policy mark (no functools.wraps)."""

    def inner(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return inner


class ThrowawayUrls:
    """A urlconf with holes: an undeclared view deep in a namespaced include, a declared view
    whose mark a careless decorator lost, and a look-alike "admin" include mounted elsewhere."""

    urlpatterns = [
        path("ok/", _declared, name="ok"),
        path("nested/", include(([path("deep/<int:pk>/", _undeclared, name="deep")], "nested"))),
        path("lost/", _wrap_without_wraps(_declared), name="lost"),
        path("elsewhere/", include(([path("", _undeclared, name="index")], "admin"))),
        path(ADMIN_PREFIX, admin.site.urls),
    ]


class FakeAdminUrls:
    """An include at the admin prefix with the admin namespace, but not Django's admin site."""

    urlpatterns = [path(ADMIN_PREFIX, include(([path("", _undeclared, name="index")], "admin")))]


@override_settings(ROOT_URLCONF=ThrowawayUrls)
def test_walker_reports_views_without_a_policy():
    """ROLE-02 / SEC-01: the walker is not vacuous: an undeclared view nested in an include, a
    view whose mark was dropped, and an "admin"-named include outside ops/admin/ are all
    reported, while the real Django admin mount stays exempt."""
    missing = {(e.route, e.name) for e in missing_policies(get_resolver())}
    assert missing == {
        ("nested/deep/<int:pk>/", "nested:deep"),
        ("lost/", "lost"),
        ("elsewhere/", "admin:index"),
    }
    assert any(e.exempt and e.name == "admin:index" for e in walk(get_resolver()))


@override_settings(ROOT_URLCONF=FakeAdminUrls)
def test_admin_exemption_needs_the_real_admin_site():
    """ROLE-01 / SEC-01: the exemption is narrow: right prefix and namespace are not enough,
    the views must belong to Django's admin site."""
    assert [(e.route, e.name) for e in missing_policies(get_resolver())] == [(ADMIN_PREFIX, "admin:index")]


def test_walker_works_on_a_plain_pattern_list():
    """SEC-01: the same check on a bare list of patterns (any resolver-like object)."""

    class Bare:
        urlpatterns = [path("a/", _declared), path("b/", _undeclared)]

    resolver = URLResolver(RoutePattern(""), Bare)
    assert [e.route for e in missing_policies(resolver)] == ["b/"]


# --- anonymous visitors -----------------------------------------------------------------------


def _login_required_endpoints():
    return [e for e in walk() if not e.exempt and e.policy is not None and e.policy.needs_login]


def test_anonymous_is_sent_to_login_from_every_non_public_url(client, db):
    """ROLE-02 / SEC-01: an anonymous GET of every non-public URL redirects to the login page
    (with next=); views that only accept POST answer an anonymous POST the same way, so no
    view body runs for a visitor who is not logged in."""
    login_url = reverse("login")
    got, posted = [], []
    for endpoint in _login_required_endpoints():
        url = sample_url(endpoint)
        if url is None:
            continue
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
            posted.append(url)
        else:
            got.append(url)
        assert_redirects_to(response, login_url, url)
    # the argument-free GET pages, named, so the sweep can't silently shrink to nothing
    assert {
        "/",
        "/inbox/",
        "/password/change/",
        "/orgs/mine/",
        "/orgs/children/",
        "/members/",
        "/members/cadres/",
        "/members/my-org/",
        "/members/admin-change/",
    } <= set(got)
    assert {"/inbox/read/", "/switch-org/", "/members/1/reset-code/"} <= set(posted)


def test_public_urls_do_not_redirect_anonymous_to_login(client, db):
    """ROLE-06 / ROLE-07: the public pages (登录, 忘记密码) open for an anonymous visitor."""
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("forgot_password")).status_code == 200


# --- the Django admin: the `ops` policy, enforced by the admin itself ---------------------------


def _admin_urls(tree):
    """Every admin page reachable with a sample argument, plus the app index and an object page."""
    urls = []
    for endpoint in walk():
        if not endpoint.exempt or endpoint.name in ("admin:login", "admin:logout"):
            continue
        url = sample_url(endpoint)
        if url is not None:
            urls.append(url)
    urls += [
        reverse("admin:app_list", kwargs={"app_label": "orgs"}),
        reverse("admin:orgs_organization_change", args=[tree.branch_a.pk]),
        "/ops/admin/no-such-page/",
    ]
    return urls


@pytest.fixture
def non_staff(tree):
    """An org admin of 团中央: the top of the league tree, yet not ops."""
    return f.admin_of(tree.central, "团中央管理员")


def test_admin_policy_is_ops():
    """ROLE-01: the admin exemption stands for the `ops` policy (a superuser)."""
    assert ADMIN_POLICY is OPS and ADMIN_POLICY.superuser
    assert _is_the_admin_site(resolve(f"/{ADMIN_PREFIX}").func.admin_site)


def test_anonymous_gets_admin_login_not_admin_pages(client, tree):
    """ROLE-01 / SEC-01: every Django admin page sends an anonymous visitor to the admin login."""
    admin_login = reverse("admin:login")
    urls = _admin_urls(tree)
    assert len(urls) > 20
    for url in urls:
        assert_redirects_to(client.get(url), admin_login, url)


def test_non_staff_user_gets_admin_login_not_admin_pages(client, login, tree, non_staff):
    """ROLE-01 / SEC-01: a logged-in league admin who is not ops (not staff) is sent to the admin
    login from every admin page; nothing of the admin is shown."""
    c = login(non_staff)
    admin_login = reverse("admin:login")
    for url in _admin_urls(tree):
        response = c.get(url)
        assert_redirects_to(response, admin_login, url)
        assert tree.branch_a.name not in response.content.decode()


def test_superuser_sees_the_admin(client, login, tree):
    """ROLE-01: ops (a superuser) uses the Django admin (positive control for the tests above)."""
    ops = Person.objects.create_superuser(f.new_id_number(), password=PASSWORD, name="运维")
    c = login(ops)
    assert c.get(f"/{ADMIN_PREFIX}").status_code == 200
    response = c.get(reverse("admin:orgs_organization_change", args=[tree.branch_a.pk]))
    assert response.status_code == 200
    assert tree.branch_a.name in response.content.decode()


def test_health_check_answers_without_login_or_data(db, client, django_assert_num_queries):
    """The ops health check (/healthz/) answers "ok" to anyone and reads nothing."""
    with django_assert_num_queries(0):
        r = client.get("/healthz/")
    assert r.status_code == 200 and r.content == b"ok"


# --- the policies and scoped checks themselves, at their edges (ROLE-01/02/03) ------------------


def request_as(user, acting_org=None):
    """A request as the middleware leaves it: `acting_org` set only for an admin acting."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().get("/somewhere/?page=2")
    request.user = user or AnonymousUser()
    if acting_org is not None:
        request.acting_org = acting_org
    return request


def refusal(call, *args):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied) as refused:
        call(*args)
    return str(refused.value)


def test_a_policy_keeps_what_it_was_declared_with():
    """ROLE-01: a Policy is its name and its four requirements, as declared."""
    from zhtj.core.access import leadership

    p = Policy("p", needs_login=False, needs_acting_org=True, min_level=3, superuser=True)
    assert (repr(p), p.needs_login, p.needs_acting_org, p.min_level, p.superuser) == (
        "<Policy p>",
        False,
        True,
        3,
        True,
    )
    plain = Policy("plain")
    assert (plain.name, plain.needs_login, plain.needs_acting_org, plain.min_level, plain.superuser) == (
        "plain",
        True,
        False,
        None,
        False,
    )
    city = leadership(3)
    assert (repr(city), city.needs_login, city.needs_acting_org, city.min_level, city.superuser) == (
        "<Policy leadership(3)>",
        True,
        True,
        3,
        False,
    )


def test_leadership_policy_at_its_level_edge(tree):
    """ROLE-01: leadership(3) admits a 地市级 organ and any higher one, not a 县级 organ (level 4),
    not a 团委, and asks for an acting org first."""
    from orgs.choices import LeadershipLevel
    from zhtj.core.access import leadership

    county = f.leadership("团测试县委", tree.city, LeadershipLevel.COUNTY)
    user = f.person("管理员")
    policy = leadership(3)
    for org in (tree.central, tree.province, tree.city):
        policy.check(request_as(user, org))
    level = "此功能仅限相应层级的团的领导机关使用。"
    assert refusal(policy.check, request_as(user, county)) == level
    assert refusal(policy.check, request_as(user, tree.uni)) == level
    assert refusal(policy.check, request_as(user)) == "此功能仅限组织管理员使用，请先切换到您管理的组织。"
    leadership(4).check(request_as(user, county))


def test_ops_and_org_admin_policies(tree):
    """ROLE-01: ops only for a superuser; org_admin only with an acting org (a request without one
    carries no `acting_org` at all); a member's policy needs neither."""
    from zhtj.core.access import ORG_ADMIN

    user = f.person("普通用户")
    ops = Policy("ops", superuser=True)
    assert refusal(ops.check, request_as(user, tree.uni)) == "此功能仅限系统运维人员使用。"
    user.is_superuser = True
    ops.check(request_as(user))
    member = f.person("团员")
    assert refusal(ORG_ADMIN.check, request_as(member)) == "此功能仅限组织管理员使用，请先切换到您管理的组织。"
    ORG_ADMIN.check(request_as(member, tree.branch_a))
    MEMBER.check(request_as(member))
    OPS.check(request_as(user))


def test_access_sends_anonymous_to_login_and_checks_the_policy(tree):
    """ROLE-01 / SEC-01: a declared view sends anonymous visitors to the login page (back to the
    same URL after), refuses by its policy, and carries the policy for the walker above."""
    from django.core.exceptions import PermissionDenied

    from zhtj.core.access import ORG_ADMIN

    def page(request):
        return HttpResponse("ok")

    view = access(ORG_ADMIN)(page)
    assert view.access_policy is ORG_ADMIN and view.__name__ == "page"
    r = view(request_as(None))
    assert r.status_code == 302 and r.url == reverse("login") + "?next=/somewhere/%3Fpage%3D2"
    with pytest.raises(PermissionDenied):
        view(request_as(f.person("团员")))
    assert view(request_as(f.person("管理员"), tree.col_a)).content == b"ok"
    assert access(PUBLIC)(page)(request_as(None)).content == b"ok"


def test_scoped_is_the_acting_orgs_subtree(tree):
    """ROLE-02: a scoped queryset holds the acting org's subtree only, through any path; no acting
    org, nothing."""
    from orgs.models import Organization
    from zhtj.core.access import scoped

    a, b = f.person("甲", branch=tree.branch_a), f.person("乙", branch=tree.branch_b)
    request = request_as(f.person("管理员"), tree.col_a)
    assert set(scoped(request, Organization.objects.all(), "")) == {tree.col_a, tree.branch_a}
    assert set(scoped(request, Person.objects.filter(pk__in=[a.pk, b.pk]), "branch")) == {a}
    assert not scoped(request_as(f.person("团员")), Person.objects.all(), "branch").exists()


def test_direct_superior_checks(tree):
    """ROLE-03: 隔级无法操作 -- the direct superior acts (403 for a grand-parent, with the rule's
    words); the org itself too where the rule says so; out of scope or no acting org is a 404."""
    from django.http import Http404

    from zhtj.core.access import check_direct_superior, require_direct_superior, require_self_or_direct_superior

    user = f.person("管理员")
    require_direct_superior(request_as(user, tree.col_a), tree.branch_a)
    check_direct_superior(tree.uni, tree.col_a)
    grand = "隔级无法操作：只有直属上级团组织的管理员可以办理此事项。"
    assert refusal(require_direct_superior, request_as(user, tree.uni), tree.branch_a) == grand
    assert refusal(check_direct_superior, tree.col_a, tree.col_a) == grand
    for call, args in [
        (require_direct_superior, (request_as(user, tree.col_a), tree.branch_b)),
        (require_direct_superior, (request_as(user), tree.branch_a)),
        (check_direct_superior, (None, tree.branch_a)),
        (check_direct_superior, (tree.col_a, tree.branch_b)),
        (require_self_or_direct_superior, (request_as(user, tree.col_a), tree.branch_b)),
        (require_self_or_direct_superior, (request_as(user), tree.branch_a)),
    ]:
        with pytest.raises(Http404):
            call(*args)
    require_self_or_direct_superior(request_as(user, tree.col_a), tree.col_a)
    require_self_or_direct_superior(request_as(user, tree.col_a), tree.branch_a)
    self_or = "隔级无法操作：只有本组织或直属上级团组织的管理员可以办理此事项。"
    assert refusal(require_self_or_direct_superior, request_as(user, tree.uni), tree.branch_a) == self_or
