"""SEC-04: two admins at the same moment — one person, one open 删除申请."""

import pytest
from django.db import connection

from members.models import Person
from members.models_people import DeletionRequest
from members.people import EntryRefused, enter_member, request_deletion
from members.validation import Context, check_person
from tests import factories as f
from tests.concurrency import at_once
from tests.members.test_validation import values
from zhtj.core.workflow import WorkflowError

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pytest.mark.django_db(transaction=True)
@pg_only
def test_same_person_entered_twice_at_once(tree, fast_hasher):
    """MEM-02 / SEC-04: the same ID number entered by two admins at once: one person, a clear refusal."""
    v = values()
    clean, errors = check_person(v, Context.build(tree.branch_a, [v]))
    assert errors == {}
    outcomes = at_once(enter_member, [(clean, tree.branch_a), (clean, tree.branch_a)], expected=(EntryRefused,))
    assert outcomes.count("ok") == 1 and Person.objects.filter(id_number=clean["id_number"]).count() == 1


@pytest.mark.django_db(transaction=True)
@pg_only
def test_two_deletion_requests_at_once(tree, fast_hasher):
    """MEM-09 / SEC-04: two admins file a 删除申请 for one person at once: one request."""
    person = f.person("某某", branch=tree.branch_a)
    a, b = f.admin_of(tree.branch_a), f.admin_of(tree.col_a)
    outcomes = at_once(
        request_deletion,
        [(person, tree.branch_a, a, "重复录入"), (person, tree.col_a, b, "重复录入")],
        expected=(WorkflowError,),
    )
    assert outcomes.count("ok") == 1 and DeletionRequest.objects.count() == 1


def test_entry_refused_when_id_taken(tree, fast_hasher):
    """MEM-02: the service itself refuses a stored ID number (the form is not the only guard)."""
    v = values()
    clean, _ = check_person(v, Context.build(tree.branch_a, [v]))
    enter_member(clean, tree.branch_a)
    with pytest.raises(EntryRefused, match="已在系统中"):
        enter_member(clean, tree.branch_a)
