"""Models of the people half of issue 4: the 删除申请 workflow (MEM-09, BEY-02)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from zhtj.core.workflow import Workflow


class DeletionRequest(Workflow):
    """删除人员申请: a branch member can't be deleted by the branch (MEM-09). The branch (or its
    direct superior) files a request with a reason; the nearest ancestor 省级团委 decides it in
    its 操作中心. Approval deactivates the person, clears the branch relation and ends their
    posts; the Person row stays for the history of everything they took part in."""

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REJECTED = "rejected", "不同意"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deletion_requests", verbose_name="人员"
    )
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="申请组织")
    approver = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="审批组织"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    explanation = models.CharField("删除原因", max_length=500)
    state = FSMField("状态", default=State.PENDING, choices=State.choices, protected=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField("审批意见", max_length=200, blank=True)

    inbox_kind = "person_deletion"

    class Meta:
        verbose_name = "删除人员申请"
        verbose_name_plural = "删除人员申请"
        constraints = [
            # One open request per person: a double click or a second admin can't file two.
            models.UniqueConstraint(fields=["person"], condition=Q(state="pending"), name="one_pending_deletion"),
            models.CheckConstraint(name="deletion_reason_required", condition=~Q(explanation="")),
        ]
        indexes = [models.Index(fields=["approver", "state"], name="deletion_approver_state")]

    def __str__(self):
        return f"删除人员申请：{self.person}"

    @transition(field=state, source=State.PENDING, target=State.APPROVED)
    def approve(self, by=None, note=""):
        # The person is deactivated by people.decide_deletion, in the same transaction.
        self.decided_by = by
        self.reason = note

    @transition(field=state, source=State.PENDING, target=State.REJECTED)
    def reject(self, by=None, note=""):
        self.decided_by = by
        self.reason = note
