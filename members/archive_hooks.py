"""The e-archive's login prompt (ARC-04, OPC-03); its 操作中心 kinds are in inbox.py."""

from django.urls import reverse

from zhtj.core import prompts

from .archives import lacks_verification_q
from .models import Person


@prompts.register
def members_not_verified(request):
    """ARC-04: while any 2020+ member of the subtree lacks 已认证 -- one EXISTS query."""
    org = getattr(request, "acting_org", None)
    if org is None:
        return ()
    if not Person.objects.in_branches_of(org).filter(lacks_verification_q()).exists():
        return ()
    return (prompts.Prompt("组织内有团员身份尚未认证", reverse("members:archives") + "?status=todo"),)
