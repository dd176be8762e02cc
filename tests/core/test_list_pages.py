"""No unbounded page (issue 17): every list is paginated, keeps its filters across pages and
shows its total; no page is over 500 KB.

The crawl of test_no_server_errors.py, on the demo tree with every page size set to 1, so that
every list of three rows or more runs to more than two pages: as each role, every argument-free
page and the first object page of every endpoint is fetched, and for each HTML answer

- the body is at most `MAX_PAGE_BYTES`;
- no table body holds more rows than a page (a list without paging shows them all), unless the
  table is marked `data-bounded` with the reason its rows are few by construction (a month's
  deadlines, the fixed bands of a chart) and that reason is one of `BOUNDED` below;
- every list (a table body not so marked) has its pager on the page: a page with more lists than
  pagers shows one without paging, whatever the demo holds (many of its lists hold a row or
  none, which the row count alone would pass);
- no `<select>` lists more than `MAX_OPTIONS` choices (a picker over the subtree's orgs must be a
  search, not every branch of the country);
- every pager's 下一页 link keeps the page's query parameters (the filters) and its target
  answers 200 with a pager of its own, followed once more to page 3.

**Not** every list runs to three pages: the demo (plus `crowded`'s notices) leaves some lists
(approvals nobody filed, 荣誉, 年度团籍注册 …) with a row or none; the pager check above is what
catches those unpaged.
"""

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest

from members.models import CadrePost
from orgs import notices
from orgs.models import Organization
from tests.core.test_access_policies import sample_url
from tests.core.test_no_server_errors import ROLES, Crawl, _endpoints, _login, _spread, demo  # noqa: F401 -- the fixture

PAGE = 1
MAX_PAGE_BYTES = 500 * 1024
MAX_OPTIONS = 200
# Tables whose rows are bounded by design, not by the data's size: the reason each gives.
BOUNDED = {
    "fixed": "a fixed set of rows (chart bands, months, industries, one row per kind of deadline)",
    "own": "one org's or one person's own few rows (its admins' posts)",
    "selection": "a decision taken over all rows at once (勾选排名后 20% of the direct sub-branches)",
    "latest": "the newest few rows (a LIMIT) of a list paged whole on its own page",
}


class ListReader(HTMLParser):
    """Row counts of each table body, option counts of each select, and the pagers' links."""

    def __init__(self):
        super().__init__()
        self.bodies = []  # (table id, rows, bounded reason or None)
        self.selects = []  # (name, options)
        self.pagers = 0
        self.next_links = []
        self._tables = []  # stack of (id, bounded)
        self._rows = None
        self._depth = 0  # nested tables inside a counted tbody
        self._select = None
        self._in_pager = 0

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "table":
            if self._rows is not None:
                self._depth += 1
            self._tables.append((a.get("id", "?"), a.get("data-bounded")))
        elif tag == "tbody" and self._rows is None:
            self._rows = 0
        elif tag == "tr" and self._rows is not None and not self._depth:
            self._rows += 1
        elif tag == "select":
            self._select = [a.get("name", "?"), 0]
        elif tag == "option" and self._select is not None:
            self._select[1] += 1
        elif tag == "nav" and "list-pager" in a.get("class", ""):
            self.pagers += 1
            self._in_pager = 1
        elif tag == "a" and self._in_pager and a.get("rel") == "next":
            self.next_links.append(a.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "tbody" and self._rows is not None and not self._depth:
            table, bounded = self._tables[-1] if self._tables else ("?", None)
            self.bodies.append((table, self._rows, bounded))
            self._rows = None
        elif tag == "table":
            if self._rows is not None and self._depth:
                self._depth -= 1
            if self._tables:
                self._tables.pop()
        elif tag == "select" and self._select is not None:
            self.selects.append(tuple(self._select))
            self._select = None
        elif tag == "nav":
            self._in_pager = 0


@pytest.fixture
def crowded(request):
    """Rows for lists the demo leaves short: three notices from 团中央 to everyone, so every role's
    通知公告 and 团中央's 已发布通知 run to three pages."""
    request.getfixturevalue("demo")
    central = Organization.objects.get(parent__isnull=True)
    admin = CadrePost.objects.admins().filter(org=central).order_by("admin_slot").first().person
    for i in range(3):
        notices.publish(central, by=admin, title=f"分页巡检通知{i + 1}", body="正文")


@pytest.fixture
def small_pages(settings):
    settings.ZHTJ = {
        **settings.ZHTJ,
        **dict.fromkeys(("LIST_PAGE_SIZE", "INBOX_PAGE_SIZE", "PROGRESS_PAGE_SIZE", "TRF_LIST_SIZE"), PAGE),
    }


def _problems(url, response, reader):
    found = []
    if len(response.body) > MAX_PAGE_BYTES:
        found.append(f"{url}: {len(response.body) // 1024} KB")
    lists = [table for table, _, bounded in reader.bodies if bounded is None]
    if len(lists) > reader.pagers:
        found.append(
            f"{url}: {len(lists)} lists (#{', #'.join(lists)}) but {reader.pagers} pagers (a list without paging)"
        )
    for table, rows, bounded in reader.bodies:
        if bounded is not None:
            if bounded not in BOUNDED:
                found.append(f"{url}: table #{table} data-bounded={bounded!r} is no known reason")
        elif rows > PAGE:
            found.append(f"{url}: table #{table} shows {rows} rows on a page of {PAGE} (a list without paging)")
    for name, options in reader.selects:
        if options > MAX_OPTIONS:
            found.append(f"{url}: <select name={name}> lists {options} choices")
    return found


def _walk_role(client, role):
    crawl = Crawl(client, role, _endpoints())
    problems, paged, deep = [], {}, set()
    plain = [e for e in crawl.targets.values() if "<" not in e.endpoint.route]
    queue = [sample_url(t.endpoint) for t in plain]
    seen = set()

    def visit(url):
        if url in seen:
            return None
        seen.add(url)
        response = crawl.send("get", url, note="GET")
        if response is None or response.status_code != 200:
            return None
        crawl.read(url, response)
        if "text/html" not in response.get("Content-Type", ""):
            return None
        reader = ListReader()
        reader.feed(response.body.decode("utf-8", "replace"))
        problems.extend(_problems(url, response, reader))
        return reader

    for url in queue:
        reader = visit(url)
        if reader is None:
            continue
        for link in reader.next_links:
            # 下一页 keeps every parameter of the page it is on, and answers with a pager
            target = urljoin(url, link)
            kept = dict(parse_qsl(urlsplit(url).query))
            query = dict(parse_qsl(urlsplit(target).query))
            lost = {k for k in kept if k not in query}
            if lost:
                problems.append(f"{url}: 下一页 drops {sorted(lost)}")
            second = visit(target)
            if second is not None and not second.pagers:
                problems.append(f"{target}: page 2 shows no pager")
            paged[urlsplit(url).path] = paged.get(urlsplit(url).path, 0) + 1
            if second is not None and second.next_links:  # more than two pages: page 3 answers too
                third = visit(urljoin(target, second.next_links[-1]))
                if third is not None and third.pagers:
                    deep.add(urlsplit(url).path)
    # the first object page of every endpoint with arguments (a person, an org, a record …)
    for target in crawl.targets.values():
        if "<" in target.endpoint.route:
            for url in _spread(list(target.urls), 1):
                visit(url)
    return problems, paged, deep, crawl.failures


@pytest.mark.parametrize("role", [r for r in ROLES if not r.ops], ids=[r.key for r in ROLES if not r.ops])
@pytest.mark.usefixtures("demo", "crowded", "small_pages")
def test_every_list_is_paginated(client, role):
    """Issue 17 / BEY: as each role, no page over 500 KB, no list without paging, no picker over
    every org, filters kept by 下一页."""
    _login(client, role)
    problems, paged, deep, failures = _walk_role(client, role)
    assert not failures, failures
    assert not problems, "\n".join(problems)
    # the dataset makes lists run over pages: on an admin's pages the pager was followed to page 3
    # (a plain member's lists are their own few records)
    assert deep or role.member_of, f"{role.label}: no list ran over two pages of {PAGE}"


def test_reader_sees_an_unpaged_list_and_a_huge_picker():
    """The checks are not vacuous: three rows on a page of two, a select of 201 choices."""
    reader = ListReader()
    rows = "".join(f"<tr><td>{i}</td></tr>" for i in range(PAGE + 1))
    options = "".join(f"<option>{i}</option>" for i in range(201))
    reader.feed(f'<table id="t"><tbody>{rows}</tbody></table><select name="org">{options}</select>')

    class Page:
        body = b"x"

    found = _problems("/x/", Page(), reader)
    assert any(f"#t shows {PAGE + 1} rows" in p for p in found) and any("201 choices" in p for p in found)
    short = ListReader()  # one row, within a page, but no pager: a list without paging all the same
    short.feed(
        '<table id="a"><tbody><tr><td>1</td></tr></tbody></table><nav class="list-pager"></nav>'
        '<table id="b"><tbody><tr><td>1</td></tr></tbody></table>'
    )
    assert _problems("/x/", Page(), short) == ["/x/: 2 lists (#a, #b) but 1 pagers (a list without paging)"]
    bounded = ListReader()
    bounded.feed(f'<table id="t" data-bounded="fixed"><tbody>{rows}</tbody></table>')
    assert _problems("/x/", Page(), bounded) == []
