"""Is a person's record complete (MEM-08)? A database expression, so a list of any size
shows the flag with no per-person query, and an org's figures are one aggregate.

A person is complete when the required personal fields of MEM-01 are filled, with the
conditional rules of MEM-04/MEM-05: 发展团员编号 for joins from 2017 on, 入党时间 for party
members, 是否递交入党申请书 from 18 on (and its date when submitted), the volunteer date
when a volunteer. ID verification (MEM-10) does not matter. A cadre is complete when, in
addition, the post's cadre fields are filled.
"""

from datetime import date

from django.db.models import Q
from django.utils import timezone

from .choices import PARTY_STATUSES

NUMBER_REQUIRED_FROM = date(2017, 1, 1)  # MEM-04 (the 团新疆区委 subtree: 2016, checked on entry)
ADULT_AGE = 18  # MEM-05: 是否递交入党申请书 is optional under 18

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


def person_complete_q(prefix="", today=None):
    """Q over Person (or, with `prefix` like "person__", over a model pointing at one)."""
    today = today or timezone.localdate()
    p = prefix

    q = Q()
    for field in PERSONAL_TEXT_FIELDS:
        q &= ~Q(**{f"{p}{field}": ""})
    q &= Q(**{f"{p}joined_month__isnull": False}) & Q(**{f"{p}is_volunteer__isnull": False})
    q &= Q(**{f"{p}joined_month__lt": NUMBER_REQUIRED_FROM}) | ~Q(**{f"{p}development_number": ""})
    q &= ~Q(**{f"{p}political_status__in": sorted(PARTY_STATUSES)}) | Q(**{f"{p}party_joined_month__isnull": False})
    try:
        adult_born_by = today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February
        adult_born_by = today.replace(year=today.year - ADULT_AGE, day=28)
    q &= Q(**{f"{p}birth_date__gt": adult_born_by}) | Q(**{f"{p}party_application_submitted__isnull": False})
    q &= ~Q(**{f"{p}party_application_submitted": True}) | Q(**{f"{p}party_application_date__isnull": False})
    q &= ~Q(**{f"{p}is_volunteer": True}) | Q(**{f"{p}volunteer_since__isnull": False})
    return q


def post_complete_q(today=None):
    """Q over CadrePost: the person is complete and the post's cadre fields are filled (MEM-08)."""
    return (
        person_complete_q("person__", today)
        & ~Q(title="")
        & Q(started_on__isnull=False)
        & ~Q(appointment_method="")
        & ~Q(nature="")
        & Q(is_party_committee_member__isnull=False)
        & ~Q(duty_status="")
    )
