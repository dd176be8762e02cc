"""SEC-03 across the whole product: ID and mobile numbers are masked everywhere but on the detail
pages of the person, shown to the person and to their entitled admins.

On the demo tree (`manage.py seed_demo`) the crawl logs in as each role of test_no_server_errors
and GETs every page it can reach — every argument-free URL, then every URL the pages link to
(lists, pickers and htmx fragments, exports), following links until nothing new shows up — and
reads every answer (HTML, JSON, text, the cells of an .xlsx export). Any whole 18-character ID
number or 11-digit mobile number of someone in the database is a leak, unless the page is one of
DETAIL_PAGES and the number is that page's person's (the personal center's pages: the viewer's).
"""

import re
from collections import Counter
from io import BytesIO
from urllib.parse import urlencode

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, resolve

from members.models import Person
from members.models_registration import SelfRegistration
from orgs.models import Organization
from tests.core.test_access_policies import walk
from tests.core.test_no_server_errors import ROLES, Crawl, _endpoints, _login, demo  # noqa: F401 -- a fixture
from zhtj import urls as zhtj_urls
from zhtj.core.access import ORG_ADMIN, access

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
MASKED = re.compile(r"\d{4}\*{10}[\dX]{4}")  # zhtj.core.idnumber.mask of an ID number
PER_ROUTE = 4  # concrete URLs fetched per route with arguments (ids of different objects)


def _person_numbers(pk):
    return set(Person.objects.filter(pk=pk).values_list("id_number", "mobile").first() or ())


def _archive_person(pk):
    from members.models import MemberArchive

    return _person_numbers(MemberArchive.objects.filter(pk=pk).values_list("person_id", flat=True).first())


def _change_person(pk):
    from members.models import ArchiveChangeRequest

    return _person_numbers(
        ArchiveChangeRequest.objects.filter(pk=pk).values_list("archive__person_id", flat=True).first()
    )


def _application(pk):
    registration = SelfRegistration.objects.filter(pk=pk).first()
    return {registration.id_number, registration.values.get("mobile")} if registration else set()


def _secretary(org):
    """ORG-07: an org's 书记 (name, ID and mobile) is part of the org's own record, shown whole on its
    detail page and in its edit form to the admins whose scope holds the org."""
    return {org.secretary_id_number, org.secretary_mobile} if org else set()


# URL name → the numbers the page may show whole: those of the page's person (the viewer's own on
# the personal center's pages), from the URL's arguments and the request.
DETAIL_PAGES = {
    "members:detail": lambda kw, request: _person_numbers(kw["pk"]),
    "members:edit": lambda kw, request: _person_numbers(kw["pk"]),
    "members:archive_person": lambda kw, request: _person_numbers(kw["person_pk"]),
    "members:archive_review": lambda kw, request: _archive_person(kw["pk"]),
    "members:archive_change_review": lambda kw, request: _change_person(kw["pk"]),
    "members:join_approval": lambda kw, request: _application(kw["pk"]),
    "members:me": lambda kw, request: _person_numbers(request.user.pk),
    "members:my_archive": lambda kw, request: _person_numbers(request.user.pk),
    "orgs:detail": lambda kw, request: _secretary(Organization.objects.filter(pk=kw["pk"]).first()),
    "orgs:info_edit": lambda kw, request: _secretary(request.acting_org),
}


def owners():
    """Every whole number stored in the database → who it is (a person's pk, or a label)."""
    known = {}
    for pk, id_number, mobile in Person.objects.values_list("pk", "id_number", "mobile"):
        known[id_number] = known[mobile] = pk
    for name, id_number, mobile in Organization.objects.values_list("name", "secretary_id_number", "secretary_mobile"):
        known.setdefault(id_number, f"{name}书记")
        known.setdefault(mobile, f"{name}书记")
    for pk, id_number, values in SelfRegistration.objects.values_list("pk", "id_number", "values"):
        known.setdefault(id_number, f"注册申请{pk}")
        known.setdefault(values.get("mobile"), f"注册申请{pk}")
    known.pop("", None)
    known.pop(None, None)
    return known


def text_of(response):
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(BytesIO(response.body), read_only=True)
        return "\n".join(
            str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row if value
        )
    if kind.startswith(("text/", "application/json")):
        return response.body.decode("utf-8", "replace")
    return ""  # PDFs and other files are the uploads themselves


class MaskCrawl(Crawl):
    """Crawl's GETs and page reading, with every answer read for whole numbers."""

    def __init__(self, client, role, endpoints, known):
        super().__init__(client, role, endpoints)
        self.known = known
        self.leaks, self.pages, self.masked = [], 0, 0

    def fetch(self, url):
        response = self.send("get", url, note="GET")
        self.status[url] = response.status_code if response is not None else None
        if response is not None and response.status_code == 200:
            self.pages += 1
            self.scan(url, response)
        self.read(url, response)

    def scan(self, url, response):
        text = text_of(response)
        if not text:
            return
        self.masked += len(MASKED.findall(text))
        match = resolve(url.split("?")[0])
        detail = DETAIL_PAGES.get(match.view_name)
        whole = detail(match.kwargs, response.wsgi_request) if detail else set()
        # what the user typed is shown back in its search box: they know it already
        whole |= {v for values in response.wsgi_request.GET.lists() for v in values[1]}
        for pattern in (ID_NUMBER, MOBILE):
            for number in set(pattern.findall(text)):
                owner = self.known.get(number)
                if owner is None or number in whole:
                    continue
                self.leaks.append((self.role.label, url, number, owner))


def typed_queries():
    """What a user types into a search box or picker: the commonest surname, the commonest first
    digits of ID and mobile numbers (a prefix matches many people) and one whole ID number."""
    people = list(Person.objects.exclude(id_number="").values_list("name", "id_number", "mobile"))

    def commonest(values):
        return Counter(v for v in values if v).most_common(1)[0][0]

    return [
        commonest(name[:1] for name, _, _ in people),
        commonest(id_number[:6] for _, id_number, _ in people),
        people[0][1],
        commonest(mobile[:3] for _, _, mobile in people),
    ]


def search(c):
    """Every GET form's fields (filters, searches, pickers) typed into, one field at a time, on the
    first URL the crawl knows for the form's target: the answers list the people found."""
    queries = typed_queries()
    for t in c.targets.values():
        if not t.query_names:
            continue
        url = next(iter(t.urls), None) if "<" in t.endpoint.route else "/" + t.endpoint.route
        for name in sorted(t.query_names):
            for value in queries:
                c.fetch(f"{url}?{urlencode({name: value})}")


def crawl_for_numbers(client, role):
    c = MaskCrawl(client, role, _endpoints(), owners())
    fetched = set()
    for e in c.targets.values():
        if "<" not in e.endpoint.route:
            url = "/" + e.endpoint.route
            fetched.add(url)
            c.fetch(url)
    # follow what the pages link to until nothing new shows up
    while True:
        todo = [
            url
            for t in c.targets.values()
            for url in list(t.urls)[:PER_ROUTE]
            if url not in fetched and "<" in t.endpoint.route
        ]
        if not todo:
            search(c)
            return c
        for url in todo:
            fetched.add(url)
            c.fetch(url)


@pytest.mark.parametrize("role", ROLES, ids=[r.key for r in ROLES])
def test_no_whole_number_outside_its_detail_pages(client, demo, role):  # noqa: F811 -- the fixture
    """SEC-03: as each role, no page, list, picker or export shows a whole ID or mobile number,
    but the detail pages of the person whose number it is."""
    _login(client, role)
    c = crawl_for_numbers(client, role)
    # the crawl saw the role's pages, not a sweep of 403s; an admin's lists show people, masked
    assert c.pages > 10, c.pages
    assert c.masked > 0 or not role.admin_of, role.label
    assert not c.leaks, "\n".join(f"[{r}] {url}: {number} ({owner})" for r, url, number, owner in c.leaks)


# --- the crawl is not vacuous ------------------------------------------------------------------


@access(ORG_ADMIN)
def _roster(request):
    people = Person.objects.filter(branch=request.acting_org)
    return HttpResponse("".join(f'<a href="/members/{p.pk}/">{p.name}</a> {p.id_number}' for p in people))


@access(ORG_ADMIN)
def _index(request):
    return HttpResponse('<a href="/roster/">名单</a><form action="/picker/"><input name="q"></form>')


@access(ORG_ADMIN)
def _picker(request):
    """A picker that shows whole ID numbers only for what is typed into it."""
    q = request.GET.get("q", "")
    people = Person.objects.filter(branch=request.acting_org, id_number__startswith=q) if q else []
    return HttpResponse("".join(f"{p.name} {p.id_number}" for p in people))


class LeakyUrls:
    """The project's URLs, plus a page linked from an index that lists whole ID numbers."""

    urlpatterns = [path("index/", _index), path("roster/", _roster), path("picker/", _picker), *zhtj_urls.urlpatterns]


@override_settings(ROOT_URLCONF=LeakyUrls)
def test_crawl_catches_a_list_with_whole_numbers(client, demo):  # noqa: F811 -- the fixture
    """SEC-03: a list two links away that shows whole ID numbers is found; the people's own detail
    pages it links to (members:detail) show theirs whole and are not."""
    role = next(r for r in ROLES if r.key == "branch")
    _login(client, role)
    c = MaskCrawl(client, role, [e for e in walk() if e.route in ("index/", "roster/", "members/<int:pk>/")], owners())
    c.fetch("/index/")
    c.fetch("/roster/")
    for url in list(c.targets["members/<int:pk>/"].urls):
        c.fetch(url)
    people = Person.objects.filter(branch=c.client.get("/").wsgi_request.acting_org)
    assert people.count() >= 3
    assert {(url, number) for _, url, number, _ in c.leaks} == {("/roster/", p.id_number) for p in people}


@override_settings(ROOT_URLCONF=LeakyUrls)
def test_crawl_types_into_pickers(client, demo):  # noqa: F811 -- the fixture
    """SEC-03: a picker that leaks only for a typed query (nothing links to its results) is found by
    the crawl's searches: the prefix of ID numbers typed into its box lists whole numbers."""
    role = next(r for r in ROLES if r.key == "branch")
    _login(client, role)
    c = MaskCrawl(client, role, [e for e in walk() if e.route in ("index/", "picker/")], owners())
    c.fetch("/index/")
    c.fetch("/picker/")
    assert not c.leaks  # nothing typed, nothing shown
    search(c)
    assert c.leaks and all(url.startswith("/picker/?q=") for _, url, _, _ in c.leaks)
