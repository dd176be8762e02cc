"""No page answers bad input with a server error (SEC-06, SEC-05, SEC-04; the fixes it led to:
ARC-01, BEY-06, INC-14).

SEC-06: bad input of any kind (forms, files, URLs, query strings) gets a clear Chinese message and a
4xx, never a 500. The targeted tests (test_malformed_ids.py, test_nul_characters.py …) prove it
for the inputs someone thought of; this module is the safety net under them. On the demo tree
(`manage.py seed_demo`) it logs in as each role and crawls every URL pattern of the project, the
way a careless or hostile user would:

- every path argument as a real id found in the role's own pages, as 1 and as 2147483647;
- every page fetched plain, with junk query parameters (and the parameters of the page's own
  filter forms set to junk), and with a NUL character;
- every address posted to empty, with each form field the pages render for it set to junk
  (all fields at once, and one at a time with the rest as the page filled them), and with junk
  files (empty, random bytes named .xlsx / .pdf) in its file fields (SEC-05).

Any exception or 5xx answer is collected (method, URL, role, payload, the raising line) and
reported together at the end. Each request runs in a savepoint that is rolled back, so every
request sees the same demo data and a PostgreSQL error in one can't poison the next (SEC-04's
"nothing half-written" is the targeted tests' job; here a write that gets through is undone).
The Django admin (ops/admin/, Django's own forms) and logout are left out. Each role names forms
the crawl must have reached and filled in, so a change that hides them (a renamed demo org, a
page that stops linking) fails here instead of quietly shrinking the net.
"""

import os
import random
import re
import traceback
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.test import override_settings
from django.urls import Resolver404, path, resolve
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from members.models import CadrePost, Person
from orgs.models import Organization
from tests.core.test_access_policies import _PARAM, Endpoint, sample_url, walk
from zhtj import urls as zhtj_urls
from zhtj.core.access import MEMBER, access
from zhtj.core.middleware import ONCE_FIELD, SESSION_KEY

MAX_INT = 2147483647
SKIPPED = {"logout"}  # would end the session the crawl runs in
NAV_FORMS = {"switch_org", "logout"}  # on every page

# Values a form field should never expect: far too long, a spreadsheet formula, out-of-range and
# malformed numbers and dates, a float that overflows, emoji, ids in full-width or overflowing
# digits. Any of them may reach int(), date parsing, a varchar or an integer column.
JUNK = [
    "长" * 5000,
    "=cmd|' /C calc'!A0",
    "-1",
    "abc",
    "2026-13-45",
    "1e400",
    "🎉👍🏽",
    "9" * 30,
    "１２",
]
JUNK_QUERY = {
    "page": "abc",
    "q": "长" * 300,
    "status": "zzz",
    "org": "-1",
    "year": "99999",
    "month": "13",
    "sort": ";drop",
    "kind": "9" * 30,
    "id": "１２",
    "date": "2026-13-45",
}
# For a POST-only address no page showed a form for: the names such forms use.
GENERIC_FIELDS = ["pk", "id", "ids", "person", "persons", "org", "record", "action", "decision", "reason", "status"]


def _junk_files(name):
    noise = random.Random(name).randbytes(2048)
    return [
        SimpleUploadedFile("空.xlsx", b""),
        SimpleUploadedFile("随机.xlsx", noise),
        SimpleUploadedFile("随机.pdf", noise),
        SimpleUploadedFile("伪装.pdf", b"%PDF-1.7\n" + noise),
    ]


# --- the roles -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    admin_of: str | None = None  # the org (by name) whose admin logs in and acts for it
    acting: str | None = None  # another org the same person acts for (after 切换组织)
    member_of: str | None = None  # a plain member of this branch (no posts)
    ops: bool = False
    thorough: bool = True  # every junk value into every field; else a lighter pass (runtime)
    reaches: tuple = ()  # routes whose forms the crawl must find in this role's pages


# Every junk value into every field for the roles whose forms are the most varied; the others
# (the same views over other scopes and data) get the lighter pass, to keep the module quick.
# The demo's 多岗 counsellor administers a college and its grade 总支 and acts as each in turn.
COUNSELLOR = "计算机科学与技术学院团委"
ROLES = [
    Role(
        "central",
        "团中央管理员",
        admin_of="团中央",
        thorough=False,
        reaches=(
            "orgs/info/edit/",
            "orgs/create/batch/",
            "members/enter/cadre/",
            "members/<int:pk>/edit/",
            "orgs/notices/new/",
            "orgs/lectures/new/",
            "orgs/lectures/<int:pk>/edit/",
            "orgs/lectures/<int:pk>/withdraw/",
        ),
    ),
    # approves the e-archives of the grade's classes
    Role(
        "college",
        "学院团委管理员",
        admin_of=COUNSELLOR,
        acting=COUNSELLOR,
        thorough=False,
        reaches=("members/archives/<int:pk>/review/", "members/cadres/<int:pk>/remove/", "orgs/notices/new/"),
    ),
    # the direct superior of the classes in 整理整顿, with incentives waiting for it
    Role(
        "grade",
        "年级团总支管理员",
        admin_of=COUNSELLOR,
        acting="2023级团总支",
        reaches=(
            "rectification/review/<int:pk>/",
            "rectification/correct/<int:pk>/",
            "incentives/certify/<int:pk>/approve/",
            "incentives/certify/batch/",
            "members/archives/person/<int:person_pk>/upload/",
            "members/import/<str:kind>/",
        ),
    ),
    Role(
        "branch",
        "团支部管理员",
        admin_of="计算机专业2023级1班团支部",
        reaches=(
            "orgs/life/meetings/new/",
            "orgs/life/registrations/<int:pk>/",
            "members/enter/",
            "incentives/evaluation/record/",
            "incentives/records/<int:pk>/delete/",
            "members/join/approvals/<int:pk>/",
            "members/join/b/<str:token>/",
            "members/join/status/",
        ),
    ),
    # a transfer waits for it at the sending side
    Role(
        "sending",
        "转出团支部管理员",
        admin_of="石油工程专业2022级1班团支部",
        thorough=False,
        reaches=("transfers/<int:pk>/", "rectification/self-check/fill/"),
    ),
    Role("member", "团员", member_of="计算机专业2023级1班团支部", reaches=("orgs/me/registration/", "transfers/my/")),
    Role("ops", "运维人员", ops=True, thorough=False, reaches=("password/change/",)),
]


def _person_for(role):
    if role.ops:
        return Person.objects.filter(is_superuser=True).first()
    if role.member_of:
        no_post = ~Exists(CadrePost.objects.filter(person=OuterRef("pk")))
        return Person.objects.filter(no_post, branch__name=role.member_of).order_by("pk").first()
    return CadrePost.objects.admins().filter(org__name=role.admin_of).order_by("pk").first().person


# --- reading pages ------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    ident: str | None
    fields: dict = field(default_factory=dict)  # name -> the value the page filled in
    files: set = field(default_factory=set)


class PageReader(HTMLParser):
    """The links (href, action, hx-get …) and forms of a page, with each field's first value as a
    browser would send it (a select's first real option, the first of a radio group)."""

    def __init__(self):
        super().__init__()
        self.links = set()
        self.forms = []
        self.by_id = {}
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        for key in ("href", "action", "hx-get", "hx-post"):
            if a.get(key):
                self.links.add(a[key])
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower(), a.get("id"))
            self.forms.append(self._form)
            if self._form.ident:
                self.by_id[self._form.ident] = self._form
            return
        form = self.by_id.get(a["form"]) if a.get("form") else self._form
        name = a.get("name")
        if form is None or not name or tag not in ("input", "select", "textarea", "button", "option"):
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        if tag == "select":
            self._select = (form, name)
            form.fields.setdefault(name, None)
        elif tag == "input" and a.get("type") == "file":
            form.files.add(name)
        else:
            form.fields.setdefault(name, a.get("value", ""))

    def _option(self, a):
        form, name = self._select
        if form.fields.get(name) in (None, "") and a.get("value"):
            form.fields[name] = a["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


# --- the crawl ------------------------------------------------------------------------------------


class _Rollback(Exception):
    def __init__(self, response):
        self.response = response


@dataclass
class Target:
    """What the crawl knows of one endpoint for one role."""

    endpoint: Endpoint
    urls: dict = field(default_factory=dict)  # concrete paths seen in the role's pages, in order
    post_forms: dict = field(default_factory=dict)  # forms posting here: their names -> (fields, files)
    query_names: set = field(default_factory=set)  # fields of GET forms (filters) aimed here
    tried: list = field(default_factory=list)  # the concrete URLs crawled


class Crawl:
    def __init__(self, client, role, endpoints):
        self.client = client
        self.role = role
        self.targets = {e.route: Target(e) for e in endpoints}
        self.by_callback = defaultdict(list)
        for e in endpoints:
            self.by_callback[e.callback].append(e.route)
        self.failures = []
        self.requests = 0
        self.status = {}  # url -> the status of its plain GET
        self.forms_on = defaultdict(int)  # url -> the POST forms its page shows (the nav's aside)

    # one request, rolled back, its failure noted
    def send(self, method, url, data=None, note=""):
        self.requests += 1
        try:
            with transaction.atomic():
                response = getattr(self.client, method)(url, data or {})
                if response.streaming:  # an export reads the database while it streams
                    response.body = b"".join(response.streaming_content)
                else:
                    response.body = response.content
                raise _Rollback(response)
        except _Rollback as done:
            response = done.response
        except Exception as exc:  # noqa: BLE001 -- every exception is the finding
            self.failures.append((method.upper(), url, self.role.label, note, _where(exc)))
            return None
        if response.status_code >= 500:
            self.failures.append((method.upper(), url, self.role.label, note, f"HTTP {response.status_code}"))
        return response

    # what a page shows: links to other endpoints, forms posting to them
    def read(self, url, response):
        if response is None or "text/html" not in response.get("Content-Type", ""):
            return
        reader = PageReader()
        reader.feed(response.body.decode("utf-8", "replace"))
        for link in reader.links:
            self._note_url(urljoin(url, link))
        for form in reader.forms:
            target = self._note_url(urljoin(url, form.action) if form.action else url)
            if target is None:
                continue
            if form.method == "post":
                self.forms_on[url] += target.endpoint.name not in NAV_FORMS
                fields = {k: v or "" for k, v in form.fields.items() if k not in ("csrfmiddlewaretoken", ONCE_FIELD)}
                key = (tuple(sorted(fields)), frozenset(form.files))
                target.post_forms.setdefault(key, (fields, frozenset(form.files)))
            else:
                target.query_names |= set(form.fields)

    def _note_url(self, absolute):
        parts = urlsplit(absolute)
        if parts.netloc not in ("", "testserver"):
            return None
        try:
            match = resolve(parts.path)
        except Resolver404:
            return None
        routes = self.by_callback.get(match.func)
        if not routes:
            return None
        target = self.targets[next((r for r in routes if match.route == r), routes[0])]
        if match.args or match.kwargs:
            target.urls[parts.path] = None
        return target

    # the three kinds of request, per concrete URL
    def fetch(self, url):
        response = self.send("get", url, note="GET")
        self.status[url] = response.status_code if response is not None else None
        self.read(url, response)

    def junk_queries(self, target, url, thorough):
        query = dict(JUNK_QUERY, **{name: JUNK[i % len(JUNK)] for i, name in enumerate(sorted(target.query_names))})
        self.send("get", url, query, note="GET junk query")
        if thorough:
            overflow = dict.fromkeys([*JUNK_QUERY, *target.query_names], "9" * 30)
            self.send("get", url, overflow, note="GET overflowing query")
            self.send("get", url, {"q": "a\x00b"}, note="GET NUL")

    def posts(self, target, url, first, thorough):
        """Junk posted to `url`: everything on the endpoint's `first` URL (a real id when one was
        found), one overflowing post on the others (ids 1 and 2147483647), and a lighter set for
        a `thorough=False` role."""
        empty = self.send("post", url, note="POST empty")
        if empty is not None and (empty.status_code == 405 or (not first and empty.status_code == 404)):
            return  # refused by require_POST/GET, or no such object: no field is read
        if not target.post_forms:
            # no page showed a form for it (a list page, or a form outside the role's pages):
            # the usual names, each with another kind of junk
            junk = {name: JUNK[(i + 5) % len(JUNK)] for i, name in enumerate(GENERIC_FIELDS)}
            if first:
                self._post(url, junk, "usual names = junk")
            return
        forms = list(target.post_forms.values())
        if not first:
            self._post(url, dict.fromkeys(forms[0][0], "9" * 30), "all fields = '999…'")
            return
        for fields, files in forms:
            for junk in JUNK if thorough else (JUNK[0], "9" * 30):
                self._post(url, dict.fromkeys(fields, junk), f"all fields = {junk[:12]!r}")
            if thorough:
                # the rest of the form as the page filled it, so the junk gets past the other
                # fields' checks to the form's clean(), the service and the database
                for i, name in enumerate(sorted(fields)):
                    for junk in (JUNK[0], JUNK[1 + i % (len(JUNK) - 1)]):
                        self._post(url, {**fields, name: junk}, f"{name} = {junk[:12]!r}, rest as shown")
            for name in files:
                for upload in _junk_files(name):
                    self._post(url, {**fields, name: upload}, f"{name} = file {upload.name} ({upload.size} B)")

    def _post(self, url, data, note):
        self.send("post", url, {**data, ONCE_FIELD: uuid.uuid4().hex}, note=note)


def _where(exc):
    """The exception and the project line that raised it (the deepest frame outside installed
    packages: the view, form or service at fault, not Django's template engine)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [fr for fr in frames if "site-packages" not in fr.filename]
    spot = ours[-1] if ours else frames[-1]
    where = f"{os.path.relpath(spot.filename)}:{spot.lineno} in {spot.name}"
    message = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {message} @ {where}"


def _fill(endpoint, value):
    """The endpoint's URL with every int argument `value` (other arguments as sample_url)."""
    url = sample_url(endpoint)
    if url is None or not any(isinstance(c, IntConverter) for p in endpoint.chain for c in _converters(p)):
        return None
    parts = []
    for p in endpoint.chain:

        def put(match, converters=p.pattern.converters):
            return str(value) if isinstance(converters[match["name"]], IntConverter) else "x"

        parts.append(_PARAM.sub(put, str(p.pattern)))
    return "/" + "".join(parts)


def _converters(pattern):
    return pattern.pattern.converters.values() if isinstance(pattern.pattern, RoutePattern) else ()


def crawl(client, role, endpoints, thorough=True):
    """Crawl every endpoint as `role` (logged in on `client`); returns the Crawl with its failures.
    `thorough=False` posts two kinds of junk per form instead of all of them, field by field."""
    c = Crawl(client, role, endpoints)
    seen_as = client.get("/").wsgi_request  # the user and acting org the policies will see
    plain = [e for e in endpoints if "<" not in e.route]
    # 1. the argument-free pages: they link to the objects of the role's scope
    for e in plain:
        c.fetch(sample_url(e))
    # 2. every endpoint with arguments: ids found in the pages (several, as an item in one state or
    # of another org may show a form another doesn't: a 公开团课 of the province on 团中央's list has
    # no 编辑), 1 and the largest int. Repeated while
    # a pass finds ids it hadn't (an edit link on a detail page fetched after the edit route), so
    # what is reached never depends on an object having pk 1.
    fetched, grew = set(), True
    while grew:
        grew = False
        for e in endpoints:
            if e in plain:
                continue
            t = c.targets[e.route]
            found = _spread(list(t.urls), 3 if thorough else 2)
            t.tried = list(dict.fromkeys(u for u in [*found, _fill(e, 1), _fill(e, MAX_INT), sample_url(e)] if u))
            for url in t.tried:
                if url not in fetched:
                    fetched.add(url)
                    grew = grew or url in found
                    c.fetch(url)
            # the deep fuzz goes to the found page that shows the most forms
            found.sort(key=lambda url: -c.forms_on[url])
            t.tried = list(dict.fromkeys([*found, *t.tried]))
    # 3. junk in the query string and in posts, with every form the pages showed
    for e in endpoints:
        t = c.targets[e.route]
        urls = [sample_url(e)] if e in plain else t.tried
        if _denied(e, seen_as):
            # the policy answers 403 before the view reads anything: one junk query, one post
            c.send("get", urls[0], JUNK_QUERY, note="GET junk query")
            c.send("post", urls[0], note="POST empty")
            continue
        c.junk_queries(t, urls[0], thorough)
        for i, url in enumerate(urls):
            if i and c.status.get(url) == 404:
                continue  # 1 or 2147483647 is no object of the role's: the view stops there
            c.posts(t, url, first=i == 0, thorough=thorough)
    return c


def _spread(items, n):
    """At most `n` of `items`, from its start, end and middle (not n neighbours in a list)."""
    if len(items) <= n or n == 1:
        return items[:n]
    return [items[i * (len(items) - 1) // (n - 1)] for i in range(n)]


def _denied(endpoint, request):
    try:
        endpoint.policy.check(request)
    except PermissionDenied:
        return True
    return False


@pytest.fixture
def demo(db, fast_hasher, settings):
    # The public registration pages throttle posts per address (REG-01, tested at its edge in
    # tests/members/test_self_registration.py); the crawl posts hundreds from one, and each must
    # reach the form's checks rather than the 429.
    settings.ZHTJ = {**settings.ZHTJ, "REG_IP_LIMIT": 1_000_000}
    call_command("seed_demo", stdout=StringIO())
    Person.objects.update(must_change_password=False)  # the demo's first login would be sent there


def _endpoints():
    return [e for e in walk() if not e.exempt and e.name not in SKIPPED]


def _login(client, role):
    person = _person_for(role)
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    if role.acting:
        session = client.session
        session[SESSION_KEY] = Organization.objects.get(name=role.acting).pk
        session.save()
    return person


def _report(failures):
    lines = [f"{len(failures)} request(s) answered with a server error:"]
    for method, url, role, note, where in failures:
        lines.append(f"  {method} {url} [{role}] {note}\n      → {where}")
    return "\n".join(lines)


@pytest.mark.parametrize("role", ROLES, ids=[r.key for r in ROLES])
def test_no_server_error_on_bad_input(client, demo, role):
    """SEC-06 / SEC-05: as each role, no URL of the project answers any of the bad input above
    with an exception or a 5xx."""
    person = _login(client, role)
    home = client.get("/")
    # the crawl runs as the role itself, not behind a forced password change or the ORG-14 gate
    assert home.status_code == 200, (role.label, home.status_code, home.get("Location"))
    if role.acting:
        assert home.wsgi_request.acting_org.name == role.acting
    c = crawl(client, role, _endpoints(), thorough=role.thorough)
    # the crawl reached the role's forms: it is not a sweep of 403s and 404s
    filled = {route for route, t in c.targets.items() if t.post_forms}
    assert person is not None and set(role.reaches) <= filled, sorted(set(role.reaches) - filled)
    # still the role at the end: no request dropped the session and left the rest to the login page
    assert client.get("/").wsgi_request.user.pk == person.pk
    if c.failures:
        pytest.fail(_report(c.failures), pytrace=False)


# --- the crawl is not vacuous ------------------------------------------------------------------


@access(MEMBER)
def _broken(request, pk):
    if request.method == "POST" and len(request.POST.get("title", "")) > 100:
        raise ValueError("a title too long for its column")
    return HttpResponse(f'<form method="post" action="/broken/{pk}/"><input name="title"></form>')


@access(MEMBER)
def _index(request):
    return HttpResponse('<a href="/broken/7/">看看</a>')


class BrokenUrls:
    """The project's URLs, plus a page that links to a form whose view fails on a long title."""

    urlpatterns = [path("broken/", _index), path("broken/<int:pk>/", _broken), *zhtj_urls.urlpatterns]


@override_settings(ROOT_URLCONF=BrokenUrls)
def test_crawl_catches_a_view_that_raises(client, demo):
    """SEC-06: a view that fails only on an over-long field of a form it shows is found: the link
    on the index page gives the id, the page gives the field, the crawl posts junk into it."""
    role = ROLES[-2]
    _login(client, role)
    c = crawl(client, role, [e for e in walk() if e.route.startswith("broken/")])
    assert c.targets["broken/<int:pk>/"].tried == ["/broken/7/", "/broken/1/", "/broken/2147483647/"]
    assert {(m, u) for m, u, *_ in c.failures} == {("POST", "/broken/7/")}
    report = _report(c.failures)
    assert "title = '长长长" in report and "ValueError: a title too long" in report
    assert re.search(r"test_no_server_errors\.py:\d+ in _broken", report)
