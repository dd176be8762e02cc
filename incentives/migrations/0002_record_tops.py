"""The province of each incentive record's recording org and of its member's branch now
(`recorder_top`, `person_top`), kept by triggers in the transaction of every change, and indexed
with the time per kind: a 省级团委's list reads its records newest first from the index instead of
checking the province's subtree record by record (incentives/scope.py; docs/benchmarks.md).

The province of an org is its ancestor at level 1 (a 省级团委, or another unit directly under
团中央; NULL for 团中央 itself). Orgs never move (docs/architecture.md, the forest), so a recording
org's province never changes; a member's changes with their branch (a transfer, TRF-08; an
import; a deletion, which clears the branch). PostgreSQL only (SQLite leaves them NULL and
incentives/scope.py doesn't read them there).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from zhtj.core.triggers import Triggers

# The province of an org: the walk up parent_id to level 1 (at most six primary-key lookups).
TOP_OF = """
CREATE OR REPLACE FUNCTION incentives_top_of(org bigint) RETURNS bigint AS $$
  WITH RECURSIVE up (id, parent_id, level) AS (
    SELECT id, parent_id, level FROM orgs_organization WHERE id = org
    UNION ALL
    SELECT o.id, o.parent_id, o.level FROM orgs_organization o JOIN up ON o.id = up.parent_id WHERE up.level > 1
  )
  SELECT id FROM up WHERE level = 1
$$ LANGUAGE sql STABLE;
"""

POSTGRES = TOP_OF + """
-- a new record: both provinces from its recording org and its member's branch (every way of
-- inserting: the ORM, record_joinings' INSERT … SELECT, an import)
CREATE OR REPLACE FUNCTION incentives_record_tops() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF current_setting('incentives.tops_given', true) = 'on' THEN
      RETURN NEW;  -- incentives_tops_rebuild() gives them itself
    END IF;
    -- a save writes back what it read (or NULL, for a record made by the ORM in this request):
    -- what it doesn't change stays; anything else is recomputed from the rows themselves
    IF NEW.recorder_id = OLD.recorder_id AND OLD.recorder_top_id IS NOT NULL THEN
      NEW.recorder_top_id := OLD.recorder_top_id;  -- orgs never move
    ELSE
      NEW.recorder_top_id := incentives_top_of(NEW.recorder_id);
    END IF;
    IF NEW.person_id IS NOT DISTINCT FROM OLD.person_id
        AND NEW.person_top_id IS NOT DISTINCT FROM OLD.person_top_id THEN
      RETURN NEW;
    END IF;
  ELSE
    NEW.recorder_top_id := incentives_top_of(NEW.recorder_id);
  END IF;
  -- FOR SHARE: a member moving at the same moment waits for this record (and then moves it), or
  -- this record waits for the move and takes the new province
  NEW.person_top_id := (
    SELECT incentives_top_of(p.branch_id) FROM members_person p WHERE p.id = NEW.person_id FOR SHARE
  );
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER incentives_record_tops_ins BEFORE INSERT ON incentives_incentiverecord
  FOR EACH ROW EXECUTE FUNCTION incentives_record_tops();
CREATE TRIGGER incentives_record_tops_upd BEFORE UPDATE ON incentives_incentiverecord
  FOR EACH ROW EXECUTE FUNCTION incentives_record_tops();

-- a member whose branch changed (a transfer, TRF-08; an import; a deletion clearing it): their
-- records follow them, in the same transaction
CREATE OR REPLACE FUNCTION incentives_person_moved() RETURNS trigger AS $$
DECLARE top bigint := incentives_top_of(NEW.branch_id);
BEGIN
  UPDATE incentives_incentiverecord SET person_top_id = top
  WHERE person_id = NEW.id AND person_top_id IS DISTINCT FROM top;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER incentives_person_moved AFTER UPDATE OF branch_id ON members_person
  FOR EACH ROW WHEN (OLD.branch_id IS DISTINCT FROM NEW.branch_id) EXECUTE FUNCTION incentives_person_moved();

-- every record's provinces from the rows: after a load with triggers off (generate_scale_data) and
-- for the records that exist when this migration runs. Every org's province from the forest's
-- depth-first order: the nearest org at level <= 1 before it (itself included).
CREATE OR REPLACE FUNCTION incentives_tops_rebuild() RETURNS bigint AS $$
DECLARE changed bigint;
BEGIN
  DROP TABLE IF EXISTS incentives_tops;
  CREATE TEMP TABLE incentives_tops ON COMMIT DROP AS
    SELECT id AS org_id, CASE WHEN level >= 1 THEN first_value(id) OVER (PARTITION BY run ORDER BY tree_id, lft) END AS top
    FROM (
      SELECT id, level, tree_id, lft, count(*) FILTER (WHERE level <= 1)
        OVER (ORDER BY tree_id, lft ROWS UNBOUNDED PRECEDING) AS run
      FROM orgs_organization
    ) o;
  ANALYZE incentives_tops;
  UPDATE incentives_incentiverecord r SET recorder_top_id = x.rt, person_top_id = x.pt
  FROM (
    SELECT r.id, a.top AS rt, b.top AS pt FROM incentives_incentiverecord r
    JOIN incentives_tops a ON a.org_id = r.recorder_id
    LEFT JOIN members_person p ON p.id = r.person_id LEFT JOIN incentives_tops b ON b.org_id = p.branch_id
  ) x
  WHERE r.id = x.id AND (r.recorder_top_id IS DISTINCT FROM x.rt OR r.person_top_id IS DISTINCT FROM x.pt);
  GET DIAGNOSTICS changed = ROW_COUNT;
  DROP TABLE incentives_tops;
  RETURN changed;
END $$ LANGUAGE plpgsql SET incentives.tops_given = 'on' SET work_mem = '256MB' SET jit = off;
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS incentives_record_tops_ins ON incentives_incentiverecord;
DROP TRIGGER IF EXISTS incentives_record_tops_upd ON incentives_incentiverecord;
DROP FUNCTION IF EXISTS incentives_record_tops();
DROP TRIGGER IF EXISTS incentives_person_moved ON members_person;
DROP FUNCTION IF EXISTS incentives_person_moved();
DROP FUNCTION IF EXISTS incentives_tops_rebuild();
DROP FUNCTION IF EXISTS incentives_top_of(bigint);
"""


def rebuild_all(connection):
    """Every record's provinces from the rows (PostgreSQL; after a load with triggers off)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT incentives_tops_rebuild()")


TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop=POSTGRES_DROP, sqlite=[], sqlite_drop=[], after_create=rebuild_all)


class Migration(migrations.Migration):

    dependencies = [
        ('incentives', '0001_incentive_records'),
        ('orgs', '0012_staffing_indexes'),
        ('members', '0022_figures_anchor_by_tree_order'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='incentiverecord',
            name='person_top',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.organization'),
        ),
        migrations.AddField(
            model_name='incentiverecord',
            name='recorder_top',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.organization'),
        ),
        # filled before the indexes are built (cheaper than keeping them up to date row by row)
        migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards),
        migrations.AddIndex(
            model_name='incentiverecord',
            index=models.Index(fields=['kind', 'recorder_top', 'created_at', 'id'], name='inc_kind_recorder_top'),
        ),
        migrations.AddIndex(
            model_name='incentiverecord',
            index=models.Index(fields=['kind', 'person_top', 'created_at', 'id'], name='inc_kind_person_top'),
        ),
    ]
