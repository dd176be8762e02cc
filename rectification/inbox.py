"""操作中心 kinds of 组织整顿 and 对标定级 (OPC-01, REC-06, GRD-07, BEY-02)."""

from django.urls import reverse

from zhtj.core import inbox, sent
from zhtj.core.paths import path_for

from .choices import AWAITING_REVIEW, GrdState
from .models import CampaignRecord, GradingRecord, SelfCheckCorrectionRequest

inbox.declare(
    inbox.Kind(
        CampaignRecord.inbox_kind,
        "自检表审核",
        # forms waiting for 是否整改 or a key branch's re-review: the direct superior's only
        pending=lambda org: CampaignRecord.objects.filter(branch__parent=org, state__in=AWAITING_REVIEW).select_related(
            "branch"
        ),
        title=lambda r: f"“{r.branch.name}”提交了团支部自检表（较差项{r.poor_count}项），待审核",
        url="rectification:review",
        url_arg="branch_id",
        newest="updated_at",
        can_have=lambda org: not org.is_branch_kind,
    ),
    inbox.Kind(
        GradingRecord.inbox_kind,
        "对标定级复核",
        # GRD-07: self-ratings waiting for the direct superior's review
        pending=lambda org: GradingRecord.objects.filter(org__parent=org, state=GrdState.PENDING).select_related("org"),
        title=lambda r: (
            f"“{r.org.name}”{'重新' if r.resubmitted else ''}提交了{r.year}年对标定级自评："
            f"{r.get_self_level_display()}，待复核"
        ),
        url="rectification:grading_review",
        url_arg=None,
        newest="self_at",
        can_have=lambda org: not org.is_branch_kind,
    ),
    inbox.Kind(
        SelfCheckCorrectionRequest.inbox_kind,
        "自检表更正",
        # BEY-02: pending requests wait for the branch's provincial committee only
        pending=lambda org: SelfCheckCorrectionRequest.objects.filter(
            state=SelfCheckCorrectionRequest.State.PENDING, approver=org
        ).select_related("record__branch", "filed_by_org"),
        title=lambda r: f"{r.filed_by_org.name}申请更正“{r.record.branch.name}”已锁定的团支部自检表",
        url="rectification:correction",
        can_have=lambda org: org.is_province,
    ),
)


@sent.register("self_check_sent", "团支部自检表")
class SentSelfChecks:
    @staticmethod
    def filed(request):
        """REC-03 / REC-07: the acting branch's own 自检表 waiting for its superior's review."""
        waiting = CampaignRecord.objects.filter(branch=request.acting_org, state__in=AWAITING_REVIEW)
        return inbox.newest_first(waiting, "updated_at")

    @staticmethod
    def describe(obj):
        return sent.Line(
            f"{obj.year}年团支部自检表（较差项{obj.poor_count}项）",
            obj.get_state_display(),
            reverse("rectification:self_check"),
            obj.updated_at,
        )


@sent.register("self_check_correction_sent", "自检表更正")
class SentSelfCheckCorrections:
    @staticmethod
    def filed(request):
        pending = SelfCheckCorrectionRequest.objects.filter(
            filed_by_org=request.acting_org, state=SelfCheckCorrectionRequest.State.PENDING
        )
        return inbox.newest_first(pending.select_related("record__branch"))

    @staticmethod
    def describe(obj):
        return sent.Line(
            f"更正“{obj.record.branch.name}”已锁定的团支部自检表",
            obj.get_state_display(),
            path_for("rectification:correction", obj.pk),
            obj.created_at,
            sent.withdraw_request(obj),
        )
