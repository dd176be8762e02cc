"""`manage.py benchmark --crawl` (issue 17): every page a role reaches from its menu, at national size.

Logged in as the first admin of 团中央, the largest province, its largest city, a university 团委, a
团总支, a 团支部, and as a plain member, it opens every entry of the left menu, every tab of those
pages (links to the same address with other query parameters, inside a nav), page 2 of every list
(the pager's 下一页) and the first detail page linked from each list's table; each `repeat` times
after a warm-up (once when the warm-up took over SLOW_SECONDS). Per page: median time, HTML size, SQL queries (one extra run). Targets: 300 ms,
500 KB. Pages go through the Django test client with every middleware, like the rest of the
benchmark; downloads (non-HTML answers) are timed to their first byte.
"""

import statistics
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from members.models import CadrePost, Person
from orgs.choices import LeadershipLevel, OrgCategory
from orgs.models import Organization
from zhtj.core.middleware import SESSION_KEY

START = "<!-- benchmark_crawl:start -->"
END = "<!-- benchmark_crawl:end -->"
TARGET_MS = 300
TARGET_KB = 500
SLOW_SECONDS = 2  # a warm-up slower than this: one timed run instead of `repeat`


@dataclass
class Visit:
    role: str
    key: str  # what the page is, the same at any data size ("菜单 团员列表", "第2页 团员列表" …)
    url: str
    ms: float = 0.0
    kb: float = 0.0
    queries: int = 0
    status: int = 200

    @property
    def meets(self):
        return self.status == 200 and self.ms <= TARGET_MS and self.kb <= TARGET_KB


class Links(HTMLParser):
    """The menu's links, the tabs (links inside a nav list), 下一页, and the first link of a table body."""

    def __init__(self):
        super().__init__()
        self.menu, self.tabs, self.next, self.details = [], [], None, []
        self._in_menu = self._in_tabs = self._in_tbody = 0

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "nav" and a.get("id") == "left-menu":
            self._in_menu = 1
        if tag == "ul" and ("nav-tabs" in a.get("class", "") or "nav-pills" in a.get("class", "")):
            self._in_tabs = 1
        if tag == "tbody":
            self._in_tbody = 1
        if tag != "a" or not a.get("href") or a.get("target") == "_blank":
            return
        href = a["href"]
        if self._in_menu:
            self.menu.append((href, a.get("title", "")))
        elif self._in_tabs:
            self.tabs.append(href)
        elif a.get("rel") == "next":
            self.next = href
        elif self._in_tbody:
            self.details.append(href)

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_menu = 0
        elif tag == "ul":
            self._in_tabs = 0
        elif tag == "tbody":
            self._in_tbody = 0


class MenuText(HTMLParser):
    """The label of each menu link (its text)."""

    def __init__(self):
        super().__init__()
        self.labels, self._href, self._in = {}, None, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and a.get("id") == "left-menu":
            self._in = 1
        if self._in and tag == "a":
            self._href = a.get("href")

    def handle_data(self, data):
        if self._href and data.strip():
            self.labels.setdefault(self._href, data.strip())

    def handle_endtag(self, tag):
        if tag == "a":
            self._href = None
        if tag == "nav":
            self._in = 0


def roles(only=None):
    """(label, person, acting org or None) for the seven roles, found in the data (`only`: those labels)."""
    o = Organization.objects
    central = o.filter(parent__isnull=True).order_by("tree_id", "pk").first()

    def largest(orgs):
        return orgs.annotate(n=Count("children")).order_by("-n", "pk").first()

    province = (
        largest(
            o.filter(
                parent=central,
                leadership_level=LeadershipLevel.PROVINCE,
                children__leadership_level=LeadershipLevel.CITY,
            )
        )
        or largest(o.filter(parent=central, leadership_level=LeadershipLevel.PROVINCE))
        or central
    )
    city = largest(o.filter(parent=province, leadership_level=LeadershipLevel.CITY)) or province
    from members import cadres as cadre_rules

    university = (
        o.subtree_of(province).filter(cadre_rules.UNIVERSITY_Q).order_by("lft").first()
        or o.filter(cadre_rules.UNIVERSITY_Q).order_by("tree_id", "lft").first()
    )
    with_branches = o.filter(children__category=OrgCategory.BRANCH, children__members__isnull=False)
    general = (
        with_branches.filter(
            category=OrgCategory.GENERAL_BRANCH, pk__in=o.subtree_of(university or province).values("pk")
        )
        .order_by("lft")
        .first()
        or with_branches.filter(category=OrgCategory.GENERAL_BRANCH).order_by("tree_id", "lft").first()
    )
    branch = None
    for scope in (general, university, province, central):
        if scope is not None and branch is None:
            branch = (
                o.subtree_of(scope).filter(category=OrgCategory.BRANCH, members__isnull=False).order_by("lft").first()
            )
    found = []
    for label, org in (
        ("团中央", central),
        ("省级团委", province),
        ("市级团委", city),
        ("高校团委", university),
        ("团总支", general),
        ("团支部", branch),
    ):
        if org is None:
            continue
        post = CadrePost.objects.admins().filter(org=org).order_by("admin_slot", "pk").first()
        if post is not None:
            found.append((label, post.person, org))
    if branch is not None:
        no_post = ~Exists(CadrePost.objects.filter(person=OuterRef("pk")))
        member = Person.objects.filter(no_post, branch=branch).order_by("pk").first()
        if member is not None:
            found.append(("团员", member, None))
    return [r for r in found if not only or r[0] in only]


class Crawl:
    def __init__(self, repeat=5, log=print, only=None, pages=None):
        self.only = only
        self.pages = pages  # menu labels containing one of these words (None: every entry)
        self.repeat = repeat
        self.log = log
        self.visits = []
        self.clients = {}  # role → its logged-in client

    def run(self):
        for label, person, org in roles(self.only):
            self.crawl_role(label, person, org)
        return self.visits

    def login(self, person, org):
        client = Client()
        Person.objects.filter(pk=person.pk, must_change_password=True).update(must_change_password=False)
        client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[SESSION_KEY] = org.pk if org is not None else 0
        session.save()
        return client

    def measure(self, client, role, key, url):
        def get():
            response = client.get(url)
            body = (
                next(iter(response.streaming_content), b"")
                if response.streaming
                else response.content  # a download: its first chunk
            )
            return response, body

        first = client.get(url)
        if first.status_code in (301, 302) and first.get("Location", "").startswith("/"):
            url = first["Location"]  # 本组织信息 → the org's page: measure where it lands
        start = time.perf_counter()
        response, body = get()  # warm-up
        # a page far over its target is timed once more, not `repeat` times (the crawl must finish)
        runs = self.repeat if time.perf_counter() - start < SLOW_SECONDS else 1
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response, body = get()
            times.append(time.perf_counter() - start)
        with CaptureQueriesContext(connection) as queries:
            get()
        visit = Visit(
            role,
            key,
            url,
            ms=round(statistics.median(times) * 1000, 1),
            kb=round(len(body) / 1024, 1),
            queries=len(queries.captured_queries),
            status=response.status_code,
        )
        self.visits.append(visit)
        self.log(f"  {role} {key}: {visit.ms} ms, {visit.kb} KB, {visit.queries} 次SQL")
        html = body.decode("utf-8", "replace") if "text/html" in response.get("Content-Type", "") else ""
        return visit, html

    def crawl_role(self, role, person, org):
        client = self.clients[role] = self.login(person, org)
        home = client.get("/").content.decode("utf-8", "replace")
        names = MenuText()
        names.feed(home)
        seen = set()
        for href, label in names.labels.items():
            url = urljoin("/", href)
            if url in seen or not _ours(url) or (self.pages and not any(w in label for w in self.pages)):
                continue
            seen.add(url)
            _, html = self.measure(client, role, f"菜单 {label}", url)
            links = Links()
            links.feed(html)
            pages = [(label, url, links)]
            for tab in dict.fromkeys(links.tabs):
                tab_url = urljoin(url, tab)
                if tab_url in seen or urlsplit(tab_url).path != urlsplit(url).path:
                    continue
                seen.add(tab_url)
                _, tab_html = self.measure(client, role, f"标签 {label} {urlsplit(tab_url).query}", tab_url)
                tab_links = Links()
                tab_links.feed(tab_html)
                pages.append((f"{label} {urlsplit(tab_url).query}", tab_url, tab_links))
            for name, page_url, found in pages:
                if found.next:
                    self.measure(client, role, f"第2页 {name}", urljoin(page_url, found.next))
                detail = next((d for d in found.details if _is_detail(urljoin(page_url, d))), None)
                if detail and urljoin(page_url, detail) not in seen:
                    seen.add(urljoin(page_url, detail))
                    self.measure(client, role, f"详情 {name}", urljoin(page_url, detail))


class Discovery(Crawl):
    """The crawl's pages, each opened once and not timed (the mixed load's pages, issue 17.4)."""

    def measure(self, client, role, key, url):
        response = client.get(url)
        if response.status_code in (301, 302) and response.get("Location", "").startswith("/"):
            url = response["Location"]
            response = client.get(url)
        body = b"" if response.streaming else response.content
        self.visits.append(Visit(role, key, url, status=response.status_code))
        html = body.decode("utf-8", "replace") if "text/html" in response.get("Content-Type", "") else ""
        return self.visits[-1], html

    @property
    def cookies(self):
        name = settings.SESSION_COOKIE_NAME
        return {role: f"{name}={client.cookies[name].value}" for role, client in self.clients.items()}


def _ours(url):
    try:
        resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return urlsplit(url).netloc == ""


def _is_detail(url):
    """A page of one object (an address with an argument), not a download or a file."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return bool(match.args or match.kwargs) and not any(w in match.route for w in ("download", "file", "export"))


def table(visits):
    lines = [
        "| 角色 | 页面 | 中位数 | 大小 | SQL 次数 | 达标 |",
        "| --- | --- | ---: | ---: | ---: | :---: |",
    ]
    for v in visits:
        mark = "✅" if v.meets else "❌"
        status = "" if v.status == 200 else f"（HTTP {v.status}）"
        lines.append(f"| {v.role} | {v.key}{status} | {v.ms:.0f} ms | {v.kb:.0f} KB | {v.queries} | {mark} |")
    return "\n".join(lines)


def section(visits, when, commit, repeat, data):
    misses = [v for v in visits if not v.meets]
    return "\n".join(
        [
            START,
            "## 全菜单巡检（issue 17）",
            "",
            f"测于 {when}，提交 {commit}；{data}。每页先预热一次，再取 {repeat} 次的中位数，另运行一次计 SQL 次数。"
            f"目标：每页中位数 ≤ {TARGET_MS} ms、HTML ≤ {TARGET_KB} KB。"
            f"共 {len(visits)} 页，{len(visits) - len(misses)} 页达标。",
            "",
            table(visits),
            "",
            END,
        ]
    )


def replace_section(text, new, start=START, end=END):
    if start in text and end in text:
        before, rest = text.split(start, 1)
        return before + new + rest.split(end, 1)[1]
    return text.rstrip("\n") + "\n\n" + new + "\n"


def page_size():
    return settings.ZHTJ["LIST_PAGE_SIZE"]
