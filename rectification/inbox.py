"""操作中心 kinds of 组织整顿 and 对标定级 (OPC-01, REC-06, GRD-07, BEY-02)."""

from zhtj.core import inbox

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
