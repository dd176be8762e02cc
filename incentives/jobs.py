"""JOB-03: 推优 records due for 更新状态 (INC-12)."""

from django.utils import timezone

from zhtj.core.jobs import job

from .choices import TERMINAL_STATUSES, DevelopmentKind, State
from .models import Development, due_before


@job("party_track_prompts", "推优入党跟踪：每一步满1年的推优记录提示“更新状态”（JOB-03 / INC-12）")
def party_track_prompts(moment):
    return mark_due(moment)


def mark_due(moment):
    """One UPDATE: approved 推优 records still being tracked whose last step is a year old or
    more become due. Idempotent: a second run finds none left (update_due=False is the filter).
    Kept out of the decorated job so that mutation testing reaches it (mutmut mutates no
    decorated function), as rectification's jobs call grading.lock and services.carry_over."""
    cutoff = due_before(timezone.localdate(moment))
    changed = (
        Development.objects.filter(
            dev_kind=DevelopmentKind.PARTY,
            record__state=State.APPROVED,
            update_due=False,
            last_step_on__lte=cutoff,
        )
        .exclude(status__in=TERMINAL_STATUSES)
        .update(update_due=True)
    )
    return {"changed": changed, "cutoff": cutoff.isoformat()}
