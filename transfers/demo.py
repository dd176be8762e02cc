"""Demo transfers (called by `manage.py seed_demo`; idempotent): a few in different states,
from the 石油工程专业2022级1班团支部 to 长江路街道's orgs, made through the services so every
rule (TRF-07 included) applies; a member the rules refuse is skipped with the reason."""

from members.models import Person
from orgs.models import Organization

from . import services
from .choices import Kind, Reason
from .models import Transfer

SOURCE = "石油工程专业2022级1班团支部"


def seed(stdout):
    if Transfer.objects.exclude(kind=Kind.BATCH).exists():
        stdout.write("组织关系转接演示数据：已存在，跳过。")
        return
    source = Organization.objects.filter(name=SOURCE).first()
    street = Organization.objects.filter(name="长江路街道团工委").first()
    community = Organization.objects.filter(name="香江路社区团支部").first()
    if not (source and street and community):
        return
    admin_of = {}
    for org in (source, street, community):
        post = org.cadre_posts.filter(admin_slot__isnull=False, ended_on__isnull=True).first()
        admin_of[org.pk] = post.person if post else None
    people = list(Person.objects.filter(branch=source).exclude(cadre_posts__isnull=False).order_by("pk"))
    plans = [
        ("pending at the sending side", lambda p: services.start_by_member(p, street, reason=Reason.RESIDENCE)),
        (
            "pending at the receiving side",
            lambda p: services.start_outbound(source, [p], community, by=admin_of[source.pk], reason=Reason.JOB_CHANGE),
        ),
        ("completed", lambda p: _complete(p, source, community, admin_of)),
        ("rejected", lambda p: _reject(p, source, street, admin_of)),
    ]
    made = 0
    for person, (_label, plan) in zip(people, plans, strict=False):
        try:
            plan(person)
            made += 1
        except services.TransferError as exc:
            stdout.write(f"组织关系转接演示：跳过{person.name}：{exc}")
    stdout.write(f"组织关系转接演示数据：{made} 条。")


def _complete(person, source, target, admin_of):
    t = services.start_by_member(person, target, reason=Reason.RESIDENCE)
    t = services.act(source, t, "approve", by=admin_of[source.pk])
    services.act(target, t, "approve", by=admin_of[target.pk])


def _reject(person, source, target, admin_of):
    t = services.start_by_member(person, target, reason=Reason.RESIDENCE)
    services.act(source, t, "reject", by=admin_of[source.pk], note="请先与转入组织确认接收")
