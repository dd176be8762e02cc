"""操作中心 kinds of the org tree (OPC-01)."""

from zhtj.core import inbox, sent
from zhtj.core.paths import path_for

from .models import AnnualRegistration, GraduationCorrectionRequest

inbox.declare(
    inbox.Kind(
        GraduationCorrectionRequest.inbox_kind,
        "毕业时间更正",
        # BEY-02: pending 毕业时间更正 requests wait for the branch's provincial committee only
        pending=lambda org: GraduationCorrectionRequest.objects.filter(
            state=GraduationCorrectionRequest.State.PENDING, approver=org
        ).select_related("branch", "filed_by_org"),
        title=lambda r: f"{r.filed_by_org.name}申请更正“{r.branch.name}”毕业时间：{r.old_label} → {r.new_label}",
        url="orgs:graduation_correction",
        can_have=lambda org: org.is_province,
    ),
    inbox.Kind(
        AnnualRegistration.inbox_kind,
        "年度团籍注册",
        # ORG-18: pending 年度团籍注册 wait for the member's branch
        pending=lambda org: AnnualRegistration.objects.filter(
            state=AnnualRegistration.State.PENDING, branch=org
        ).select_related("person"),
        title=lambda r: f"{r.person.name}申请{r.year}年度团籍注册",
        url="orgs:registration",
        can_have=lambda org: org.is_branch_kind,
    ),
)


@sent.register("graduation_correction_sent", "毕业时间更正")
class SentGraduationCorrections:
    @staticmethod
    def filed(request):
        """BEY-02: corrections the acting org filed, waiting for the province."""
        pending = GraduationCorrectionRequest.objects.filter(
            filed_by_org=request.acting_org, state=GraduationCorrectionRequest.State.PENDING
        )
        return inbox.newest_first(pending.select_related("branch"))

    @staticmethod
    def describe(obj):
        return sent.Line(
            f"“{obj.branch.name}”毕业时间：{obj.old_label} → {obj.new_label}",
            obj.get_state_display(),
            path_for("orgs:graduation_correction", obj.pk),
            obj.created_at,
            sent.withdraw_request(obj),
        )
