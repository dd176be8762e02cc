"""ORG-10: "the 书记 is registered and their own profile has a mobile number" is a column the
database keeps (members migration 0009), on SQLite and PostgreSQL alike."""

from datetime import date

from members.choices import PostTitle
from members.models import CadrePost, Person
from orgs.completeness import is_complete
from orgs.models import Organization
from tests import factories as f


def ready(org):
    return Organization.objects.values_list("secretary_ready", flat=True).get(pk=org.pk)


def test_a_secretary_with_a_mobile_makes_it_ready(tree):
    """ORG-10: a 书记 post whose person has a mobile → ready; without a mobile → not."""
    org = tree.col_a
    assert not ready(org)
    no_mobile = f.person("无手机书记")
    CadrePost.objects.create(person=no_mobile, org=org, title=PostTitle.SECRETARY)
    assert not ready(org)
    Person.objects.filter(pk=no_mobile.pk).update(mobile="13800000000")
    assert ready(org)
    no_mobile.refresh_from_db()
    no_mobile.mobile = ""
    no_mobile.save()
    assert not ready(org)


def test_other_posts_and_ended_or_moved_posts(tree):
    """ORG-10: only an active 书记 post counts; ending, moving or deleting it is followed at once."""
    org, other = tree.col_a, tree.col_b
    p = f.person("书记", mobile="13900000000")
    member = CadrePost.objects.create(person=p, org=org, title=PostTitle.COMMITTEE_MEMBER)
    assert not ready(org)
    member.title = PostTitle.SECRETARY
    member.save()
    assert ready(org)
    CadrePost.objects.filter(pk=member.pk).update(ended_on=date(2026, 1, 1))
    assert not ready(org)
    CadrePost.objects.filter(pk=member.pk).update(ended_on=None, org=other)
    assert not ready(org) and ready(other)
    CadrePost.objects.filter(pk=member.pk).delete()
    assert not ready(other)


def test_a_stale_org_instance_does_not_write_the_flag_back(tree):
    """ORG-10: an org loaded before its 书记 registered and saved afterwards keeps the flag."""
    org = Organization.objects.get(pk=tree.col_a.pk)
    f.admin_of(org, name="书记甲")  # a 书记 post; the factory's person has no mobile
    Person.objects.filter(cadre_posts__org=org).update(mobile="13700000000")
    assert ready(org)
    org.phone = "0532-88888888"
    org.save()
    assert ready(org)
    assert Organization.objects.get(pk=org.pk).phone == "0532-88888888"


def test_completeness_follows_the_flag(tree):
    """ORG-10: filled fields AND a ready 书记 make the org complete."""
    org = tree.col_a
    Organization.objects.filter(pk=org.pk).update(
        industry="university",
        admin_staff_quota=1,
        admin_staff_actual=1,
        career_staff_quota=0,
        career_staff_actual=0,
        secretary_name="书记乙",
        secretary_id_number="370211200001010011",
        secretary_mobile="13600000000",
    )
    assert not is_complete(org)
    f.admin_of(org, name="书记乙")
    Person.objects.filter(cadre_posts__org=org).update(mobile="13600000000")
    assert is_complete(org)
