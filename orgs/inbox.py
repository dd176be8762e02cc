"""操作中心 providers of the org tree (OPC-01)."""

from zhtj.core import inbox
from zhtj.core.paths import path_for

from .models import AnnualRegistration, GraduationCorrectionRequest


@inbox.register(GraduationCorrectionRequest.inbox_kind, "毕业时间更正")
class GraduationCorrectionProvider:
    @staticmethod
    def pending(request):
        """BEY-02: pending 毕业时间更正 requests wait for the branch's provincial committee only."""
        return inbox.newest_first(
            GraduationCorrectionRequest.objects.filter(
                state=GraduationCorrectionRequest.State.PENDING, approver=request.acting_org
            ).select_related("branch", "filed_by_org"),
            "created_at",
        )

    @staticmethod
    def describe(obj):
        return (
            f"{obj.filed_by_org.name}申请更正“{obj.branch.name}”毕业时间：{obj.old_label} → {obj.new_label}",
            path_for("orgs:graduation_correction", obj.pk),
        )


@inbox.register(AnnualRegistration.inbox_kind, "年度团籍注册")
class AnnualRegistrationProvider:
    @staticmethod
    def pending(request):
        """ORG-18: pending 年度团籍注册 wait for the member's branch."""
        return inbox.newest_first(
            AnnualRegistration.objects.filter(
                state=AnnualRegistration.State.PENDING, branch=request.acting_org
            ).select_related("person"),
            "created_at",
        )

    @staticmethod
    def describe(obj):
        return (f"{obj.person.name}申请{obj.year}年度团籍注册", path_for("orgs:registration", obj.pk))
