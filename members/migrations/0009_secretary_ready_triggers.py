"""ORG-10 in the database: `Organization.secretary_ready` is true when the org has an active 书记
post whose person has a mobile number in their own profile. Row triggers keep it: on cadre posts
(a 书记 post added, ended, moved or deleted) and on people (a 书记's mobile changed). The WHEN
clauses keep them off every other write, so imports and jobs pay nothing for them.

SQLite triggers are created after each migrate like those of 0003 (members/apps.py).
"""

from django.db import migrations

from zhtj.core.triggers import Triggers

SECRETARY = "secretary"  # members.choices.PostTitle.SECRETARY


def ready(org):
    """The flag's SQL for the org whose id is the expression `org`."""
    return (
        "EXISTS (SELECT 1 FROM members_cadrepost c JOIN members_person p ON p.id = c.person_id"
        f" WHERE c.org_id = {org} AND c.title = '{SECRETARY}' AND c.ended_on IS NULL AND p.mobile <> '')"
    )


REFRESH_ALL = f"UPDATE orgs_organization SET secretary_ready = {ready('orgs_organization.id')}"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION orgs_refresh_secretary_ready(org_ids bigint[]) RETURNS void AS $$
  UPDATE orgs_organization o SET secretary_ready = {ready("o.id")}
  WHERE o.id = ANY(org_ids) AND o.secretary_ready IS DISTINCT FROM {ready("o.id")};
$$ LANGUAGE sql;

CREATE OR REPLACE FUNCTION members_post_secretary_ready() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM orgs_refresh_secretary_ready(ARRAY[NEW.org_id]);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM orgs_refresh_secretary_ready(ARRAY[OLD.org_id]);
  ELSE
    PERFORM orgs_refresh_secretary_ready(ARRAY[OLD.org_id, NEW.org_id]);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER members_post_secretary_ready_ins AFTER INSERT ON members_cadrepost
  FOR EACH ROW WHEN (NEW.title = '{SECRETARY}') EXECUTE FUNCTION members_post_secretary_ready();
CREATE TRIGGER members_post_secretary_ready_del AFTER DELETE ON members_cadrepost
  FOR EACH ROW WHEN (OLD.title = '{SECRETARY}') EXECUTE FUNCTION members_post_secretary_ready();
CREATE TRIGGER members_post_secretary_ready_upd AFTER UPDATE OF org_id, person_id, title, ended_on
  ON members_cadrepost FOR EACH ROW WHEN (OLD.title = '{SECRETARY}' OR NEW.title = '{SECRETARY}')
  EXECUTE FUNCTION members_post_secretary_ready();

CREATE OR REPLACE FUNCTION members_person_secretary_ready() RETURNS trigger AS $$
BEGIN
  PERFORM orgs_refresh_secretary_ready(ARRAY(
    SELECT org_id FROM members_cadrepost
    WHERE person_id = NEW.id AND title = '{SECRETARY}' AND ended_on IS NULL));
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER members_person_secretary_ready AFTER UPDATE OF mobile ON members_person
  FOR EACH ROW WHEN (OLD.mobile IS DISTINCT FROM NEW.mobile) EXECUTE FUNCTION members_person_secretary_ready();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS members_post_secretary_ready_ins ON members_cadrepost;
DROP TRIGGER IF EXISTS members_post_secretary_ready_del ON members_cadrepost;
DROP TRIGGER IF EXISTS members_post_secretary_ready_upd ON members_cadrepost;
DROP FUNCTION IF EXISTS members_post_secretary_ready();
DROP TRIGGER IF EXISTS members_person_secretary_ready ON members_person;
DROP FUNCTION IF EXISTS members_person_secretary_ready();
DROP FUNCTION IF EXISTS orgs_refresh_secretary_ready(bigint[]);
"""


def _sqlite_refresh(org):
    return f"UPDATE orgs_organization SET secretary_ready = {ready('orgs_organization.id')} WHERE id = {org};"


SQLITE = [
    f"""CREATE TRIGGER members_post_secretary_ready_ins AFTER INSERT ON members_cadrepost
    WHEN NEW.title = '{SECRETARY}' BEGIN {_sqlite_refresh("NEW.org_id")} END;""",
    f"""CREATE TRIGGER members_post_secretary_ready_del AFTER DELETE ON members_cadrepost
    WHEN OLD.title = '{SECRETARY}' BEGIN {_sqlite_refresh("OLD.org_id")} END;""",
    f"""CREATE TRIGGER members_post_secretary_ready_upd AFTER UPDATE OF org_id, person_id, title, ended_on
    ON members_cadrepost WHEN OLD.title = '{SECRETARY}' OR NEW.title = '{SECRETARY}'
    BEGIN {_sqlite_refresh("OLD.org_id")} {_sqlite_refresh("NEW.org_id")} END;""",
    f"""CREATE TRIGGER members_person_secretary_ready AFTER UPDATE OF mobile ON members_person
    WHEN OLD.mobile IS NOT NEW.mobile BEGIN
      UPDATE orgs_organization SET secretary_ready = {ready("orgs_organization.id")}
      WHERE id IN (SELECT org_id FROM members_cadrepost
                   WHERE person_id = NEW.id AND title = '{SECRETARY}' AND ended_on IS NULL);
    END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS members_post_secretary_ready_ins;",
    "DROP TRIGGER IF EXISTS members_post_secretary_ready_del;",
    "DROP TRIGGER IF EXISTS members_post_secretary_ready_upd;",
    "DROP TRIGGER IF EXISTS members_person_secretary_ready;",
]


def refresh_all(connection):
    """Recompute every org's flag in one statement (the backfill; bulk loads without triggers)."""
    with connection.cursor() as cursor:
        cursor.execute(REFRESH_ALL)


TRIGGERS = Triggers(
    postgres=POSTGRES, postgres_drop=POSTGRES_DROP, sqlite=SQLITE, sqlite_drop=SQLITE_DROP, after_create=refresh_all
)


class Migration(migrations.Migration):
    dependencies = [("members", "0008_archives"), ("orgs", "0005_secretary_ready_level_index")]
    operations = [migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards)]
