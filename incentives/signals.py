"""INC-15 (decision): 入团激励 is created with the new member (a member with a branch and a
入团时间), recorded by that branch, so it follows INC-13 like any other record."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from members.models import Person
from zhtj.core.audit import current_actor

from .choices import Kind
from .models import Joining


@receiver(post_save, sender=Person, dispatch_uid="incentives_joining_on_new_member")
def joining_for_new_member(sender, instance, created, raw=False, **kwargs):
    if not created or raw or instance.branch_id is None or instance.joined_month is None:
        return
    from .services import create_record

    actor, _org = current_actor()
    create_record(
        Joining,
        kind=Kind.JOINING,
        recorder=instance.branch,
        by=actor or instance,
        person=instance,
        summary=f"入团激励 {instance.name}：{instance.joined_month:%Y-%m}入团",
        joined_on=instance.joined_month,
    )
