"""Scheduled jobs of 组织整顿 and 对标定级 (JOB-05, JOB-06)."""

from zhtj.core.jobs import job

from . import grading, services


def grading_lock(moment):
    """JOB-05: once the year's lock instant has passed, every reviewed record of the year is
    locked. One UPDATE; a second run finds nothing left."""
    return grading.lock(moment)


# each job is registered by a call, not as a decorator: mutmut leaves decorated functions alone
job("grading_lock", "12月31日12:00锁定本年度对标定级复核结果（JOB-05 / GRD-04）")(grading_lock)


def rectification_carry_over(moment):
    """JOB-06: key branches not done by the key deadline get next year's record as 重点整改中.
    One INSERT of the missing rows; a second run finds them there."""
    return services.carry_over(moment)


job("rectification_carry_over", "年底未完成整改的重点整顿团支部转入下一年度继续整顿（JOB-06 / REC-13）")(
    rectification_carry_over
)
