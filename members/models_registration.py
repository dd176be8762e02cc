"""团员团干部注册 (REG-01 … REG-03): a person not yet in the system applies to join a branch.

Imported at the end of members/models.py so the model belongs to the members app.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from zhtj.core.idnumber import mask
from zhtj.core.workflow import Workflow


class SelfRegistration(Workflow):
    """An application: the branch, the MEM-01 fields as typed (checked again by the same form when
    the branch approves), and the outcome."""

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REJECTED = "rejected", "不同意"

    branch = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="self_registrations",
        verbose_name="申请加入的团支部",
    )
    id_number = models.CharField("身份证号码", max_length=18, db_index=True)
    name = models.CharField("姓名", max_length=50)
    as_cadre = models.BooleanField("同时注册为团干部", default=False)
    # The entry form's fields as the applicant typed them (members.forms_people.PersonForm).
    values = models.JSONField("申请信息", default=dict)
    state = FSMField("处理状态", default=State.PENDING, choices=State.choices, protected=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    reason = models.CharField("审批意见", max_length=200, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="人员",
    )

    inbox_kind = "self_registration"

    class Meta:
        verbose_name = "团员团干部注册申请"
        verbose_name_plural = "团员团干部注册申请"
        constraints = [
            # One open application per ID number: a double submit or a second tab files one.
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(state="pending"), name="one_pending_registration_per_id"
            ),
        ]
        indexes = [models.Index(fields=["branch", "state", "created_at"], name="selfreg_branch_state")]

    def __str__(self):
        return f"{self.name}：注册到{self.branch}"

    @property
    def masked_id_number(self):
        return mask(self.id_number)

    @transition(field=state, source=State.PENDING, target=State.APPROVED)
    def approve(self, by=None, note="", person=None):
        self.decided_by = by
        self.person = person

    @transition(field=state, source=State.PENDING, target=State.REJECTED)
    def reject(self, by=None, note=""):
        self.decided_by = by
        self.reason = note
