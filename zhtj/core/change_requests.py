"""The one shape of "someone asks the superior to change a locked thing" (BEY-02, issue 23).

毕业时间更正, 自检表更正, 团员电子档案变更申请, 删除人员申请 and 管理员变更 are the same workflow:

    pending ──approve──▶ approved   (the change applied, in the same transaction)
       ├────reject───▶ rejected     (a reason required, told to the filer)
       └────withdraw─▶ withdrawn    (by the filing org, while undecided)

`ChangeRequest` holds what they share: who asked (`filed_by_org`, `requested_by`), why
(`explanation`), who decides (`approver`, stored when filed), the decision (`state`, `decided_by`,
`decided_at`, `reason` = 审批意见) and the transitions. A concrete request declares only its target
(a foreign key named by `target_field`), what it changes (its own fields), its words and the URL
name of its review page. The change itself has side effects on other rows that belong to its app's
rules, so it is not a model method: the app's service passes it as `apply` to
`zhtj.core.change_review.decide`, which runs it on the locked row (models never import services).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.urls import reverse
from django_fsm import FSMField, transition

from .workflow import DecidedWorkflow


class ChangeRequest(DecidedWorkflow):
    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REJECTED = "rejected", "不同意"
        WITHDRAWN = "withdrawn", "已撤回"

    # RESTRICT: an org that filed a request still pointing at a living target can't be deleted
    # (the request is history), but goes with its own cadre posts' requests (管理员变更).
    filed_by_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.RESTRICT, related_name="+", verbose_name="申请组织"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    approver = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="审批组织"
    )
    explanation = models.CharField("申请理由", max_length=500, blank=True)
    state = FSMField("状态", default=State.PENDING, choices=State.choices, protected=True)

    # Declared by each kind:
    target_field = ""  # the foreign key naming what the request changes
    review_url = ""  # URL name of the review page, taking the pk
    not_decider = "隔级无法操作：只有审批组织的管理员可以审批，您可以查看。"  # 403 for anyone else

    class Meta:
        abstract = True

    @property
    def target(self):
        return getattr(self, self.target_field)

    @property
    def subject(self):
        """The request in one line, for notices: "“B1团支部”自检表更正申请"."""
        return f"{self.target}：{self._meta.verbose_name}"

    @property
    def effect(self):
        """What 同意 did, said to the approver and the filer ("" when the state says it all)."""
        return ""

    def get_absolute_url(self):
        return reverse(self.review_url, args=[self.pk])

    @classmethod
    def open_states(cls):
        """States in which the request still blocks another one of the same target."""
        return [cls.State.PENDING]

    # --- who may act: run by perform() on the locked row (SEC-04) --------------------------------

    def check_decider(self, acting):
        if acting is None or self.approver_id != acting.pk:
            raise PermissionDenied(self.not_decider)

    def check_filer(self, acting):
        if acting is None or self.filed_by_org_id != acting.pk:
            raise PermissionDenied("只有申请组织可以撤回该申请。")

    # --- transitions ------------------------------------------------------------------------------

    @transition(field=state, source=State.PENDING, target=State.APPROVED)
    def approve(self, by=None, note=""):
        self.record_decision(by, note)

    @transition(field=state, source=State.PENDING, target=State.REJECTED)
    def reject(self, by=None, note=""):
        self.record_refusal(by, note)

    @transition(field=state, source=State.PENDING, target=State.WITHDRAWN)
    def withdraw(self, by=None, note=""):
        pass  # the audit row says who took it back, and when

    def withdrawable(self):
        return self.state == self.State.PENDING


def state_field(choices):
    """The `state` of a kind with states of its own (电子档案变更申请's 已重新上传): the base field
    with other labels. It keeps the base field's `creation_counter`, which is how django-fsm knows
    the base's transitions belong to it."""
    base = ChangeRequest._meta.get_field("state")
    _, _, args, kwargs = base.deconstruct()
    field = FSMField(*args, **{**kwargs, "choices": choices})
    field.creation_counter = base.creation_counter
    return field
