"""Is an org's own info complete (ORG-07, ORG-10), and what must a key-domain org answer (ORG-14)?

Completeness is a database expression, so a list of thousands of orgs, or a count
over a whole level, is one query with no per-org Python:

    complete = the required fields of its category are filled (staffing numbers not null)
               AND a 书记 is registered (an active cadre post titled 书记)
               AND that 书记's own profile has a mobile number (not the org's 联系电话)

orgs does not import members: the 书记 is found through the reverse relation
`cadre_posts` (and `cadre_posts__person`).
"""

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.lookups import IsNull
from django.utils import timezone

from zhtj.core import tree
from zhtj.core.tree import subtree_q

from . import level_figures
from .choices import BRANCH_KINDS, COMMITTEE_KINDS, HIGHER_EDUCATION_INDUSTRIES, Industry, OrgCategory
from .models import AdminRegistrationCode, Organization

# members.choices.PostTitle.SECRETARY (a test keeps the two equal).
SECRETARY_TITLE = "secretary"

STAFFING_FIELDS = ("admin_staff_quota", "admin_staff_actual", "career_staff_quota", "career_staff_actual")
SECRETARY_FIELDS = ("secretary_name", "secretary_id_number", "secretary_mobile")
NUMBER_FIELDS = frozenset(STAFFING_FIELDS)

# ORG-07: the red-marked fields of each kind of org, besides 组织类别/简称/全称 (set by the parent).
LEADERSHIP_REQUIRED = ("phone", "email", *STAFFING_FIELDS, *SECRETARY_FIELDS)
COMMITTEE_REQUIRED = ("industry", *STAFFING_FIELDS, *SECRETARY_FIELDS)
BRANCH_REQUIRED = ("industry", *SECRETARY_FIELDS)


def required_fields(category):
    """The info fields an org of `category` must fill (ORG-07)."""
    if category == OrgCategory.LEADERSHIP:
        return LEADERSHIP_REQUIRED
    if category in COMMITTEE_KINDS:
        return COMMITTEE_REQUIRED
    return BRANCH_REQUIRED


def _filled(field):
    return Q(**{f"{field}__isnull": False}) if field in NUMBER_FIELDS else ~Q(**{field: ""})


def _all_filled(fields):
    q = ~Q(name="") & ~Q(full_name="")
    for field in fields:
        q &= _filled(field)
    return q


def fields_filled_q():
    """Q: the required fields of the org's own category are all filled."""
    return (
        (Q(category=OrgCategory.LEADERSHIP) & _all_filled(LEADERSHIP_REQUIRED))
        | (Q(category__in=sorted(COMMITTEE_KINDS)) & _all_filled(COMMITTEE_REQUIRED))
        | (Q(category__in=sorted(BRANCH_KINDS)) & _all_filled(BRANCH_REQUIRED))
    )


def _secretary_posts(with_mobile):
    conditions = {"cadre_posts__title": SECRETARY_TITLE, "cadre_posts__ended_on__isnull": True}
    if with_mobile:
        # In the same filter() call, so it is the same post's person.
        conditions["cadre_posts__person__mobile__gt"] = ""
    return Organization.objects.filter(pk=OuterRef("pk"), **conditions)


def secretary_registered():
    """Exists: an active 书记 post in the org (the 书记 has registered)."""
    return Exists(_secretary_posts(with_mobile=False))


def secretary_with_mobile():
    """Exists: an active 书记 post whose person has a mobile number in their own profile."""
    return Exists(_secretary_posts(with_mobile=True))


def complete_q():
    """Q: the org's info is complete (ORG-10); usable in filter(), annotate() and aggregate filters.
    The 书记 half is the `secretary_ready` column the database keeps (members migration 0009)."""
    return fields_filled_q() & Q(secretary_ready=True)


def annotate_completeness(queryset, name="info_complete"):
    """`queryset` of orgs with a boolean `name` annotation: one query for any number of orgs."""
    return queryset.annotate(**{name: ExpressionWrapper(complete_q(), output_field=BooleanField())})


def is_complete(org):
    return annotate_completeness(Organization.objects.filter(pk=org.pk)).values_list("info_complete", flat=True)[0]


def missing_items(org):
    """What keeps one org from being complete, as the labels the admin sees (for its own page).
    One query (the two 书记 checks); the fields are read from `org`."""
    items = []
    for field in required_fields(org.category):
        value = getattr(org, field)
        if value is None or value == "":
            items.append(Organization._meta.get_field(field).verbose_name)
    registered, with_mobile = (
        Organization.objects.filter(pk=org.pk)
        .annotate(registered=secretary_registered(), with_mobile=secretary_with_mobile())
        .values_list("registered", "with_mobile")[0]
    )
    if not registered:
        items.append("书记尚未注册（团干部列表中无现任书记）")
    elif not with_mobile:
        items.append("书记个人资料中未填写手机号码")
    return items


# --- ORG-14: the key-domain questions -------------------------------------------------------

KEY_DOMAIN_FIELDS = ("student_count", "enterprise_level", "enterprise_location")


def is_higher_education_self(org):
    """高校本级: a 普通高等院校 / 高等职业（专科）院校 org with a 学校标识码."""
    return org.industry in HIGHER_EDUCATION_INDUSTRIES and bool(org.school_code)


def key_domain_fields(org):
    """The key-domain answers `org` owes (ORG-14), answered or not."""
    if is_higher_education_self(org):
        return ("student_count",)
    if org.industry == Industry.STATE_ENTERPRISE:
        return ("enterprise_level", "enterprise_location")
    return ()


def key_domain_missing(org):
    """The key-domain answers still blank. Pure attribute reads: the gate runs on every request."""
    return tuple(f for f in key_domain_fields(org) if getattr(org, f) in (None, ""))


def key_domain_missing_q():
    """Q: the org owes key-domain answers it hasn't given -- the database form of
    `key_domain_missing` (a test keeps the two in step), for counting sub-orgs in one query."""
    higher_education = Q(industry__in=sorted(HIGHER_EDUCATION_INDUSTRIES)) & ~Q(school_code="")
    return (higher_education & Q(student_count__isnull=True)) | (
        ~higher_education & Q(industry=Industry.STATE_ENTERPRISE) & (Q(enterprise_level="") | Q(enterprise_location=""))
    )


# --- ORG-11: 组织录入情况 over one absolute level of a subtree ---------------------------------

CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n):
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (levels never reach 100)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def level_label(level):
    """Absolute level (团中央 = 1) as the seed writes it: 二级, 三级 …"""
    return f"{chinese_number(level)}级"


def absolute_level(org):
    return org.level + 1


# Inside a tree a node has children exactly when its bounds are more than one apart; a leadership
# organ is a tree of its own (`core.tree`), so its children are looked up -- by a scalar subquery,
# one index probe per shown row: as an EXISTS PostgreSQL hashed the parent_id of every org of the
# country for a page of 50 (139 ms → 1.5 ms for the list at 100,000 orgs; it grew with the country).
# The bounds are tested first (evaluated left to right): only leadership organs are probed.
HAS_CHILDREN = Q(rght__gt=F("lft") + 1) | (
    Q(tree_last__gt=F("tree_id"))
    & Q(IsNull(Subquery(Organization.objects.filter(parent=OuterRef("pk")).values("pk")[:1]), False))
)


def _below(acting, level):
    """The orgs at absolute `level` below `acting`: one range of org_level_range (level, tree_id, lft)."""
    return Organization.objects.filter(subtree_q(acting), level=level - 1).exclude(pk=acting.pk)


# 团中央 to a class branch is eight levels; deeper than this below any org is not looked for
DEPTH_MAX = 12


def deepest_level(acting):
    """The deepest absolute level in `acting`'s subtree: one query of an EXISTS per level below it,
    each an index probe of org_level_subtree -- never a scan of the subtree (a province's spans
    trees, so MPTT's bounds can't say it). Levels are contiguous: an org has an ancestor at every
    level above it."""
    first = absolute_level(acting)
    probes = {f"l{d}": Exists(_below(acting, d)) for d in range(first + 1, first + DEPTH_MAX)}
    found = Organization.objects.filter(pk=acting.pk).annotate(**probes).values(*probes).first() or {}
    return max([first] + [d for d in range(first + 1, first + DEPTH_MAX) if found.get(f"l{d}")])


def level_summary(acting, level):
    """The orgs at absolute `level` below `acting`: total, logged in, complete, with direct
    sub-orgs, and the subtree's deepest level. At the top of the country (团中央, provincial and
    city organs) one read of the trigger-kept figures (`level_figures`: a level there is up to
    millions of orgs); below, one aggregate over that level's index range and one probe per level."""
    if level_figures.kept(acting):
        levels = level_figures.by_level(acting)
        empty = dict.fromkeys(level_figures.FIGURES, 0)
        return {**levels.get(level - 1, empty), "deepest": max([absolute_level(acting), *(n + 1 for n in levels)])}
    return live_level_summary(acting, level)


def live_level_summary(acting, level):
    """`level_summary` counted from the orgs themselves (what the kept figures must equal)."""
    at_level = _below(acting, level)
    figures = at_level.aggregate(
        total=Count("pk"),
        logged_in=Count("pk", filter=Q(first_admin_login_at__isnull=False)),
        complete=Count("pk", filter=complete_q()),
        with_children=Count("pk", filter=HAS_CHILDREN),
    )
    figures["deepest"] = deepest_level(acting)
    return figures


def _admin_name(slot):
    return Organization.objects.filter(
        pk=OuterRef("pk"), cadre_posts__admin_slot=slot, cadre_posts__ended_on__isnull=True
    ).values("cadre_posts__person__name")[:1]


def _open_code(now):
    return (
        AdminRegistrationCode.objects.filter(
            org=OuterRef("pk"), used_at__isnull=True, expired=False, expires_at__gt=now
        )
        .order_by("-created_at")
        .values("code")[:1]
    )


def level_rows(acting, level, now=None):
    """The orgs at absolute `level` below `acting`, in tree order, as dicts: one query for any
    number of rows. 管理员注册码 only for the acting org's direct sub-orgs."""
    direct = level == absolute_level(acting) + 1
    rows = annotate_completeness(_below(acting, level))
    return (
        rows.annotate(
            has_children=ExpressionWrapper(HAS_CHILDREN, output_field=BooleanField()),
            admin_1=Subquery(_admin_name(1)),
            admin_2=Subquery(_admin_name(2)),
            open_code=Subquery(_open_code(now or timezone.now())) if direct else Value(None, output_field=CharField()),
        )
        .order_by(*tree.ORDER)
        .values(
            "pk",
            "name",
            "full_name",
            "parent__name",
            "phone",
            "first_admin_login_at",
            "info_complete",
            "has_children",
            "admin_1",
            "admin_2",
            "open_code",
        )
    )
