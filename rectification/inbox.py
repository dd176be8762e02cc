"""操作中心 providers of 组织整顿 and 对标定级 (OPC-01, REC-06, GRD-07, BEY-02)."""

from django.urls import reverse

from zhtj.core import inbox
from zhtj.core.paths import path_for

from .choices import AWAITING_REVIEW, GrdState
from .models import CampaignRecord, GradingRecord, SelfCheckCorrectionRequest


@inbox.register(CampaignRecord.inbox_kind, "自检表审核")
class SelfCheckReviewProvider:
    @staticmethod
    def pending(request):
        """Forms waiting for 是否整改 or a key branch's re-review: the direct superior's only."""
        return inbox.newest_first(
            CampaignRecord.objects.filter(branch__parent=request.acting_org, state__in=AWAITING_REVIEW).select_related(
                "branch"
            ),
            "updated_at",
        )

    @staticmethod
    def describe(obj):
        return (
            f"“{obj.branch.name}”提交了团支部自检表（较差项{obj.poor_count}项），待审核",
            path_for("rectification:review", obj.branch_id),
        )


@inbox.register(GradingRecord.inbox_kind, "对标定级复核")
class GradingReviewProvider:
    @staticmethod
    def pending(request):
        """GRD-07: self-ratings waiting for the direct superior's review."""
        return inbox.newest_first(
            GradingRecord.objects.filter(org__parent=request.acting_org, state=GrdState.PENDING).select_related("org"),
            "self_at",
        )

    @staticmethod
    def describe(obj):
        again = "重新" if obj.resubmitted else ""
        return (
            f"“{obj.org.name}”{again}提交了{obj.year}年对标定级自评：{obj.get_self_level_display()}，待复核",
            reverse("rectification:grading_review"),
        )


@inbox.register(SelfCheckCorrectionRequest.inbox_kind, "自检表更正")
class SelfCheckCorrectionProvider:
    @staticmethod
    def pending(request):
        """BEY-02: pending requests wait for the branch's provincial committee only."""
        return inbox.newest_first(
            SelfCheckCorrectionRequest.objects.filter(
                state=SelfCheckCorrectionRequest.State.PENDING, approver=request.acting_org
            ).select_related("record__branch", "filed_by_org"),
            "created_at",
        )

    @staticmethod
    def describe(obj):
        return (
            f"{obj.filed_by_org.name}申请更正“{obj.record.branch.name}”已锁定的团支部自检表",
            path_for("rectification:correction", obj.pk),
        )
