"""Small helpers the 团内激励 pages share: years, dates from a form, PDF responses."""

from datetime import date

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from zhtj.core import pdf
from zhtj.core.params import parse_pk


class BadInput(Exception):
    """Bad query-string or form input: the page answers 400 with this message."""


def year_range():
    return list(range(timezone.localdate().year, settings.ZHTJ["INC_EARLIEST_YEAR"] - 1, -1))


def parse_year(raw):
    """INC-02: 2020 … now, default now."""
    if raw in (None, ""):
        return timezone.localdate().year
    year = parse_pk(raw)
    if year not in year_range():
        first = settings.ZHTJ["INC_EARLIEST_YEAR"]
        raise BadInput(f"评议年度无效：只能选择{first}年至{timezone.localdate().year}年。")
    return year


def parse_date(raw, label, *, required=True, month=False, from_earliest_year=True):
    """A date (or year-month) up to today, from 2020 (the default range of INC-02 / INC-07)
    unless `from_earliest_year` is False (a 入团时间 lies years back)."""
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise BadInput(f"请填写{label}。")
        return None
    try:
        value = date.fromisoformat(raw + "-01" if month else raw)
    except ValueError:
        raise BadInput(f"{label}格式不正确。") from None
    first = settings.ZHTJ["INC_EARLIEST_YEAR"]
    if from_earliest_year and value.year < first:
        raise BadInput(f"{label}不能早于{first}年。")
    if value > timezone.localdate():
        raise BadInput(f"{label}不能晚于今天。")
    return value


def parse_ids(values):
    ids = {parse_pk(v) for v in values}
    if None in ids:
        raise BadInput("勾选的事项无效，请刷新后重试。")
    return sorted(ids)


def pdf_response(field_file, name):
    """SEC-01: a stored PDF, only through a view that has already checked access."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return pdf.pdf_response(handle, filename=f"{name}.pdf")
