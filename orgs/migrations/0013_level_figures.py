"""组织录入情况's figures kept per (org, level) by triggers in the transaction of the change
(orgs/models_levels.py says why; ORG-11, STAT-03).

For each org at level ≤ DEEPEST (团中央 0, provincial 1, city organs 2), one row per level of its
subtree (the org itself not counted): how many orgs, how many logged in (`first_admin_login_at`),
how many complete (ORG-10: orgs.completeness.complete_q, whose 书记 half is the `secretary_ready`
column members/0009 keeps) and how many with a direct sub-org. Every figure is a property of an
org's own row, except "with a direct sub-org", which a child's insert or delete changes: so one
statement trigger on orgs_organization keeps them all --

- INSERT: the new orgs count (+1) at their level for every kept org above them; a parent whose
  first children they are counts once more under 已建下级;
- DELETE: the same with −1; a parent left without children counts once less;
- UPDATE: an org's 已登录 / 信息完整 turning on or off counts ±1 (an org's figures depend only on its
  own row). A statement that changes a parent or a level (a move: not an operation of the product
  today) recounts the kept orgs above the old and the new places instead, from the rows themselves
  (a walk down parent_id: one province's subtree, or the country's for 团中央).

The walk up from a changed org is along parent_id (≤ 8 steps) and keeps only the orgs at level
≤ DEEPEST: a change touches at most three figure rows per level. The changes go in as the
transaction's deltas and reach the shared rows at COMMIT (members/0015's pattern, no national lock).
`orgs_level_figures_rebuild()` recounts everything from the orgs (this migration's backfill, and
`generate_scale_data` after its load with triggers off): each org's anchor (its ancestor at level
DEEPEST) from depth-first order as in members/0022, one sort of the orgs, grouped per (anchor,
level), then added to the anchor's ≤ 3 kept ancestors.
"""

from django.db import migrations, models

from zhtj.core.triggers import Triggers

DEEPEST = 2  # orgs.level_figures.DEEPEST

# ORG-07 / ORG-10 as orgs.completeness.complete_q says them, frozen here (a test compares the two)
STAFFING = ("admin_staff_quota", "admin_staff_actual", "career_staff_quota", "career_staff_actual")
SECRETARY = ("secretary_name", "secretary_id_number", "secretary_mobile")
LEADERSHIP_REQUIRED = ("phone", "email", *STAFFING, *SECRETARY)
COMMITTEE_REQUIRED = ("industry", *STAFFING, *SECRETARY)
BRANCH_REQUIRED = ("industry", *SECRETARY)
COMMITTEE_KINDS = ("committee", "general_branch", "working_committee")
BRANCH_KINDS = (
    "abroad",
    "branch",
    "delayed_graduation",
    "floating",
    "graduate",
    "pending_transfer",
    "school_society",
    "special_unit_pool",
)


def _filled(r, fields):
    checks = [f"{r}.{f} IS NOT NULL" if f in STAFFING else f"{r}.{f} <> ''" for f in ("name", "full_name", *fields)]
    return " AND ".join(checks)


def _in(values):
    return ", ".join(f"'{v}'" for v in values)


def complete(r):
    """SQL boolean: the org row `r` is complete (ORG-10)."""
    return (
        f"COALESCE((({r}.category = 'leadership' AND {_filled(r, LEADERSHIP_REQUIRED)})"
        f" OR ({r}.category IN ({_in(COMMITTEE_KINDS)}) AND {_filled(r, COMMITTEE_REQUIRED)})"
        f" OR ({r}.category IN ({_in(BRANCH_KINDS)}) AND {_filled(r, BRANCH_REQUIRED)})) AND {r}.secretary_ready, false)"
    )


def _one(condition):
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def logged(r):
    return _one(f"{r}.first_admin_login_at IS NOT NULL")


def has_children(r):
    return f"EXISTS (SELECT 1 FROM orgs_organization x WHERE x.parent_id = {r}.id)"


FIGURES = "total, logged_in, complete, with_children"
NONZERO = "SUM(total) <> 0 OR SUM(logged_in) <> 0 OR SUM(complete) <> 0 OR SUM(with_children) <> 0"
SUMS = "SUM(total), SUM(logged_in), SUM(complete), SUM(with_children)"
SUMS_AS = ", ".join(f"SUM({f}) AS {f}" for f in FIGURES.split(", "))


def stage(source):
    """SQL adding `source` -- rows (parent_id, level, total, logged_in, complete, with_children): an
    org's change, keyed by its parent and its level -- to the transaction's deltas of every kept org
    above it."""
    return f"""
    WITH RECURSIVE c (parent_id, level, {FIGURES}) AS ({source}),
    g AS (
      SELECT parent_id, level, {SUMS_AS}
      FROM c WHERE parent_id IS NOT NULL GROUP BY 1, 2 HAVING {NONZERO}
    ),
    up (start, org_id, level) AS (
      SELECT p.id, p.id, p.level FROM orgs_organization p WHERE p.id IN (SELECT parent_id FROM g)
      UNION ALL
      SELECT up.start, o.parent_id, up.level - 1 FROM up JOIN orgs_organization o ON o.id = up.org_id
      WHERE o.parent_id IS NOT NULL
    )
    INSERT INTO orgs_leveldelta (txid, org_id, level, {FIGURES})
    SELECT txid_current(), up.org_id, g.level, {SUMS} FROM g JOIN up ON up.start = g.parent_id
    WHERE up.level <= {DEEPEST}
    GROUP BY up.org_id, g.level HAVING {NONZERO};
    GET DIAGNOSTICS staged = ROW_COUNT;
    IF staged > 0 THEN
      INSERT INTO orgs_leveltransaction (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
    END IF;"""


INSERTED = f"""
  SELECT n.parent_id, n.level, 1, {logged("n")}, {_one(complete("n"))}, {_one(has_children("n"))} FROM new_rows n
  UNION ALL
  -- a parent's first children
  SELECT p.parent_id, p.level, 0, 0, 0, 1 FROM orgs_organization p
  WHERE p.id IN (SELECT parent_id FROM new_rows) AND p.id NOT IN (SELECT id FROM new_rows)
    AND NOT EXISTS (SELECT 1 FROM orgs_organization x WHERE x.parent_id = p.id AND x.id NOT IN (SELECT id FROM new_rows))"""

DELETED = f"""
  SELECT o.parent_id, o.level, -1, -({logged("o")}), -({_one(complete("o"))}),
    -({_one(has_children("o") + " OR EXISTS (SELECT 1 FROM old_rows y WHERE y.parent_id = o.id)")}) FROM old_rows o
  UNION ALL
  -- a parent left without children
  SELECT p.parent_id, p.level, 0, 0, 0, -1 FROM orgs_organization p
  WHERE p.id IN (SELECT parent_id FROM old_rows) AND NOT {has_children("p")}"""

UPDATED = f"""
  SELECT n.parent_id, n.level, 0, {logged("n")} - {logged("o")}, {_one(complete("n"))} - {_one(complete("o"))}, 0
  FROM old_rows o JOIN new_rows n ON n.id = o.id"""

# a move: the kept orgs above the old and the new places (and a moved kept org itself) counted afresh
RECOUNT = f"""
    WITH RECURSIVE moved AS (
      SELECT o.id, o.parent_id AS old_parent, n.parent_id AS new_parent, o.level AS old_level
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE o.parent_id IS DISTINCT FROM n.parent_id OR o.level <> n.level
    ),
    up (id) AS (
      SELECT old_parent FROM moved WHERE old_parent IS NOT NULL
      UNION SELECT new_parent FROM moved WHERE new_parent IS NOT NULL
      UNION SELECT id FROM moved
      UNION
      SELECT o.parent_id FROM up JOIN orgs_organization o ON o.id = up.id WHERE o.parent_id IS NOT NULL
    ),
    scopes AS (
      SELECT o.id FROM orgs_organization o WHERE o.id IN (SELECT id FROM up) AND o.level <= {DEEPEST}
      UNION SELECT id FROM moved WHERE old_level <= {DEEPEST}
    ),
    down (scope, id) AS (
      SELECT s.id, o.id FROM scopes s JOIN orgs_organization o ON o.parent_id = s.id
      UNION ALL
      SELECT d.scope, o.id FROM down d JOIN orgs_organization o ON o.parent_id = d.id
    ),
    x (org_id, level, {FIGURES}) AS (
      SELECT d.scope, o.level, 1, {logged("o")}, {_one(complete("o"))}, {_one(has_children("o"))}
      FROM down d JOIN orgs_organization o ON o.id = d.id
      UNION ALL
      SELECT org_id, level, -total, -logged_in, -complete, -with_children FROM orgs_levelfigure
      WHERE org_id IN (SELECT id FROM scopes)
      UNION ALL
      SELECT org_id, level, -total, -logged_in, -complete, -with_children FROM orgs_leveldelta
      WHERE org_id IN (SELECT id FROM scopes)
    )
    INSERT INTO orgs_leveldelta (txid, org_id, level, {FIGURES})
    SELECT txid_current(), org_id, level, {SUMS} FROM x GROUP BY org_id, level HAVING {NONZERO};
    GET DIAGNOSTICS staged = ROW_COUNT;
    IF staged > 0 THEN
      INSERT INTO orgs_leveltransaction (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
    END IF;"""

ORDER = "tree_id, lft"  # core.tree.ORDER: depth-first across the forest

POSTGRES = f"""
CREATE OR REPLACE FUNCTION orgs_level_figures() RETURNS trigger AS $$
DECLARE staged bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    {stage(INSERTED)}
  ELSIF TG_OP = 'DELETE' THEN
    {stage(DELETED)}
  -- (a set difference, hashed: a join of the transition tables, which have no statistics, was a nested loop)
  ELSIF EXISTS (SELECT id, parent_id, level FROM new_rows EXCEPT SELECT id, parent_id, level FROM old_rows) THEN
    {RECOUNT}
  ELSE
    {stage(UPDATED)}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER orgs_level_figures_ins AFTER INSERT ON orgs_organization
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orgs_level_figures();
CREATE TRIGGER orgs_level_figures_upd AFTER UPDATE ON orgs_organization
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orgs_level_figures();
CREATE TRIGGER orgs_level_figures_del AFTER DELETE ON orgs_organization
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION orgs_level_figures();

-- at COMMIT: the transaction's deltas into the shared rows, in key order, in one statement
CREATE OR REPLACE FUNCTION orgs_level_figures_apply() RETURNS trigger AS $$
BEGIN
  INSERT INTO orgs_levelfigure (org_id, level, {FIGURES})
  SELECT org_id, level, {SUMS} FROM orgs_leveldelta WHERE txid = NEW.txid
  GROUP BY org_id, level HAVING {NONZERO} ORDER BY org_id, level
  ON CONFLICT (org_id, level) DO UPDATE SET total = orgs_levelfigure.total + EXCLUDED.total,
    logged_in = orgs_levelfigure.logged_in + EXCLUDED.logged_in,
    complete = orgs_levelfigure.complete + EXCLUDED.complete,
    with_children = orgs_levelfigure.with_children + EXCLUDED.with_children;
  DELETE FROM orgs_leveldelta WHERE txid = NEW.txid;
  DELETE FROM orgs_leveltransaction WHERE txid = NEW.txid;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER orgs_level_figures_apply AFTER INSERT ON orgs_leveltransaction
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION orgs_level_figures_apply();

-- every figure from the orgs themselves: the backfill, and after a load with triggers off
CREATE OR REPLACE FUNCTION orgs_level_figures_rebuild() RETURNS void AS $$
BEGIN
  DELETE FROM orgs_leveltransaction;
  DELETE FROM orgs_leveldelta;
  TRUNCATE orgs_levelfigure;
  DROP TABLE IF EXISTS orgs_level_anchor, orgs_level_up;
  -- per (anchor, level): the anchor is the org at level DEEPEST above an org (or the org itself
  -- at level <= DEEPEST), the nearest org at level <= DEEPEST before it in depth-first order
  CREATE TEMP TABLE orgs_level_anchor ON COMMIT DROP AS
    SELECT anchor, level, count(*) AS total, count(first_admin_login_at) AS logged_in,
      count(*) FILTER (WHERE complete) AS complete, count(*) FILTER (WHERE with_children) AS with_children
    FROM (
      SELECT CASE WHEN level < {DEEPEST} THEN id ELSE first_value(id) OVER (PARTITION BY run ORDER BY {ORDER}) END
          AS anchor, level, first_admin_login_at, complete, with_children
      FROM (
        SELECT o.id, o.level, o.tree_id, o.lft, o.first_admin_login_at, {complete("o")} AS complete,
          -- orgs.completeness.HAS_CHILDREN: inside a tree its bounds say it; a leadership organ's children are trees
          o.rght > o.lft + 1 OR (o.tree_last > o.tree_id AND {has_children("o")}) AS with_children,
          count(*) FILTER (WHERE o.level <= {DEEPEST}) OVER (ORDER BY {ORDER} ROWS UNBOUNDED PRECEDING) AS run
        FROM orgs_organization o
      ) o
    ) a
    GROUP BY anchor, level;
  -- every anchor -> itself and each kept org above it, with its level
  CREATE TEMP TABLE orgs_level_up ON COMMIT DROP AS
    WITH RECURSIVE kept AS (SELECT id, parent_id FROM orgs_organization WHERE level <= {DEEPEST}),
    up (anchor, org_id, level) AS (
      SELECT k.id, k.id, o.level FROM kept k JOIN orgs_organization o ON o.id = k.id
      UNION ALL
      SELECT up.anchor, k.parent_id, up.level - 1 FROM up JOIN kept k ON k.id = up.org_id WHERE k.parent_id IS NOT NULL
    )
    SELECT * FROM up;
  ANALYZE orgs_level_anchor;
  ANALYZE orgs_level_up;
  INSERT INTO orgs_levelfigure (org_id, level, {FIGURES})
  SELECT up.org_id, a.level, SUM(a.total), SUM(a.logged_in), SUM(a.complete), SUM(a.with_children)
  FROM orgs_level_anchor a JOIN orgs_level_up up ON up.anchor = a.anchor
  WHERE a.level > up.level  -- below the kept org: an anchor counts for the orgs above it, not itself
  GROUP BY 1, 2 ORDER BY 1, 2;
  DROP TABLE orgs_level_anchor, orgs_level_up;
END $$ LANGUAGE plpgsql SET work_mem = '256MB' SET jit = off;
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS orgs_level_figures_ins ON orgs_organization;
DROP TRIGGER IF EXISTS orgs_level_figures_upd ON orgs_organization;
DROP TRIGGER IF EXISTS orgs_level_figures_del ON orgs_organization;
DROP FUNCTION IF EXISTS orgs_level_figures();
DROP TRIGGER IF EXISTS orgs_level_figures_apply ON orgs_leveltransaction;
DROP FUNCTION IF EXISTS orgs_level_figures_apply();
DROP FUNCTION IF EXISTS orgs_level_figures_rebuild();
"""


def rebuild_all(connection):
    """Every figure from the orgs (PostgreSQL; the backfill, and after a load with triggers off)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT orgs_level_figures_rebuild()")


TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop=POSTGRES_DROP, sqlite=[], sqlite_drop=[], after_create=rebuild_all)


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0012_staffing_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="LevelTransaction",
            fields=[
                ("txid", models.BigIntegerField(primary_key=True, serialize=False)),
            ],
        ),
        migrations.CreateModel(
            name="LevelDelta",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("txid", models.BigIntegerField()),
                ("org_id", models.BigIntegerField()),
                ("level", models.PositiveSmallIntegerField()),
                ("total", models.BigIntegerField()),
                ("logged_in", models.BigIntegerField()),
                ("complete", models.BigIntegerField()),
                ("with_children", models.BigIntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["org_id"], name="orgs_leveldelta_org"),
                    models.Index(fields=["txid"], name="orgs_leveldelta_txid"),
                ],
            },
        ),
        migrations.CreateModel(
            name="LevelFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("org_id", models.BigIntegerField(verbose_name="组织")),
                ("level", models.PositiveSmallIntegerField(verbose_name="层级")),
                ("total", models.BigIntegerField(default=0, verbose_name="组织数")),
                ("logged_in", models.BigIntegerField(default=0, verbose_name="已登录")),
                ("complete", models.BigIntegerField(default=0, verbose_name="信息完整")),
                ("with_children", models.BigIntegerField(default=0, verbose_name="已建下级")),
            ],
            options={
                "verbose_name": "组织录入情况统计",
                "verbose_name_plural": "组织录入情况统计",
                "constraints": [models.UniqueConstraint(fields=("org_id", "level"), name="orgs_level_figure_key")],
            },
        ),
        migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards),
    ]
