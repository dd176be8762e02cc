"""Shared data for the 团干部管理 tests: posts at every level of the `tree` fixture."""

from datetime import date

from members.choices import PostNature, PostTitle
from members.models import CadrePost
from tests import factories as f


class Cadres:
    pass


def cadre(org, name, title=PostTitle.COMMITTEE_MEMBER, nature=PostNature.PART_TIME, **person_fields):
    person = f.person(name, password="Zhtj-pass-2026", **person_fields)
    return CadrePost.objects.create(person=person, org=org, title=title, nature=nature, started_on=date(2024, 9, 1))


def build(tree):
    """uni (团委) → col_a (团委) → branch_a; each with an admin and a plain cadre."""
    s = Cadres()
    s.uni_admin = f.admin_of(tree.uni, "校团委书记")
    s.col_admin = f.admin_of(tree.col_a, "学院书记")
    s.branch_admin = f.admin_of(tree.branch_a, "支部书记")
    s.city_admin = f.admin_of(tree.city, "市委书记")
    s.uni_cadre = cadre(tree.uni, "校团委委员", mobile="13812345678")
    s.col_cadre = cadre(tree.col_a, "学院委员")
    s.branch_deputy = cadre(tree.branch_a, "支部副书记", PostTitle.DEPUTY_SECRETARY)
    s.branch_secretary_post = CadrePost.objects.get(person=s.branch_admin)
    s.col_b_cadre = cadre(tree.col_b, "学院B委员")
    return s
