"""Factories for trees and people. Every test builds its own data."""

from datetime import date
from itertools import count

import factory

from members.choices import PostTitle
from members.models import CadrePost, Person
from orgs.choices import LeadershipLevel, OrgCategory
from orgs.models import Organization
from zhtj.core.idnumber import make_id_number

_seq = count(1)


# Known 青岛/济南 region codes: past every 1000 numbers the region changes, never the birth date,
# so a person keeps exactly the age a test gave them (29 February included).
_REGIONS = ("370202", "370203", "370212", "370213", "370214", "370281", "370283", "370285", "370102", "370103")


def new_id_number(birth=date(2000, 1, 1), region="370211"):
    """A valid, unique ID number (region + birth date + sequence + check digit)."""
    n = next(_seq)
    regions = (region, *_REGIONS)
    return make_id_number(regions[(n // 1000) % len(regions)], birth, n)


class OrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试{n}团委")
    full_name = factory.LazyAttribute(lambda o: o.name)
    category = OrgCategory.COMMITTEE
    parent = None


def leadership(name="团中央", parent=None, level=LeadershipLevel.CENTRAL, **kw):
    return OrgFactory(name=name, parent=parent, category=OrgCategory.LEADERSHIP, leadership_level=level, **kw)


def branch(parent, name=None, **kw):
    return OrgFactory(parent=parent, category=OrgCategory.BRANCH, name=name or f"测试{next(_seq)}团支部", **kw)


def person(name="张三", branch=None, password=None, birth=date(2000, 1, 1), **kw):
    """A person with a valid ID. password=None keeps the initial one and forces a change."""
    p = Person.objects.create_user(new_id_number(birth), password=password, name=name, branch=branch, **kw)
    return p


def admin_of(org, name=None, title=PostTitle.SECRETARY, password="Zhtj-pass-2026"):
    """A person who is an admin of `org` (a cadre post with an admin slot), ready to log in."""
    p = person(name or f"{org.name}管理员", password=password)
    CadrePost.objects.create(person=p, org=org, title=title, admin_slot=CadrePost.objects.free_admin_slots(org.pk)[0])
    return p
