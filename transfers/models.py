"""团组织关系转接 (TRF-01 … TRF-13): one workflow for every way a transfer starts.

States (drawn in docs/architecture.md):

    SENDING --approve--> RECEIVING --approve--> ALLOCATING --allocate--> COMPLETED
       |                    |  (branch target) ----------------------> COMPLETED
       +-- reject / withdraw / return (10-day, 收尾期) from any open state --> REJECTED / WITHDRAWN / RETURNED

Which state a transfer starts in depends on who started it (TRF-02/03/04): the
initiator's own side needs no second approval.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, transition

from members.models import Person
from orgs.choices import OrgCategory
from zhtj.core.workflow import Workflow

from .choices import OPEN_STATES, Destination, Kind, Reason, State


def stays_graduate(branch):
    """Person.is_graduate after a move: still a graduate only inside a graduate org (decision)."""
    return branch.category in (OrgCategory.GRADUATE, OrgCategory.DELAYED_GRADUATION)


class Transfer(Workflow):
    inbox_kind = "transfer"
    State = State

    kind = models.CharField("转接方式", max_length=16, choices=Kind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transfers", verbose_name="团员"
    )
    from_branch = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="transfers_out", verbose_name="转出团支部"
    )
    target = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="transfers_in", verbose_name="转入组织"
    )
    to_branch = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="转入团支部",
    )
    initiator_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="发起组织"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发起人"
    )
    reason = models.CharField("转接原因", max_length=16, choices=Reason.choices)
    is_graduate = models.BooleanField("学社衔接", default=False)
    destination = models.CharField("毕业去向", max_length=16, choices=Destination.choices, blank=True)
    school_name = models.CharField("新学校名称", max_length=100, blank=True)
    school_address = models.CharField("新学校地址", max_length=200, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    state = FSMField("状态", max_length=16, choices=State.choices, protected=True)
    step_started_at = models.DateTimeField("当前环节开始时间", default=timezone.now, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField("审批意见", max_length=200, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Set by the transfer_deadlines job: the run that last handled the row (for its bulk audit rows).
    sweep_token = models.CharField(max_length=40, blank=True, db_index=True)
    sweep_from = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = "团组织关系转接"
        verbose_name_plural = "团组织关系转接"
        constraints = [
            # TRF-12: one open transfer per member, whoever tries to open a second one.
            models.UniqueConstraint(
                fields=["person"], condition=Q(state__in=[s.value for s in OPEN_STATES]), name="one_open_transfer"
            ),
        ]
        indexes = [models.Index(fields=["state", "step_started_at"], name="transfer_state_step")]

    def __str__(self):
        return f"{self.person.name}：{self.from_branch.name} → {self.target.name}"

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    def needs_allocation(self):
        return not self.target.is_branch_kind

    def _after_receiving(self):
        return State.ALLOCATING if self.needs_allocation() else State.COMPLETED

    def _next_state(self):
        if self.state == State.SENDING and self.kind == Kind.MEMBER:
            return State.RECEIVING
        return self._after_receiving()

    # --- transitions: callers use zhtj.core.workflow.perform ---------------------------------

    @transition(
        field=state,
        source=[State.SENDING, State.RECEIVING],
        target=RETURN_VALUE(State.RECEIVING, State.ALLOCATING, State.COMPLETED),
    )
    def approve(self, by=None, note=""):
        nxt = self._next_state()
        self.decided_by, self.decision_note = by, note
        self.step_started_at = timezone.now()
        if nxt == State.COMPLETED:
            self._complete(self.target)
        return nxt

    @transition(field=state, source=State.ALLOCATING, target=State.COMPLETED)
    def allocate(self, by=None, note="", branch=None):
        self.decided_by, self.decision_note = by, note
        self._complete(branch)

    def _complete(self, branch):
        """TRF-08: move the relation (inside perform's transaction). Only `branch` and `is_graduate`
        are written, so nothing else of the person is overwritten; incentive and 推优 records point
        at the person and follow without moving; the transfer row + audit stay with the old org."""
        Person.objects.filter(pk=self.person_id).update(branch=branch, is_graduate=stays_graduate(branch))
        self.to_branch = branch
        self.completed_at = timezone.now()

    @transition(field=state, source=list(OPEN_STATES), target=State.REJECTED)
    def reject(self, by=None, note=""):
        self.decided_by, self.decision_note = by, note

    def withdrawable(self):
        """TRF-10: a 学社衔接 transfer is withdrawable in 申请期 only; others while open."""
        from .calendar import period_of

        return not self.is_graduate or period_of(timezone.localdate()) == "apply"

    withdrawable.refusal = "学社衔接转接申请只能在申请期内撤销，审核期和收尾期请联系审批组织处理。"

    @transition(field=state, source=list(OPEN_STATES), target=State.WITHDRAWN, conditions=[withdrawable])
    def withdraw(self, by=None, note=""):
        self.decision_note = note
