"""Role-by-scope matrix on the `tree` fixture (ROLE-01, ROLE-02, ROLE-03, SEC-01).

    团中央 → 团山东省委 → 团青岛市委 → 测试大学团委 → {学院A团委 → A1团支部, 学院B团委 → B1团支部}

Every request goes through the Django test client. An admin acts on its own org and the
org's subtree only; anything outside answers 404 exactly like an id that does not exist
(ROLE-02, SEC-01). Some powers belong to the direct superior only: a grand-parent may
view but gets 403 with the Chinese reason when it tries to act (ROLE-03).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.choices import PostTitle
from members.models import AdminChangeRequest, CadrePost, PasswordResetCode, Person
from members.services import request_admin_change
from orgs.models import Organization
from tests import factories as f

PASSWORD = "Zhtj-pass-2026"
ROLES = ("member", "branch_a", "col_a", "branch_b", "col_b", "uni")
NOT_ADMIN_REASON = "此功能仅限组织管理员使用"
SKIP_LEVEL_REASON = "隔级无法操作"


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


@pytest.fixture
def world(tree):
    """An admin for every org of interest, a member and a cadre on each side, and a pending
    管理员变更 request filed by each branch."""

    class World:
        pass

    w = World()
    w.tree = tree
    w.admins = {
        name: f.admin_of(getattr(tree, name), f"{getattr(tree, name).name}管理员")
        for name in ("branch_a", "col_a", "branch_b", "col_b", "uni")
    }
    w.member_a = f.person("甲团员", branch=tree.branch_a, password=PASSWORD)
    w.member_b = f.person("乙团员", branch=tree.branch_b, password=PASSWORD)
    # cadres of the colleges with no 团组织关系 of their own: visible through their post only
    w.cadre_a = f.person("甲干部", password=PASSWORD)
    CadrePost.objects.create(person=w.cadre_a, org=tree.col_a, title=PostTitle.COMMITTEE_MEMBER)
    w.cadre_b = f.person("乙干部", password=PASSWORD)
    CadrePost.objects.create(person=w.cadre_b, org=tree.col_b, title=PostTitle.COMMITTEE_MEMBER)
    w.requests = {}
    for side, branch in (("a", tree.branch_a), ("b", tree.branch_b)):
        post = CadrePost.objects.create(
            person=f.person(f"{branch.name}委员"), org=branch, title=PostTitle.COMMITTEE_MEMBER
        )
        w.requests[side] = request_admin_change(post, "add", by=w.admins[f"branch_{side}"])
    w.people = {"member_a": w.member_a, "cadre_a": w.cadre_a, "member_b": w.member_b, "cadre_b": w.cadre_b}
    return w


def as_role(login, world, role):
    """The client logged in as `role`: a plain member of A1团支部, or an org's admin."""
    return login(world.member_a if role == "member" else world.admins[role])


def tbody(response, table_id):
    """The rows of a list table (the search box and help text are left out)."""
    html = response.content.decode()
    match = re.search(rf'id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert match, f"table #{table_id} not found"
    return match.group(1)


def without_tokens(html):
    """A page without its per-render CSRF and one-time form tokens, for comparing two 404 pages."""
    html = re.sub(r"hx-headers='[^']*'", "", html)
    return re.sub(r'name="(csrfmiddlewaretoken|_once)" value="[^"]*"', "", html)


def missing_pk(model):
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


# --- the matrix --------------------------------------------------------------------------------
# Rows: who is logged in (acting for the named org; "member" = a plain member of A1团支部).
# Columns: whose page is asked for. 200 = served, 404 = out of scope, 403 = not allowed to act.

ORG_TARGETS = ("branch_a", "col_a", "branch_b", "col_b", "uni")
ORG_DETAIL = {
    #            branch_a col_a branch_b col_b uni
    "member": (403, 403, 403, 403, 403),
    "branch_a": (200, 404, 404, 404, 404),
    "col_a": (200, 200, 404, 404, 404),
    "branch_b": (404, 404, 200, 404, 404),
    "col_b": (404, 404, 200, 200, 404),
    "uni": (200, 200, 200, 200, 200),
}

PERSON_TARGETS = ("member_a", "cadre_a", "member_b", "cadre_b")
PERSON_DETAIL = {
    #            member_a cadre_a member_b cadre_b
    "member": (403, 403, 403, 403),
    "branch_a": (200, 404, 404, 404),
    "col_a": (200, 200, 404, 404),
    "branch_b": (404, 404, 200, 404),
    "col_b": (404, 404, 200, 200),
    "uni": (200, 200, 200, 200),
}
# 重置密码验证码: the person's own org or that org's direct superior (ROLE-07, ROLE-03).
RESET_CODE = {
    #            member_a cadre_a member_b cadre_b
    "member": (403, 403, 403, 403),
    "branch_a": (200, 404, 404, 404),
    "col_a": (200, 200, 404, 404),
    "branch_b": (404, 404, 200, 404),
    "col_b": (404, 404, 200, 200),
    "uni": (403, 200, 403, 200),  # grand-parent of the branches, direct superior of the colleges
}

SUB_ORG_TARGETS = ("branch_a", "col_a", "branch_b", "col_b")
# 管理员变更 of a sub-org (ORG-12): the direct superior only; the org itself files a request instead.
ADMIN_CHANGE_SUB = {
    #            branch_a col_a branch_b col_b
    "member": (403, 403, 403, 403),
    "branch_a": (403, 404, 404, 404),
    "col_a": (200, 403, 404, 404),
    "branch_b": (404, 404, 403, 404),
    "col_b": (404, 404, 200, 403),
    "uni": (403, 200, 403, 200),
}

REQUEST_TARGETS = ("a", "b")  # the pending requests filed by A1团支部 and B1团支部
ADMIN_REQUEST_VIEW = {
    "member": (403, 403),
    "branch_a": (200, 404),
    "col_a": (200, 404),
    "branch_b": (404, 200),
    "col_b": (404, 200),
    "uni": (200, 200),
}
ADMIN_REQUEST_APPROVE = {
    "member": (403, 403),
    "branch_a": (403, 404),
    "col_a": (302, 404),
    "branch_b": (404, 403),
    "col_b": (404, 302),
    "uni": (403, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_org_detail_matrix(client, login, world, role):
    """ROLE-01 / ROLE-02 / SEC-01: an org's page is served to admins of the org or an ancestor;
    siblings, parents and anything outside the subtree get 404; a plain member gets 403."""
    c = as_role(login, world, role)
    got = tuple(c.get(f"/orgs/{getattr(world.tree, t).pk}/").status_code for t in ORG_TARGETS)
    assert got == ORG_DETAIL[role]


@pytest.mark.parametrize("role", ROLES)
def test_person_detail_matrix(client, login, world, role):
    """ROLE-02 / SEC-01: a person's page is served only when the person's branch or an active
    post lies in the acting org's subtree; otherwise 404."""
    c = as_role(login, world, role)
    got = tuple(c.get(f"/members/{world.people[t].pk}/").status_code for t in PERSON_TARGETS)
    assert got == PERSON_DETAIL[role]


@pytest.mark.parametrize("role", ROLES)
def test_reset_code_matrix(client, login, world, role):
    """ROLE-02 / ROLE-03 / ROLE-07 / SEC-01: a 重置密码验证码 is issued only by the person's own
    org or its direct superior (200, code stored); a grand-parent gets 403; out of scope 404;
    nothing is stored unless the answer is 200."""
    c = as_role(login, world, role)
    got = []
    for t in PERSON_TARGETS:
        person = world.people[t]
        response = c.post(f"/members/{person.pk}/reset-code/")
        got.append(response.status_code)
        stored = PasswordResetCode.objects.filter(person=person)
        if response.status_code == 200:
            assert stored.get().code in response.content.decode()
        else:
            assert not stored.exists()
    assert tuple(got) == RESET_CODE[role]


@pytest.mark.parametrize("role", ROLES)
def test_admin_change_for_sub_org_matrix(client, login, world, role):
    """ROLE-02 / ROLE-03 / SEC-01: 管理员变更 of a sub-org opens only for its direct superior;
    out of scope is 404 and a POST there changes nothing."""
    c = as_role(login, world, role)
    got = tuple(c.get(f"/members/admin-change/org/{getattr(world.tree, t).pk}/").status_code for t in SUB_ORG_TARGETS)
    assert got == ADMIN_CHANGE_SUB[role]
    for t in SUB_ORG_TARGETS:
        if ADMIN_CHANGE_SUB[role][SUB_ORG_TARGETS.index(t)] == 404:
            org = getattr(world.tree, t)
            post = CadrePost.objects.filter(org=org, admin_slot__isnull=False).get()
            response = c.post(f"/members/admin-change/org/{org.pk}/", {"post": post.pk, "action": "revoke"})
            assert response.status_code == 404
            post.refresh_from_db()
            assert post.is_admin


@pytest.mark.parametrize("role", ROLES)
def test_admin_request_matrix(client, login, world, role):
    """ROLE-02 / ROLE-03 / SEC-01: a 管理员变更 request is visible to the filing org and its
    ancestors, 404 elsewhere; only the direct superior's approval (302) takes effect."""
    c = as_role(login, world, role)
    viewed = tuple(c.get(f"/members/admin-change/requests/{world.requests[t].pk}/").status_code for t in "ab")
    assert viewed == ADMIN_REQUEST_VIEW[role]
    approved = []
    for t in REQUEST_TARGETS:
        req = world.requests[t]
        approved.append(c.post(f"/members/admin-change/requests/{req.pk}/", {"decision": "approve"}).status_code)
        req.refresh_from_db()
        req.post.refresh_from_db()
        took_effect = approved[-1] == 302
        assert req.state == ("approved" if took_effect else "pending")
        assert req.post.is_admin is took_effect
    assert tuple(approved) == ADMIN_REQUEST_APPROVE[role]


def test_matrix_has_every_role_and_a_b_symmetry():
    """ROLE-02: the tables above are complete and A/B symmetric (a typo can't hide a hole)."""
    for table, targets in (
        (ORG_DETAIL, ORG_TARGETS),
        (PERSON_DETAIL, PERSON_TARGETS),
        (RESET_CODE, PERSON_TARGETS),
        (ADMIN_CHANGE_SUB, SUB_ORG_TARGETS),
        (ADMIN_REQUEST_VIEW, REQUEST_TARGETS),
        (ADMIN_REQUEST_APPROVE, REQUEST_TARGETS),
    ):
        assert set(table) == set(ROLES) and all(len(row) == len(targets) for row in table.values())
        index = {t: i for i, t in enumerate(targets)}
        for role in ("branch_a", "col_a"):
            for t in targets:
                if t != "uni":
                    assert table[role][index[t]] == table[MIRROR[role]][index[MIRROR[t]]], (role, t)


MIRROR = {
    **{f"{k}_a": f"{k}_b" for k in ("branch", "col", "member", "cadre")},
    **{f"{k}_b": f"{k}_a" for k in ("branch", "col", "member", "cadre")},
    "a": "b",
    "b": "a",
}


# --- siblings: A and B never see each other ----------------------------------------------------


@pytest.mark.parametrize(("mine", "theirs"), [("a", "b"), ("b", "a")])
def test_sibling_college_gets_404_for_everything_of_the_other(client, login, world, mine, theirs):
    """ROLE-02 / SEC-01: the admin of one college gets 404 for the other college's org pages,
    people, reset codes, sub-org admin changes and admin requests, while its own open (control)."""
    t = world.tree
    c = login(world.admins[f"col_{mine}"])
    own = {
        "org": f"/orgs/{getattr(t, f'branch_{mine}').pk}/",
        "person": f"/members/{world.people[f'member_{mine}'].pk}/",
        "cadre": f"/members/{world.people[f'cadre_{mine}'].pk}/",
        "sub_admin": f"/members/admin-change/org/{getattr(t, f'branch_{mine}').pk}/",
        "request": f"/members/admin-change/requests/{world.requests[mine].pk}/",
    }
    other = {
        "college": f"/orgs/{getattr(t, f'col_{theirs}').pk}/",
        "org": f"/orgs/{getattr(t, f'branch_{theirs}').pk}/",
        "person": f"/members/{world.people[f'member_{theirs}'].pk}/",
        "cadre": f"/members/{world.people[f'cadre_{theirs}'].pk}/",
        "sub_admin": f"/members/admin-change/org/{getattr(t, f'branch_{theirs}').pk}/",
        "request": f"/members/admin-change/requests/{world.requests[theirs].pk}/",
    }
    assert {k: c.get(u).status_code for k, u in own.items()} == dict.fromkeys(own, 200)
    assert {k: c.get(u).status_code for k, u in other.items()} == dict.fromkeys(other, 404)
    for who in ("member", "cadre"):
        person = world.people[f"{who}_{theirs}"]
        assert c.post(f"/members/{person.pk}/reset-code/").status_code == 404
        assert not PasswordResetCode.objects.filter(person=person).exists()
    assert c.post(other["request"], {"decision": "approve"}).status_code == 404
    assert AdminChangeRequest.objects.get(pk=world.requests[theirs].pk).state == "pending"


@pytest.mark.parametrize(
    ("kind", "url", "model"),
    [
        ("org", "/orgs/{}/", Organization),
        ("person", "/members/{}/", Person),
        ("request", "/members/admin-change/requests/{}/", AdminChangeRequest),
        ("sub_admin", "/members/admin-change/org/{}/", Organization),
    ],
)
def test_out_of_scope_looks_exactly_like_nonexistent(client, login, world, kind, url, model):
    """ROLE-02 / SEC-01: an out-of-scope id answers the same 404 page as an id that doesn't
    exist (no existence leak)."""
    c = login(world.admins["col_a"])
    theirs = {
        "org": world.tree.branch_b.pk,
        "person": world.member_b.pk,
        "request": world.requests["b"].pk,
        "sub_admin": world.tree.branch_b.pk,
    }[kind]
    hidden = c.get(url.format(theirs))
    absent = c.get(url.format(missing_pk(model)))
    assert hidden.status_code == absent.status_code == 404
    assert without_tokens(hidden.content.decode()) == without_tokens(absent.content.decode())
    assert world.member_b.name not in hidden.content.decode()
    assert world.tree.branch_b.name not in hidden.content.decode()


@pytest.mark.parametrize(("mine", "theirs"), [("a", "b"), ("b", "a")])
def test_sibling_listings_never_show_the_other_side(client, login, world, mine, theirs):
    """ROLE-02 / SEC-01 / MEM-12: 团员列表 and 团干部列表 list the acting org's subtree only,
    also when searching for the other side's names."""
    c = login(world.admins[f"col_{mine}"])
    members = tbody(c.get("/members/"), "member-table")
    assert world.people[f"member_{mine}"].name in members
    assert world.people[f"member_{theirs}"].name not in members

    cadres = tbody(c.get("/members/cadres/"), "cadre-table")
    assert world.people[f"cadre_{mine}"].name in cadres
    assert world.admins[f"branch_{mine}"].name in cadres
    for hidden in (world.people[f"cadre_{theirs}"], world.admins[f"branch_{theirs}"], world.admins[f"col_{theirs}"]):
        assert hidden.name not in cadres
    assert world.admins["uni"].name not in cadres  # the parent is out of scope too

    for url, table, name in (
        ("/members/", "member-table", world.people[f"member_{theirs}"].name),
        ("/members/cadres/", "cadre-table", world.people[f"cadre_{theirs}"].name),
    ):
        found = tbody(c.get(url, {"q": name}), table)
        assert name not in found
        assert f"/members/{world.people[f'member_{theirs}'].pk}/" not in found


def test_common_parent_lists_both_sides(client, login, world):
    """ROLE-02: 测试大学团委's lists cover both colleges (control for the sibling tests)."""
    c = login(world.admins["uni"])
    members = tbody(c.get("/members/"), "member-table")
    cadres = tbody(c.get("/members/cadres/"), "cadre-table")
    assert world.member_a.name in members and world.member_b.name in members
    assert world.cadre_a.name in cadres and world.cadre_b.name in cadres


def test_plain_member_is_refused_admin_pages(client, login, world):
    """ROLE-01: a 团员 without an admin post has the personal center, not the admin pages."""
    c = login(world.member_a)
    assert c.get("/").status_code == 200
    assert c.get("/members/my-org/").status_code == 200
    for url in ("/members/", "/members/cadres/", "/orgs/mine/", "/orgs/children/", "/members/admin-change/"):
        response = c.get(url)
        assert response.status_code == 403, url
        assert NOT_ADMIN_REASON in response.content.decode()


# --- ROLE-03: the grand-parent views, the direct superior acts --------------------------------------


def test_grandparent_may_view_a_branch_members_page_but_not_issue_a_reset_code(client, login, world):
    """ROLE-03 / ROLE-07: 测试大学团委 (grand-parent of A1团支部) sees an A1 member's page, without
    the key button; generating a 重置密码验证码 is 403 with the 隔级无法操作 reason, and no code
    is stored."""
    c = login(world.admins["uni"])
    page = c.get(f"/members/{world.member_a.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.member_a.name in html and world.member_a.id_number in html
    assert f"/members/{world.member_a.pk}/reset-code/" not in html

    refused = c.post(f"/members/{world.member_a.pk}/reset-code/")
    assert refused.status_code == 403
    assert SKIP_LEVEL_REASON in refused.content.decode()
    assert not PasswordResetCode.objects.filter(person=world.member_a).exists()

    # and no key icon in its 团员列表 row for the A1 member
    assert f"/members/{world.member_a.pk}/reset-code/" not in tbody(c.get("/members/"), "member-table")


def test_direct_superior_issues_the_reset_code(client, login, world):
    """ROLE-03 / ROLE-07: 学院A团委, the direct superior of A1团支部, gets the key button and the code."""
    c = login(world.admins["col_a"])
    page = c.get(f"/members/{world.member_a.pk}/").content.decode()
    assert f"/members/{world.member_a.pk}/reset-code/" in page
    assert f"/members/{world.member_a.pk}/reset-code/" in tbody(c.get("/members/"), "member-table")
    response = c.post(f"/members/{world.member_a.pk}/reset-code/")
    assert response.status_code == 200
    code = PasswordResetCode.objects.get(person=world.member_a)
    assert code.code in response.content.decode() and code.created_by == world.admins["col_a"]


def test_grandparent_may_view_a_branch_request_but_not_approve(client, login, world):
    """ROLE-03 / ORG-12: 测试大学团委 can open the 管理员变更 request filed by A1团支部 (with the
    隔级无法操作 note and no 同意 button) but approving it is 403 with the Chinese reason, and
    the request and the post stay as they were."""
    req = world.requests["a"]
    c = login(world.admins["uni"])
    page = c.get(f"/members/admin-change/requests/{req.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert req.post.person.name in html and SKIP_LEVEL_REASON in html
    assert 'value="approve"' not in html

    for decision in ({"decision": "approve"}, {"decision": "reject", "note": "越级"}):
        refused = c.post(f"/members/admin-change/requests/{req.pk}/", decision)
        assert refused.status_code == 403
        assert "隔级无法操作：只有直属上级团组织的管理员可以办理此事项。" in refused.content.decode()
    req.refresh_from_db()
    req.post.refresh_from_db()
    assert req.state == "pending" and not req.post.is_admin


def test_direct_superior_approves_the_branch_request(client, login, world):
    """ROLE-03 / ORG-12: 学院A团委, the direct superior, sees the 同意 button and its approval applies."""
    req = world.requests["a"]
    c = login(world.admins["col_a"])
    assert 'value="approve"' in c.get(f"/members/admin-change/requests/{req.pk}/").content.decode()
    assert c.post(f"/members/admin-change/requests/{req.pk}/", {"decision": "approve"}).status_code == 302
    req.refresh_from_db()
    req.post.refresh_from_db()
    assert req.state == "approved" and req.post.is_admin


# --- constant queries -----------------------------------------------------------------------------


def _count_queries(c, url):
    c.get(url)  # warm-up: session, messages
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize(("url", "table"), [("/members/", "member-table"), ("/members/cadres/", "cadre-table")])
def test_lists_run_a_constant_number_of_queries(
    client, login, tree, django_assert_max_num_queries, url, table, settings
):
    """ROLE-02 / MEM-12: 团员列表 and 团干部列表 (scoped, with the per-row key icon) run the same
    number of queries for 5 people as for 50, spread over two branches."""
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 50}
    second = f.branch(tree.col_a, "A2团支部")
    branches = [tree.branch_a, second]

    def add(n, start):
        for i in range(start, start + n):
            person = f.person(f"成员{i:02d}", branch=branches[i % 2])
            if table == "cadre-table":
                CadrePost.objects.create(person=person, org=branches[i % 2], title=PostTitle.COMMITTEE_MEMBER)

    admin = f.admin_of(tree.col_a, "学院管理员")  # itself one cadre row in 团干部列表
    c = login(admin)
    add(5 if table == "member-table" else 4, 0)
    with_five = _count_queries(c, url)
    add(45, 5)
    with django_assert_max_num_queries(with_five):
        response = c.get(url)
    assert tbody(response, table).count("<tr") == 50  # one row per person or post


# --- 工作通知 (NTC-04) and 团员团干部注册审批 (REG-02): the same scope rules ----------------------------

NOTICE_TARGETS = ("a", "b")  # a notice published by 学院A团委 / 学院B团委 to their subtrees
NOTICE_VIEW = {
    "member": (403, 403),
    "branch_a": (200, 404),  # received
    "col_a": (200, 404),  # its own
    "branch_b": (404, 200),
    "col_b": (404, 200),
    "uni": (200, 200),  # published in its subtree
}
# who read it: the publisher and its ancestors, never a receiver
NOTICE_READS = {
    "member": (403, 403),
    "branch_a": (404, 404),
    "col_a": (200, 404),
    "branch_b": (404, 404),
    "col_b": (404, 200),
    "uni": (200, 200),
}
REGISTRATION_VIEW = {  # an application to A1团支部 / B1团支部
    "member": (403, 403),
    "branch_a": (200, 404),
    "col_a": (200, 404),
    "branch_b": (404, 200),
    "col_b": (404, 200),
    "uni": (200, 200),
}
REGISTRATION_APPROVE = {  # only the branch itself decides
    "member": (403, 403),
    "branch_a": (302, 404),
    "col_a": (403, 404),
    "branch_b": (404, 302),
    "col_b": (404, 403),
    "uni": (403, 403),
}


@pytest.fixture
def papers(world):
    """A notice of each college (with an attachment) and a pending application to each branch."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from members import registration
    from orgs import notices
    from tests.members.archive_helpers import pdf_bytes
    from tests.members.people_data import person_post

    t = world.tree
    world.notices = {
        side: notices.publish(
            getattr(t, f"col_{side}"),
            by=world.admins[f"col_{side}"],
            title=f"{side}学院通知",
            body="正文",
            uploads=[SimpleUploadedFile("附件.pdf", pdf_bytes())],
        )
        for side in "ab"
    }
    world.applications = {}
    for side in "ab":
        branch = getattr(t, f"branch_{side}")
        form = registration.RegistrationForm(person_post(name=f"{side}申请人"), org=branch)
        assert form.is_valid(), form.errors
        world.applications[side] = registration.apply(form, branch)
    return world


@pytest.mark.parametrize("role", ROLES)
def test_notice_matrix(client, login, papers, role):
    """NTC-04 / ROLE-02 / SEC-01: a notice, its attachment and its read rates follow the scope rules;
    the attachment answers exactly as its notice does."""
    c = as_role(login, papers, role)
    viewed, files, reads = [], [], []
    for t in NOTICE_TARGETS:
        notice = papers.notices[t]
        viewed.append(c.get(f"/orgs/notices/{notice.pk}/").status_code)
        files.append(c.get(f"/orgs/notices/files/{notice.attachments.get().pk}/").status_code)
        reads.append(c.get(f"/orgs/notices/{notice.pk}/reads/").status_code)
    assert tuple(viewed) == tuple(files) == NOTICE_VIEW[role]
    assert tuple(reads) == NOTICE_READS[role]


@pytest.mark.parametrize("role", ROLES)
def test_registration_matrix(client, login, papers, role):
    """REG-02 / ROLE-02 / SEC-07: an application is seen in the branch's subtree scope, decided by the
    branch only; out of scope is 404 and nothing happens unless the answer is 302."""
    from members.models import SelfRegistration

    c = as_role(login, papers, role)
    viewed = tuple(c.get(f"/members/join/approvals/{papers.applications[t].pk}/").status_code for t in "ab")
    assert viewed == REGISTRATION_VIEW[role]
    decided = []
    for t in "ab":
        reg = papers.applications[t]
        decided.append(c.post(f"/members/join/approvals/{reg.pk}/", {"decision": "approve"}).status_code)
        reg.refresh_from_db()
        assert (reg.state == SelfRegistration.State.APPROVED) is (decided[-1] == 302)
        assert Person.objects.filter(id_number=reg.id_number).exists() is (decided[-1] == 302)
    assert tuple(decided) == REGISTRATION_APPROVE[role]


def test_feature_matrices_are_symmetric():
    """ROLE-02: the notice and registration tables are complete and A/B symmetric."""
    for table in (NOTICE_VIEW, NOTICE_READS, REGISTRATION_VIEW, REGISTRATION_APPROVE):
        assert set(table) == set(ROLES) and all(len(row) == 2 for row in table.values())
        for role in ("branch_a", "col_a"):
            for i, t in enumerate("ab"):
                assert table[role][i] == table[MIRROR[role]]["ab".index(MIRROR[t])], (role, t)
