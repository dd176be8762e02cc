"""TRF-01 … TRF-04, TRF-07, TRF-08, TRF-12: the three initiated flows and their approvals."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from members.choices import PostTitle
from members.models import Person
from tests import factories as f
from transfers import services
from transfers.choices import Kind, Reason, State
from transfers.models import Transfer
from zhtj.core.audit import history_of
from zhtj.core.models import Notification
from zhtj.core.workflow import AlreadyHandled

pytestmark = pytest.mark.django_db


def test_inbound_to_committee_needs_sender_then_allocation(tree, admins, member):
    """TRF-02: 办理转入 by a committee → the member's branch approves → the committee allocates."""
    t = services.start_inbound(tree.col_b, member, by=admins.col_b, reason=Reason.JOB_CHANGE)
    assert t.state == State.SENDING
    with pytest.raises(PermissionDenied):  # the receiver can't approve the sending step itself
        services.act(tree.col_b, t, "approve", by=admins.col_b)
    t = services.act(tree.branch_a, t, "approve", by=admins.branch_a)
    assert t.state == State.ALLOCATING
    t = services.act(tree.col_b, t, "allocate", by=admins.col_b, branch=tree.branch_b)
    assert t.state == State.COMPLETED
    assert Person.objects.get(pk=member.pk).branch_id == tree.branch_b.pk


def test_inbound_by_branch_completes_on_sender_approval(tree, admins, member):
    """TRF-02: a branch receiver started it, so the sending side's approval (here its direct
    superior's) completes it."""
    t = services.start_inbound(tree.branch_b, member, by=admins.branch_b, reason=Reason.JOB_CHANGE)
    t = services.act(tree.col_a, t, "approve", by=admins.col_a)
    assert t.state == State.COMPLETED
    assert Person.objects.get(pk=member.pk).branch_id == tree.branch_b.pk


def test_leadership_cannot_start_inbound(tree, admins, member):
    """TRF-01: 办理转入 is not for leadership organs."""
    with pytest.raises(services.TransferError):
        services.start_inbound(tree.city, member, by=admins.city, reason=Reason.JOB_CHANGE)
    assert not Transfer.objects.exists()


def test_outbound_to_branch_approved_by_target_or_its_superior(tree, admins, member):
    """TRF-03: 办理转出 to a branch: the target branch or its direct superior approves; a
    grand-parent can't (隔级无法操作)."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    assert t.state == State.RECEIVING
    with pytest.raises(PermissionDenied):
        services.act(tree.uni, t, "approve", by=admins.uni)
    t = services.act(tree.col_b, t, "approve", by=admins.col_b)
    assert t.state == State.COMPLETED


def test_outbound_to_committee_approves_then_allocates(tree, admins, member):
    """TRF-03: a committee target approves, then 分配团支部 to a branch of its own subtree."""
    (t,) = services.start_outbound(tree.branch_a, [member], tree.col_b, by=admins.branch_a, reason=Reason.OTHER)
    t = services.act(tree.col_b, t, "approve", by=admins.col_b)
    assert t.state == State.ALLOCATING
    with pytest.raises(services.TransferError):  # a branch outside the committee's subtree
        services.act(tree.col_b, t, "allocate", by=admins.col_b, branch=tree.branch_a)
    t = services.act(tree.col_b, t, "allocate", by=admins.col_b, branch=tree.branch_b)
    assert t.to_branch_id == tree.branch_b.pk


def test_member_initiated_needs_both_sides(tree, admins, member):
    """TRF-04: member application → sending side → receiving side → done; progress notified."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    assert t.state == State.SENDING and t.kind == Kind.MEMBER
    t = services.act(tree.branch_a, t, "approve", by=admins.branch_a)
    assert t.state == State.RECEIVING
    t = services.act(tree.branch_b, t, "approve", by=admins.branch_b)
    assert t.state == State.COMPLETED
    assert Notification.objects.filter(recipient_person=member).count() == 3
    assert [h.to_state for h in history_of(t)][::-1] == ["sending", "receiving", "completed"]


def test_member_school_target_needs_name_and_address(tree, member):
    """TRF-04: for a school target the new school's name and address are required."""
    with pytest.raises(services.TransferError, match="新学校"):
        services.start_by_member(member, tree.col_b, reason=Reason.FURTHER_STUDY)
    t = services.start_by_member(
        member, tree.branch_b, reason=Reason.FURTHER_STUDY, school_name="新大学", school_address="某路1号"
    )
    assert t.school_name == "新大学"


def test_same_branch_and_leadership_target_refused(tree, admins, member):
    """TRF-03: target ≠ the member's branch; a leadership organ is no target."""
    for target in (tree.branch_a, tree.city):
        with pytest.raises(services.TransferError):
            services.start_outbound(tree.col_a, [member], target, by=admins.col_a, reason=Reason.OTHER)
    assert not Transfer.objects.exists()


def test_one_open_transfer_per_member(tree, admins, member):
    """TRF-12: a second open transfer is refused, by the service and by the constraint."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    with pytest.raises(services.TransferError, match="正在办理"):
        services.start_inbound(tree.col_b, member, by=admins.col_b, reason=Reason.OTHER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            kind=Kind.MEMBER,
            person=member,
            from_branch=tree.branch_a,
            target=tree.col_b,
            requested_by=member,
            reason=Reason.OTHER,
            state=State.SENDING,
        )
    assert Transfer.objects.filter(person=member).count() == 1
    services.act(None, t, "withdraw", by=member)
    services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)  # after withdrawing: fine


def test_approve_twice_and_approve_withdrawn(tree, admins, member):
    """TRF-12: approving twice, or approving a withdrawn transfer, has no second effect."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    services.act(tree.branch_b, t, "approve", by=admins.branch_b)
    with pytest.raises(AlreadyHandled):
        services.act(tree.branch_b, t, "approve", by=admins.branch_b)
    other = f.person("王团员", branch=tree.branch_a, password="x")
    (t2,) = services.start_outbound(tree.col_a, [other], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    services.act(tree.col_a, t2, "withdraw", by=admins.col_a)
    with pytest.raises(AlreadyHandled):
        services.act(tree.branch_b, t2, "approve", by=admins.branch_b)
    assert Person.objects.get(pk=other.pk).branch_id == tree.branch_a.pk


def test_reject_needs_reason_and_notifies(tree, admins, member):
    """TRF-12: 拒绝 needs a reason; the member sees it."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    with pytest.raises(services.TransferError):
        services.act(tree.branch_a, t, "reject", by=admins.branch_a)
    t = services.act(tree.branch_a, t, "reject", by=admins.branch_a, note="信息有误")
    assert t.state == State.REJECTED
    assert Notification.objects.filter(recipient_person=member, text__contains="信息有误").exists()


def test_only_initiator_withdraws(tree, admins, member):
    """TRF-12: withdraw belongs to the initiator."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    with pytest.raises(PermissionDenied):
        services.act(tree.branch_b, t, "withdraw", by=admins.branch_b)
    assert services.act(tree.col_a, t, "withdraw", by=admins.col_a).state == State.WITHDRAWN


def test_unverified_new_member_refused(tree, admins):
    """TRF-07 / ARC-05: a 2020+ member without 已认证 e-archive can't be transferred."""
    newbie = f.person("新团员", branch=tree.branch_a, password="x", joined_month=date(2021, 5, 1))
    with pytest.raises(services.TransferError, match="认证"):
        services.start_by_member(newbie, tree.branch_b, reason=Reason.RESIDENCE)
    assert not Transfer.objects.exists()


def test_completion_moves_only_branch(tree, admins, member):
    """TRF-08: completion writes the branch (and 毕业生 flag) only — a stale copy of the person
    elsewhere can't be overwritten, nor overwrite — and the old org keeps the transfer row."""
    Person.objects.filter(pk=member.pk).update(mobile="13800000000", is_graduate=True)
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    services.act(tree.branch_a, t, "approve", by=admins.branch_a)
    services.act(tree.branch_b, t, "approve", by=admins.branch_b)
    p = Person.objects.get(pk=member.pk)
    assert (p.branch_id, p.mobile, p.is_graduate) == (tree.branch_b.pk, "13800000000", False)
    assert Transfer.objects.filter(from_branch=tree.branch_a, state=State.COMPLETED).count() == 1


def test_records_follow_the_member(tree, admins):
    """TRF-08: the member's incentive record (here a 团员教育评议 result recorded by the old branch)
    follows: after the transfer the new branch sees it, the old branch keeps it, nothing is copied."""
    from types import SimpleNamespace

    from incentives.choices import Grade
    from incentives.choices import Kind as IncentiveKind
    from incentives.scope import visible_records
    from incentives.services import record_grades, records_of

    m = f.person("激励团员", branch=tree.branch_a, password="x", joined_month=date(2019, 5, 1))
    record_grades(tree.branch_a, 2025, [m], Grade.QUALIFIED, by=admins.branch_a)
    record = records_of(m).get(kind=IncentiveKind.EVALUATION)
    before = sorted(records_of(m).values_list("pk", flat=True))
    seen_by = lambda org: visible_records(SimpleNamespace(acting_org=org)).filter(pk=record.pk).exists()  # noqa: E731
    assert seen_by(tree.branch_a) and not seen_by(tree.branch_b)
    t = services.start_by_member(m, tree.branch_b, reason=Reason.RESIDENCE)
    services.act(tree.branch_a, t, "approve", by=admins.branch_a)
    services.act(tree.branch_b, t, "approve", by=admins.branch_b)
    assert seen_by(tree.branch_b) and seen_by(tree.branch_a)
    assert sorted(records_of(m).values_list("pk", flat=True)) == before


def test_each_side_takes_only_its_own_step(tree, admins, member):
    """TRF-04 / SEC-04: a side that may take one step of a transfer may not take another. At the
    sending step the receiving branch's superior is refused; once the sending side has approved,
    neither the sending branch nor its superior can approve the receiving step for the receiver."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    with pytest.raises(PermissionDenied, match="隔级无法操作"):
        services.act(tree.col_b, t, "approve", by=admins.col_b)
    t = services.act(tree.branch_a, t, "approve", by=admins.branch_a)
    assert t.state == State.RECEIVING
    for org, admin in ((tree.branch_a, admins.branch_a), (tree.col_a, admins.col_a)):
        with pytest.raises(PermissionDenied, match="隔级无法操作"):
            services.act(org, t, "approve", by=admin)
    assert Transfer.objects.get(pk=t.pk).state == State.RECEIVING
    assert services.act(tree.branch_b, t, "approve", by=admins.branch_b).state == State.COMPLETED


def test_the_initiating_org_withdraws_whoever_started_it(tree, admins, member):
    """TRF-12: an org-initiated transfer is the org's: its other admin may withdraw it; a member's
    own application is the member's alone, not even their branch's admin may withdraw it."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    deputy = f.admin_of(tree.col_a, name="副书记", title=PostTitle.DEPUTY_SECRETARY)
    assert services.act(tree.col_a, t, "withdraw", by=deputy).state == State.WITHDRAWN
    own = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    with pytest.raises(PermissionDenied, match="只有发起方可以撤销"):
        services.act(tree.branch_a, own, "withdraw", by=admins.branch_a)
    assert services.act(None, own, "withdraw", by=member).state == State.WITHDRAWN
