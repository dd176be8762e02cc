"""Login prompts of people (OPC-03): stored 发展团员编号 that break MEM-04. The member sees
their own; a branch admin the members of the branch; a direct superior those of its
direct sub-branches; any admin the cadres of its own org (all three may fix the number, seed 003 FAQ). One query each."""

from django.db.models import Q
from django.urls import reverse

from orgs.models import Organization
from zhtj.core import prompts

from .models import CadrePost, Person
from .validation import bad_development_numbers


@prompts.register
def bad_development_number(request):
    org = getattr(request, "acting_org", None)
    if org is None:
        if not request.user.is_authenticated or request.user.branch_id is None:
            return ()
        if bad_development_numbers(Person.objects.filter(pk=request.user.pk)).exists():
            return [
                prompts.Prompt(
                    "您的发展团员编号不规范（缺失、位数或格式不对、前四位年份与入团时间不一致），请尽快核对《入团志愿书》首页编号并修改。",
                    reverse("members:me") + "?edit=1",
                )
            ]
        return ()
    # Members of the branch or of its direct sub-branches, and cadres of the org itself. Each OR arm
    # is an index scan through `any_of` (zhtj/core/lookups.py); a join or EXISTS inside the OR made
    # PostgreSQL scan every person of the country (8 s at 2,000,000 people, 14 ms this way).
    subs = Organization.objects.filter(parent=org).values("pk")
    cadres = CadrePost.objects.active().filter(org=org).values("person")
    people = Person.objects.filter(Q(branch=org) | Q(branch__any_of=subs) | Q(pk__any_of=cadres), is_active=True)
    n = bad_development_numbers(people).count()
    if not n:
        return ()
    return [
        prompts.Prompt(
            f"有{n}名团员或团干部的发展团员编号不规范，请根据提示尽快修改规范。",
            reverse("members:list") + "?problem=number",
        )
    ]
