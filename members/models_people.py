"""Models of the people half of issue 4: the 删除申请 workflow (MEM-09, BEY-02)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhtj.core.change_requests import ChangeRequest


class DeletionRequest(ChangeRequest):
    """删除人员申请: a branch member can't be deleted by the branch (MEM-09). The branch (or its
    direct superior) files a request with a reason; the nearest ancestor 省级团委 decides it in
    its 操作中心. 同意 deactivates the person, clears the branch relation and ends their posts
    (`members.people.deactivate`); the Person row stays for the history of everything they took
    part in."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deletion_requests", verbose_name="人员"
    )
    explanation = models.CharField("删除原因", max_length=500)

    inbox_kind = "person_deletion"
    target_field = "person"
    review_url = "members:deletion_decide"
    not_decider = "只有该人员所属的省级团委管理员可以审批删除人员申请。"

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

    @property
    def subject(self):
        return f"删除{self.person.name}的申请"

    @property
    def effect(self):
        return "该人员已停用"
