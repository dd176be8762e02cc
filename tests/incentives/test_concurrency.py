"""SEC-04 on PostgreSQL: two admins at once can't break INC-03 or decide one item twice."""

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from incentives import services
from incentives.choices import Grade, Kind, State
from incentives.models import Evaluation, IncentiveRecord
from tests import factories as f
from tests.concurrency import at_once
from zhtj.core.workflow import AlreadyHandled, WorkflowError, by_system, perform

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serializes writers)"
    ),
]


def test_two_excellent_records_at_once_respect_the_cap(tree, fast_hasher):
    """INC-03: 10 evaluated, 2 优秀 already; two admins each add a 3rd and a 4th at once — the
    branch row lock makes the second see the first, so only one succeeds."""
    admin = f.admin_of(tree.branch_a, "书记")
    people = [f.person(f"团员{n}", branch=tree.branch_a, password="x") for n in range(10)]
    year = timezone.localdate().year
    services.record_grades(tree.branch_a, year, people[2:], Grade.QUALIFIED, by=admin)
    services.record_grades(tree.branch_a, year, people[:2], Grade.EXCELLENT, by=admin)
    outcomes = at_once(
        lambda p: services.record_grades(tree.branch_a, year, [p], Grade.EXCELLENT, by=admin),
        [(people[2],), (people[3],)],
        expected=(WorkflowError,),
    )
    assert outcomes.count("ok") == 1
    assert Evaluation.objects.filter(grade=Grade.EXCELLENT).count() == 3


def test_two_admins_approve_one_record_once(tree, fast_hasher):
    """SEC-04: two admins of the superior approve the same record at once; one wins."""
    member = f.person("团员", branch=tree.branch_a, password="x", joined_month=date(2020, 5, 1))
    record = IncentiveRecord.objects.get(person=member, kind=Kind.JOINING)
    one, two = f.admin_of(tree.col_a, "甲"), f.admin_of(tree.col_a, "乙")
    outcomes = at_once(
        lambda who: perform(record, "approve", guard=by_system, by=who),
        [(one,), (two,)],
        expected=(WorkflowError, AlreadyHandled),
    )
    assert outcomes.count("ok") == 1
    assert IncentiveRecord.objects.get(pk=record.pk).state == State.APPROVED
