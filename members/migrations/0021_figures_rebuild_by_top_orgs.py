"""`members_figures_rebuild()` grouping the people by the org that keeps their figures, not by branch.

0016 grouped the people per branch, dimension and value (about a row per member: birth dates are
many) and then joined every branch to each of its ancestors (about seven) to keep those at level
≤ DEEPEST: an intermediate result of some seven rows per member. It took 337 s for 2,000,000
people, 1,137 s for 5,000,000, and nationally (10,860,000) it was cancelled after 20 minutes with
more than 5 GB of temporary files. Now each org is first mapped to its *anchor* -- its ancestor at
level DEEPEST (a range join of the few thousand orgs at that level against the tree's index,
`core.tree.contains_sql`), or itself when it is higher up -- and the people are grouped by
anchor, dimension and value: a row per anchor and value. Those few rows are then added to the
anchor and its ancestors up to 团中央 (a walk up parent_id among the orgs at level ≤ DEEPEST).
The same rows as before.
"""

from importlib import import_module

from django.db import migrations

from zhtj.core.tree import contains_sql
from zhtj.core.triggers import Triggers

base = import_module("members.migrations.0015_subtree_figures")
top = import_module("members.migrations.0016_subtree_figures_top_levels")

DEEPEST = top.DEEPEST

# the raw columns a member's figures are made of (0015's DIMS formats them): grouped first, each
# set on its own, and only the grouped rows are formatted
DUE_DAY = f"CASE WHEN NOT c.verified THEN GREATEST({base.MONTH_END}, {base.LOCAL_DAY}) END"
SETS = """(c.anchor, c.birth_date), (c.anchor, c.ethnicity), (c.anchor, c.education),
  (c.anchor, c.joined_month, c.verified), (c.anchor, due_day, c.joined_month)"""

POSTGRES = f"""
CREATE OR REPLACE FUNCTION members_figures_rebuild() RETURNS void AS $$
BEGIN
  DELETE FROM members_figuretransaction;
  DELETE FROM members_figuredelta;
  TRUNCATE members_subtreefigure;
  -- every org -> the org at level DEEPEST above it (or itself), or itself when higher up; and every
  -- such anchor -> itself and each org above it. Tables of their own, analyzed, so that the planner
  -- knows their sizes (hash joins, not a lookup per person or a sort of the grouped rows)
  DROP TABLE IF EXISTS members_figures_anchor, members_figures_up;
  CREATE TEMP TABLE members_figures_anchor ON COMMIT DROP AS
    SELECT o.id AS org_id, k.id AS anchor FROM orgs_organization k JOIN orgs_organization o ON {contains_sql("k", "o")}
    WHERE k.level = {DEEPEST}
    UNION ALL
    SELECT id, id FROM orgs_organization WHERE level < {DEEPEST};
  CREATE TEMP TABLE members_figures_up ON COMMIT DROP AS
    WITH RECURSIVE kept AS (SELECT id, parent_id FROM orgs_organization WHERE level <= {DEEPEST}),
    up (anchor, org_id) AS (
      SELECT id, id FROM kept
      UNION ALL
      SELECT up.anchor, k.parent_id FROM up JOIN kept k ON k.id = up.org_id WHERE k.parent_id IS NOT NULL
    )
    SELECT * FROM up;
  ANALYZE members_figures_anchor;
  ANALYZE members_figures_up;
  INSERT INTO members_subtreefigure (org_id, dim, key, n)
  WITH c AS (
    SELECT m.anchor, {base.PERSON}, {base.VERIFIED} AS verified FROM members_person p
    JOIN members_figures_anchor m ON m.org_id = p.branch_id LEFT JOIN members_memberarchive a ON a.person_id = p.id
  ),
  f AS (
    SELECT c.anchor,
      CASE WHEN GROUPING(c.birth_date) = 0 THEN 'age' WHEN GROUPING(c.ethnicity) = 0 THEN 'eth'
        WHEN GROUPING(c.education) = 0 THEN 'edu' WHEN GROUPING(due_day) = 0 THEN 'due' ELSE 'new' END AS dim,
      CASE WHEN GROUPING(c.birth_date) = 0 THEN to_char(c.birth_date, 'YYYY-MM-DD')
        WHEN GROUPING(c.ethnicity) = 0 THEN c.ethnicity::text
        WHEN GROUPING(c.education) = 0 THEN c.education::text
        WHEN GROUPING(due_day) = 0 THEN to_char(due_day, 'YYYY-MM-DD') || '/' || to_char(c.joined_month, 'YYYY')
        ELSE to_char(c.joined_month, 'YYYY') || CASE WHEN c.verified THEN 'v' ELSE '' END END AS key,
      COUNT(*) AS n
    FROM c CROSS JOIN LATERAL (SELECT {DUE_DAY} AS due_day) d
    GROUP BY GROUPING SETS ({SETS})
  )
  SELECT up.org_id, f.dim, f.key, SUM(f.n) FROM f JOIN members_figures_up up ON up.anchor = f.anchor
  WHERE f.key IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;  -- the unique index filled in its order
  DROP TABLE members_figures_anchor, members_figures_up;
END $$ LANGUAGE plpgsql SET work_mem = '256MB' SET jit = off;
"""

TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop="", sqlite=[], sqlite_drop=[])


def backwards(apps, schema_editor):
    """0016's rebuild again (0016 re-creates its trigger functions too, then 0020 its own)."""
    top.TRIGGERS.forwards(apps, schema_editor)
    import_module("members.migrations.0020_figures_update_cancels").TRIGGERS.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("members", "0020_figures_update_cancels")]

    operations = [migrations.RunPython(TRIGGERS.forwards, backwards)]
