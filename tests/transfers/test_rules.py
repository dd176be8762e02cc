"""TRF-06, TRF-09, TRF-13: rules on the way."""

import pytest

from members.choices import Occupation
from orgs.choices import Industry, LeadershipLevel, OrgCategory
from tests import factories as f
from transfers import services
from transfers.choices import Destination, Reason
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def guangdong(tree):
    prov = f.leadership("团广东省委", tree.central, LeadershipLevel.PROVINCE)
    committee = f.OrgFactory(name="广州某公司团委", parent=prov)
    return committee, f.branch(committee, "广州某公司第一团支部")


def test_guangdong_target_must_be_branch(tree, member, guangdong):
    """TRF-06: a target in 北京/广东/福建 must be a specific 团支部."""
    committee, branch = guangdong
    with pytest.raises(services.TransferError, match="具体的团支部"):
        services.start_by_member(member, committee, reason=Reason.JOB_CHANGE)
    assert services.start_by_member(member, branch, reason=Reason.JOB_CHANGE)


def test_other_provinces_may_target_committee(tree, member):
    """TRF-06 applies only to the listed provinces (团山东省委 isn't)."""
    assert services.start_by_member(member, tree.col_b, reason=Reason.JOB_CHANGE, school_name="x", school_address="y")


def _org(tree, category=OrgCategory.BRANCH, industry="", under="city"):
    return f.OrgFactory(parent=getattr(tree, under), category=category, industry=industry)


@pytest.mark.parametrize(
    "destination, good, bad",
    [
        (Destination.EMPLOYED, ("branch", Industry.PRIVATE_ENTERPRISE), ("branch", Industry.UNIVERSITY)),
        (Destination.FURTHER_STUDY, ("branch", Industry.UNIVERSITY), ("floating", Industry.STREET)),
        (Destination.MILITARY, ("special_unit_pool", ""), ("branch", Industry.MILITARY)),
        (Destination.UNEMPLOYED, ("floating", ""), ("branch", Industry.PRIVATE_ENTERPRISE)),
        (Destination.STUDY_ABROAD, ("abroad", Industry.UNIVERSITY, "uni"), ("branch", Industry.UNIVERSITY, "uni")),
        (Destination.WORK_ABROAD, ("branch", Industry.STREET), ("branch", Industry.UNIVERSITY)),
        (
            Destination.DELAYED,
            ("delayed_graduation", Industry.UNIVERSITY, "uni"),
            ("graduate", Industry.UNIVERSITY, "uni"),
        ),
    ],
)
def test_graduate_destinations(tree, admins, member, destination, good, bad):
    """TRF-09: each 学社衔接 destination type accepts only its kind of target."""
    bad_org = _org(tree, *bad)
    with pytest.raises(services.TransferError):
        services.start_outbound(
            tree.col_a, [member], bad_org, by=admins.col_a, reason=Reason.GRADUATION, destination=destination
        )
    (t,) = services.start_outbound(
        tree.col_a, [member], _org(tree, *good), by=admins.col_a, reason=Reason.GRADUATION, destination=destination
    )
    assert t.is_graduate


@pytest.mark.parametrize(
    "destination, category",
    [(Destination.STUDY_ABROAD, OrgCategory.ABROAD), (Destination.DELAYED, OrgCategory.DELAYED_GRADUATION)],
)
def test_abroad_and_delayed_stay_at_own_school(tree, admins, member, destination, category):
    """TRF-09: study abroad stays in the school's OWN 出国(境)学习研究团员团支部, delayed graduation
    goes to the school's own 延迟毕业团组织 — the same kind of org at another school is refused."""
    other_school = f.OrgFactory(parent=tree.city, name="另一所大学团委", industry=Industry.UNIVERSITY)
    elsewhere = f.OrgFactory(parent=other_school, category=category, industry=Industry.UNIVERSITY)
    with pytest.raises(services.TransferError, match="本校"):
        services.start_outbound(
            tree.col_a, [member], elsewhere, by=admins.col_a, reason=Reason.GRADUATION, destination=destination
        )
    assert not Transfer.objects.exists()
    own = f.OrgFactory(parent=tree.col_b, category=category, industry=Industry.UNIVERSITY)
    (t,) = services.start_outbound(
        tree.col_a, [member], own, by=admins.col_a, reason=Reason.GRADUATION, destination=destination
    )
    assert t.destination == destination


def test_graduation_needs_a_destination(tree, admins, member):
    """TRF-09: a 学社衔接 transfer (reason 毕业) must name its destination type, so the type's rules
    always apply — an employed graduate can't dodge the 未就业 rule by leaving it blank."""
    member.__class__.objects.filter(pk=member.pk).update(occupation=Occupation.PRIVATE_ENTERPRISE)
    member.refresh_from_db()
    floating = _org(tree, "floating")
    for start in (
        lambda: services.start_by_member(member, floating, reason=Reason.GRADUATION),
        lambda: services.start_outbound(tree.col_a, [member], floating, by=admins.col_a, reason=Reason.GRADUATION),
        lambda: services.start_inbound(floating, member, by=f.admin_of(floating), reason=Reason.GRADUATION),
    ):
        with pytest.raises(services.TransferError, match="请选择毕业去向"):
            start()
    assert not Transfer.objects.exists()


def test_keep_at_school_needs_no_transfer(tree, admins, member):
    """TRF-09: 未就业 may stay at school up to 6 months — no transfer is opened for it."""
    with pytest.raises(services.TransferError, match="6个月"):
        services.start_outbound(
            tree.col_a,
            [member],
            tree.branch_b,
            by=admins.col_a,
            reason=Reason.GRADUATION,
            destination=Destination.KEEP_AT_SCHOOL,
        )


def test_employed_graduate_cannot_use_unemployed(tree, admins, member):
    """TRF-09: an employed graduate may not use 未就业 to go to the household-registration place."""
    member.__class__.objects.filter(pk=member.pk).update(occupation=Occupation.PRIVATE_ENTERPRISE)
    member.refresh_from_db()
    with pytest.raises(services.TransferError, match="未就业"):
        services.start_outbound(
            tree.col_a,
            [member],
            _org(tree, "floating"),
            by=admins.col_a,
            reason=Reason.GRADUATION,
            destination=Destination.UNEMPLOYED,
        )
    assert not Transfer.objects.exists()


def test_drop_out_goes_to_household_area(tree, admins, member):
    """TRF-13: 退学 → a 乡镇街道 org of the household-registration area, not another school branch."""
    with pytest.raises(services.TransferError, match="退学"):
        services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.DROP_OUT)
    street = f.OrgFactory(
        parent=tree.city, name="某街道团工委", category=OrgCategory.WORKING_COMMITTEE, industry=Industry.STREET
    )
    assert services.start_outbound(tree.col_a, [member], street, by=admins.col_a, reason=Reason.DROP_OUT)
