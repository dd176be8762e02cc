"""管理下级组织 → 删除 (ORG-13) and the 可删除 flag of emptied graduate orgs."""

import re
from datetime import date

import pytest

from members.choices import PostTitle
from members.models import CadrePost
from orgs.choices import OrgCategory
from orgs.models import AdminRegistrationCode, Organization
from orgs.suborgs import SubOrgRefused, code_refusal, delete_blockers, delete_suborg, with_holdings
from tests import factories as f
from tests.forest import assert_forest_consistent
from zhtj.core.models import AuditLog

PASSWORD = "Zhtj-pass-2026"


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


@pytest.fixture
def col_a_client(tree, login):
    """The client acting as the admin of 学院A团委, parent of A1团支部."""
    return login(f.admin_of(tree.col_a, "学院A书记"))


def delete_url(org):
    return f"/orgs/{org.pk}/delete/"


def message_of(response):
    return " ".join(re.findall(r'role="alert">\s*(.*?)<button', response.content.decode(), re.S))


def test_empty_sub_org_is_deleted_with_an_audit_row(tree, col_a_client):
    """ORG-13 / BEY-05: an empty direct sub-org is deleted; an audit row (who, what) stays; the
    tree closes the gap."""
    empty = f.branch(tree.col_a, "空团支部")
    pk = empty.pk
    r = col_a_client.post(delete_url(empty))
    assert r.status_code == 302 and r["Location"] == "/orgs/children/"
    assert not Organization.objects.filter(pk=pk).exists()
    log = AuditLog.objects.get(object_id=pk, action="delete", content_type__model="organization")
    assert log.actor.name == "学院A书记" and log.acting_org_id == tree.col_a.pk
    assert log.changes == {
        "name": ["空团支部", None],
        "full_name": [empty.full_name, None],
        "category": ["branch", None],
        "parent_id": [tree.col_a.pk, None],
    }
    assert log.note == "删除下级组织：空团支部"
    assert "已删除下级组织“空团支部”" in col_a_client.get("/orgs/children/").content.decode()
    assert_forest_consistent()


@pytest.mark.parametrize(
    ("fill", "says"),
    [
        ("admin", "1名管理员"),
        ("cadre", "1名团干部"),
        ("members", "2名团员"),
        ("sub_org", "1个下级组织"),
    ],
)
def test_sub_org_still_holding_something_is_refused(tree, login, fill, says):
    """ORG-13: an org with admins, active cadres, members or sub-orgs is not deleted: 409 and a
    message saying what is still in it and what to do first."""
    target = f.OrgFactory(name="待删团委", parent=tree.uni) if fill == "sub_org" else f.branch(tree.uni, "待删团支部")
    if fill == "admin":
        f.admin_of(target, "待删管理员")
    elif fill == "cadre":
        CadrePost.objects.create(person=f.person("委员"), org=target, title=PostTitle.COMMITTEE_MEMBER)
    elif fill == "members":
        f.person("团员甲", branch=target)
        f.person("团员乙", branch=target)
    else:
        f.branch(target, "下级团支部")
    c = login(f.admin_of(tree.uni, "大学书记"))
    r = c.post(delete_url(target))
    assert r.status_code == 409
    text = message_of(r)
    assert f"不能删除“{target.name}”：该组织还有{says}" in text
    assert "请先撤销管理员、清空成员、删除下级组织后再删除。" in text
    assert Organization.objects.filter(pk=target.pk).exists()
    assert not AuditLog.objects.filter(object_id=target.pk, action="delete").exists()
    assert 'id="sub-orgs"' in r.content.decode()  # the list is shown again with the message
    assert_forest_consistent()


def test_message_lists_everything_left(tree, col_a_client):
    """ORG-13: the refusal names all that is left, e.g. 2名团员、1个下级组织."""
    f.person("团员甲", branch=tree.branch_a)
    f.person("团员乙", branch=tree.branch_a)
    f.admin_of(tree.branch_a, "支书")
    r = col_a_client.post(delete_url(tree.branch_a))
    assert r.status_code == 409
    assert "该组织还有1名管理员、2名团员，请先撤销管理员、清空成员、删除下级组织后再删除。" in message_of(r)


def test_ended_posts_and_codes_go_with_the_org(tree, col_a_client):
    """ORG-13: ended cadre posts (history of the org) and its 管理员注册码 don't block the delete."""
    target = f.branch(tree.col_a, "已清空团支部")
    person = f.person("前任书记")
    post = CadrePost.objects.create(person=person, org=target, title=PostTitle.SECRETARY, ended_on=date(2024, 1, 1))
    AdminRegistrationCode.objects.create(org=target, code="Ab3dEf7h", expires_at=target.created_at)
    r = col_a_client.post(delete_url(target))
    assert r.status_code == 302
    assert not Organization.objects.filter(pk=target.pk).exists()
    assert not CadrePost.objects.filter(pk=post.pk).exists()
    assert not AdminRegistrationCode.objects.filter(code="Ab3dEf7h").exists()
    person.refresh_from_db()  # the person stays


def test_only_direct_sub_orgs_can_be_deleted(tree, login):
    """ORG-13 / ROLE-02 / ROLE-03: a grand-child, a sibling subtree's org, the acting org itself
    and an unknown id are all 404; GET is not allowed."""
    uni = login(f.admin_of(tree.uni, "大学书记"))
    assert uni.post(delete_url(tree.branch_a)).status_code == 404  # grand-child
    assert uni.post(delete_url(tree.uni)).status_code == 404  # itself
    assert uni.post(delete_url(tree.city)).status_code == 404  # its parent
    assert uni.post("/orgs/999999/delete/").status_code == 404
    col_a = login(f.admin_of(tree.col_a, "学院A书记"))
    assert col_a.post(delete_url(tree.branch_b)).status_code == 404  # the other college's branch
    assert col_a.get(delete_url(tree.branch_a)).status_code == 405
    assert Organization.objects.filter(pk__in=[tree.branch_a.pk, tree.branch_b.pk, tree.uni.pk]).count() == 3


def test_member_cannot_delete(tree, login):
    """ROLE-02: a person acting for no org gets 403."""
    member = f.person("团员", branch=tree.branch_a, password=PASSWORD)
    r = login(member).post(delete_url(tree.branch_a))
    assert r.status_code == 403
    assert Organization.objects.filter(pk=tree.branch_a.pk).exists()


def test_emptied_graduate_org_is_flagged_for_deletion(tree, login, django_assert_max_num_queries):
    """ORG-13: in 管理下级组织 a 毕业生团组织 whose members have all transferred out shows 可删除;
    one that still has members, and ordinary empty branches, don't. The list stays a constant
    number of queries on hundreds of sub-orgs."""
    emptied = f.OrgFactory(name="2020届毕业生团支部", parent=tree.uni, category=OrgCategory.GRADUATE)
    still = f.OrgFactory(name="2021届毕业生团支部", parent=tree.uni, category=OrgCategory.GRADUATE)
    f.person("未转出", branch=still)
    for i in range(300):
        f.branch(tree.uni, f"第{i}团支部")
    c = login(f.admin_of(tree.uni, "大学书记"))
    with django_assert_max_num_queries(15):
        html = c.get("/orgs/children/").content.decode()
    rows = dict(re.findall(r'<tr data-org="(\d+)">(.*?)</tr>', html, re.S))
    assert len(rows) == 50 and "共 304 条" in html  # paginated (issue 17); the graduate orgs sort first
    assert str(emptied.pk) in rows and str(still.pk) in rows
    assert "可删除" in rows[str(emptied.pk)]
    assert "可删除" not in rows[str(still.pk)]
    assert html.count(">可删除</span>") == 1
    r = c.post(delete_url(emptied))
    assert r.status_code == 302 and not Organization.objects.filter(pk=emptied.pk).exists()


def test_a_record_the_checks_dont_know_still_blocks_cleanly(tree, col_a_client, monkeypatch):
    """ORG-13 / SEC-04 / SEC-06: should another app's record still point at the org (a protected
    foreign key the checks don't list), the delete is refused with 409 and rolled back whole:
    no audit row, the tree's bounds untouched."""
    f.person("团员", branch=tree.branch_a)
    monkeypatch.setattr("orgs.suborgs.delete_blockers", lambda org: [])
    r = col_a_client.post(delete_url(tree.branch_a))
    assert r.status_code == 409
    assert message_of(r) == "不能删除“A1团支部”：该组织还有关联的业务记录（如转接、激励记录），暂不能删除。"
    assert Organization.objects.filter(pk=tree.branch_a.pk).exists()
    assert not AuditLog.objects.filter(object_id=tree.branch_a.pk, action="delete").exists()
    assert_forest_consistent()


def test_delete_button_only_on_rows_the_service_would_delete(tree, col_a_client):
    """ORG-13: 管理下级组织 offers 删除 only on an empty sub-org (the same delete_blockers the
    service asks); a member makes it go, with the list still one query for its holdings."""
    empty = f.branch(tree.col_a, "空团支部")
    page = col_a_client.get("/orgs/children/").content.decode()
    assert delete_url(empty) in page and delete_url(tree.branch_a) in page
    f.person("成员", branch=empty)
    page = col_a_client.get("/orgs/children/").content.decode()
    assert delete_url(empty) not in page


def test_holdings_counted_each_in_its_place(tree, django_assert_num_queries):
    """ORG-13 / ORG-12: admins, other active cadres (an ended post is history, not a holding),
    members and sub-orgs are each counted apart, named in that order; an org that came with
    `with_holdings` is not counted again (no query)."""
    target = tree.branch_a
    f.admin_of(target, "管理员")
    CadrePost.objects.create(person=f.person("委员"), org=target, title=PostTitle.COMMITTEE_MEMBER)
    CadrePost.objects.create(
        person=f.person("前任委员"), org=target, title=PostTitle.COMMITTEE_MEMBER, ended_on=date(2024, 1, 1)
    )
    for name in ("甲", "乙", "丙"):
        f.person(name, branch=target)
    assert delete_blockers(target) == ["1名管理员", "1名团干部", "3名团员"]
    assert delete_blockers(tree.col_a) == ["1个下级组织"]
    assert delete_blockers(f.branch(tree.col_a, "空团支部")) == []
    listed = {o.pk: o for o in with_holdings(Organization.objects.filter(parent=tree.col_a))}
    with django_assert_num_queries(0):
        assert delete_blockers(listed[target.pk]) == ["1名管理员", "1名团干部", "3名团员"]
        assert code_refusal(listed[target.pk]) is None


def test_admin_code_refused_at_the_admin_limit(tree, settings, django_assert_num_queries):
    """ORG-09 / ORG-12 at the default (2): one admin, a code is still useful; two, it is refused
    with the counts; an org read with `with_holdings` is not counted again."""
    f.admin_of(tree.branch_a, "一号")
    assert code_refusal(tree.branch_a) is None
    f.admin_of(tree.branch_a, "二号")
    message = "A1团支部已有2名管理员（每个组织最多2名），无需管理员注册码；如需更换管理员，请通过管理员变更办理。"
    assert code_refusal(tree.branch_a) == message
    listed = with_holdings(Organization.objects.filter(pk=tree.branch_a.pk)).get()
    with django_assert_num_queries(0):
        assert code_refusal(listed) == message
    settings.ZHTJ = {**settings.ZHTJ, "ADMINS_PER_ORG": 3}
    assert code_refusal(tree.branch_a) is None


def test_delete_suborg_itself(tree):
    """ORG-13: the service deletes an emptied org with its ended posts, and refuses one still
    holding something in words that list it all."""
    emptied = f.branch(tree.col_a, "已清空团支部")
    ended = CadrePost.objects.create(
        person=f.person("前任"), org=emptied, title=PostTitle.SECRETARY, ended_on=date(2024, 1, 1)
    )
    assert delete_suborg(emptied).name == "已清空团支部"
    assert not Organization.objects.filter(pk=emptied.pk).exists()
    assert not CadrePost.objects.filter(pk=ended.pk).exists()
    f.person("团员", branch=tree.branch_a)
    with pytest.raises(SubOrgRefused) as refused:
        delete_suborg(tree.col_a)
    assert str(refused.value) == "该组织还有1个下级组织，请先撤销管理员、清空成员、删除下级组织后再删除。"
    assert_forest_consistent()
