"""Demo data of 团内激励 for `manage.py seed_demo` (idempotent): last year's approved 评议 in the
first computer-science class, a pending honor and an approved 推优 record in the second class,
and 入团激励 waiting at the 2023级团总支."""

from datetime import date, timedelta

from django.utils import timezone

from members.models import CadrePost
from orgs.models import Organization
from zhtj.core.workflow import by_system, perform

from . import services
from .choices import DevelopmentKind, Grade, HonorTitle, HonorType, Kind, PartyCategory, TrackStatus
from .models import IncentiveRecord, Joining

FIRST = "计算机专业2023级1班团支部"
SECOND = "计算机专业2023级2班团支部"
UNIVERSITY = "中国石油大学（华东）团委"


def _admin(org):
    return CadrePost.objects.admins().filter(org=org).select_related("person").first().person


def seed(stdout):
    first = Organization.objects.filter(name=FIRST).first()
    second = Organization.objects.filter(name=SECOND).first()
    university = Organization.objects.filter(name=UNIVERSITY).first()
    if not (first and second and university):
        return
    # New members already got their 入团激励 from the signal: the marker is the demo's own 评议.
    if IncentiveRecord.objects.filter(kind=Kind.EVALUATION, recorder=first).exists():
        return
    grade_org = first.parent
    approver = _admin(grade_org)
    year = timezone.localdate().year - 1
    people = list(first.members.order_by("pk"))
    services.record_grades(first, year, people[1:], Grade.QUALIFIED, by=_admin(first))
    services.record_grades(first, year, people[:1], Grade.EXCELLENT, by=_admin(first))
    for record in IncentiveRecord.objects.filter(kind=Kind.EVALUATION, recorder=first):
        perform(record, "approve", guard=by_system, by=approver, note="演示数据")
    has_joining = set(IncentiveRecord.objects.filter(kind=Kind.JOINING).values_list("person", flat=True))
    for person in people:
        if person.pk in has_joining:
            continue
        person.joined_month = person.joined_month or date(2021, 5, 1)
        person.save(update_fields=["joined_month"])
        services.create_record(
            Joining,
            kind=Kind.JOINING,
            recorder=first,
            by=_admin(first),
            person=person,
            summary=f"入团激励 {person.name}：{person.joined_month:%Y-%m}入团",
            joined_on=person.joined_month,
            ceremony="五四青年节集中入团仪式",
        )
    classmates = list(second.members.order_by("pk"))
    services.record_honor(
        second,
        by=_admin(second),
        honor_type=HonorType.PERSONAL,
        title=HonorTitle.EXCELLENT_MEMBER,
        grantor=university,
        grantor_name="中国石油大学（华东）",
        awarded_month=date(timezone.localdate().year, 5, 1),
        recipients=classmates[1:3],
    )
    recommended = timezone.localdate() - timedelta(days=60)
    candidate = classmates[3]
    if candidate.party_application_date is None:  # INC-11: synced from 递交入党申请书时间
        candidate.party_application_submitted = True
        candidate.party_application_date = (recommended - timedelta(days=200)).replace(day=1)
        candidate.save(update_fields=["party_application_submitted", "party_application_date"])
    [dev] = services.record_development(
        second,
        [candidate],
        by=_admin(second),
        dev_kind=DevelopmentKind.PARTY,
        recommended_on=recommended,
        category=PartyCategory.ACTIVIST,
        status=TrackStatus.CONFIRMED,
        confirmed_on=recommended,
    )
    perform(dev, "approve", guard=by_system, by=_admin(second.parent), note="演示数据")
    stdout.write("团内激励演示数据：评议激励、入团激励、荣誉激励、推优入党记录已生成。")
