"""Request plumbing: the acting org (ROLE-04), the forced password change (ROLE-06),
double-submit protection (BEY-06), refusing NUL characters (SEC-06), Permissions-Policy (SEC-08),
the idle session's renewal (SEC-02)."""

import time

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

from . import audit, once
from .params import local_url

SESSION_KEY = "acting_org_id"
PERSONAL = 0  # session value for "acting as myself" (个人中心)


class ActingOrgMiddleware:
    """Puts `request.acting_org` (an Organization or None) and `request.admin_orgs` on the request.

    The choice lives in the session. A stale or tampered id (not an org the person
    administers now) is never trusted: it falls back to the default with a message.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.acting_org = None
        request.admin_orgs = []
        user = request.user
        if user.is_authenticated:
            request.admin_orgs = [post.org for post in user.admin_posts()]
            wanted = request.session.get(SESSION_KEY)
            if wanted is None:
                request.acting_org = request.admin_orgs[0] if request.admin_orgs else None
            elif wanted != PERSONAL:
                request.acting_org = next((o for o in request.admin_orgs if o.pk == wanted), None)
                if request.acting_org is None:
                    request.session.pop(SESSION_KEY, None)
                    request.acting_org = request.admin_orgs[0] if request.admin_orgs else None
                    messages.warning(request, "您已不是原所选组织的管理员，已切换到可管理的组织。")
        org_id = request.acting_org.pk if request.acting_org else None
        with audit.acting_as(user if user.is_authenticated else None, org_id):
            return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """The first login with the initial password must change it before anything else (ROLE-06)."""

    ALLOWED = ("password_change", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                return redirect("password_change")  # the page explains why
        return self.get_response(request)


ONCE_FIELD = "_once"


class OnceTokenMiddleware:
    """A form rendered with {% form_guard %} carries a one-time token; posting it twice
    (double click, lag, back button) runs the view once (BEY-06).

    The token is claimed by inserting a row with it as the primary key (`core.once`), so two
    identical posts racing each other -- in one process or in two gunicorn workers -- get one
    effect. A value that is no token of ours is ignored, like a form without one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            token = request.POST.get(ONCE_FIELD, "")
            if once.is_token(token) and not once.claim(token):
                messages.warning(request, "请勿重复提交：该表单已提交过，本次提交未执行。")
                back = local_url(request, request.META.get("HTTP_REFERER"), reverse("home"))
                response = HttpResponseRedirect(back)
                response.status_code = 303
                return response
        return self.get_response(request)


NUL_REFUSED = "提交的内容或链接中含有无效的空字符（%00），请删除后重新提交。"


def _has_nul(data):
    return any("\x00" in value for _, values in data.lists() for value in values)


class RefuseNulMiddleware:
    """SEC-06: PostgreSQL can't store or compare text holding a NUL character, so a query string
    or form field with one would end as a server error wherever it reaches the database. No page
    of ours sends one: such a request is answered 400 with the reason, before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return render(request, "errors/400.html", {"reason": NUL_REFUSED}, status=400)
        return self.get_response(request)


NOT_ALLOWED = "该页面不支持这种访问方式（例如直接打开了只用于提交表单的地址），请从页面上的按钮或链接进入。"


# Pages are read and HTML forms posted: no address of the product takes another method.
FORM_METHODS = ("GET", "HEAD", "POST")


class MethodNotAllowedPage:
    """SEC-06: Django answers a wrong method (a GET on an address that only takes a form's POST)
    with an empty 405; ours says why, in Chinese, and keeps the Allow header. A method no HTML form
    sends (DELETE, PUT, PATCH, OPTIONS …) gets that answer on every address, before any view —
    a view without its own method check would otherwise answer it with the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in FORM_METHODS:
            page = render(request, "errors/400.html", {"reason": NOT_ALLOWED}, status=405)
            page["Allow"] = ", ".join(FORM_METHODS)
            return page
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "errors/400.html", {"reason": NOT_ALLOWED}, status=405)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response


class PermissionsPolicyMiddleware:
    """SEC-08: the `Permissions-Policy` header from settings.PERMISSIONS_POLICY (feature → allowed
    origins; [] switches it off), on every response. Django has no setting for it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response


REFRESHED_AT = "session_refreshed_at"  # session key: when the session's expiry was last pushed back


class SessionRefreshMiddleware:
    """SEC-02: a session ends SESSION_COOKIE_AGE after its last use. Django renews it by saving
    the session on every request (SESSION_SAVE_EVERY_REQUEST): an UPDATE of its row on every page
    view, most of them pushing the expiry back by a few seconds. Here a session not otherwise
    changed is saved once its last renewal is SESSION_REFRESH_SECONDS old: the expiry is then
    exact to within that time (two idle hours, give or take a minute), and a user's pages within
    the minute write nothing. Sits just after SessionMiddleware, which saves what it marks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now, every = time.time(), settings.ZHTJ["SESSION_REFRESH_SECONDS"]
            # saved anyway (changed), or due: stamped, which marks it modified for SessionMiddleware
            if session.modified or not now - every < session.get(REFRESHED_AT, 0) <= now:
                session[REFRESHED_AT] = now
        return response
