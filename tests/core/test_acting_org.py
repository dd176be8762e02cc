"""切换其他组织: the acting org lives in the session and decides menus and scope (ROLE-04).

Runs on the `tree` fixture: 测试大学团委 → {学院A团委 → A1团支部, 学院B团委 → B1团支部}.
"""

import re

import pytest
from django.conf import settings
from django.urls import resolve, reverse

from members.choices import PostTitle
from members.models import CadrePost
from members.services import revoke_admin
from tests import factories as f
from zhtj.core.middleware import PERSONAL, SESSION_KEY
from zhtj.core.navigation import MENU

PASSWORD = "Zhtj-pass-2026"
STALE_WARNING = "您已不是原所选组织的管理员，已切换到可管理的组织。"
SWITCHER = 'id="org-switcher"'


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


@pytest.fixture
def people(tree):
    """A member of each college's branch, and 双岗: a member of A1团支部 who administers both
    学院A团委 and 学院B团委."""

    class People:
        pass

    p = People()
    p.member_a = f.person("甲团员", branch=tree.branch_a, password=PASSWORD)
    p.member_b = f.person("乙团员", branch=tree.branch_b, password=PASSWORD)
    p.both = f.person("双岗", branch=tree.branch_a, password=PASSWORD)
    p.post_a = CadrePost.objects.create(person=p.both, org=tree.col_a, title=PostTitle.SECRETARY, admin_slot=1)
    p.post_b = CadrePost.objects.create(person=p.both, org=tree.col_b, title=PostTitle.SECRETARY, admin_slot=1)
    return p


def left_menu(response):
    """The labels of the left menu (the help text elsewhere on the page names menus too)."""
    html = response.content.decode()
    match = re.search(r'<nav class="nav flex-column" id="left-menu">(.*?)</nav>', html, re.S)
    if not match:
        return set()
    return set(re.findall(r">\s*([^<>]+?)\s*</a>", match.group(1)))


def acting_label(response):
    match = re.search(r'id="acting-org">(.*?)</div>', response.content.decode(), re.S)
    assert match, "no acting-org label on the page"
    return match.group(1)


def session_value(client):
    return client.session.get(SESSION_KEY)


def switch(client, org_id):
    return client.post("/switch-org/", {"org": str(org_id)})


# --- the switcher -----------------------------------------------------------------------------


def test_two_org_admin_sees_switcher_with_both_orgs(client, login, tree, people):
    """ROLE-04: a cadre administering two orgs gets 切换其他组织 listing both, and 个人中心 (a member)."""
    html = login(people.both).get("/").content.decode()
    assert SWITCHER in html and "切换其他组织" in html
    switcher = html[html.index(SWITCHER) : html.index("</ul>", html.index(SWITCHER))]
    assert f'value="{tree.col_a.pk}"' in switcher and f'value="{tree.col_b.pk}"' in switcher
    assert tree.col_a.name in switcher and tree.col_b.name in switcher
    assert 'value="0"' in switcher and "个人中心" in switcher


def test_single_org_admin_has_no_switcher(client, login, tree):
    """ROLE-04: an admin of one org who is not a member has nothing to switch to."""
    html = login(f.admin_of(tree.col_a)).get("/").content.decode()
    assert SWITCHER not in html


def test_switching_changes_scope(client, login, tree, people):
    """ROLE-04 / ROLE-02: after switching, the session holds the new org and pages are scoped to
    it: B's branch opens and A's is 404; switching back reverses that."""
    c = login(people.both)
    response = switch(c, tree.col_b.pk)
    assert response.status_code == 302 and response["Location"] == "/"
    assert session_value(c) == tree.col_b.pk
    home = c.get("/")
    assert tree.col_b.name in acting_label(home)
    assert f"已切换到“{tree.col_b.name}”" in home.content.decode()
    assert c.get(f"/orgs/{tree.branch_b.pk}/").status_code == 200
    assert c.get(f"/orgs/{tree.branch_a.pk}/").status_code == 404
    members = c.get("/members/").content.decode()
    assert people.member_b.name in members and people.member_a.name not in members

    assert switch(c, tree.col_a.pk).status_code == 302
    assert session_value(c) == tree.col_a.pk
    assert c.get(f"/orgs/{tree.branch_a.pk}/").status_code == 200
    assert c.get(f"/orgs/{tree.branch_b.pk}/").status_code == 404


@pytest.mark.parametrize("target", ["uni", "branch_a", "missing", "garbage"])
def test_switching_to_an_org_not_administered_is_404_and_changes_nothing(client, login, tree, people, target):
    """ROLE-04 / ROLE-02: switching to an org the person doesn't administer (a parent, a branch
    below, an id that doesn't exist, junk) is 404; the session and the scope stay as they were."""
    c = login(people.both)
    switch(c, tree.col_a.pk)
    org_id = {"uni": tree.uni.pk, "branch_a": tree.branch_a.pk, "missing": 10**9, "garbage": "x' or 1=1"}[target]
    assert switch(c, org_id).status_code == 404
    assert session_value(c) == tree.col_a.pk
    assert tree.col_a.name in acting_label(c.get("/"))
    assert c.get(f"/orgs/{tree.uni.pk}/").status_code == 404
    assert c.get(f"/orgs/{tree.col_b.pk}/").status_code == 404


def test_switch_needs_post(client, login, tree, people):
    """ROLE-04: the switch is a POST (a link or an image can't change the acting org)."""
    c = login(people.both)
    switch(c, tree.col_a.pk)
    assert c.get("/switch-org/", {"org": tree.col_b.pk}).status_code == 405
    assert session_value(c) == tree.col_a.pk


# --- a stale or tampered choice ---------------------------------------------------------------------


@pytest.mark.parametrize("tampered", ["col_b", "uni", "missing"])
def test_tampered_session_falls_back_with_warning(client, login, tree, people, tampered):
    """ROLE-04 / ROLE-02: an acting_org_id in the session for an org the person doesn't administer
    (a sibling, a parent, a nonexistent id) is not trusted: the request acts for the org they do
    administer, says so, and shows none of the tampered org's data."""
    admin = f.admin_of(tree.col_a, "甲院管理员")
    org_id = {"col_b": tree.col_b.pk, "uni": tree.uni.pk, "missing": 10**9}[tampered]
    c = login(admin)
    session = c.session
    session[SESSION_KEY] = org_id
    session.save()

    response = c.get("/members/")
    assert response.status_code == 200
    html = response.content.decode()
    assert STALE_WARNING in html
    assert tree.col_a.name in acting_label(response)
    assert people.member_a.name in html and people.member_b.name not in html
    assert session_value(c) is None  # the bad value is dropped, not kept around

    for url in (f"/orgs/{tree.col_b.pk}/", f"/orgs/{tree.branch_b.pk}/", f"/orgs/{tree.uni.pk}/"):
        assert c.get(url).status_code == 404, url
    assert c.get(f"/members/{people.member_b.pk}/").status_code == 404
    assert STALE_WARNING not in c.get("/").content.decode()  # said once, not on every page


def test_revoked_admin_slot_falls_back_with_warning(client, login, tree, people):
    """ROLE-04 / ORG-12: acting for 学院B团委 when that admin slot is revoked: the next request
    acts for 学院A团委 with a warning, and B's pages are 404 from then on."""
    c = login(people.both)
    switch(c, tree.col_b.pk)
    assert c.get(f"/orgs/{tree.branch_b.pk}/").status_code == 200

    revoke_admin(people.post_b)

    home = c.get("/")
    assert STALE_WARNING in home.content.decode()
    assert tree.col_a.name in acting_label(home)
    assert c.get(f"/orgs/{tree.branch_b.pk}/").status_code == 404
    assert c.get(f"/members/{people.member_b.pk}/").status_code == 404
    assert people.member_b.name not in c.get("/members/").content.decode()
    assert switch(c, tree.col_b.pk).status_code == 404
    assert session_value(c) is None


def test_tampered_session_without_any_admin_post_grants_nothing(client, login, tree, people):
    """ROLE-04 / ROLE-01: a plain member with an org id planted in the session is still a member:
    admin pages are 403 and the org's page is not shown."""
    c = login(people.member_a, acting_org=tree.col_a)
    response = c.get("/members/")
    assert response.status_code == 403
    assert people.member_b.name not in response.content.decode()
    assert c.get(f"/orgs/{tree.col_a.pk}/").status_code == 403
    assert c.get("/").status_code == 200


# --- 个人中心 -------------------------------------------------------------------------------------


def test_member_switches_to_personal_center(client, login, tree, people):
    """ROLE-04 / ME-01: a member who administers orgs can switch to 个人中心 (org=0): the menu
    becomes 我的首页 without 团员列表, and admin pages are refused until switching back."""
    c = login(people.both)
    response = switch(c, PERSONAL)
    assert response.status_code == 302
    assert session_value(c) == PERSONAL
    home = c.get("/")
    assert "个人中心" in acting_label(home)
    menu = left_menu(home)
    assert {"我的首页", "我的组织"} <= menu
    assert not menu & {"团员列表", "团干部列表", "组织首页", "本组织信息"}
    assert c.get("/members/").status_code == 403
    assert c.get(f"/orgs/{tree.branch_a.pk}/").status_code == 403

    switch(c, tree.col_a.pk)
    assert "团员列表" in left_menu(c.get("/"))
    assert c.get("/members/").status_code == 200


def test_non_member_cannot_switch_to_personal_center(client, login, tree):
    """ROLE-04 / ROLE-05: an admin without a 团组织关系 has no 个人中心: org=0 is 404 and the
    acting org stays."""
    admin = f.admin_of(tree.col_a)
    c = login(admin, acting_org=tree.col_a)
    assert switch(c, PERSONAL).status_code == 404
    assert session_value(c) == tree.col_a.pk
    assert c.get("/members/").status_code == 200


# --- the acting org decides the menu -----------------------------------------------------------


def test_branch_admin_menu_has_no_sub_org_management(client, login, tree):
    """ROLE-04 / ORG-03: acting for a 团支部, the menu has the member pages but no 管理下级组织."""
    menu = left_menu(login(f.admin_of(tree.branch_a)).get("/"))
    assert {"组织首页", "本组织信息", "团员列表", "团干部列表", "管理员变更"} <= menu
    assert "管理下级组织" not in menu
    assert "我的首页" not in menu


def test_committee_admin_menu_has_sub_org_management(client, login, tree):
    """ROLE-04: acting for a 团委, the menu has 管理下级组织 (control for the branch test)."""
    menu = left_menu(login(f.admin_of(tree.col_a)).get("/"))
    assert {"组织首页", "管理下级组织", "团员列表", "管理员变更"} <= menu


def test_menu_follows_the_switch(client, login, tree, people):
    """ROLE-04: one person, one session: the menu is the acting org's, switched with it."""
    branch_post = CadrePost.objects.create(
        person=people.member_b, org=tree.branch_b, title=PostTitle.SECRETARY, admin_slot=1
    )
    CadrePost.objects.create(person=people.member_b, org=tree.col_b, title=PostTitle.COMMITTEE_MEMBER, admin_slot=2)
    c = login(people.member_b)
    switch(c, tree.branch_b.pk)
    assert "管理下级组织" not in left_menu(c.get("/"))
    switch(c, tree.col_b.pk)
    assert "管理下级组织" in left_menu(c.get("/"))
    switch(c, PERSONAL)
    menu = left_menu(c.get("/"))
    assert "我的首页" in menu and "团员列表" not in menu
    assert branch_post.is_admin


def test_plain_member_menu(client, login, tree, people):
    """ROLE-04 / ME-01: a member with no admin post sees 我的首页 and no switcher or admin menus."""
    response = login(people.member_a).get("/")
    menu = left_menu(response)
    assert "我的首页" in menu and "团员列表" not in menu and "管理下级组织" not in menu
    assert SWITCHER not in response.content.decode()


def test_every_menu_entry_points_at_a_declared_view():
    """ROLE-04 / SEC-01: the menu hides entries whose URL doesn't reverse, so a typo would drop a
    menu item silently; every entry must reverse to a view with a declared access policy."""
    for group in MENU:
        for entry in group.entries:
            if entry.external:  # EDU-03: a settings URL on another site, opened in a new tab
                assert entry.url_name == "" and settings.ZHTJ[entry.external].startswith("https://"), entry
                continue
            view = resolve(reverse(entry.url_name)).func
            assert getattr(view, "access_policy", None) is not None, entry
