"""Scheduled jobs of people and codes."""

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
