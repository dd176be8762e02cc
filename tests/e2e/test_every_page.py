"""Every page of the menu on a phone (BEY-04): "pages that work on a phone", checked page by page.

On the demo data of `manage.py seed_demo`, each role with its own menu logs in on a 390x844
phone, opens the offcanvas menu, and visits every link it finds there (read from the DOM, so a
new menu entry is covered without touching this test), the 操作中心 and the header links. Each
page must answer below 400 without an error page, not scroll sideways, keep its table headers
whole (a table squeezed to the screen stands Chinese one character a line), show its <h1> and
the menu button (the desktop sidebar hidden), and log no console or page errors (a static file
that fails to load is one). The header's dropdowns must open inside the screen, and 帮助 must
be reachable. The failures of all roles are collected and reported together, with the URL.

The same walk runs on a 1280x800 desktop (the sidebar's links, the sidebar shown). On both, every
page is checked by axe-core (BEY-09: the npm package, injected by Playwright before the page's own
scripts — an init script, which the Content-Security-Policy doesn't govern): no serious or critical
violation (labels on every input, contrast, names of buttons and links, ARIA, keyboard reach), and
every file input wears the Chinese picker of static/js/app.js (issue 21).
"""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from members.models import CadrePost
from orgs.models import Organization

from .conftest import DESKTOP, PHONE, _context, csp_violations
from .pw import expect

pytestmark = pytest.mark.e2e

PASSWORD = "Tuan-e2e-2025!"
BRANCH = "计算机专业2023级1班团支部"
# One admin per distinct menu: leadership organs (central and provincial levels differ in
# 重点领域基层团干部配备), a university committee, a class branch; then a plain member.
ADMIN_ROLES = (
    ("团中央管理员", "团中央"),
    ("省级团委管理员", "团山东省委"),
    ("高校团委管理员", "中国石油大学（华东）团委"),
    ("团支部管理员", BRANCH),
)
# templates/errors/*.html, and Django's own pages should those ever be shown instead.
ERROR_TITLES = re.compile(r"^(请求有误|无权操作|页面不存在|系统错误|Server Error|Page not found)")

# Everything about a page, read in one round trip. The screen is the layout viewport (clientWidth):
# on a mobile viewport Chromium widens window.innerWidth to the content (zoomed out to fit),
# so `scrollWidth <= innerWidth` would always hold there. When the page is wider than the
# screen, the culprits are the outermost elements sticking out past the right edge that no
# scrolling box clips. A box clips only what lies in its containing-block chain: an absolutely
# positioned child escapes an overflow box that is not positioned itself.
STATE = """() => {
  const screen = document.documentElement.clientWidth, limit = screen + 1;
  const clipped = (el) => {
    let position = getComputedStyle(el).position;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (position === "fixed") return false;
      if (position === "absolute" && style.position === "static" && style.transform === "none") continue;
      if (style.overflowX !== "visible") return true;
      position = style.position;
    }
    return false;
  };
  const sticksOut = (el) => el.getBoundingClientRect().right > limit && !clipped(el);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
  const wide = new Set();
  if (document.documentElement.scrollWidth > limit) {
    for (const el of document.body.querySelectorAll("*")) {
      if (sticksOut(el) && !sticksOut(el.parentElement)) wide.add(name(el));
      if (wide.size >= 4) break;
    }
  }
  // A table squeezed to the screen breaks its headers inside a word (姓/名): one character a line.
  const broken = [];
  for (const th of document.querySelectorAll("main th")) {
    if (th.querySelector(".visually-hidden")) continue;  // laid out in 1px, for screen readers
    const text = th.innerText.trim();
    if (!/^[\\p{L}\\p{N}]{2,}$/u.test(text)) continue;
    const range = document.createRange();
    range.selectNodeContents(th);
    const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    if (lines.size > 1) broken.push(text);
  }
  const shown = (selector) => {
    const el = document.querySelector(selector);
    const box = el && el.getBoundingClientRect();
    return !!el && el.checkVisibility({visibilityProperty: true}) && box.width > 0 && box.height > 0;
  };
  return {
    title: document.title,
    traceback: !!document.querySelector("#traceback, #summary .exception_value"),
    scrollWidth: document.documentElement.scrollWidth,
    screen: screen,
    wide: [...wide],
    broken: broken,
    h1: shown("main h1"),
    menuButton: shown('nav.navbar [data-bs-target="#sidebar"]'),
    sidebar: shown("#sidebar"),
    barePickers: [...document.querySelectorAll("input[type=file]")].filter((i) => !i.closest(".file-picker"))
      .map((i) => i.name),
  };
}"""

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# BEY-09: axe-core's serious and critical violations of the page, each with a few of its nodes.
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")
      + (n.any[0] && n.any[0].data && n.any[0].data.contrastRatio ? ` (${n.any[0].data.fgColor} on ${n.any[0].data.bgColor}: ${n.any[0].data.contrastRatio})` : "")).join(" | ")}`
      + (v.nodes.length > 3 ? ` (+${v.nodes.length - 3})` : ""));
}"""


def ready(person):
    """Skip the forced first-login 修改密码 (ROLE-06 has its own journey in test_smoke)."""
    person.set_password(PASSWORD)
    person.must_change_password = False
    person.save()
    return person


def roles():
    """(role, person) for each distinct menu on the demo data."""
    found = []
    for role, org_name in ADMIN_ROLES:
        post = CadrePost.objects.admins().select_related("person").filter(org__name=org_name).first()
        found.append((role, ready(post.person)))
    branch = Organization.objects.get(name=BRANCH)
    admins = CadrePost.objects.admins().filter(org=branch).values_list("person_id", flat=True)
    found.append(("团员", ready(branch.members.exclude(pk__in=admins).order_by("pk").first())))
    return found


class Watcher:
    """Console errors and uncaught page errors of the page now open. A file that fails to load
    (a static asset, an htmx request) is a console error too, with its address."""

    def __init__(self, page):
        self.errors = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(f"console error: {msg.text} ({msg.location.get('url', '')})")

    def take(self):
        errors, self.errors = self.errors, []
        return errors


def log_in(page, person):
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(person.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("nav.navbar #inbox-link")).to_be_visible()


def menu_links(page):
    """Open the offcanvas menu with its button, as a phone user does, and read its links: the site's
    own, to visit; an address outside the site (团员教育, EDU-03) isn't visited here (no network)
    but must open in a new tab without handing it our page (target=_blank, rel=noopener)."""
    page.get_by_role("button", name="菜单").click()
    menu = page.locator("#left-menu")
    expect(menu.get_by_role("link").first).to_be_visible()
    links = menu.locator("a[href]").evaluate_all("links => links.map((a) => [a.getAttribute('href'), a.target, a.rel])")
    page.locator("#sidebar .btn-close").click()
    expect(page.locator("#sidebar")).to_be_hidden()
    for href, target, rel in links:
        if not href.startswith("/"):
            assert target == "_blank" and "noopener" in rel, f"{href} leaves the site in the same tab"
    return [href for href, _, _ in links if href.startswith("/")]


def header_links(page):
    """The navbar's links: the brand, 操作中心 and those in its dropdowns (修改密码 ...)."""
    hrefs = page.locator("nav.navbar a[href]").evaluate_all("links => links.map((a) => a.getAttribute('href'))")
    return [href for href in hrefs if href and not href.startswith("#")]


def check_header(page):
    """The header's dropdowns (切换其他组织, 系统设置) open inside the screen, and 帮助 -- a
    navbar link only from md up -- opens from one of them on a phone."""
    problems = []
    help_opened = False
    toggles = page.locator("nav.navbar [data-bs-toggle=dropdown]")
    for i in range(toggles.count()):
        toggle = toggles.nth(i)
        toggle.click()
        menu = toggle.locator("xpath=following-sibling::*[contains(@class, 'dropdown-menu')]")
        expect(menu).to_be_visible()
        box = menu.bounding_box()
        if box["x"] < 0 or box["x"] + box["width"] > PHONE["width"] + 1:
            problems.append(f"header dropdown {i + 1} sticks out of the screen: x={box['x']:.0f} w={box['width']:.0f}")
        help_item = menu.locator('[data-bs-target="#help"]')
        if help_item.count() and help_item.is_visible():
            help_item.click()  # closes the dropdown too
            expect(page.locator("#help")).to_be_visible()
            page.locator("#help .btn-close").click()
            expect(page.locator("#help")).to_be_hidden()
            help_opened = True
        else:
            page.keyboard.press("Escape")
            expect(menu).to_be_hidden()
    if not help_opened:
        problems.append("帮助 cannot be reached on a phone")
    return problems


def check_page(page, watcher, url, phone=True):
    """The problems of one page, as short sentences (empty when it works on a phone — or, with
    phone=False, on a desktop — and axe-core finds nothing serious)."""
    problems = []
    response = page.goto(url)
    if response is None or response.status >= 400:
        problems.append(f"HTTP {response.status if response else 'no response'}")
    state = page.evaluate(STATE)
    if ERROR_TITLES.match(state["title"]) or state["traceback"]:
        problems.append(f"error page: {state['title']!r}")
    if state["scrollWidth"] > state["screen"] + 1:
        culprits = "; ".join(state["wide"]) or "?"
        problems.append(f"scrolls sideways: {state['scrollWidth']}px > {state['screen']}px ({culprits})")
    if phone and state["broken"]:
        problems.append(f"table squeezed, headers broken inside a word: {', '.join(state['broken'][:6])}")
    if not state["h1"]:
        problems.append("no visible <h1> in <main>")
    if phone and not state["menuButton"]:
        problems.append("the menu button is not visible")
    if phone and state["sidebar"]:
        problems.append("the desktop sidebar is visible")
    if not phone and not state["sidebar"]:
        problems.append("the sidebar is not visible on a desktop")
    if state["barePickers"]:
        problems.append(f"file inputs without the Chinese picker: {', '.join(state['barePickers'])}")
    problems += [f"axe: {violation}" for violation in page.evaluate(AXE_RUN)]
    problems += watcher.take()
    return problems


LAYOUTS = {
    "phone": dict(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"),
    "desktop": dict(viewport=DESKTOP, locale="zh-CN"),
}


def desktop_menu_links(page):
    """The sidebar's own links, as shown on a desktop (no menu button there)."""
    links = page.locator("#left-menu a[href]").evaluate_all("links => links.map((a) => a.getAttribute('href'))")
    return [href for href in links if href.startswith("/")]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_menu_page_works_and_passes_axe(browser, live_server, layout):
    """BEY-04 and BEY-09: for each role, every left-menu link, 操作中心 and the header links, on a
    phone and on a desktop; each page without a serious or critical axe-core violation."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `npm ci` installs axe-core (package.json)")
    call_command("seed_demo", stdout=io.StringIO())
    phone = layout == "phone"
    report = []
    visited = 0
    for role, person in roles():
        # As the page fixtures, but one per role: each logs in afresh.
        context = _context(browser, live_server, **LAYOUTS[layout])
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        watcher = Watcher(page)
        try:
            log_in(page, person)
            links = menu_links(page) if phone else desktop_menu_links(page)
            # In order, once each; a link to a part of a page (#…) is that page.
            urls = dict.fromkeys(href.split("#")[0] for href in links + header_links(page))
            assert len(urls) > 3, f"{role}: the menu has only {list(urls)}"
            # The landing page's own console errors come out with the header's.
            failures = [f"  header: {problem}" for problem in (check_header(page) if phone else []) + watcher.take()]
            for url in urls:
                failures += [f"  {url}: {problem}" for problem in check_page(page, watcher, url, phone)]
            visited += len(urls)
            if failures:
                report.append(f"{role}（{person.name}）, {len(urls)} pages:\n" + "\n".join(failures))
        finally:
            report += [f"{role}: {violation}" for violation in csp_violations(context)]
            context.close()
    assert not report, f"pages that don't work ({layout}, {visited} visited):\n" + "\n".join(report)
