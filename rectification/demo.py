"""Demo data for 组织整顿 and 对标定级 on the seed_demo tree: the 2023级团总支's three class branches
in this year's campaign (one 合格, one 重点整改中 after 开始整改, one 待审核) and two 对标定级
self-ratings, one of them reviewed. Idempotent: a branch with a record is left alone."""

from django.db import transaction
from django.utils import timezone

from members.models import CadrePost
from orgs.models import Organization

from . import grading, services
from .choices import CHECK_CODES, GrdState, Level, RecState
from .models import CampaignRecord, GradingRecord, SelfCheck

GRADE = "2023级团总支"
# (class, 较差 count, state, review result)
PLAN = (
    (1, 0, RecState.QUALIFIED, "通过"),
    (2, 6, RecState.KEY, "开始整改"),
    (3, 2, RecState.PENDING, ""),
)


def _answers(poor):
    return {code: "poor" if i < poor else "good" for i, code in enumerate(CHECK_CODES)}


def _admin(org):
    post = CadrePost.objects.admins().filter(org=org).select_related("person").first()
    return post.person if post else None


def seed(stdout):
    grade = Organization.objects.filter(name=GRADE).first()
    if grade is None:
        stdout.write("组织整顿演示数据：未找到 2023级团总支，跳过。")
        return
    year = services.campaign_year()
    # Outside the campaign the forms belong to its first month (as if filed then).
    today = timezone.localdate()
    month = (
        services.current_month() if services.in_campaign() and today.year == year else services.campaign_months(year)[0]
    )
    reviewer = _admin(grade)
    now = timezone.now()
    made = 0
    with transaction.atomic():
        for klass, poor, state, result in PLAN:
            branch = grade.get_children().filter(name__endswith=f"{klass}班团支部").first()
            if branch is None or CampaignRecord.objects.filter(branch=branch, year=year).exists():
                continue
            filler = _admin(branch)
            record = CampaignRecord.objects.create(
                branch=branch,
                year=year,
                state=state,
                poor_count=poor,
                key_since=now if state == RecState.KEY else None,
            )
            SelfCheck.objects.create(
                record=record,
                month=month,
                answers=_answers(poor),
                poor_count=poor,
                filled_by=filler,
                filler_name=filler.name if filler else "",
                filled_by_org=branch,
                review_result=result,
                reviewed_by=reviewer if result else None,
                reviewed_at=now if result else None,
            )
            made += 1
        g_year = grading.grading_year()
        for klass, level, review in ((1, Level.FOUR, Level.FOUR), (3, Level.THREE, "")):
            branch = grade.get_children().filter(name__endswith=f"{klass}班团支部").first()
            if branch is None or GradingRecord.objects.filter(org=branch, year=g_year).exists():
                continue
            GradingRecord.objects.create(
                org=branch,
                year=g_year,
                self_level=level,
                self_by=_admin(branch),
                state=GrdState.REVIEWED if review else GrdState.PENDING,
                review_level=review,
                reviewed_by=reviewer if review else None,
                reviewed_at=now if review else None,
            )
    stdout.write(f"组织整顿演示数据：{GRADE}下{made}个团支部加入{year}年整理整顿。")
