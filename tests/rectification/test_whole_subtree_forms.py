"""整理整顿团支部 → 全部下级团支部 (`?scope=all`) in its two forms (issue 18): 团中央, whose subtree
holds every org (`core.tree.holds_every_org`), checks the year's records in one pass over them; any
smaller subtree looks up the records of its own few orgs that are no branch. Both list exactly what
the rule says -- every branch below, and an org that is no branch only with a record this year
(GRD-05), never a pool (ORG-02) -- with the same queries at two sizes (REC-08, ROLE-03)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.choices import POOL_CATEGORIES, LeadershipLevel, OrgCategory
from orgs.models import Organization
from rectification.models import CampaignRecord
from tests import factories as f
from zhtj.core.tree import contains, holds_every_org

LIST = "/rectification/branches/?scope=all"
YEAR = 2026  # the campaign year of the `camp` clock


def general_branch(parent, name, *record_years):
    org = f.OrgFactory(name=name, parent=parent, category=OrgCategory.GENERAL_BRANCH)
    for year in record_years:
        CampaignRecord.objects.create(branch=org, year=year)
    return org


@pytest.fixture
def country(camp):
    """The campaign's 团山东省委, and 团广东省委 beside it: in each, branches, a 团总支 made a key
    branch this year (listed), one with last year's record and one with none (not listed), and a
    pool with a record (never listed)."""
    central, shandong = camp.tree.central, camp.tree.province
    guangdong = f.leadership("团广东省委", central, LeadershipLevel.PROVINCE)
    school = f.OrgFactory(name="广州某大学团委", parent=guangdong)
    for i in range(2):
        f.branch(school, f"广州{i}班团支部")
    for parent, prefix in ((camp.committee, "学院"), (school, "广州")):
        general_branch(parent, f"{prefix}不予定级团总支", YEAR)
        general_branch(parent, f"{prefix}去年团总支", YEAR - 1)
        general_branch(parent, f"{prefix}无记录团总支")
    for province in (shandong, guangdong):
        pool = f.OrgFactory(
            name=f"{province.name}特殊单位专属库", parent=province, category=OrgCategory.SPECIAL_UNIT_POOL
        )
        CampaignRecord.objects.create(branch=pool, year=YEAR)
    camp.guangdong = guangdong
    camp.central_admin = f.admin_of(central, "团中央管理员")
    return camp


def expected(acting):
    """The rule, org by org in Python: below `acting`, no pool, a branch or a record this year."""
    recorded = set(CampaignRecord.objects.filter(year=YEAR).values_list("branch_id", flat=True))
    return {
        org.pk
        for org in Organization.objects.all()
        if org.pk != acting.pk
        and contains(acting, org)
        and org.category not in POOL_CATEGORIES
        and (org.is_branch_kind or org.pk in recorded)
    }


def listed(client):
    page = client.get(LIST).content.decode()
    return {int(pk) for pk in re.findall(r'data-org="(\d+)"', page)}, page


def test_both_forms_list_what_the_rule_says(country, login):
    """团中央 (the form for a subtree holding every org) and 团山东省委 (the subtree form) each list
    exactly the orgs the rule gives: their branches and this year's 团总支, not last year's, not a
    record-less one, no pool; the province nothing of 广东."""
    central, shandong = country.tree.central, country.tree.province
    assert holds_every_org(central) and not holds_every_org(shandong)
    rows, page = listed(login(country.central_admin, central))
    assert rows == expected(central) and len(rows) == 12 and f"共 {len(rows)} 个团支部" in page
    names = set(Organization.objects.filter(pk__in=rows).values_list("name", flat=True))
    assert {"学院不予定级团总支", "广州不予定级团总支", "广州0班团支部"} <= names
    assert not names & {"学院去年团总支", "学院无记录团总支", "团山东省委特殊单位专属库"}
    rows, page = listed(login(country.province_admin, shandong))
    assert rows == expected(shandong) and len(rows) == 9 and f"共 {len(rows)} 个团支部" in page
    assert country.guangdong.pk not in rows and not rows & expected(country.guangdong)


def test_a_second_root_turns_central_to_the_subtree_form(country, login):
    """With another top org in the data, 团中央's subtree no longer holds every org: it takes the
    subtree form and lists none of that root's orgs, its own as before."""
    central = country.tree.central
    before = expected(central)
    other = f.leadership("另一个根组织")
    f.branch(other, "根外团支部")
    general_branch(other, "根外团总支", YEAR)
    assert not holds_every_org(central)
    rows, _ = listed(login(country.central_admin, central))
    assert rows == expected(central) == before


def _queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


def test_each_form_runs_the_same_queries_at_two_sizes(country, login):
    """One page, one count, whatever the subtree holds: 团中央 and a province at two sizes (three
    more branches and a 团总支 with a record in each province) run the same number of queries."""
    central, shandong = country.tree.central, country.tree.province
    small = (_queries(login(country.central_admin, central)), _queries(login(country.province_admin, shandong)))
    for parent in (country.committee, Organization.objects.get(name="广州某大学团委")):
        for i in range(3):
            f.branch(parent, f"{parent.name}新{i}团支部")
        general_branch(parent, f"{parent.name}新团总支", YEAR)
    large = (_queries(login(country.central_admin, central)), _queries(login(country.province_admin, shandong)))
    assert large == small
    assert len(listed(login(country.province_admin, shandong))[0]) == 13
