"""NAV-01 当前位置 on every page in the menu's words; NAV-02 the seeds' menu paths are in the menu of
the roles they are for, and a role's menu holds only pages it can open.

The walk logs in as each demo role of tests/core/test_no_server_errors.py and follows every link of
the site from the home page and the menu (GET only, at most two addresses per page kind)."""

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from tests.core.test_no_server_errors import ROLES, _login
from tests.core.test_no_server_errors import demo as demo  # noqa: F401  (the fixture)
from zhtj.core import navigation

ROLE = {r.key: r for r in ROLES}
HEADER_LABELS = {labels[0] for labels in navigation.HEADER.values()}
LINK = re.compile(r'(?:href|hx-get)="(/[^"#]*)')
CRUMB = re.compile(r'<li class="breadcrumb-item[^"]*"[^>]*>(?:<a href="([^"]*)">)?([^<]+)')

# NAV-02: the seeds' menu paths (seed 000 团内激励记载, 001 团干部, 002 组织整顿, 003 操作指南) → the
# (group, entry) serving them, and a demo role whose menu must hold it. "a/b" in a seed's path is
# one entry per name; a third level is a page reached from the entry (its 当前位置 is checked by
# the walk) or, for 三会-…-会议发布, the kind chosen on the form.
SEED_PATHS = [
    # the personal center (003 一、(一))
    ("我的首页-团员基本材料", "member", [("我的首页", "团员基本材料")]),
    ("我的组织", "member", [("我的组织", "我的组织")]),
    (
        "三会-支部团员大会/支部委员会/团小组会",
        "member",
        [("三会", "支部团员大会"), ("三会", "支部委员会"), ("三会", "团小组会")],
    ),
    ("两制-团员教育评议/年度团籍注册", "member", [("两制", "团员教育评议"), ("两制", "年度团籍注册")]),
    ("团课-团课 / 公开团课", "member", [("团课", "团课"), ("团课", "公开团课")]),
    ("团日活动", "member", [("团日活动", "团日活动")]),
    ("团员教育（中国青年网）", "member", [("团员教育", "团员教育")]),
    ("关系转接", "member", [("关系转接", "关系转接")]),
    # a 团支部 (003 一、(二), 000, 002, 003 (五))
    ("团员管理-录入团员团干部", "branch", [("团员管理", "录入团员团干部")]),
    ("团员管理-团员电子数据库", "branch", [("团员管理", "团员电子数据库")]),
    ("团员管理-团员列表", "branch", [("团员管理", "团员列表")]),
    ("团干部管理-团干部列表", "branch", [("团干部管理", "团干部列表")]),
    ("团干部管理-团干部职务变更", "branch", [("团干部管理", "团干部职务变更")]),
    ("团干部管理-团干部培训-录入培训信息", "branch", [("团干部管理", "团干部培训")]),
    ("团干部管理-本级团干部电子数据库", "branch", [("团干部管理", "本级团干部电子数据库")]),
    ("业务办理-组织关系转接办理-办理转入/转出", "branch", [("业务办理", "组织关系转接办理")]),
    ("业务办理-组织关系转接审批-转入/转出审批", "branch", [("业务办理", "组织关系转接审批")]),
    ("业务办理-年度团籍注册审批", "branch", [("业务办理", "年度团籍注册审批")]),
    ("业务办理-管理员变更", "branch", [("业务办理", "管理员变更")]),
    ("三会-支部团员大会/支部委员会/团小组会-会议发布", "branch", [("三会", "会议发布")]),
    ("团课-团课上传", "branch", [("团课", "团课上传")]),
    ("团日活动-活动发布", "branch", [("团日活动", "活动发布")]),
    (
        "团内激励-荣誉审批/入团激励/评议激励/荣誉激励/机会激励/发展激励",
        "branch",
        [("团内激励", e) for e in ("荣誉审批", "入团激励", "评议激励", "荣誉激励", "机会激励", "发展激励")],
    ),
    ("组织整顿-团支部自检", "branch", [("组织整顿", "团支部自检")]),
    ("对标定级-团(总)支部自评", "branch", [("对标定级", "团(总)支部自评")]),
    # a 团委 / 团总支 above branches (001, 002, 003)
    ("组织管理-管理下级组织", "college", [("组织管理", "管理下级组织")]),
    ("组织管理-创建下级组织", "college", [("组织管理", "创建下级组织")]),
    ("组织管理-组织录入情况", "college", [("组织管理", "组织录入情况")]),
    ("团员管理-录入下级支部成员", "college", [("团员管理", "录入下级支部成员")]),
    ("团员管理-下级支部团员电子数据库", "college", [("团员管理", "下级支部团员电子数据库")]),
    ("团干部管理-录入本级团干部", "college", [("团干部管理", "录入本级团干部")]),
    ("业务办理-下级团员电子档案审批", "college", [("业务办理", "下级团员电子档案审批")]),
    ("组织整顿-评估下级团支部", "grade", [("组织整顿", "评估下级团支部")]),
    ("组织整顿-整理整顿团支部", "grade", [("组织整顿", "整理整顿团支部")]),
    ("组织整顿-下级团支部整顿进度", "grade", [("组织整顿", "下级团支部整顿进度")]),
    ("对标定级-上级复核", "grade", [("对标定级", "上级复核")]),
    (
        "团内大数据-团员年龄分布/团员民族分布/团员学历层次",
        "college",
        [("团内大数据", "团员年龄分布"), ("团内大数据", "团员民族分布"), ("团内大数据", "团员学历层次")],
    ),
    ("团干部管理-重点领域基层团干部配备", "central", [("团干部管理", "重点领域基层团干部配备")]),
]


def _menu(response):
    return [(g["label"], link["label"], link["url"]) for g in response.context["menu"] for link in g["links"]]


def _crumbs(html):
    nav = html.split('id="breadcrumb"', 1)
    if len(nav) < 2:
        return None
    return [(label.strip(), url) for url, label in CRUMB.findall(nav[1].split("</nav>", 1)[0])]


def _page_kind(path):
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def walk(client, limit_per_kind=2):
    """{url: (view name, 当前位置 or None, the menu seen)} of every HTML page reached by GET."""
    seen, pages, per_kind = set(), {}, {}
    queue = deque(["/"])
    while queue:
        url = queue.popleft()
        kind = _page_kind(urlsplit(url).path)
        if url in seen or kind is None or kind.startswith("admin:") or kind == "logout":
            continue
        if per_kind.get(kind, 0) >= limit_per_kind:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        per_kind[kind] = per_kind.get(kind, 0) + 1
        html = response.content.decode()
        if 'id="left-menu"' not in html:
            continue
        pages[url] = (kind, _crumbs(html), _menu(response))
        queue.extend(link.replace("&amp;", "&") for link in LINK.findall(html) if link not in seen)
    return pages


@pytest.mark.parametrize("role", [r for r in ROLES if r.key != "ops"], ids=lambda r: r.key)
def test_every_page_says_where_it_is_in_the_menus_words(client, demo, role):  # noqa: F811
    """NAV-01: every page a role reaches shows 当前位置, starting with a group of its own menu (or the
    header's 操作中心 / 系统设置) and, below a group, an entry of that group."""
    _login(client, role)
    pages = walk(client)
    assert len(pages) > 10
    menu = next(iter(pages.values()))[2]
    groups = {g for g, _, _ in menu}
    entries = {(g, e) for g, e, _ in menu}
    missing, foreign = set(), []
    for url, (kind, crumbs, _) in pages.items():
        if not crumbs:
            missing.add(kind)
            continue
        first = crumbs[0][0]
        if first in HEADER_LABELS:
            continue
        if first in {e for _, e in entries}:  # a group of one entry reads as that entry
            continue
        if first not in groups or (len(crumbs) > 1 and (first, crumbs[1][0]) not in entries):
            foreign.append((url, crumbs))
    assert not missing, f"{role.key}: pages without 当前位置: {sorted(missing)}"
    assert not foreign, f"{role.key}: 当前位置 outside the role's menu: {foreign[:5]}"


@pytest.mark.parametrize("role", [r for r in ROLES if r.key != "ops"], ids=lambda r: r.key)
def test_each_menu_entry_opens_and_names_itself(client, demo, role):  # noqa: F811
    """NAV-01 / NAV-02: every entry of a role's menu opens (200, not a refusal) and its page's
    当前位置 names the entry (the group first, when it is not the entry itself)."""
    _login(client, role)
    menu = _menu(client.get("/"))
    for group, entry, url in menu:
        if not url.startswith("/"):
            continue  # 团员教育: an address outside the site (EDU-03)
        response = client.get(url.split("#")[0], follow=True)  # 本组织信息 opens the org's own page
        assert response.status_code == 200, (role.key, group, entry, response.status_code)
        crumbs = [label for label, _ in _crumbs(response.content.decode())]
        same_page = {(g, e) for g, e, u in menu if u.split("#")[0] == url.split("#")[0]}  # anchors of one page
        assert {e for _, e in same_page} & set(crumbs), (role.key, entry, crumbs)
        assert crumbs[0] in {x for pair in same_page for x in pair}, (role.key, entry, crumbs)


@pytest.mark.parametrize("seed_path, role_key, served_by", SEED_PATHS, ids=[p for p, _, _ in SEED_PATHS])
def test_the_seeds_menu_paths_are_in_the_menu(client, demo, seed_path, role_key, served_by):  # noqa: F811
    """NAV-02: each function the seeds reach by a menu path is under that path in the menu of the
    role the seed describes."""
    _login(client, ROLE[role_key])
    menu = {(g, e) for g, e, _ in _menu(client.get("/"))}
    assert set(served_by) <= menu, f"{seed_path}: missing {set(served_by) - menu}"


def test_a_page_outside_the_menu_names_the_page_it_is_reached_from(rf):
    """NAV-01: PAGES parents exist (a menu entry, the header or another page) — a typo would leave
    a page without 当前位置."""
    known = {e.url_name for g in navigation.MENU for e in g.entries} | set(navigation.HEADER)
    for name, (parents, label) in navigation.PAGES.items():
        parents = (parents,) if isinstance(parents, str) else parents
        assert label and all(p in known or p in navigation.PAGES for p in parents), name


MENU_HTML = re.compile(r'<nav class="nav flex-column" id="left-menu">.*?</nav>', re.S)
ACTIVE = re.compile(r'<a class="nav-link py-1 ps-4 active fw-semibold" href="([^"]*)">([^<]*)</a>')


def test_the_menu_kept_per_process_marks_each_pages_own_entry(tree, login):
    """NAV-01 / NAV-02: the left menu's HTML is kept per process (zhtj/core/navigation.py
    menu_html), keyed on the menu and the active link: each page marks its own entry and no
    other, a page outside the menu marks none, and a role of another menu gets its own."""
    from tests import factories as f

    client = login(f.admin_of(tree.city), tree.city)
    pages = {}
    for path in ("/members/", "/members/cadres/", "/members/", "/orgs/progress/"):
        html = client.get(path).content.decode()
        pages[path] = MENU_HTML.search(html).group(0)
        assert ACTIVE.findall(html) == [(path, navigation.trail(client.get(path).wsgi_request)[-1].label)]
    assert pages["/members/"] != pages["/members/cadres/"]
    assert pages["/members/"].replace(" active fw-semibold", "") == pages["/members/cadres/"].replace(
        " active fw-semibold", ""
    )
    detail = client.get(f"/orgs/{tree.uni.pk}/").content.decode()  # 组织详情: reached, not in the menu
    assert ACTIVE.findall(detail) == [] and MENU_HTML.search(detail).group(0) == pages["/members/"].replace(
        " active fw-semibold", ""
    )
    branch = login(f.admin_of(tree.branch_a), tree.branch_a).get("/members/").content.decode()
    assert "录入团员团干部" in MENU_HTML.search(branch).group(0)  # the branch's menu, not the city's
    assert "录入团员团干部" not in pages["/members/"]
