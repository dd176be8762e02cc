"""Scheduled jobs of people and codes."""

from orgs.graduation import convert_year, run_day
from orgs.models import AdminRegistrationCode
from zhtj.core.jobs import job

from .models import PasswordResetCode


@job("expire_codes", "管理员注册码与重置密码验证码到期失效（JOB-04）")
def expire_codes(moment):
    """JOB-04: codes past their expiry stop working. Use-time checks already refuse
    them; this marks them, set-based, so lists and counts agree. Idempotent."""
    registration = AdminRegistrationCode.objects.filter(
        expired=False, used_at__isnull=True, expires_at__lte=moment
    ).update(expired=True)
    reset = PasswordResetCode.objects.filter(expired=False, used_at__isnull=True, expires_at__lte=moment).update(
        expired=True
    )
    return {"changed": registration + reset, "registration_codes": registration, "reset_codes": reset}


@job("graduate_conversion", "6月1日毕业生团组织转换：本年度毕业的团支部变更为毕业生团组织（JOB-01 / ORG-16）")
def graduate_conversion(moment):
    """JOB-01 / ORG-16: every 团支部 whose graduation month falls in the run date's year becomes
    毕业生团组织 and its members are flagged 毕业生 (Person.is_graduate). Set-based (one UPDATE
    of orgs, one of people, in one transaction), idempotent; the counts go to the JobRun and the
    log. The UPDATEs live in orgs.graduation.convert, shared with late marks and corrections."""
    return convert_year(run_day(moment).year)
