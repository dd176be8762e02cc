"""INC-15 (decision): 入团激励 is created with the new member (a member with a branch and a
入团时间), recorded by that branch, so it follows INC-13 like any other record. One receiver for
every entry path: members sends `people_created` for a single entry and for each import chunk."""

from django.dispatch import receiver

from members.models import Person, people_created


@receiver(people_created, sender=Person, dispatch_uid="incentives_joining_on_new_members")
def joining_for_new_members(sender, people, **kwargs):
    from .services import record_joinings

    record_joinings([p for p in people if p.branch_id is not None and p.joined_month is not None])
