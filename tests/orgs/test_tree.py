"""The org tree (ORG-01, ORG-02, ORG-03, ROLE-05) and record history (BEY-05)."""

import pytest
from django.db import IntegrityError, transaction

from members.choices import PostTitle
from members.models import CadrePost, Person
from orgs.choices import BRANCH_KINDS, OrgCategory
from orgs.models import Organization
from orgs.services import suggest_full_name
from tests import factories as f
from zhtj.core.audit import acting_as, history_of


def test_subtree_is_one_range_query(tree, django_assert_num_queries):
    """ORG-01: any depth; a subtree is a range query on the MPTT bounds, not recursion."""
    with django_assert_num_queries(1):
        names = set(tree.uni.subtree().values_list("name", flat=True))
    assert names == {"测试大学团委", "学院A团委", "学院B团委", "A1团支部", "B1团支部"}
    assert tree.central.contains(tree.branch_b) and not tree.col_a.contains(tree.branch_b)
    assert tree.col_a.is_direct_superior_of(tree.branch_a) and not tree.uni.is_direct_superior_of(tree.branch_a)


def test_branch_kinds_are_the_special_categories(db):
    """ORG-02: the six special branch categories are branch kinds, the committees are not."""
    assert OrgCategory.GRADUATE in BRANCH_KINDS and OrgCategory.SPECIAL_UNIT_POOL in BRANCH_KINDS
    assert OrgCategory.GENERAL_BRANCH not in BRANCH_KINDS
    org = f.OrgFactory(category=OrgCategory.FLOATING)
    assert org.is_branch_kind


@pytest.mark.parametrize("category", [OrgCategory.COMMITTEE, OrgCategory.WORKING_COMMITTEE, OrgCategory.GENERAL_BRANCH])
def test_member_relation_only_in_branch_kinds(tree, category):
    """ORG-03 / ROLE-05: the database refuses a member relation in a 团委/团工委/团总支, on any path."""
    committee = f.OrgFactory(parent=tree.uni, category=category)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.person("误入", branch=committee)
    member = f.person("团员", branch=tree.branch_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=member.pk).update(branch=committee)
    member.refresh_from_db()
    assert member.branch == tree.branch_a


def test_org_with_members_cannot_stop_being_a_branch(tree):
    """ORG-03: an org holding members can't be turned into a committee kind."""
    f.person("团员", branch=tree.branch_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=tree.branch_a.pk).update(category=OrgCategory.COMMITTEE, is_branch_kind=False)


def test_is_branch_kind_cannot_disagree_with_category(tree):
    """ORG-03: the derived column is checked against the category by a constraint."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=tree.col_a.pk).update(is_branch_kind=True)


def test_one_relation_many_posts(tree):
    """ROLE-05: one 团支部 relation; cadre posts may be in many orgs."""
    p = f.person("多岗", branch=tree.branch_a)
    for org in (tree.branch_a, tree.col_a, tree.uni):
        CadrePost.objects.create(person=p, org=org, title=PostTitle.COMMITTEE_MEMBER)
    assert sorted(o.name for o in p.own_orgs()) == sorted(["A1团支部", "学院A团委", "测试大学团委"])
    assert p.branch == tree.branch_a


def test_leadership_level_only_on_leadership_organs(tree):
    """ORG-01 / ORG-02: leadership organs carry a level; other orgs can't."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=tree.uni.pk).update(leadership_level=2)


def test_full_name_is_generated_from_ancestors(tree):
    """ORG-05 (groundwork): the suggested 组织全称 joins the grassroots units and the short name."""
    assert suggest_full_name(tree.col_a, "2023级团总支") == "测试大学学院A2023级团总支"
    assert suggest_full_name(tree.city, "测试大学团委") == "测试大学团委"


def test_full_name_never_repeats_a_year_or_a_prefix(tree):
    """Issue 21 / ORG-05: a unit the short name (or a lower unit) already says is written once:
    not "…学院A2023级计算机专业2023级4班团支部", not "长江路街道长江路街道流动团员团支部"."""
    grade = f.OrgFactory(name="2023级团总支", parent=tree.col_a, category=OrgCategory.GENERAL_BRANCH)
    assert suggest_full_name(grade, "计算机专业2023级4班团支部") == "测试大学学院A计算机专业2023级4班团支部"
    assert suggest_full_name(grade, "4班团支部") == "测试大学学院A2023级4班团支部"
    street = f.OrgFactory(name="长江路街道团工委", parent=tree.city, category=OrgCategory.WORKING_COMMITTEE)
    assert suggest_full_name(street, "长江路街道流动团员团支部") == "长江路街道流动团员团支部"
    school = f.OrgFactory(name="测试大学计算机学院团委", parent=tree.uni)
    assert suggest_full_name(school, "软件工程团支部") == "测试大学计算机学院软件工程团支部"


def test_org_and_person_changes_are_recorded(tree):
    """BEY-05: who changed what, when, before and after — for orgs and people."""
    admin = f.admin_of(tree.col_a)
    with acting_as(admin, tree.col_a.pk):
        tree.branch_a.phone = "0532-12345678"
        tree.branch_a.save()
        member = f.person("王五", branch=tree.branch_a)
        member.mobile = "13900000000"
        member.save()
    org_log = history_of(tree.branch_a).first()
    assert org_log.actor == admin and org_log.acting_org_id == tree.col_a.pk
    assert org_log.changes["phone"] == ["", "0532-12345678"]
    person_log = history_of(member).first()
    assert person_log.action == "update" and person_log.changes == {"mobile": ["", "13900000000"]}
    assert history_of(member).filter(action="create").exists()


def test_first_admin_login_is_recorded(client, tree):
    """ORG-11 (groundwork): 是否已登录过系统 — the first login of any admin stamps the org, once."""
    admin = f.admin_of(tree.branch_a, password="Zhtj-pass-2026")
    assert client.post("/login/", {"username": admin.id_number, "password": "Zhtj-pass-2026"}).status_code == 302
    tree.branch_a.refresh_from_db()
    first = tree.branch_a.first_admin_login_at
    assert first is not None
    client.post("/logout/")
    client.post("/login/", {"username": admin.id_number, "password": "Zhtj-pass-2026"})
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.first_admin_login_at == first
    tree.branch_b.refresh_from_db()
    assert tree.branch_b.first_admin_login_at is None


def test_ancestors_by_parent_pointers_match_mptt(tree, django_assert_num_queries):
    """core.tree.ancestors: the same ancestors as MPTT's range query, root first, in one query."""
    from zhtj.core.tree import ancestors

    for org in (tree.branch_a, tree.col_b, tree.province, tree.central):
        expected = list(org.get_ancestors().values_list("pk", "level"))
        with django_assert_num_queries(1):
            assert ancestors(org) == expected
        assert ancestors(org, include_self=True) == [*expected, (org.pk, org.level)]
