"""Is a person's record complete (MEM-08)? A database expression, so a list of any size
shows the flag with no per-person query, and an org's figures are one aggregate.

A person is complete when the required personal fields of MEM-01 are filled, with the
conditional rules of MEM-04/MEM-05: 发展团员编号 for joins from 2017 on, 入党时间 for party
members, 是否递交入党申请书 from 18 on (and its date when submitted), the volunteer date
when a volunteer. ID verification (MEM-10) does not matter. A cadre is complete when, in
addition, the post's cadre fields are filled.
"""

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, F, Func, IntegerField, OuterRef, Q, Subquery
from django.utils import timezone

from orgs.choices import BRANCH_KINDS, COMMITTEE_KINDS, OrgCategory
from orgs.models import Organization
from zhtj.core import sqlcache

from .models import CadrePost, Person


def person_complete_q(prefix="", today=None):
    """Q over Person (or, with `prefix` like "person__", over a model pointing at one): the stored
    `record_complete`, and the one rule that moves with the calendar -- 是否递交入党申请书 is
    required from 18 on (MEM-05)."""
    today = today or timezone.localdate()
    p = prefix
    age = settings.ZHTJ["PARTY_APPLICATION_AGE"]
    try:
        adult_born_by = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        adult_born_by = today.replace(year=today.year - age, day=28)
    return Q(**{f"{p}record_complete": True}) & (
        Q(**{f"{p}birth_date__gt": adult_born_by}) | Q(**{f"{p}party_application_submitted__isnull": False})
    )


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


# --- MEM-08 at org level ---------------------------------------------------------------------
MIN_BRANCH_PEOPLE = 3  # a branch: at least 3 members/cadres, all complete
MIN_COMMITTEE_CADRES = 2  # 团委/团工委/团总支: at least 2 cadres, all complete


def _count(queryset, group):
    """A correlated COUNT(*) sub-select. COUNT as a plain function, not Django's aggregate: no
    GROUP BY, no LIMIT, no COALESCE (a bare COUNT always answers), far less for the planner."""
    counted = queryset.order_by().annotate(c=Func(F("pk"), function="COUNT")).values("c")
    return Subquery(counted, output_field=IntegerField())


def annotate_people_completeness(orgs, today=None):
    """`orgs` (Organization queryset) with `people_complete` (MEM-08): a branch with ≥3
    members/cadres, all complete; a 团委/团工委/团总支 with ≥2 cadres, all complete; a
    leadership organ when all its cadres are complete (none counts as complete: the rule
    speaks only of the cadres it has). Correlated counts: one query for any number of orgs."""
    members = Person.objects.filter(branch=OuterRef("pk"), is_active=True)
    posts = CadrePost.objects.active().filter(org=OuterRef("pk"))
    orgs = orgs.annotate(
        _members=_count(members, "branch"),
        _bad_members=_count(members.exclude(person_complete_q(today=today)), "branch"),
        _posts=_count(posts, "org"),
        _outside_posts=_count(posts.exclude(person__branch=OuterRef("pk")), "org"),
        _bad_posts=_count(posts.exclude(post_complete_q(today)), "org"),
    )
    complete = (
        Q(category__in=sorted(BRANCH_KINDS), _bad_members=0, _bad_posts=0)
        & Q(_members__gte=MIN_BRANCH_PEOPLE - F("_outside_posts"))
    ) | Q(category__in=sorted(COMMITTEE_KINDS), _posts__gte=MIN_COMMITTEE_CADRES, _bad_posts=0)
    complete |= Q(category=OrgCategory.LEADERSHIP, _bad_posts=0)
    return orgs.annotate(people_complete=ExpressionWrapper(complete, output_field=BooleanField()))


def org_people_complete(org, today=None):
    """MEM-08 for one org (the flag above 团员列表): one query, its SQL compiled once per org (as it
    is now) and day -- the expression above is costly to compile and cheap to run."""
    today = today or timezone.localdate()
    rows = sqlcache.fetch(
        ("people_complete", sqlcache.org_state(org), today),
        lambda: annotate_people_completeness(Organization.objects.filter(pk=org.pk), today).values_list(
            "people_complete", flat=True
        ),
    )
    return bool(rows[0][0])
