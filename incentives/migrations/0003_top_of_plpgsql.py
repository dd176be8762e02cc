"""0002's triggers without planning on every row: `incentives_top_of` was a SQL-language function,
which PostgreSQL plans again at every call (its recursive walk, twice a record): 10,000 records
inserted took 6.3-8.8 s with the triggers and 0.5 s without (2,000,000 members, load 11-13). As
PL/pgSQL its statements are planned once per connection; and a record whose member sits in the
recording branch (入团激励, 评议激励: most of them) takes the recording org's province without a
second walk.
"""

from django.db import migrations

from zhtj.core.triggers import Triggers

POSTGRES = """
CREATE OR REPLACE FUNCTION incentives_top_of(org bigint) RETURNS bigint AS $$
DECLARE o record;
BEGIN
  -- the walk up parent_id to level 1, one primary-key lookup a level (at most six)
  SELECT id, parent_id, level INTO o FROM orgs_organization WHERE id = org;
  WHILE FOUND AND o.level > 1 LOOP
    SELECT id, parent_id, level INTO o FROM orgs_organization WHERE id = o.parent_id;
  END LOOP;
  IF FOUND AND o.level = 1 THEN
    RETURN o.id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql STABLE;

CREATE OR REPLACE FUNCTION incentives_record_tops() RETURNS trigger AS $$
DECLARE branch bigint;
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
  SELECT p.branch_id INTO branch FROM members_person p WHERE p.id = NEW.person_id FOR SHARE;
  NEW.person_top_id := CASE WHEN branch = NEW.recorder_id THEN NEW.recorder_top_id ELSE incentives_top_of(branch) END;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


def backwards(apps, schema_editor):
    """0002's functions again."""
    from importlib import import_module

    previous = import_module("incentives.migrations.0002_record_tops")
    if schema_editor.connection.vendor == "postgresql":
        sql = previous.POSTGRES
        schema_editor.execute(sql[: sql.index("CREATE TRIGGER incentives_record_tops_ins")])


TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop="", sqlite=[], sqlite_drop=[])


class Migration(migrations.Migration):
    dependencies = [("incentives", "0002_record_tops")]

    operations = [migrations.RunPython(TRIGGERS.forwards, backwards)]
