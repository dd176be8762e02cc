"""`members_figures_rebuild()` without the tree's indexes: every org's anchor from depth-first order.

0021 mapped every org to its anchor (its ancestor at level DEEPEST) by a range join of the orgs at
that level against the index on tree_id. But `generate_scale_data` called the rebuild before it
built the indexes it drops for the load, and without them that join compared every level-2 org
with every org: nationally 7,000 × 3,700,000 pairs, cancelled after 20 minutes (the generator now
rebuilds last, and the rebuild needs no index either). Now the anchor comes from the forest's
depth-first order (`core.tree.ORDER`): an org's ancestor at level DEEPEST is the nearest org at
level ≤ DEEPEST before it in that order, so one sort of the orgs and a running count give every
org its anchor. The rest is 0021's.
"""

from importlib import import_module

from django.db import migrations

from zhtj.core.tree import ORDER as TREE_ORDER
from zhtj.core.triggers import Triggers

base = import_module("members.migrations.0015_subtree_figures")
previous = import_module("members.migrations.0021_figures_rebuild_by_top_orgs")

DEEPEST = previous.DEEPEST
ORDER = ", ".join(TREE_ORDER)  # depth-first across the forest

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
    SELECT id AS org_id, CASE WHEN level < {DEEPEST} THEN id
      ELSE first_value(id) OVER (PARTITION BY run ORDER BY {ORDER}) END AS anchor
    FROM (
      SELECT id, level, {ORDER}, count(*) FILTER (WHERE level <= {DEEPEST})
        OVER (ORDER BY {ORDER} ROWS UNBOUNDED PRECEDING) AS run
      FROM orgs_organization
    ) o;
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
    FROM c CROSS JOIN LATERAL (SELECT {previous.DUE_DAY} AS due_day) d
    GROUP BY GROUPING SETS ({previous.SETS})
  )
  SELECT up.org_id, f.dim, f.key, SUM(f.n) FROM f JOIN members_figures_up up ON up.anchor = f.anchor
  WHERE f.key IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;  -- the unique index filled in its order
  DROP TABLE members_figures_anchor, members_figures_up;
END $$ LANGUAGE plpgsql SET work_mem = '256MB' SET jit = off;
"""

TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop="", sqlite=[], sqlite_drop=[])


def backwards(apps, schema_editor):
    """0021's rebuild again."""
    previous.TRIGGERS.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("members", "0021_figures_rebuild_by_top_orgs")]

    operations = [migrations.RunPython(TRIGGERS.forwards, backwards)]
