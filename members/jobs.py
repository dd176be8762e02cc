"""Scheduled jobs of people and codes."""

from orgs.graduation import conversion_date, convert_year, run_day
from orgs.models import AdminRegistrationCode, Organization
from zhtj.core.jobs import job

from .models import PasswordResetCode


def expire_codes(moment):
    """JOB-04: codes past their expiry stop working. Use-time checks already refuse
    them; this marks them, set-based, so lists and counts agree. Idempotent."""
    registration = AdminRegistrationCode.expire_due(moment)
    reset = PasswordResetCode.expire_due(moment)
    return {"changed": registration + reset, "registration_codes": registration, "reset_codes": reset}


# each job is registered by a call, not as a decorator: mutmut leaves decorated functions alone
job("expire_codes", "管理员注册码与重置密码验证码到期失效（JOB-04）")(expire_codes)


def graduate_conversion(moment, part=None):
    """JOB-01 / ORG-16: every 团支部 whose graduation month falls in the run date's year becomes
    毕业生团组织 and its members are flagged 毕业生 (Person.is_graduate). Set-based (one UPDATE
    of orgs, one of people, in one transaction per province), idempotent; the counts go to the
    JobRun and the log. The UPDATEs live in orgs.graduation.convert, shared with late marks and
    corrections. JOB-08: the year is that of the last conversion date on or before the run's day,
    so a replay of May 31 converts nothing of its own year (as beat, which runs on June 1 only)."""
    day = run_day(moment)
    return convert_year(day.year if day >= conversion_date(day.year) else day.year - 1, part)


job(
    "graduate_conversion",
    "6月1日毕业生团组织转换：本年度毕业的团支部变更为毕业生团组织（JOB-01 / ORG-16）",
    by_province=Organization,
    facts=("year",),
)(graduate_conversion)


def age_out(moment, part=None):
    """MEM-11 / JOB-07: members (with a branch, not yet flagged) who are 28 or older on the run
    date and hold no active post are flagged 超龄 for their branch to confirm; a flagged member
    who has since taken a post is unflagged. Party membership doesn't matter at 28 (party
    members under 28 keep their league membership, so they are simply never flagged before).
    Two set-based UPDATEs in one transaction per province; a second run changes nothing."""
    from django.db import transaction
    from django.db.models import Exists, OuterRef

    from .models import CadrePost, Person
    from .people import age_out_born_by

    day = run_day(moment)
    has_post = Exists(CadrePost.objects.active().filter(person=OuterRef("pk")))
    members = Person.objects.filter(branch__isnull=False, is_active=True, left_league_on__isnull=True)
    if part is not None:
        members = members.filter(part.q("branch"))
    with transaction.atomic():
        flagged = (
            members.filter(aged_out_on__isnull=True, birth_date__lte=age_out_born_by(day))
            .exclude(has_post)
            .update(aged_out_on=day)
        )
        unflagged = members.filter(aged_out_on__isnull=False).filter(has_post).update(aged_out_on=None)
    return {"changed": flagged + unflagged, "flagged": flagged, "unflagged": unflagged}


job("age_out", "超龄团员标记：年满28周岁且未在团内担任职务的团员（JOB-07 / MEM-11）", by_province=Organization)(age_out)
