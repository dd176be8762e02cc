"""MEM-08: completeness of a person (a SQL expression) and of an org's people."""

from datetime import date

from django.db.models import BooleanField, ExpressionWrapper

from members.completeness import annotate_people_completeness, person_complete_q
from members.models import CadrePost, Person
from orgs.models import Organization
from tests import factories as f
from tests.members.test_member_list import full

TODAY = date(2026, 11, 23)


def is_complete(person):
    return (
        Person.objects.filter(pk=person.pk)
        .annotate(c=ExpressionWrapper(person_complete_q(today=TODAY), output_field=BooleanField()))
        .get()
        .c
    )


def test_person_completeness_rules(tree, fast_hasher):
    """MEM-08: required fields filled, with the conditional ones; verification doesn't matter."""
    assert is_complete(full("完整", tree.branch_a, verification_status="failed"))
    assert not is_complete(full("缺手机", tree.branch_a, mobile=""))
    assert not is_complete(full("缺编号", tree.branch_a, joined_month=date(2018, 5, 1)))
    assert is_complete(full("有编号", tree.branch_a, joined_month=date(2018, 5, 1), development_number="201812345678"))
    assert not is_complete(full("党员缺时间", tree.branch_a, political_status="party_member"))
    assert not is_complete(full("成年未答", tree.branch_a, party_application_submitted=None))
    minor = full(
        "未成年",
        tree.branch_a,
        birth=date(2012, 1, 1),
        joined_month=date(2025, 5, 1),
        development_number="202512345678",
        party_application_submitted=None,
    )
    assert is_complete(minor)
    assert not is_complete(full("志愿者缺时间", tree.branch_a, is_volunteer=True))


def _flags(*orgs):
    qs = annotate_people_completeness(Organization.objects.filter(pk__in=[o.pk for o in orgs]), today=TODAY)
    return dict(qs.values_list("pk", "people_complete"))


def test_org_level_completeness(tree, fast_hasher):
    """MEM-08: a branch ≥3 people all complete; a committee ≥2 cadres all complete; a
    leadership organ all its cadres complete."""
    for i in range(2):
        full(f"成员{i}", tree.branch_a)
    assert _flags(tree.branch_a)[tree.branch_a.pk] is False  # only 2
    third = full("成员三", tree.branch_a)
    assert _flags(tree.branch_a)[tree.branch_a.pk] is True
    Person.objects.filter(pk=third.pk).update(mobile="")
    assert _flags(tree.branch_a)[tree.branch_a.pk] is False

    post = dict(started_on=date(2023, 9, 1), appointment_method="elected", is_party_committee_member=False)
    a = full("干部甲", None)
    CadrePost.objects.create(person=a, org=tree.col_a, title="secretary", **post)
    assert _flags(tree.col_a)[tree.col_a.pk] is False  # one cadre
    b = full("干部乙", None)
    CadrePost.objects.create(person=b, org=tree.col_a, title="committee_member", **post)
    assert _flags(tree.col_a)[tree.col_a.pk] is True
    CadrePost.objects.create(person=full("干部丙", None), org=tree.col_a, title="staff")  # fields missing
    assert _flags(tree.col_a)[tree.col_a.pk] is False

    CadrePost.objects.create(person=full("省干部", None), org=tree.province, title="staff", **post)
    assert _flags(tree.province)[tree.province.pk] is True
    CadrePost.objects.create(person=f.person("省干部乙"), org=tree.province, title="staff", **post)
    assert _flags(tree.province)[tree.province.pk] is False
