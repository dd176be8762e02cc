"""TRF-10: the 学社衔接 calendar, from ZHTJ settings."""

from datetime import date, timedelta

from django.conf import settings


def _day(year, key):
    month, day = settings.ZHTJ[key]
    return date(year, month, day)


def period_of(day):
    """ "apply" (申请期), "review" (审核期) or "closing" (收尾期, from the day after 审核期 ends
    until the next 申请期)."""
    if _day(day.year, "TRF_APPLY_START") <= day <= _day(day.year, "TRF_APPLY_END"):
        return "apply"
    if _day(day.year, "TRF_APPLY_END") < day <= _day(day.year, "TRF_REVIEW_END"):
        return "review"
    return "closing"


def closing_start(day):
    """The first day of the 收尾期 `day` falls in (or would fall in)."""
    year = day.year if day > _day(day.year, "TRF_REVIEW_END") else day.year - 1
    return _day(year, "TRF_REVIEW_END") + timedelta(days=1)


def closing_end(day):
    """The last day of that 收尾期: the day before the next 申请期 starts."""
    return _day(closing_start(day).year + 1, "TRF_APPLY_START") - timedelta(days=1)


PERIOD_LABELS = {"apply": "申请期", "review": "审核期", "closing": "收尾期"}
