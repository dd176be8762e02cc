"""操作中心 (OPC-01, OPC-02)."""

import pytest

from members.choices import PostTitle
from members.models import CadrePost
from members.services import request_admin_change
from tests import factories as f
from zhtj.core import inbox


@pytest.fixture
def two_requests(tree):
    secretary = f.admin_of(tree.branch_a, "支书")
    posts = [
        CadrePost.objects.create(person=f.person(name), org=tree.branch_a, title=PostTitle.COMMITTEE_MEMBER)
        for name in ("委员甲", "委员乙")
    ]
    return [request_admin_change(p, "add", by=secretary) for p in posts]


def test_inbox_lists_pending_with_type_filter(client, login, tree, two_requests):
    """OPC-01: one inbox with a 所有类型 filter; each kind's tab lists its items; unknown kinds fall back."""
    c = login(f.admin_of(tree.col_a))
    page = c.get("/inbox/").content.decode()
    assert "所有类型" in page and "委员甲" in page and "委员乙" in page
    assert c.get("/inbox/?kind=admin_change").content.decode().count("办理") >= 2
    assert c.get("/inbox/?kind=<script>").status_code == 200


def test_header_shows_pending_count(client, login, tree, two_requests):
    """OPC-02: the header shows the acting admin's pending count."""
    page = login(f.admin_of(tree.col_a)).get("/").content.decode()
    assert 'id="inbox-count" title="待办事项">2<' in page


def test_item_handled_by_one_admin_leaves_the_others_list(client, login, tree, two_requests, rf):
    """OPC-02: once any entitled admin handles an item it leaves every admin's 待办."""
    first, second = f.admin_of(tree.col_a, "管理员一"), f.admin_of(tree.col_a, "管理员二")
    login(first).post(f"/members/admin-change/requests/{two_requests[0].pk}/", {"decision": "approve"})
    page = login(second).get("/inbox/").content.decode()
    assert "委员甲" not in page and "委员乙" in page
    assert 'title="待办事项">1<' in page


def test_grandparent_and_sibling_do_not_see_items(client, login, tree, two_requests):
    """OPC-01 / ROLE-03: only the direct superior's inbox holds the item."""
    for org in (tree.uni, tree.col_b, tree.branch_a):
        assert 'title="待办事项">0<' in login(f.admin_of(org)).get("/").content.decode()


def test_submitter_sees_result_as_notification(client, login, tree, two_requests):
    """OPC-01: the results of what this org submitted show in its 操作中心."""
    login(f.admin_of(tree.col_a)).post(
        f"/members/admin-change/requests/{two_requests[1].pk}/", {"decision": "reject", "note": "人选待定"}
    )
    page = login(f.admin_of(tree.branch_a, "副管理员")).get("/inbox/").content.decode()
    assert "不同意（人选待定）" in page


def test_member_inbox_shows_personal_notifications(client, login, tree):
    """OPC-01: members have their own 操作中心 (results addressed to them)."""
    member = f.person("团员", branch=tree.branch_a, password="Zhtj-pass-2026")
    inbox.notify(person=member, kind="transfer", text="您的组织关系转接申请已通过")
    page = login(member).get("/inbox/").content.decode()
    assert "您的组织关系转接申请已通过" in page


def test_inbox_counts_are_constant_queries(client, login, tree, django_assert_max_num_queries):
    """OPC-02: the count is one COUNT per provider, whatever the number of items."""
    secretary = f.admin_of(tree.branch_a, "支书")
    for i in range(30):
        post = CadrePost.objects.create(
            person=f.person(f"委员{i}"), org=tree.branch_a, title=PostTitle.COMMITTEE_MEMBER
        )
        request_admin_change(post, "add", by=secretary)
    c = login(f.admin_of(tree.col_a))
    # A fixed base plus a few per registered org provider (header badge, page counts, items).
    per_provider = 3 * sum(1 for p in inbox._providers.values() if p.audience == "org")
    with django_assert_max_num_queries(9 + per_provider):
        assert c.get("/inbox/").status_code == 200
