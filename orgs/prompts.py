"""Login prompts of the org tree (OPC-03): the acting org's own info still incomplete, and for
团委/团工委/团总支 and leadership organs, direct sub-orgs that have not completed theirs
(录入进度督导, ORG-11). Both figures come from one query."""

from django.db.models import Count, Q
from django.urls import reverse

from zhtj.core import prompts

from .completeness import complete_q, key_domain_missing_q
from .models import Organization


@prompts.register
def entry_progress(request):
    org = getattr(request, "acting_org", None)
    if org is None:
        return ()
    incomplete = ~complete_q()
    figures = Organization.objects.filter(Q(pk=org.pk) | Q(parent_id=org.pk)).aggregate(
        own=Count("pk", filter=Q(pk=org.pk) & incomplete),
        subs=Count("pk", filter=Q(parent_id=org.pk) & incomplete),
    )
    notes = []
    if figures["own"]:
        notes.append(
            prompts.Prompt(
                "本组织信息尚未完整录入：请完整填写红色标记的必填项，并确认书记已注册且个人资料中填写了手机号码。",
                reverse("orgs:info_edit"),
            )
        )
    if figures["subs"] and not org.is_branch_kind:
        notes.append(
            prompts.Prompt(
                f"下级组织信息录入尚未完成：{figures['subs']}个直属下级组织未完整录入本组织信息",
                reverse("orgs:progress"),
            )
        )
    return notes


@prompts.register
def key_domain_gate(request):
    """ORG-14 as a prompt: the gate itself (orgs.middleware) stops a key-domain org's own admin;
    its direct superior is told how many direct sub-orgs are still held there. One query."""
    org = getattr(request, "acting_org", None)
    if org is None or org.is_branch_kind:
        return ()
    n = Organization.objects.filter(parent_id=org.pk).filter(key_domain_missing_q()).count()
    if not n:
        return ()
    return (
        prompts.Prompt(
            f"{n}个直属下级组织尚未填写重点领域信息（高校本级：在校学生数；国有企业：企业层级、企业所在驻地），"
            "填写前无法使用系统，请督促其管理员登录填写。",
            reverse("orgs:progress"),
        ),
    )
