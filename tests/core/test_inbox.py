"""操作中心 (OPC-01, OPC-02)."""

import pytest

from members.choices import PostTitle
from members.models import CadrePost
from members.services import request_admin_change
from tests import factories as f
from zhtj.core import inbox


@pytest.fixture
def two_requests(tree):
    """委员甲 of a second branch of 学院A团委 and 委员乙 of A1团支部 wait for 学院A团委 (one each: a
    branch with an admin may have one 添加 waiting, ORG-12)."""
    return [_request_for(f.branch(tree.col_a, "A2团支部"), "委员甲"), _request_for(tree.branch_a, "委员乙")]


def _request_for(branch, name):
    secretary = f.admin_of(branch, f"{branch.name}支书")
    post = CadrePost.objects.create(person=f.person(name), org=branch, title=PostTitle.COMMITTEE_MEMBER)
    return request_admin_change(post, "add", by=secretary)


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
    """OPC-02: the counts are one query, whatever the number of items or of providers."""
    for i in range(30):
        _request_for(f.branch(tree.col_a, f"A{i + 2}团支部"), f"委员{i}")
    c = login(f.admin_of(tree.col_a))
    # The header badge and the page's counts are one UNION query each; the item list asks each
    # org provider once for its first page.
    per_kind = len(inbox.kinds_for(c.get("/inbox/").wsgi_request))
    with django_assert_max_num_queries(10 + per_kind):
        assert c.get("/inbox/").status_code == 200


def test_header_count_is_one_query_for_every_provider(rf, tree, django_assert_num_queries):
    """OPC-02: the header badge sums every registered provider in a single UNION ALL query."""
    _request_for(tree.branch_a, "委员")
    request = rf.get("/")
    request.user, request.acting_org = f.admin_of(tree.col_a), tree.col_a
    assert len(inbox.kinds_for(request)) > 3
    with django_assert_num_queries(1):
        counts = inbox.counts(request)
    assert counts["admin_change"] == 1 and sum(counts.values()) == 1


def _tab_labels(page):
    import re

    tabs = page.split('id="inbox-tabs"', 1)[1].split("</ul>", 1)[0]
    return [label.strip() for label in re.findall(r'href="\?kind=[^"]+">([^<]+)<span', tabs)]


BRANCH_KINDS = ["年度团籍注册", "团员团干部注册审批", "组织关系转接", "团内激励认证"]
PROVINCE_ONLY = {"毕业时间更正", "删除人员申请", "自检表更正"}


def test_a_branch_sees_only_the_kinds_it_can_have(login, tree):
    """Issue 21: a 团支部's 操作中心 and its 组织首页 card show the four kinds a branch can have, not
    12 always-zero counters (the kinds are data: core.inbox.Kind.can_have)."""
    c = login(f.admin_of(tree.branch_a))
    assert _tab_labels(c.get("/inbox/").content.decode()) == BRANCH_KINDS
    home = c.get("/").content.decode().split('操作中心<a class="small"', 1)[1].split("</ul>", 1)[0]
    assert all(label in home for label in BRANCH_KINDS)
    assert not any(label in home for label in PROVINCE_ONLY | {"管理员变更", "自检表审核", "团员电子档案审批"})


def test_each_role_sees_the_kinds_it_decides(login, tree):
    """The province decides corrections and deletions; a 团委 its sub-orgs' requests and archives;
    the personal center only the member's own transfer."""
    province = _tab_labels(login(f.admin_of(tree.province)).get("/inbox/").content.decode())
    assert set(province) >= PROVINCE_ONLY and "年度团籍注册" not in province
    committee = _tab_labels(login(f.admin_of(tree.col_a)).get("/inbox/").content.decode())
    assert {"管理员变更", "自检表审核", "对标定级复核", "团员电子档案审批"} <= set(committee)
    assert not PROVINCE_ONLY & set(committee) and "团员团干部注册审批" not in committee
    member = f.person("团员", branch=tree.branch_a, password="Zhtj-pass-2026")
    assert _tab_labels(login(member).get("/inbox/").content.decode()) == ["组织关系转接进度"]


def test_a_kind_an_org_cannot_have_is_refused_as_a_filter(login, tree):
    """?kind= of a kind the branch can't have falls back to 所有类型 (nothing leaks, no 500)."""
    page = login(f.admin_of(tree.branch_a)).get("/inbox/?kind=person_deletion").content.decode()
    assert 'nav-link active" href="/inbox/">所有类型' in page
