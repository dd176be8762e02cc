"""Login prompts of 组织整顿 (OPC-03, REC-06): a branch under key rectification is told on arrival;
"确定" opens its self-check history with the last submitted form and 编辑."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from zhtj.core import prompts

from . import services as s
from .choices import AWAITING_REVIEW, GRADING_CATEGORIES, RecState
from .models import CampaignRecord


@prompts.register
def deadlines(request):
    """REC-13: during the campaign, what is still due and by when — a branch without a form, a
    superior with forms to review or the bottom 20% still to pick. One query each."""
    org = getattr(request, "acting_org", None)
    if org is None or not s.in_campaign():
        return ()
    year = s.campaign_year()
    due = s.deadlines(year)
    today = timezone.localdate()
    if org.is_branch_kind:
        if CampaignRecord.objects.filter(branch=org, year=year).exclude(state=RecState.NOT_SUBMITTED).exists():
            return ()
        return (
            prompts.Prompt(
                f"本支部尚未提交{year}年团支部自检表，{_by(due['self_check'], today)}完成自检。",
                reverse("rectification:self_check"),
            ),
        )
    figures = s.with_status(s.rec_orgs(org, year), year).aggregate(
        waiting=Count("pk", filter=Q(rec_state__in=AWAITING_REVIEW)),
    )
    notes = []
    if figures["waiting"]:
        notes.append(
            prompts.Prompt(
                f"{figures['waiting']}个直属团支部的自检表待审核，{_by(due['review'], today)}完成审核。",
                reverse("rectification:branches"),
            )
        )
    if s.bottom_due(org, year):
        notes.append(
            prompts.Prompt(
                f"尚未勾选排名后 20% 团支部，{_by(due['review'], today)}按不少于20%的比例确定后进团支部。",
                reverse("rectification:branches"),
            )
        )
    return notes


def _by(day, today):
    """ "请于11月30日前", or once the day has passed "已逾期（截止11月30日），请尽快" (BEY-08)."""
    return f"已逾期（截止{s.md(day)}），请尽快" if today > day else f"请于{s.md(day)}前"


@prompts.register
def key_branch(request):
    org = getattr(request, "acting_org", None)
    # Branches, and 团总支 that 不予定级 may have made key branches (GRD-05).
    if org is None or not (org.is_branch_kind or org.category in GRADING_CATEGORIES):
        return ()
    state = CampaignRecord.objects.filter(branch=org, year=s.campaign_year()).values_list("state", flat=True).first()
    if state in (RecState.KEY, RecState.CONTINUE):
        verdict = "继续整改" if state == RecState.CONTINUE else "纳入重点整顿团支部"
        return (
            prompts.Prompt(
                f"上级团组织审核结果：本支部{verdict}。请整改后在团支部自检中点击“编辑”，修改自检表并重新提交。",
                reverse("rectification:self_check"),
                level="danger",
                action="确定",  # the seed: "点击弹出框中的'确定'按钮" opens the self-check history
            ),
        )
    if state == RecState.REJECTED:
        return (
            prompts.Prompt("上级团组织审核结果：自检表不通过，请整顿后再次提交。", reverse("rectification:self_check")),
        )
    return ()
