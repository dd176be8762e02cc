"""The subtree figures of 0015 for the orgs at the top of the country only: 团中央, the provincial
and the city organs (level ≤ `DEEPEST`, mirrored by members/figures.py).

Measured at 2,000,000 members: figures for every org were one row per member and birth date at
every level of the tree (several million rows, most of a gigabyte, and minutes to rebuild), while
an org below a city -- a county organ, a university, a branch -- holds at most tens of thousands
of members, whose live GROUP BY is an index-only range scan of a few milliseconds. So the
triggers keep rows for the ≤ 600 orgs whose subtrees are large, and a change touches at most
three of them.
"""

from importlib import import_module

from django.db import migrations

from zhtj.core.triggers import Triggers

DEEPEST = 2  # members.figures.DEEPEST: 团中央 0, provincial organs 1, city organs 2

base = import_module("members.migrations.0015_subtree_figures")


def stage(source):
    """0015's `stage`, the walk up the tree keeping the orgs at level ≤ DEEPEST only."""
    return f"""
    WITH RECURSIVE c AS ({source}),
    f AS (
      SELECT c.branch_id, d.dim, d.key, SUM(c.sign) AS n FROM c CROSS JOIN LATERAL {base.DIMS}
      WHERE d.key IS NOT NULL GROUP BY 1, 2, 3 HAVING SUM(c.sign) <> 0
    ),
    up (branch_id, org_id, level) AS (
      SELECT b.id, b.id, b.level FROM orgs_organization b WHERE b.id IN (SELECT branch_id FROM f)
      UNION ALL
      SELECT up.branch_id, p.id, p.level FROM up JOIN orgs_organization o ON o.id = up.org_id
      JOIN orgs_organization p ON p.id = o.parent_id
    )
    INSERT INTO members_figuredelta (txid, org_id, dim, key, n)
    SELECT txid_current(), up.org_id, f.dim, f.key, SUM(f.n) FROM f JOIN up ON up.branch_id = f.branch_id
    WHERE up.level <= {DEEPEST}
    GROUP BY up.org_id, f.dim, f.key HAVING SUM(f.n) <> 0;
    GET DIAGNOSTICS staged = ROW_COUNT;
    IF staged > 0 THEN
      INSERT INTO members_figuretransaction (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
    END IF;"""


people, changed, archive_people = base._people, base._changed, base._archive_people

POSTGRES = f"""
CREATE OR REPLACE FUNCTION members_person_figures() RETURNS trigger AS $$
DECLARE staged bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    {stage(people("new_rows", 1))}
  ELSIF TG_OP = 'DELETE' THEN
    {stage(people("old_rows", -1))}
  ELSE
    {stage(changed("old_rows", "new_rows", -1) + " UNION ALL " + changed("new_rows", "old_rows", 1))}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION members_archive_figures() RETURNS trigger AS $$
DECLARE staged bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    {stage(archive_people("new_rows", -1, "false") + " UNION ALL " + archive_people("new_rows", 1, "true"))}
  ELSIF TG_OP = 'DELETE' THEN
    {stage(archive_people("old_rows", -1, "true") + " UNION ALL " + archive_people("old_rows", 1, "false"))}
  ELSE
    {
    stage(
        " UNION ALL ".join(
            [
                archive_people("old_rows", -1, "true"),
                archive_people("old_rows", 1, "false"),
                archive_people("new_rows", -1, "false"),
                archive_people("new_rows", 1, "true"),
            ]
        )
    )
}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

-- every figure from the people: each branch's members per value, then added to its ancestors at
-- level ≤ {DEEPEST} in one grouped INSERT
CREATE OR REPLACE FUNCTION members_figures_rebuild() RETURNS void AS $$
BEGIN
  DELETE FROM members_figuretransaction;
  DELETE FROM members_figuredelta;
  TRUNCATE members_subtreefigure;
  INSERT INTO members_subtreefigure (org_id, dim, key, n)
  WITH RECURSIVE f AS (
    SELECT c.branch_id, d.dim, d.key, COUNT(*) AS n FROM ({people("members_person", 1)}) c
    CROSS JOIN LATERAL {base.DIMS} WHERE d.key IS NOT NULL GROUP BY 1, 2, 3
  ),
  up (branch_id, org_id, level) AS (
    SELECT b.id, b.id, b.level FROM orgs_organization b WHERE b.id IN (SELECT branch_id FROM f)
    UNION ALL
    SELECT up.branch_id, p.id, p.level FROM up JOIN orgs_organization o ON o.id = up.org_id
    JOIN orgs_organization p ON p.id = o.parent_id
  )
  SELECT up.org_id, f.dim, f.key, SUM(f.n) FROM f JOIN up ON up.branch_id = f.branch_id
  WHERE up.level <= {DEEPEST} GROUP BY 1, 2, 3;
END $$ LANGUAGE plpgsql;
"""

TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop="", sqlite=[], sqlite_drop=[], after_create=base.rebuild_all)


def backwards(apps, schema_editor):
    """0015's triggers and functions again (every org's rows)."""
    base.TRIGGERS.backwards(apps, schema_editor)
    base.TRIGGERS.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("members", "0015_subtree_figures")]

    operations = [migrations.RunPython(TRIGGERS.forwards, backwards)]
