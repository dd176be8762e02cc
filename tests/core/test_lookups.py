"""`field__any_of`: the same rows as `__in`, in the shape PostgreSQL serves from an index inside an OR."""

from django.db import connection
from django.db.models import Q

from members.models import Person
from orgs.models import Organization
from tests import factories as f


def test_any_of_selects_what_in_selects(tree):
    a, b = f.person("甲", branch=tree.branch_a), f.person("乙", branch=tree.branch_b)
    subs = Organization.objects.filter(parent=tree.col_a).values("pk")
    any_of = Person.objects.filter(Q(branch__any_of=subs) | Q(pk=-1))
    assert list(any_of) == list(Person.objects.filter(branch__in=subs)) == [a]
    assert b not in any_of
    sql = str(any_of.query)
    assert ("= ANY(ARRAY(" in sql) if connection.vendor == "postgresql" else (" IN (" in sql)
