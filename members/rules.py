"""Rules about people that several entry paths share (管理员注册 now; 录入团员 later).

MEM-03 入团年龄: joined on/after JOIN_AGE_RULE_CHANGE (2017-01-01) → at least JOIN_MIN_AGE (13)
in the join month; before → at least JOIN_MIN_AGE_BEFORE (12); orgs under 团新疆区委 → at least
JOIN_MIN_AGE_XINJIANG (13) always (settings.ZHTJ). A person "is 13 in the join month" when their
13th birthday falls in that month or earlier, so the comparison is made in whole months (the join
time is only known to the month).
"""

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from orgs.choices import OrgCategory
from orgs.models import Organization

from .choices import PARTY_STATUSES

XINJIANG_ORGAN = "团新疆区委"  # the leadership organ whose whole subtree uses 13 (MEM-03)

ESCALATION = (
    "因入团年龄问题无法录入系统的，请由发展其成为团员的团组织或县区级团委开具相关说明，"
    "交由省级团委汇总后报团中央统一录入。"
)


def _months(d):
    return d.year * 12 + d.month - 1


def age_in_months(birth_date, month):
    """Whole months from the birth month to `month` (a date; only year and month count)."""
    return _months(month) - _months(birth_date)


def day_label(day):
    return f"{day.year}年{day.month}月{day.day}日"


def joining_age_problem(birth_date, joined_month, in_xinjiang):
    """MEM-03: None when joining in `joined_month` respects the minimum age, else the refusal
    (why, and where such cases go). `joined_month` is any date in the join month."""
    rules = settings.ZHTJ
    change = day_label(rules["JOIN_AGE_RULE_CHANGE"])
    if in_xinjiang:
        minimum = rules["JOIN_MIN_AGE_XINJIANG"]
        why = f"按照团新疆区委要求，新疆地区入团时须年满{minimum}周岁"
    elif joined_month >= rules["JOIN_AGE_RULE_CHANGE"]:
        minimum = rules["JOIN_MIN_AGE"]
        why = f"{change}及以后入团的，入团时须年满{minimum}周岁"
    else:
        minimum = rules["JOIN_MIN_AGE_BEFORE"]
        why = f"{change}以前入团的，入团时须年满{minimum}周岁"
    if age_in_months(birth_date, joined_month) >= minimum * 12:
        return None
    return (
        f"入团年龄不符合规定：{why}（出生于{birth_date.year}年{birth_date.month}月，"
        f"入团年月为{joined_month.year}年{joined_month.month}月，入团时未满{minimum}周岁）。{ESCALATION}"
    )


def in_xinjiang(org):
    """Is `org` 团新疆区委 or below it? One query for the organ, then its bounds."""
    if org is None:
        return False
    organs = Organization.objects.filter(category=OrgCategory.LEADERSHIP, name=XINJIANG_ORGAN)
    return any(organ.contains(org) for organ in organs)


# --- 入团年月 as typed (forms) or read from a cell (Excel) ------------------------------------

_YEAR_MONTH = re.compile(
    r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2})(?:\d{2})?)"  # year and month (201505, 20150501)
    r"(?:\s*(?:[-/.]|(?<=月))\s*\d{1,2}\s*[日号]?)?"  # a day, ignored: 2015-05-01, 2015年5月1日
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2})?)?"  # a time, ignored: a date cell or text with a time
)
FIRST_YEAR = 1922  # 中国社会主义青年团 was founded in 1922

MONTH_FORMAT = "入团年月格式不正确，请按“2015-05”的格式填写年和月。"
MONTH_FUTURE = "入团年月不能晚于当前月份。"


def parse_year_month(text, today=None):
    """入团年月 → the first day of that month. Accepts 2015-05, 2015-5, 2015/05, 2015.05,
    201505, 2015年5月 and a full date, with or without a time (2015-05-01, 20150501,
    2015年5月1日, 2015-05-01 08:30:00, as Excel date cells and dates typed as text read);
    refuses anything else, a month before 1922 or after the current month (ValidationError)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写入团年月。", code="required")
    match = _YEAR_MONTH.fullmatch(text)
    if not match:
        raise ValidationError(MONTH_FORMAT, code="invalid")
    year, month = int(match[1]), int(match[2] or match[3])
    if not 1 <= month <= 12 or year < FIRST_YEAR:
        raise ValidationError(MONTH_FORMAT, code="invalid")
    value = date(year, month, 1)
    today = today or timezone.localdate()
    if value > today.replace(day=1):
        raise ValidationError(MONTH_FUTURE, code="future")
    return value


# --- MEM-08: a person's own row is complete (Person.record_complete, a stored generated column) ---

PERSONAL_TEXT_FIELDS = (
    "name",
    "gender",
    "id_number",
    "ethnicity",
    "education",
    "occupation",
    "occupation_detail",
    "political_status",
    "mobile",
)


# Not mutated (tools/mutation.py): it runs once, at import, to define the generated column; a change
# to it is a schema change that tests/core/test_migrations.py fails on, which mutmut can't observe.
def record_complete_q(prefix=""):  # pragma: no mutate block
    """Q: the required fields of the person's own row are filled, with the conditional rules that
    depend on the row alone. The database computes it on every write as `Person.record_complete`."""
    p = prefix
    q = Q()
    for field in PERSONAL_TEXT_FIELDS:
        q &= ~Q(**{f"{p}{field}": ""})
    q &= Q(**{f"{p}joined_month__isnull": False}) & Q(**{f"{p}is_volunteer__isnull": False})
    # MEM-04: the national date (the 团新疆区委 subtree's earlier one is checked on entry)
    number_from = settings.ZHTJ["DEVELOPMENT_NUMBER_FROM"]
    q &= Q(**{f"{p}joined_month__lt": number_from}) | ~Q(**{f"{p}development_number": ""})
    q &= ~Q(**{f"{p}political_status__in": sorted(PARTY_STATUSES)}) | Q(**{f"{p}party_joined_month__isnull": False})
    q &= ~Q(**{f"{p}party_application_submitted": True}) | Q(**{f"{p}party_application_date__isnull": False})
    q &= ~Q(**{f"{p}is_volunteer": True}) | Q(**{f"{p}volunteer_since__isnull": False})
    return q
