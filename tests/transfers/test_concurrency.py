"""TRF-12 / SEC-04 on PostgreSQL: two admins approving the same step at once — one wins."""

import pytest
from django.db import connection

from members.models import Person
from tests import factories as f
from tests.concurrency import at_once
from transfers import services
from transfers.choices import Reason, State
from transfers.models import Transfer
from zhtj.core.workflow import AlreadyHandled

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_admins_approve_one_step_once(tree, fast_hasher):
    """TRF-12: the target branch and its direct superior approve at once; one effect."""
    member = f.person("团员", branch=tree.branch_a, password="x")
    one, two = f.admin_of(tree.branch_b, "甲"), f.admin_of(tree.col_b, "乙")
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=f.admin_of(tree.col_a), reason=Reason.OTHER)
    outcomes = at_once(
        lambda org, who: services.act(org, t, "approve", by=who),
        [(tree.branch_b, one), (tree.col_b, two)],
        expected=(AlreadyHandled,),
    )
    assert outcomes.count("ok") == 1
    assert Transfer.objects.get(pk=t.pk).state == State.COMPLETED
    assert Person.objects.get(pk=member.pk).branch_id == tree.branch_b.pk


def test_batch_and_outbound_of_one_member_at_once(tree, fast_hasher):
    """TRF-12 / TRF-05: a 组织关系批量转接 and a 办理转出 of the same member at once have one effect:
    either the batch moves the member (and the 转出 is refused) or the 转出 opens (and the batch
    lists the member as refused) — never a move plus an open transfer from the branch just left."""
    member = f.person("团员", branch=tree.branch_a, password="x")
    other = f.branch(tree.col_a, "A2团支部")
    batch_admin, out_admin = f.admin_of(tree.col_a, "甲"), f.admin_of(tree.col_a, "乙")

    def batch():
        moved, refused = services.batch(tree.col_a, tree.branch_a, other, [member.pk], by=batch_admin, reason="other")
        if refused:
            raise services.TransferError(refused[member.pk])

    def outbound():
        services.start_outbound(tree.col_a, [member], tree.branch_b, by=out_admin, reason=Reason.OTHER)

    outcomes = at_once(lambda fn: fn(), [(batch,), (outbound,)], expected=(services.TransferError,))
    assert outcomes.count("ok") == 1, outcomes
    branch_id = Person.objects.get(pk=member.pk).branch_id
    open_ = Transfer.objects.filter(person=member, state=State.RECEIVING)
    if branch_id == other.pk:
        assert not open_.exists()
    else:
        assert branch_id == tree.branch_a.pk and open_.get().from_branch_id == tree.branch_a.pk
