"""团内大数据 (STAT-01 … STAT-03): distributions of the members of an org's subtree.

Each chart is ONE SQL query, live on every request: no cache, no hourly refresh (STAT-03,
BEY-01). For 团中央, a provincial or a city organ on PostgreSQL it reads the subtree's figures,
which triggers keep in the transaction of every change (members/figures.py: a few thousand rows
at 团中央 instead of two million people); otherwise it groups the subtree's people. Python only labels and orders the few
grouped rows that come back.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Value, When
from django.utils import timezone

from . import figures
from .archives import archive_verified_q, required_from
from .choices import Education
from .models import Person

HAN = "汉族"
UNFILLED = "未填写"


@dataclass(frozen=True)
class Distribution:
    title: str
    dimension: str  # the table's first column header
    rows: list  # [(label, count)]

    @property
    def total(self):
        return sum(n for _, n in self.rows)

    def with_shares(self):
        total = self.total or 1
        return [(label, n, f"{100 * n / total:.1f}%") for label, n in self.rows]


def members_of(org):
    """The members whose 团组织关系 lies in `org`'s subtree (one range join)."""
    return Person.objects.in_branches_of(org)


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return date(day.year - years, 2, 28)


def age_bands():
    """Labels of the bands: ≤14, 15–18, …, >28 from the STAT_AGE_BANDS setting (upper ages)."""
    uppers = settings.ZHTJ["STAT_AGE_BANDS"]
    labels = [f"{uppers[0]}岁及以下"]
    labels += [f"{lo + 1}–{hi}岁" for lo, hi in zip(uppers, uppers[1:], strict=False)]
    labels.append(f"{uppers[-1]}岁以上")
    return labels


def age_distribution(org, today=None):
    """团员年龄分布 as of today, computed in SQL: age ≤ u ⇔ birth_date > today − (u+1) years."""
    today = today or timezone.localdate()
    uppers = settings.ZHTJ["STAT_AGE_BANDS"]
    limits = [_years_before(today, u + 1) for u in uppers]
    if figures.kept(org):
        counts = figures.age_bands(org, limits)
    else:
        band = Case(
            *[When(birth_date__gt=limit, then=Value(i)) for i, limit in enumerate(limits)],
            default=Value(len(uppers)),
            output_field=IntegerField(),
        )
        rows = members_of(org).annotate(band=band).order_by().values("band").annotate(n=Count("pk"))
        counts = dict(rows.values_list("band", "n"))
    labels = age_bands()
    return Distribution("团员年龄分布", "年龄段", [(label, counts.get(i, 0)) for i, label in enumerate(labels)])


def ethnicity_distribution(org):
    """团员民族分布: 汉族, then the largest minorities by name (top N), the rest as 其他."""
    if figures.kept(org):
        counts = list(figures.counts(org, figures.ETHNICITY).items())
    else:
        counts = list(
            members_of(org).order_by().values("ethnicity").annotate(n=Count("pk")).values_list("ethnicity", "n")
        )
    top = settings.ZHTJ["STAT_TOP_ETHNICITIES"]
    others = sorted(((e, n) for e, n in counts if e not in (HAN, "")), key=lambda r: (-r[1], r[0]))
    rows = [(HAN, sum(n for e, n in counts if e == HAN))]
    rows += others[:top]
    if len(others) > top:
        rows.append(("其他", sum(n for _, n in others[top:])))
    unfilled = sum(n for e, n in counts if e == "")
    if unfilled:
        rows.append((UNFILLED, unfilled))
    return Distribution("团员民族分布", "民族", rows)


def education_distribution(org):
    """团员学历层次 in the standard's order (highest first)."""
    if figures.kept(org):
        counts = figures.counts(org, figures.EDUCATION)
    else:
        counts = dict(
            members_of(org).order_by().values("education").annotate(n=Count("pk")).values_list("education", "n")
        )
    rows = [(label, counts.get(value, 0)) for value, label in Education.choices]
    if counts.get(""):
        rows.append((UNFILLED, counts[""]))
    return Distribution("团员学历层次", "学历", rows)


CHARTS = {
    "age": age_distribution,
    "ethnicity": ethnicity_distribution,
    "education": education_distribution,
}


def new_member_count(org, year):
    """新发展团员数 of `year` in the subtree: members who joined (入团时间) in that year and are
    已认证 (STAT-02: the ARC-05 rule, from its one home in members/archives.py)."""
    if figures.kept(org):
        return figures.new_members(org, year, verified_only=year >= required_from().year)
    return members_of(org).filter(archive_verified_q(), joined_month__year=year).count()
