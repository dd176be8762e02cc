"""Login prompts of 组织整顿 (OPC-03, REC-06): a branch under key rectification is told on arrival;
"确定" opens its self-check history with the last submitted form and 编辑."""

from django.urls import reverse

from zhtj.core import prompts

from . import services as s
from .choices import RecState
from .models import CampaignRecord


@prompts.register
def key_branch(request):
    org = getattr(request, "acting_org", None)
    if org is None or not org.is_branch_kind:
        return ()
    state = CampaignRecord.objects.filter(branch=org, year=s.campaign_year()).values_list("state", flat=True).first()
    if state in (RecState.KEY, RecState.CONTINUE):
        verdict = "继续整改" if state == RecState.CONTINUE else "纳入重点整顿团支部"
        return (
            prompts.Prompt(
                f"上级团组织审核结果：本支部{verdict}。请整改后在团支部自检中点击“编辑”，修改自检表并重新提交。",
                reverse("rectification:self_check"),
                level="danger",
            ),
        )
    if state == RecState.REJECTED:
        return (
            prompts.Prompt("上级团组织审核结果：自检表不通过，请整顿后再次提交。", reverse("rectification:self_check")),
        )
    return ()
