"""JOB-02 / TRF-10 / TRF-11: the transfer_deadlines job, walked through the 学社衔接 calendar."""

from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from members.models import Person
from orgs.choices import LeadershipLevel, OrgCategory
from tests import factories as f
from transfers import services
from transfers.calendar import period_of
from transfers.choices import Destination, Reason, State
from transfers.models import Transfer
from zhtj.core import jobs
from zhtj.core.models import AuditLog, Notification
from zhtj.core.workflow import AlreadyHandled, WorkflowError

pytestmark = pytest.mark.django_db


def at(d):
    return timezone.make_aware(datetime.combine(d, time(9)))


def started(t, d):
    Transfer.objects.filter(pk=t.pk).update(step_started_at=at(d), created_at=at(d))


def run(d):
    return jobs.run("transfer_deadlines", d).summary


def state(t):
    return Transfer.objects.get(pk=t.pk).state


def test_calendar_periods():
    """TRF-10: 5/1–8/31 申请期, 9/1–9/30 审核期, then 收尾期."""
    assert [period_of(date(2026, m, d)) for m, d in ((4, 30), (5, 1), (8, 31), (9, 1), (9, 30), (10, 1))] == [
        "closing",
        "apply",
        "apply",
        "review",
        "review",
        "closing",
    ]


def test_graduate_calendar_walk(tree, admins, member):
    """TRF-10 (time machine): a graduate transfer filed 5/10 is left alone through 申请期 and
    审核期, and in 收尾期 is returned once unreviewed for 10 days — recorded as 系统, notified."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.GRADUATION, destination=Destination.EMPLOYED)
    assert t.is_graduate
    started(t, date(2026, 5, 10))
    for d in (
        date(2026, 6, 1),
        date(2026, 8, 31),
        date(2026, 9, 15),
        date(2026, 9, 30),
        date(2026, 10, 5),
        date(2026, 10, 10),
    ):
        assert run(d)["changed"] == 0, d
        assert state(t) == State.SENDING
    assert run(date(2026, 10, 11))["returned"] == 1
    assert state(t) == State.RETURNED
    log = AuditLog.objects.get(object_id=t.pk, action="return")
    assert log.actor is None and log.from_state == State.SENDING
    assert Notification.objects.filter(recipient_person=member, text__contains="退回").exists()
    assert run(date(2026, 10, 11))["changed"] == 0  # JOB-08: idempotent
    # the initiator must start again, and may
    assert (
        services.start_by_member(
            member, tree.branch_b, reason=Reason.GRADUATION, destination=Destination.EMPLOYED
        ).state
        == State.SENDING
    )


def test_graduate_step_reviewed_late_counts_from_its_own_start(tree, admins, member):
    """TRF-10: in 收尾期 a step started 10/20 is returned on 10/30, not earlier."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.GRADUATION, destination=Destination.EMPLOYED)
    started(t, date(2026, 10, 20))
    assert run(date(2026, 10, 29))["changed"] == 0
    assert run(date(2026, 10, 30))["returned"] == 1


def test_graduate_never_auto_passes(tree, admins, member):
    """TRF-10: in 申请期 nothing is automatic, however long it waits."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.GRADUATION, destination=Destination.EMPLOYED)
    started(t, date(2026, 5, 1))
    assert run(date(2026, 8, 30))["changed"] == 0


def test_auto_pass_after_15_days(tree, admins, member):
    """TRF-11: outside 学社衔接 a step pending 15 days passes; a member's transfer moves to the
    receiving step, then after 15 more days completes and the member moves."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    started(t, date(2026, 3, 1))
    assert run(date(2026, 3, 15))["changed"] == 0
    assert run(date(2026, 3, 16))["passed"] == 1
    assert state(t) == State.RECEIVING
    assert run(date(2026, 3, 16))["changed"] == 0  # idempotent
    summary = run(date(2026, 3, 31))
    assert summary["completed"] == 1
    t = Transfer.objects.get(pk=t.pk)
    assert t.state == State.COMPLETED and t.to_branch_id == tree.branch_b.pk
    assert Person.objects.get(pk=member.pk).branch_id == tree.branch_b.pk
    assert AuditLog.objects.filter(object_id=t.pk, action="auto_approve", actor=None).count() == 2


def test_auto_pass_is_notified_like_a_human_approval(tree, admins, member):
    """TRF-11 / JOB-02: an automatic completion tells the member AND the initiating org (with the
    member's name), as a human approval does; a 10-day return tells both too (TRF-10)."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    started(t, date(2026, 3, 1))
    assert run(date(2026, 3, 20))["completed"] == 1
    org_note = Notification.objects.get(recipient_org=tree.col_a)
    assert org_note.text.startswith("李团员的组织关系转接") and "已完成" in org_note.text
    assert Notification.objects.filter(recipient_person=member, text__contains="默认审核通过").exists()
    other = f.person("王同学", branch=tree.branch_a, password="x")
    (g,) = services.start_outbound(
        tree.col_a, [other], tree.branch_b, by=admins.col_a, reason=Reason.GRADUATION, destination=Destination.EMPLOYED
    )
    started(g, date(2026, 10, 1))
    assert run(date(2026, 10, 11))["returned"] == 1
    assert Notification.objects.filter(
        recipient_org=tree.col_a, text__startswith="王同学的", text__contains="退回"
    ).exists()


def test_return_includes_beijing_guangdong_fujian(tree, admins, member):
    """TRF-10: the 收尾期 return applies to transfers into 北京/广东/福建 too; a returned transfer
    can't be approved afterwards (TRF-12)."""
    guangdong = f.leadership("团广东省委", tree.central, LeadershipLevel.PROVINCE)
    branch = f.branch(f.OrgFactory(name="广州某公司团委", parent=guangdong), "广州某公司第一团支部")
    (t,) = services.start_outbound(
        tree.col_a, [member], branch, by=admins.col_a, reason=Reason.GRADUATION, destination=Destination.EMPLOYED
    )
    started(t, date(2026, 9, 25))
    assert run(date(2026, 10, 11))["returned"] == 1
    assert state(t) == State.RETURNED
    with pytest.raises(AlreadyHandled):
        services.act(branch, t, "approve", by=f.admin_of(branch))
    assert Person.objects.get(pk=member.pk).branch_id == tree.branch_a.pk


def test_time_machine_walks_the_graduate_calendar(tree, admins, member):
    """TRF-10 / JOB-02 (time machine): one 学社衔接 year as beat runs it, every day.
    申请期: filed, withdrawn by the member, filed again; nothing automatic however long it waits.
    审核期: withdrawing is refused; the sending branch approves on 9/20, the receiving step starts.
    收尾期: a step the receiver handles within 10 days completes; the other, unreviewed 10 days counted
    from 10/1, is returned on 10/11 by 系统 and notified; the member must start again, and may."""
    import time_machine

    def on(d, fn=None):
        with time_machine.travel(at(d), tick=False):
            return fn() if fn else jobs.run("transfer_deadlines").summary["changed"]

    def walk(first, last):
        """Beat's daily run for every day from `first` to `last`; the number of changes."""
        return sum(on(date.fromordinal(n)) for n in range(first.toordinal(), last.toordinal() + 1))

    def apply(who):
        return services.start_by_member(who, tree.branch_b, reason=Reason.GRADUATION, destination=Destination.EMPLOYED)

    first = on(date(2026, 5, 10), lambda: apply(member))
    assert on(date(2026, 5, 11), lambda: services.act(None, first, "withdraw", by=member)).state == State.WITHDRAWN
    t = on(date(2026, 5, 12), lambda: apply(member))
    classmate = f.person("赵同学", branch=tree.branch_a, password="x")
    t2 = on(date(2026, 6, 1), lambda: apply(classmate))
    assert walk(date(2026, 5, 12), date(2026, 9, 4)) == 0  # 申请期 (and 审核期 below): nothing automatic
    with pytest.raises(WorkflowError, match="申请期"):
        on(date(2026, 9, 5), lambda: services.act(None, t, "withdraw", by=member))
    assert walk(date(2026, 9, 5), date(2026, 9, 19)) == 0
    for x in (t, t2):
        approved = on(date(2026, 9, 20), lambda x=x: services.act(tree.branch_a, x, "approve", by=admins.branch_a))
        assert approved.state == State.RECEIVING
    assert walk(date(2026, 9, 20), date(2026, 10, 7)) == 0
    done = on(date(2026, 10, 8), lambda: services.act(tree.branch_b, t2, "approve", by=admins.branch_b))
    assert done.state == State.COMPLETED and Person.objects.get(pk=classmate.pk).branch_id == tree.branch_b.pk
    assert walk(date(2026, 10, 8), date(2026, 10, 10)) == 0
    assert on(date(2026, 10, 11)) == 1
    assert state(t) == State.RETURNED and state(t2) == State.COMPLETED
    assert AuditLog.objects.get(object_id=t.pk, action="return").actor is None
    assert Notification.objects.filter(recipient_person=member, text__contains="重新发起").exists()
    assert on(date(2026, 10, 11)) == 0  # a second run the same day changes nothing
    assert Person.objects.get(pk=member.pk).branch_id == tree.branch_a.pk
    assert on(date(2026, 10, 12), lambda: apply(member)).state == State.SENDING


def test_auto_pass_committee_target_waits_for_allocation(tree, admins, member):
    """TRF-11: a committee receiver's approval passes; 分配团支部 (a choice) never does."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.col_b, by=admins.col_a, reason=Reason.OTHER)
    started(t, date(2026, 3, 1))
    run(date(2026, 3, 20))
    assert state(t) == State.ALLOCATING
    assert run(date(2026, 5, 20))["changed"] == 0


def test_no_auto_pass_into_special_unit_pool(tree, admins, member):
    """TRF-11 / TRF-09: steps into the 特殊单位专属库 never pass automatically; only the province approves."""
    pool = f.OrgFactory(parent=tree.province, category=OrgCategory.SPECIAL_UNIT_POOL, name="山东省特殊单位专属库")
    (t,) = services.start_outbound(
        tree.col_a, [member], pool, by=admins.col_a, reason=Reason.GRADUATION, destination=Destination.MILITARY
    )
    Transfer.objects.filter(pk=t.pk).update(is_graduate=False)  # even outside 学社衔接
    started(t, date(2026, 1, 1))
    assert run(date(2026, 3, 1))["passed"] == 0
    assert not services.may_act(pool, t)
    assert services.may_act(tree.province, t)
    assert tree.province.leadership_level == LeadershipLevel.PROVINCE


def test_run_job_command_with_date(tree, admins, member):
    """JOB-02: `manage.py run_job transfer_deadlines --date` does the same as beat."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    started(t, date(2026, 3, 1))
    call_command("run_job", "transfer_deadlines", "--date", "2026-03-20", stdout=StringIO())
    assert state(t) == State.RECEIVING


def test_crash_half_way_changes_nothing(tree, admins, member, monkeypatch):
    """JOB-08 / SEC-04: a crash while writing the audit rows rolls the state changes back."""
    from transfers import jobs as trf_jobs

    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    started(t, date(2026, 3, 1))

    def boom(*a, **k):
        raise RuntimeError("crash")

    monkeypatch.setattr(trf_jobs, "_log", boom)
    with pytest.raises(RuntimeError):
        run(date(2026, 3, 20))
    assert state(t) == State.SENDING
    monkeypatch.undo()
    assert run(date(2026, 3, 20))["passed"] == 1


def test_graduate_withdraw_only_in_apply_period(tree, admins, member):
    """TRF-10: the initiator may withdraw a 学社衔接 transfer in 申请期, not in 审核期."""
    import time_machine

    with time_machine.travel(at(date(2026, 9, 5)), tick=False):
        t = services.start_by_member(member, tree.branch_b, reason=Reason.GRADUATION, destination=Destination.EMPLOYED)
        with pytest.raises(WorkflowError, match="申请期"):
            services.act(None, t, "withdraw", by=member)
    with time_machine.travel(at(date(2027, 6, 5)), tick=False):
        assert services.act(None, t, "withdraw", by=member).state == State.WITHDRAWN


def test_job_queries_do_not_grow_with_pending(tree, admins):
    """JOB-02: set-based — the same number of queries for 3 or 30 due transfers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from transfers.choices import Kind

    def add(n, start):
        people = [f.person(f"团员{start + i}", branch=tree.branch_a, password="x") for i in range(n)]
        Transfer.objects.bulk_create(
            Transfer(
                kind=Kind.MEMBER,
                person=p,
                from_branch=tree.branch_a,
                target=tree.branch_b,
                requested_by=p,
                reason=Reason.RESIDENCE,
                state=State.SENDING,
                step_started_at=at(date(2026, 1, 1)),
            )
            for p in people
        )

    add(3, 0)
    with CaptureQueriesContext(connection) as small:
        assert run(date(2026, 3, 1))["passed"] == 3
    add(30, 100)
    with CaptureQueriesContext(connection) as large:
        assert run(date(2026, 3, 1))["passed"] == 30
    assert len(large) == len(small)


def test_deadline_board_shows_graduate_returns_of_the_month(tree, admins, member, login):
    """BEY-08 / TRF-10: 截止事项 lists the 学社衔接 transfers the acting org must review, dated by
    their 收尾期 return day (10 days after the later of the step's start and 10/1), in that month only."""
    import time_machine
    from django.urls import reverse

    t = services.start_by_member(member, tree.branch_b, reason=Reason.GRADUATION, destination=Destination.EMPLOYED)
    started(t, date(2026, 9, 20))  # waiting for branch_a (the sending side) since before 收尾期
    title = "学社衔接组织关系转接待审核（收尾期逾期将被系统退回）"

    def board(when, org=tree.branch_a, admin=admins.branch_a):
        with time_machine.travel(at(when), tick=False):
            response = login(admin, org).get(reverse("deadlines"))
        return {d.title: d for d in response.context["items"]}

    october = board(date(2026, 10, 5))
    assert october[title].count == 1 and october[title].due_date == date(2026, 10, 11)
    assert title not in board(date(2026, 11, 5))
    assert title not in board(date(2026, 10, 5), tree.branch_b, admins.branch_b)  # not its step yet
    started(t, date(2026, 10, 25))
    assert board(date(2026, 11, 2))[title].due_date == date(2026, 11, 4)


def test_deadline_board_lists_returns_only_in_closing_period(tree, admins, member, login):
    """BEY-08 / TRF-10: the job returns 学社衔接 transfers only in 收尾期, so in 申请期 and 审核期 the
    board promises no return date, however long the step has waited; from October it shows again."""
    import time_machine
    from django.urls import reverse

    t = services.start_by_member(member, tree.branch_b, reason=Reason.GRADUATION, destination=Destination.EMPLOYED)
    title = "学社衔接组织关系转接待审核（收尾期逾期将被系统退回）"

    def board(when):
        with time_machine.travel(at(when), tick=False):
            response = login(admins.branch_a, tree.branch_a).get(reverse("deadlines"))
        return {d.title: d for d in response.context["items"]}

    for step_day, board_day in [
        (date(2027, 4, 25), date(2027, 5, 3)),  # would be 5/5: 申请期 has begun
        (date(2027, 5, 25), date(2027, 6, 2)),  # 申请期
        (date(2027, 8, 25), date(2027, 9, 2)),  # 审核期
    ]:
        started(t, step_day)
        assert title not in board(board_day), board_day
        assert run(board_day + timedelta(days=10))["returned"] == 0
    assert board(date(2027, 10, 2))[title].due_date == date(2027, 10, 11)


def test_returned_transfer_keeps_its_reason_for_the_members_history(tree, admins, member, login):
    """TRF-10 / BEY-05: a transfer the job returns carries its reason; the member's 转接历史 and the
    admin's person page (组织关系转接记录) show it."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.GRADUATION, destination=Destination.EMPLOYED)
    started(t, date(2026, 10, 1))
    assert run(date(2026, 10, 11))["returned"] == 1
    reason = "收尾期超过10天未审核，系统退回"
    assert Transfer.objects.get(pk=t.pk).decision_note == reason
    page = login(member).get(reverse("transfers:my")).content.decode()
    assert f"已退回（{reason}）" in page
    page = login(admins.col_a, tree.col_a).get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "组织关系转接记录" in page and f"已退回（{reason}）" in page


def test_each_transfer_is_swept_by_the_province_it_leaves(tree, admins, member):
    """JOB-02 / JOB-08: the national sweep runs per province; a transfer leaving a 山东 branch for
    another province's is passed (TRF-11) or returned (TRF-10) in 山东's share only, never by
    团中央's or the receiver's; the run's summary says so, with every count."""
    guangdong = f.leadership("团广东省委", tree.central, LeadershipLevel.PROVINCE)
    branch = f.branch(f.OrgFactory(name="广州某公司团委", parent=guangdong), "广州某公司第一团支部")
    t = services.start_by_member(member, branch, reason=Reason.RESIDENCE)
    started(t, date(2026, 3, 1))
    assert run(date(2026, 3, 16)) == {
        "returned": 0,
        "passed": 1,
        "completed": 0,
        "changed": 1,
        "parts": {tree.province.name: 1},
        "part_count": 3,
    }
    assert state(t) == State.RECEIVING
    graduate = f.person("王同学", branch=tree.branch_a, password="x")
    g = services.start_by_member(graduate, branch, reason=Reason.GRADUATION, destination=Destination.EMPLOYED)
    started(g, date(2026, 10, 1))
    assert run(date(2026, 10, 11)) == {
        "returned": 1,
        "passed": 1,  # the first, waiting at the receiver since 3/16
        "completed": 1,
        "changed": 2,
        "parts": {tree.province.name: 2},
        "part_count": 3,
    }
    assert (state(g), state(t)) == (State.RETURNED, State.COMPLETED)


def test_auto_completion_tells_the_member_where_to_look_and_clears_the_graduate_flag(tree, admins, member):
    """TRF-11 / TRF-08: the member's notice of an automatic step links to 我的转接; a member
    flagged 毕业生 while the transfer waited (6月1日 conversion) is no graduate in the ordinary
    branch the job moves them into -- as when a person approves the last step."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    assert not t.is_graduate
    started(t, date(2026, 3, 1))
    assert run(date(2026, 3, 16))["passed"] == 1
    Person.objects.filter(pk=member.pk).update(is_graduate=True)
    assert run(date(2026, 3, 31))["completed"] == 1
    moved = Person.objects.get(pk=member.pk)
    assert (moved.branch_id, moved.is_graduate) == (tree.branch_b.pk, False)
    links = set(Notification.objects.filter(recipient_person=member).values_list("link", flat=True))
    assert links == {reverse("transfers:my")} == {"/transfers/my/"}


def test_auto_pass_completes_an_inbound_transfer_at_its_sending_step(tree, admins, member):
    """TRF-11 at its edge: a transfer the receiving branch asked for (办理转入) has one step left,
    the sending side's; pending 14 days it waits, on the 15th it passes and completes: the member
    moves, the receiving branch (the initiator) is told."""
    t = services.start_inbound(tree.branch_b, member, by=admins.branch_b, reason=Reason.RESIDENCE)
    assert state(t) == State.SENDING
    other = f.person("王团员", branch=tree.branch_a, password="x")
    applied = services.start_by_member(other, tree.branch_b, reason=Reason.RESIDENCE)  # two steps to go
    for x in (t, applied):
        started(x, date(2026, 3, 1))
    assert run(date(2026, 3, 15))["changed"] == 0
    summary = run(date(2026, 3, 16))
    assert (summary["passed"], summary["completed"]) == (2, 1)
    assert (state(t), state(applied)) == (State.COMPLETED, State.RECEIVING)
    done = Transfer.objects.get(pk=t.pk)
    assert done.completed_at == jobs.moment_for(date(2026, 3, 16), "transfer_deadlines")
    assert Person.objects.get(pk=member.pk).branch_id == tree.branch_b.pk
    assert Notification.objects.filter(recipient_org=tree.branch_b, text__startswith="李团员的").exists()


def test_auto_pass_leaves_closed_transfers_alone_and_tells_the_initiator_only_when_final(tree, admins, member):
    """TRF-11: only open steps pass -- a transfer withdrawn long ago stays withdrawn; a committee
    receiver's step passes to 分配团支部 and the initiating org hears of it only when it is final."""
    withdrawn = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    services.act(None, withdrawn, "withdraw", by=member)
    started(withdrawn, date(2026, 3, 1))
    other = f.person("王团员", branch=tree.branch_a, password="x")
    (t,) = services.start_outbound(tree.col_a, [other], tree.col_b, by=admins.col_a, reason=Reason.OTHER)
    started(t, date(2026, 3, 1))
    assert run(date(2026, 4, 1))["passed"] == 1
    assert (state(withdrawn), state(t)) == (State.WITHDRAWN, State.ALLOCATING)
    assert not Notification.objects.filter(recipient_org=tree.col_a).exists()
    assert Notification.objects.filter(recipient_person=other, text__contains="默认审核通过").exists()
