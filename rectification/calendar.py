"""The dates of 整理整顿 and 对标定级 (REC-10, GRD-04): pure functions of the calendar and the
settings, imported by the models' transitions and by the services alike."""

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from zhtj.core.workflow import WorkflowError

# --- 整理整顿: the campaign months (REC-10) ---------------------------------------------------------


def _months():
    return settings.ZHTJ["REC_CAMPAIGN_MONTHS"]


def campaign_year(today=None):
    """The campaign a page shows: this year's from its first month on, last year's before."""
    today = today or timezone.localdate()
    return today.year if today.month >= _months()[0] else today.year - 1


def campaign_months(year):
    first, last = _months()
    return [date(year, m, 1) for m in range(first, last + 1)]


def in_campaign(today=None):
    today = today or timezone.localdate()
    first, last = _months()
    return first <= today.month <= last


def current_month(today=None):
    today = today or timezone.localdate()
    return today.replace(day=1)


def check_submission_month(month):
    """REC-10: a form belongs to the current month of the campaign; past months can't be submitted."""
    today = timezone.localdate()
    first, last = _months()
    if not in_campaign(today):
        raise WorkflowError(f"当前不在整理整顿集中开展期间（每年{first}月至{last}月），不能提交自检表。")
    if month != current_month(today):
        raise WorkflowError(
            f"自检表只能按当前月份（{today.month}月）提交，不能提交{month.year}年{month.month}月的自检表。"
            "请刷新页面后在当前月份的数据上修改提交。"
        )


# --- 对标定级: the lock (GRD-04) --------------------------------------------------------------------


def lock_moment(year):
    """GRD-04: every review of `year` locks at this instant (December 31, 12:00 by default)."""
    month, day, hour, minute = settings.ZHTJ["GRD_LOCK_AT"]
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def is_locked(year):
    return timezone.now() >= lock_moment(year)


def lock_text(year):
    at = timezone.localtime(lock_moment(year))
    return f"{at.month}月{at.day}日{at:%H:%M}"
