"""TRF-05: 组织关系批量转接."""

from datetime import date

import pytest

from members.models import Person
from tests import factories as f
from transfers import services
from transfers.choices import Reason, State
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def test_batch_moves_at_once_without_approval(tree, admins):
    """TRF-05: a committee moves members between two of its branches, no approval."""
    other = f.branch(tree.col_a, "A2团支部")
    people = [f.person(f"团员{i}", branch=tree.branch_a, password="x") for i in range(3)]
    moved, refused = services.batch(
        tree.col_a, tree.branch_a, other, [p.pk for p in people], by=admins.col_a, reason=Reason.ADJUSTMENT
    )
    assert (moved, refused) == (3, {})
    assert Person.objects.filter(branch=other).count() == 3
    assert Transfer.objects.filter(state=State.COMPLETED, to_branch=other).count() == 3


def test_batch_only_for_committees(tree, admins):
    """TRF-05: a 团支部 (or leadership organ) has no 批量转接."""
    p = f.person("团员", branch=tree.branch_a, password="x")
    for org, who in ((tree.branch_a, admins.branch_a), (tree.city, admins.city)):
        with pytest.raises(services.TransferError, match="只有团委"):
            services.batch(org, tree.branch_a, tree.branch_b, [p.pk], by=who, reason=Reason.OTHER)
    assert Person.objects.get(pk=p.pk).branch_id == tree.branch_a.pk


def test_batch_branches_in_scope_and_different(tree, admins):
    """TRF-05: both branches inside the initiator's subtree; target ≠ source."""
    p = f.person("团员", branch=tree.branch_a, password="x")
    with pytest.raises(services.TransferError, match="下级"):
        services.batch(tree.col_a, tree.branch_a, tree.branch_b, [p.pk], by=admins.col_a, reason=Reason.OTHER)
    with pytest.raises(services.TransferError, match="不能与"):
        services.batch(tree.col_a, tree.branch_a, tree.branch_a, [p.pk], by=admins.col_a, reason=Reason.OTHER)
    with pytest.raises(services.TransferError, match="下级"):  # a committee target is no 团支部
        services.batch(tree.uni, tree.branch_a, tree.col_b, [p.pk], by=admins.uni, reason=Reason.OTHER)
    assert not Transfer.objects.exists()


def test_batch_at_most_30(tree, admins, settings):
    """TRF-05: at most 30 people at once (a setting)."""
    settings.ZHTJ = {**settings.ZHTJ, "TRF_BATCH_MAX": 2}
    people = [f.person(f"团员{i}", branch=tree.branch_a, password="x") for i in range(3)]
    with pytest.raises(services.TransferError, match="最多转出2人"):
        services.batch(
            tree.uni, tree.branch_a, tree.branch_b, [p.pk for p in people], by=admins.uni, reason=Reason.OTHER
        )
    assert Person.objects.filter(branch=tree.branch_a).count() == 3


def test_batch_lists_refused_members(tree, admins):
    """TRF-05 with TRF-07 / TRF-12: members with an open transfer or without 已认证 stay and are listed."""
    ok = f.person("可转", branch=tree.branch_a, password="x")
    busy = f.person("办理中", branch=tree.branch_a, password="x")
    newbie = f.person("未认证", branch=tree.branch_a, password="x", joined_month=date(2022, 1, 1))
    services.start_by_member(busy, tree.branch_b, reason=Reason.RESIDENCE)
    moved, refused = services.batch(
        tree.uni, tree.branch_a, tree.branch_b, [ok.pk, busy.pk, newbie.pk], by=admins.uni, reason=Reason.OTHER
    )
    assert moved == 1 and set(refused) == {busy.pk, newbie.pk}
    assert Person.objects.get(pk=busy.pk).branch_id == tree.branch_a.pk
