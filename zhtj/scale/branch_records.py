"""The 整理整顿 and 对标定级 rows of `generate_scale_data`, made inside PostgreSQL from the people
plan (zhtj/scale/people.py), as the people are: 70% of the 团支部 took this year's campaign (a
自检表 each), 40% of the 团(总)支部 graded themselves, half of those reviewed. None under the hot
committee (its 操作中心 holds transfers and archives only, see Generator.plan_people)."""

import math
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from orgs.choices import OrgCategory
from rectification.choices import CHECK_CODES, GrdState, Level, Rating, RecState
from rectification.models import CampaignRecord, GradingRecord, SelfCheck

from .copy import insert_select
from .people import PLAN, Draw

# a 整顿 outcome and its number of 较差 items, equally likely
OUTCOMES = [
    (RecState.QUALIFIED, 0),
    (RecState.QUALIFIED, 0),
    (RecState.BASIC, 3),
    (RecState.PENDING, 2),
    (RecState.KEY, 11),
    (RecState.REJECTED, 4),
]
LEVELS = [Level.FIVE, Level.FOUR, Level.FOUR, Level.THREE, Level.THREE, Level.TWO]


def write_branch_records(generator, worker):
    d, today = Draw(generator.seed, key="p.org_id"), generator.today
    start, _ = settings.ZHTJ["REC_CAMPAIGN_MONTHS"]
    year = today.year if today.month >= start else today.year - 1
    first_month = timezone.make_aware(datetime.combine(date(year, start, 1), datetime.min.time()))
    params = {
        "first_month": first_month,
        "states": [s for s, _ in OUTCOMES],
        "poor": [n for _, n in OUTCOMES],
        "levels": LEVELS,
        "now": generator.now,
    }
    # the campaign's branches: the outcome (1-based into OUTCOMES) and the day the form came
    campaign = f"""FROM (SELECT p.*, 1 + floor({d.u(60)} * {len(OUTCOMES)})::int AS outcome,
            %(first_month)s::timestamptz + {d.int(61, 0, 25)} * interval '1 day' AS submitted
        FROM {PLAN} p WHERE p.worker = {worker} AND NOT p.cadre AND NOT p.in_hot
            AND p.category = '{OrgCategory.BRANCH}' AND {d.u(62)} < 0.7) p"""
    poor = "(%(poor)s::int[])[p.outcome]"
    state = "(%(states)s::text[])[p.outcome]"
    counts = {}
    counts["campaign_records"] = insert_select(
        CampaignRecord,
        {
            "id": "p.org_id",  # one a branch this year (ids needn't be dense)
            "branch_id": "p.org_id",
            "year": str(year),
            "state": state,
            "poor_count": poor,
            "key_since": f"CASE WHEN {state} = '{RecState.KEY}' THEN p.submitted END",
            "created_at": "p.submitted",
        },
        campaign,
        params,
    )
    # the 自检表: `poor` items rated 较差, the rest 好 or 一般. Item i is 较差 when (i - r)·step
    # mod n < poor, for a per-branch r: exactly `poor` of them (step and n coprime), scattered
    # over the form; one expression per item, no subquery per form
    n = len(CHECK_CODES)
    step = next(k for k in range(3, n + 3) if math.gcd(k, n) == 1)
    offset = d.int(63, 0, n - 1)
    pairs = []
    for i, code in enumerate(CHECK_CODES):
        rating = f"""CASE WHEN mod(({i} - {offset} + {n}) * {step}, {n}) < {poor} THEN '{Rating.POOR}'
            WHEN {d.u(100 + i)} < 2.0 / 3 THEN '{Rating.GOOD}' ELSE '{Rating.FAIR}' END"""
        pairs.append(f"'{code}', {rating}")
    answers = f"jsonb_build_object({', '.join(pairs)})"
    counts["self_checks"] = insert_select(
        SelfCheck,
        {
            "record_id": "p.org_id",
            "month": f"date_trunc('month', (p.submitted AT TIME ZONE '{settings.TIME_ZONE}'))::date",
            "answers": answers,
            "poor_count": poor,
            "filled_by_id": "p.first_pid",
            "filler_name": "'书记'",
            "filled_by_org_id": "p.org_id",
            "submitted_at": "p.submitted",
            "review_result": "''",
        },
        campaign,
        params,
    )
    reviewed = f"({d.u(66)} < 0.5)"
    level = f"(%(levels)s::text[])[1 + floor({d.u(65)} * {len(LEVELS)})::int]"
    counts["grading_records"] = insert_select(
        GradingRecord,
        {
            "org_id": "p.org_id",
            "year": str(today.year),
            "state": f"CASE WHEN {reviewed} THEN '{GrdState.REVIEWED}' ELSE '{GrdState.PENDING}' END",
            "self_level": level,
            "self_by_id": "p.first_pid",
            "self_at": f"%(now)s::timestamptz - {d.int(67, 1, 60)} * interval '1 day'",
            "review_level": f"CASE WHEN {reviewed} THEN {level} ELSE '' END",
            "created_at": "%(now)s::timestamptz - interval '60 days'",
        },
        f"""FROM {PLAN} p WHERE p.worker = {worker} AND NOT p.in_hot
            AND p.category IN ('{OrgCategory.BRANCH}', '{OrgCategory.GENERAL_BRANCH}') AND {d.u(68)} < 0.4""",
        params,
    )
    return counts
