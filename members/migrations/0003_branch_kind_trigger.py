"""ORG-03 / ROLE-05 in the database: a person's 团组织关系 may only point at a branch-kind
org, and an org holding members can't stop being branch-kind. The message is what an
IntegrityError carries if any code path (bulk insert, raw update, admin) tries."""

from django.db import migrations

from zhtj.core.triggers import Triggers

MESSAGE = "团员组织关系只能在团支部类组织（ORG-03）"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION members_person_branch_kind() RETURNS trigger AS $$
BEGIN
  IF NEW.branch_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM orgs_organization o WHERE o.id = NEW.branch_id AND o.is_branch_kind) THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER members_person_branch_kind BEFORE INSERT OR UPDATE OF branch_id ON members_person
  FOR EACH ROW EXECUTE FUNCTION members_person_branch_kind();

CREATE OR REPLACE FUNCTION orgs_org_keeps_branch_kind() RETURNS trigger AS $$
BEGIN
  IF NOT NEW.is_branch_kind AND EXISTS (SELECT 1 FROM members_person p WHERE p.branch_id = NEW.id) THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER orgs_org_keeps_branch_kind BEFORE UPDATE OF is_branch_kind ON orgs_organization
  FOR EACH ROW EXECUTE FUNCTION orgs_org_keeps_branch_kind();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS members_person_branch_kind ON members_person;
DROP FUNCTION IF EXISTS members_person_branch_kind();
DROP TRIGGER IF EXISTS orgs_org_keeps_branch_kind ON orgs_organization;
DROP FUNCTION IF EXISTS orgs_org_keeps_branch_kind();
"""

SQLITE = [
    f"""CREATE TRIGGER members_person_branch_kind_ins BEFORE INSERT ON members_person
    WHEN NEW.branch_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM orgs_organization o WHERE o.id = NEW.branch_id AND o.is_branch_kind)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER members_person_branch_kind_upd BEFORE UPDATE OF branch_id ON members_person
    WHEN NEW.branch_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM orgs_organization o WHERE o.id = NEW.branch_id AND o.is_branch_kind)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER orgs_org_keeps_branch_kind BEFORE UPDATE OF is_branch_kind ON orgs_organization
    WHEN NOT NEW.is_branch_kind AND EXISTS (SELECT 1 FROM members_person p WHERE p.branch_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS members_person_branch_kind_ins;",
    "DROP TRIGGER IF EXISTS members_person_branch_kind_upd;",
    "DROP TRIGGER IF EXISTS orgs_org_keeps_branch_kind;",
]


# SQLite remakes a whole table for most schema changes, which drops its triggers and
# trips over triggers naming the table being remade; there the triggers are dropped
# before every migrate and created after it (members/apps.py), not kept in a migration.


TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop=POSTGRES_DROP, sqlite=SQLITE, sqlite_drop=SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("members", "0002_initial"), ("orgs", "0001_initial")]
    operations = [migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards)]
