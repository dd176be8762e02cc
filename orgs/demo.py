"""Demo data for 组织生活 and 团内大数据 (called by `manage.py seed_demo`; idempotent).

Uses seed_demo's orgs by name: the 计算机专业2023级 branches get 三会, 团课 and 团日活动 records
with participants and 年度团籍注册 in every state. Members' 民族/学历/入团时间 left blank by
the people seed are filled (only where blank) so 团内大数据 has something to show.
"""

from datetime import date, timedelta

from django.utils import timezone

from zhtj.core.workflow import by_system, perform

from .choices import LifeKind
from .models import AnnualRegistration, LifeRecord, Organization

BRANCHES = ["计算机专业2023级1班团支部", "计算机专业2023级2班团支部", "石油工程专业2022级1班团支部"]
RECORDS = [
    # (kind, days ago, topic, place, lecturer, content)
    (LifeKind.GENERAL_MEETING, 40, "学习贯彻团的二十大精神", "工科楼A201", "", "传达团的二十大精神，开展交流讨论。"),
    (LifeKind.COMMITTEE_MEETING, 25, "研究年度团籍注册工作", "工科楼A203", "", "部署本年度团籍注册和团员教育评议。"),
    (LifeKind.GROUP_MEETING, 12, "团小组学习交流", "图书馆研讨间3", "", "分享学习心得。"),
    (LifeKind.LECTURE, 30, "青年大学习：新时代的青年使命", "", "王老师", "专题团课，观看公开团课视频并讨论。"),
    (LifeKind.ACTIVITY, 18, "“学雷锋”志愿服务团日活动", "长江路社区", "", "社区清洁与义务讲解。"),
]
# Member fields for the statistics, cycled deterministically (only blanks are filled).
ETHNICITIES = ["汉族"] * 8 + ["回族", "满族", "蒙古族", "壮族", "朝鲜族"]
EDUCATIONS = ["bachelor", "bachelor", "bachelor", "junior_college", "master", "high_school"]


def seed(stdout):
    today = timezone.localdate()
    branches = list(Organization.objects.filter(name__in=BRANCHES).order_by("tree_id", "lft"))
    made = 0
    for branch in branches:
        people = list(branch.members.order_by("pk"))
        admin = branch.cadre_posts.filter(admin_slot__isnull=False, ended_on__isnull=True).first()
        by = admin.person if admin else None
        for kind, days, topic, place, lecturer, content in RECORDS:
            record, created = LifeRecord.objects.get_or_create(
                branch=branch,
                kind=kind,
                date=today - timedelta(days=days),
                topic=topic,
                defaults={"place": place, "lecturer": lecturer, "content": content, "created_by": by},
            )
            if created:
                record.participants.set(people[: len(people) - days % 3])
                made += 1
        _registrations(today.year, people, by)
    _member_fields(branches, today)
    stdout.write(f"组织生活演示数据：{made} 条新记录（{len(branches)} 个团支部）。")
    from . import demo_notices

    demo_notices.seed(stdout)


def _registrations(year, people, by):
    """年度团籍注册 in every state: the first two approved, the third rejected, the rest pending
    except the last member, who is left to register in the demo."""
    for i, person in enumerate(people[:-1]):
        if AnnualRegistration.objects.filter(person=person, year=year).exists():
            continue
        reg = AnnualRegistration.objects.create(person=person, branch_id=person.branch_id, year=year)
        if i < 2:
            perform(reg, "approve", guard=by_system, by=by)
        elif i == 2:
            perform(reg, "reject", guard=by_system, by=by, note="请先参加本学期团课学习")


def _member_fields(branches, today):
    """Fill blank 民族/学历/入团时间 of the demo members, a few queries per field."""
    from django.apps import apps  # members sits above orgs: reach Person through the app registry

    Person = apps.get_model("members", "Person")  # noqa: N806
    people = Person.objects.filter(branch__isnull=False)
    for field, values in (("ethnicity", ETHNICITIES), ("education", EDUCATIONS)):
        pks = list(people.filter(**{field: ""}).order_by("pk").values_list("pk", flat=True))
        for i, value in enumerate(values):
            chosen = pks[i :: len(values)]
            if chosen:
                Person.objects.filter(pk__in=chosen).update(**{field: value})
    pks = list(people.filter(joined_month__isnull=True).order_by("pk").values_list("pk", flat=True))
    for i, year in enumerate((today.year, today.year - 1, today.year - 3)):
        chosen = pks[i::3]
        if chosen:
            Person.objects.filter(pk__in=chosen).update(joined_month=date(year, 3, 1))
