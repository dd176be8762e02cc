"""Login prompt (OPC-03, INC-12): 推优 records of the acting org's members due for 更新状态."""

from django.urls import reverse

from zhtj.core import prompts

from .models import Development
from .scope import subtree_q
from .tracking import pending_update


@prompts.register
def party_track_due(request):
    org = getattr(request, "acting_org", None)
    if org is None:
        return ()
    # The record shows where the member is now (TRF-08).
    # Not those whose update already waits for the superior.
    due = Development.objects.filter(
        subtree_q(org, "record__person__branch"), ~pending_update(), update_due=True
    ).count()
    if not due:
        return ()
    return (prompts.Prompt(f"推优入党：{due}名推优人选已满1年，请更新状态。", reverse("incentives:development")),)
