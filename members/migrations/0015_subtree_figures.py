"""STAT-03 / BEY-08 at national size: the figures of every subtree, kept by triggers in the
transaction of the change (members/models_figures.py says why and how).

Per member with a branch, one value per dimension: 'age' the birth date, 'eth' 民族, 'edu' 学历,
'new' the join year (+ 'v' when the e-archive is 已认证: STAT-02's new members), 'due' the day the
ARCHIVE_DUE_DAYS start + '/' + the join year, for members not 已认证 (ARC-01, 截止事项). Each
value counts for the member's branch and every org above it (a walk up parent_id).

PostgreSQL only (statement triggers with transition tables, a deferred constraint trigger);
SQLite groups the people live (members/figures.py).
"""

from django.conf import settings
from django.db import migrations, models

from zhtj.core.triggers import Triggers

# The local day of a timestamp, as Django's TruncDate computes it (settings.TIME_ZONE).
LOCAL_DAY = f"(c.date_joined AT TIME ZONE '{settings.TIME_ZONE}')::date"
MONTH_END = "(date_trunc('month', c.joined_month) + interval '1 month - 1 day')::date"

# (dim, key) of a member row `c` (columns of members_person plus `verified`); NULL: not counted.
DIMS = f"""(VALUES
  ('age', to_char(c.birth_date, 'YYYY-MM-DD')),
  ('eth', c.ethnicity::text),
  ('edu', c.education::text),
  ('new', to_char(c.joined_month, 'YYYY') || CASE WHEN c.verified THEN 'v' ELSE '' END),
  ('due', CASE WHEN NOT c.verified THEN
     to_char(GREATEST({MONTH_END}, {LOCAL_DAY}), 'YYYY-MM-DD') || '/' || to_char(c.joined_month, 'YYYY') END)
) AS d(dim, key)"""

PERSON = "p.id, p.branch_id, p.birth_date, p.ethnicity, p.education, p.joined_month, p.date_joined"
VERIFIED = "COALESCE(a.state = 'verified', false)"
FIGURE_COLUMNS = "(p.branch_id, p.birth_date, p.ethnicity, p.education, p.joined_month, p.date_joined)"


def stage(source):
    """SQL adding the changes of `source` (rows: PERSON columns, verified, sign) to the transaction's
    deltas: summed per (branch, dim, key), then per (org above, dim, key)."""
    return f"""
    WITH RECURSIVE c AS ({source}),
    f AS (
      SELECT c.branch_id, d.dim, d.key, SUM(c.sign) AS n FROM c CROSS JOIN LATERAL {DIMS}
      WHERE d.key IS NOT NULL GROUP BY 1, 2, 3 HAVING SUM(c.sign) <> 0
    ),
    up (branch_id, org_id) AS (
      SELECT DISTINCT branch_id, branch_id FROM f
      UNION ALL
      SELECT up.branch_id, o.parent_id FROM up JOIN orgs_organization o ON o.id = up.org_id
      WHERE o.parent_id IS NOT NULL
    )
    INSERT INTO members_figuredelta (txid, org_id, dim, key, n)
    SELECT txid_current(), up.org_id, f.dim, f.key, SUM(f.n) FROM f JOIN up ON up.branch_id = f.branch_id
    GROUP BY up.org_id, f.dim, f.key HAVING SUM(f.n) <> 0;
    GET DIAGNOSTICS staged = ROW_COUNT;
    IF staged > 0 THEN
      INSERT INTO members_figuretransaction (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
    END IF;"""


def _people(rows, sign):
    """Member rows of `rows` (people) with their e-archive's state."""
    return (
        f"SELECT {PERSON}, {VERIFIED} AS verified, {sign} AS sign FROM {rows} p"
        " LEFT JOIN members_memberarchive a ON a.person_id = p.id WHERE p.branch_id IS NOT NULL"
    )


def _changed(rows, other, sign):
    """Member rows of `rows` whose figure columns differ from the same person's row in `other`."""
    return (
        f"SELECT {PERSON}, {VERIFIED} AS verified, {sign} AS sign FROM {rows} p JOIN {other} x ON x.id = p.id"
        f" LEFT JOIN members_memberarchive a ON a.person_id = p.id WHERE p.branch_id IS NOT NULL"
        f" AND {FIGURE_COLUMNS} IS DISTINCT FROM {FIGURE_COLUMNS.replace('p.', 'x.')}"
    )


def _archive_people(rows, sign, verified):
    """The people of the e-archive rows `rows` (only those 已认证: the others change nothing)."""
    return (
        f"SELECT {PERSON}, {verified} AS verified, {sign} AS sign FROM {rows} r"
        " JOIN members_person p ON p.id = r.person_id WHERE p.branch_id IS NOT NULL AND r.state = 'verified'"
    )


POSTGRES = f"""
CREATE OR REPLACE FUNCTION members_person_figures() RETURNS trigger AS $$
DECLARE staged bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    {stage(_people("new_rows", 1))}
  ELSIF TG_OP = 'DELETE' THEN
    {stage(_people("old_rows", -1))}
  ELSE
    {stage(_changed("old_rows", "new_rows", -1) + " UNION ALL " + _changed("new_rows", "old_rows", 1))}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER members_person_figures_ins AFTER INSERT ON members_person
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION members_person_figures();
CREATE TRIGGER members_person_figures_upd AFTER UPDATE ON members_person
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION members_person_figures();
CREATE TRIGGER members_person_figures_del AFTER DELETE ON members_person
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION members_person_figures();

-- an e-archive 已认证 or no longer: its member moves between 'new' values and in or out of 'due'
CREATE OR REPLACE FUNCTION members_archive_figures() RETURNS trigger AS $$
DECLARE staged bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    {stage(_archive_people("new_rows", -1, "false") + " UNION ALL " + _archive_people("new_rows", 1, "true"))}
  ELSIF TG_OP = 'DELETE' THEN
    {stage(_archive_people("old_rows", -1, "true") + " UNION ALL " + _archive_people("old_rows", 1, "false"))}
  ELSE
    {
    stage(
        " UNION ALL ".join(
            [
                _archive_people("old_rows", -1, "true"),
                _archive_people("old_rows", 1, "false"),
                _archive_people("new_rows", -1, "false"),
                _archive_people("new_rows", 1, "true"),
            ]
        )
    )
}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER members_archive_figures_ins AFTER INSERT ON members_memberarchive
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION members_archive_figures();
CREATE TRIGGER members_archive_figures_upd AFTER UPDATE ON members_memberarchive
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION members_archive_figures();
CREATE TRIGGER members_archive_figures_del AFTER DELETE ON members_memberarchive
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION members_archive_figures();

-- at COMMIT: the transaction's deltas into the shared rows, in key order, in one statement
CREATE OR REPLACE FUNCTION members_figures_apply() RETURNS trigger AS $$
BEGIN
  INSERT INTO members_subtreefigure (org_id, dim, key, n)
  SELECT org_id, dim, key, SUM(n) FROM members_figuredelta WHERE txid = NEW.txid
  GROUP BY org_id, dim, key HAVING SUM(n) <> 0 ORDER BY org_id, dim, key
  ON CONFLICT (org_id, dim, key) DO UPDATE SET n = members_subtreefigure.n + EXCLUDED.n;
  DELETE FROM members_figuredelta WHERE txid = NEW.txid;
  DELETE FROM members_figuretransaction WHERE txid = NEW.txid;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER members_figures_apply AFTER INSERT ON members_figuretransaction
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION members_figures_apply();

-- every figure from the people themselves: after a load with triggers off (generate_scale_data)
CREATE OR REPLACE FUNCTION members_figures_rebuild() RETURNS void AS $$
DECLARE depth int;
BEGIN
  DELETE FROM members_figuretransaction;
  DELETE FROM members_figuredelta;
  TRUNCATE members_subtreefigure;
  INSERT INTO members_subtreefigure (org_id, dim, key, n)
  SELECT c.branch_id, d.dim, d.key, COUNT(*) FROM ({_people("members_person", 1)}) c CROSS JOIN LATERAL {DIMS}
  WHERE d.key IS NOT NULL GROUP BY 1, 2, 3;
  -- deepest orgs first: each adds its subtree's rows to its parent's
  FOR depth IN SELECT DISTINCT level FROM orgs_organization WHERE level > 0 ORDER BY level DESC LOOP
    INSERT INTO members_subtreefigure (org_id, dim, key, n)
    SELECT o.parent_id, f.dim, f.key, SUM(f.n) FROM members_subtreefigure f
    JOIN orgs_organization o ON o.id = f.org_id
    WHERE o.level = depth AND o.parent_id IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT (org_id, dim, key) DO UPDATE SET n = members_subtreefigure.n + EXCLUDED.n;
  END LOOP;
END $$ LANGUAGE plpgsql;
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS members_person_figures_ins ON members_person;
DROP TRIGGER IF EXISTS members_person_figures_upd ON members_person;
DROP TRIGGER IF EXISTS members_person_figures_del ON members_person;
DROP FUNCTION IF EXISTS members_person_figures();
DROP TRIGGER IF EXISTS members_archive_figures_ins ON members_memberarchive;
DROP TRIGGER IF EXISTS members_archive_figures_upd ON members_memberarchive;
DROP TRIGGER IF EXISTS members_archive_figures_del ON members_memberarchive;
DROP FUNCTION IF EXISTS members_archive_figures();
DROP TRIGGER IF EXISTS members_figures_apply ON members_figuretransaction;
DROP FUNCTION IF EXISTS members_figures_apply();
DROP FUNCTION IF EXISTS members_figures_rebuild();
"""


def rebuild_all(connection):
    """Every figure from the people (PostgreSQL; after a load with triggers off)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT members_figures_rebuild()")


TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop=POSTGRES_DROP, sqlite=[], sqlite_drop=[], after_create=rebuild_all)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0014_onetimecode_labels"),
        ("orgs", "0010_forest_numbers"),
    ]

    operations = [
        migrations.CreateModel(
            name="SubtreeFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("org_id", models.BigIntegerField(verbose_name="组织")),
                ("dim", models.CharField(max_length=8, verbose_name="维度")),
                ("key", models.CharField(blank=True, max_length=40, verbose_name="取值")),
                ("n", models.BigIntegerField(default=0, verbose_name="人数")),
            ],
            options={"verbose_name": "下级团员统计", "verbose_name_plural": "下级团员统计"},
        ),
        migrations.AddConstraint(
            model_name="subtreefigure",
            constraint=models.UniqueConstraint(fields=("org_id", "dim", "key"), name="members_figure_key"),
        ),
        migrations.CreateModel(
            name="FigureDelta",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("txid", models.BigIntegerField()),
                ("org_id", models.BigIntegerField()),
                ("dim", models.CharField(max_length=8)),
                ("key", models.CharField(blank=True, max_length=40)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["org_id", "dim"], name="members_figuredelta_org"),
                    models.Index(fields=["txid"], name="members_figuredelta_txid"),
                ]
            },
        ),
        migrations.CreateModel(
            name="FigureTransaction",
            fields=[("txid", models.BigIntegerField(primary_key=True, serialize=False))],
        ),
        migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards),
    ]
