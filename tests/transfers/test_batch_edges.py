"""TRF-05 at its real edge and what a batch writes (issue 22: the first mutation run of
transfers/services.py left these unread)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from members.models import Person
from tests import factories as f
from transfers import services
from transfers.choices import Kind, Reason, State
from transfers.models import Transfer
from zhtj.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_batch_limit_at_the_default_30(tree, admins):
    """TRF-05: with the default TRF_BATCH_MAX (30), 31 people are refused word for word, 30 move."""
    people = [f.person(f"团员{i}", branch=tree.branch_a, password="x") for i in range(31)]
    with pytest.raises(services.TransferError) as refused:
        services.batch(
            tree.uni, tree.branch_a, tree.branch_b, [p.pk for p in people], by=admins.uni, reason=Reason.OTHER
        )
    assert str(refused.value) == "一次最多转出30人，请分批办理。"
    assert Person.objects.filter(branch=tree.branch_a).count() == 31
    moved, refused = services.batch(
        tree.uni, tree.branch_a, tree.branch_b, [p.pk for p in people[:30]], by=admins.uni, reason=Reason.OTHER
    )
    assert (moved, refused) == (30, {})


def test_batch_writes_the_moves_whole(tree, admins):
    """TRF-05: each mover's completed 批量转接 row, its audit row by the admin; the refusals keyed
    by the listed people only (an open transfer of someone not listed is not among them)."""
    mover = f.person("可转", branch=tree.branch_a, password="x", is_graduate=True)
    busy = f.person("办理中", branch=tree.branch_a, password="x")
    elsewhere = f.person("别处办理中", branch=tree.branch_b, password="x")
    services.start_by_member(busy, tree.branch_b, reason=Reason.RESIDENCE)
    services.start_by_member(elsewhere, tree.branch_a, reason=Reason.RESIDENCE)
    moved, refused = services.batch(
        tree.uni, tree.branch_a, tree.branch_b, [mover.pk, busy.pk], by=admins.uni, reason=Reason.OTHER
    )
    assert (moved, refused) == (1, {busy.pk: "已有正在办理的组织关系转接。"})
    t = Transfer.objects.get(person=mover)
    assert (t.kind, t.state, t.initiator_org_id, t.to_branch_id, t.reason) == (
        Kind.BATCH,
        State.COMPLETED,
        tree.uni.pk,
        tree.branch_b.pk,
        Reason.OTHER,
    )
    assert t.completed_at is not None
    assert Person.objects.get(pk=mover.pk).is_graduate is False  # a plain branch keeps no graduate
    log = AuditLog.objects.get(content_type=ContentType.objects.get_for_model(Transfer), object_id=t.pk)
    assert (log.action, log.to_state, log.actor_id) == ("batch", State.COMPLETED, admins.uni.pk)


def test_batch_refusals_word_for_word(tree, admins):
    """TRF-05: each refusal of a batch as a whole says which."""
    p = f.person("团员", branch=tree.branch_a, password="x")

    def refusal(**kw):
        args = {"acting": tree.uni, "source": tree.branch_a, "target": tree.branch_b, "person_ids": [p.pk]}
        args.update(kw)
        with pytest.raises(services.TransferError) as caught:
            services.batch(
                args["acting"],
                args["source"],
                args["target"],
                args["person_ids"],
                by=admins.uni,
                reason=kw.get("reason", Reason.OTHER),
            )
        return str(caught.value)

    assert refusal(target=tree.branch_a) == "转入团支部不能与转出团支部相同。"
    assert refusal(target=tree.col_b) == "转出、转入团支部须为本组织下级的团支部。"
    assert refusal(reason="nonsense") == "请选择转出原因。"
    assert refusal(person_ids=[]) == "请选择转出的团员。"
    other = f.person("别支部", branch=tree.branch_b, password="x")
    assert refusal(person_ids=[p.pk, other.pk]) == "所选团员不在转出团支部中，请刷新后重试。"
    assert refusal(acting=tree.branch_a) == "只有团委/团工委/团总支可以办理组织关系批量转接。"
