"""Reading the trigger-kept figures of a subtree (members/models_figures.py, migration 0015).

Each function answers from `SubtreeFigure` (plus the reader's own transaction's `FigureDelta`
rows) in ONE query; `kept(org)` says whether the org has figures (PostgreSQL, the top levels of
the country), and otherwise the callers group the people live. The dimensions and their values are defined in migration 0015.
"""

from datetime import date

from django.db import connection

from zhtj.core import headcount

AGE, ETHNICITY, EDUCATION, NEW, DUE = "age", "eth", "edu", "new", "due"

# the org's committed rows and the transaction's own deltas (other transactions' are invisible)
_ROWS = """(
  SELECT key, n FROM members_subtreefigure WHERE org_id = %(org)s AND dim = %(dim)s
  UNION ALL
  SELECT key, n FROM members_figuredelta WHERE org_id = %(org)s AND dim = %(dim)s
)"""


# Orgs at this level of the country or above (团中央 0, provincial 1, city organs 2) have their
# figures kept (migration 0016 says why); below, a subtree of at most tens of thousands of members
# is grouped live from the people, an index-only range scan.
DEEPEST = 2


def kept(org):
    """Does the database keep `org`'s figures (PostgreSQL, an org at level ≤ DEEPEST)?"""
    return connection.vendor == "postgresql" and org.level <= DEEPEST


def _fetch(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def counts(org, dim):
    """{value: members} of `org`'s subtree for `dim` (values with no member left out)."""
    rows = _fetch(f"SELECT key, SUM(n) FROM {_ROWS} f GROUP BY key HAVING SUM(n) <> 0", {"org": org.pk, "dim": dim})
    return {key: int(n) for key, n in rows}


def age_bands(org, limits):
    """{band: members}: band i holds birth dates after limits[i] (and not after limits[i-1]);
    len(limits) the rest. `limits` are dates, latest first (members/stats.py)."""
    whens = " ".join(f"WHEN key > %(l{i})s THEN {i}" for i in range(len(limits)))
    params = {"org": org.pk, "dim": AGE, **{f"l{i}": f"{d:%Y-%m-%d}" for i, d in enumerate(limits)}}
    sql = f"SELECT CASE {whens} ELSE {len(limits)} END AS band, SUM(n) FROM {_ROWS} f GROUP BY band"
    return {band: int(n) for band, n in _fetch(sql, params) if n}


def new_members(org, year, verified_only):
    """Members of the subtree who joined in `year`: only those 已认证 (`verified_only`), or all."""
    keys = [f"{year}v"] if verified_only else [f"{year}v", str(year)]
    sql = f"SELECT COALESCE(SUM(n), 0) FROM {_ROWS} f WHERE key = ANY(%(keys)s)"
    return int(_fetch(sql, {"org": org.pk, "dim": NEW, "keys": keys})[0][0])


def archives_due(org, from_year, overdue_before, upcoming_until):
    """截止事项 (ARC-01): members joined in `from_year` or later and not 已认证, by the day their
    days start: (count, earliest) of those starting before `overdue_before`, and of those
    starting from `overdue_before` to `upcoming_until`."""
    sql = f"""
    SELECT SUM(n) FILTER (WHERE day < %(od)s), MIN(day) FILTER (WHERE day < %(od)s),
      SUM(n) FILTER (WHERE day >= %(od)s AND day <= %(up)s), MIN(day) FILTER (WHERE day >= %(od)s AND day <= %(up)s)
    FROM (
      SELECT split_part(key, '/', 1) AS day, SUM(n) AS n FROM {_ROWS} f
      WHERE split_part(key, '/', 2) >= %(year)s GROUP BY key HAVING SUM(n) > 0
    ) k"""
    params = {
        "org": org.pk,
        "dim": DUE,
        "od": f"{overdue_before:%Y-%m-%d}",
        "up": f"{upcoming_until:%Y-%m-%d}",
        "year": f"{from_year:04d}",
    }
    overdue, overdue_first, upcoming, upcoming_first = _fetch(sql, params)[0]
    return (int(overdue or 0), _day(overdue_first)), (int(upcoming or 0), _day(upcoming_first))


@headcount.register
def members_of(orgs):
    """{org pk: members of its subtree} for those of `orgs` whose figures are kept, in one query:
    every member has a 学历 value (a NOT NULL column; blank counts too), so the 'edu' rows of an org
    -- a handful, where 'age' has one per birth date -- add up to its members."""
    pks = [o.pk for o in orgs if kept(o)]
    if not pks:
        return {}
    sql = """SELECT org_id, SUM(n) FROM (
      SELECT org_id, n FROM members_subtreefigure WHERE org_id = ANY(%(orgs)s) AND dim = %(dim)s
      UNION ALL
      SELECT org_id, n FROM members_figuredelta WHERE org_id = ANY(%(orgs)s) AND dim = %(dim)s
    ) f GROUP BY org_id"""
    found = {pk: int(n) for pk, n in _fetch(sql, {"orgs": pks, "dim": EDUCATION})}
    return {pk: found.get(pk, 0) for pk in pks}


def _day(text):
    return date.fromisoformat(text) if text else None
