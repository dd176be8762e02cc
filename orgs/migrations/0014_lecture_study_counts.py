"""EDU-02 at national size: how many members of each org's subtree studied each lecture
(`LectureStudyCount`), kept by triggers in the transaction of the change -- never a periodic
refresh (STAT-03).

A study counts for its member's branch and every org above it (a walk up parent_id). It moves
with the member: a row-level trigger on a change of `members_person.branch_id` (a transfer, an
import, a deletion clearing the branch) takes the member's studies off the old path and puts them
on the new one, in one upsert (the orgs both paths share cancel out). Upserts run in (lecture,
org) order, so two transactions take the rows' locks in the same order. PostgreSQL only; SQLite
counts live (orgs/lectures.py).
"""

import django.db.models.deletion
from django.db import migrations, models

from zhtj.core.triggers import Triggers


def add(source):
    """SQL adding the rows of `source` (lecture_id, branch_id, n) to the counts of the branch and of
    every org above it."""
    return f"""
    WITH RECURSIVE c AS ({source}),
    f AS (SELECT lecture_id, branch_id, SUM(n) AS n FROM c WHERE branch_id IS NOT NULL GROUP BY 1, 2),
    up (branch_id, org_id) AS (
      SELECT DISTINCT branch_id, branch_id FROM f
      UNION ALL
      SELECT up.branch_id, o.parent_id FROM up JOIN orgs_organization o ON o.id = up.org_id
      WHERE o.parent_id IS NOT NULL
    )
    INSERT INTO orgs_lecturestudycount (lecture_id, org_id, studied)
    SELECT f.lecture_id, up.org_id, SUM(f.n) FROM f JOIN up ON up.branch_id = f.branch_id
    GROUP BY 1, 2 HAVING SUM(f.n) <> 0 ORDER BY 1, 2
    ON CONFLICT (lecture_id, org_id) DO UPDATE SET studied = orgs_lecturestudycount.studied + EXCLUDED.studied;"""


def subtract(source):
    """SQL taking the rows of `source` (lecture_id, branch_id, n) off the counts that exist: a study
    deleted with its lecture may find the lecture's counts deleted before it (nothing to correct)."""
    return f"""
    WITH RECURSIVE c AS ({source}),
    f AS (SELECT lecture_id, branch_id, SUM(n) AS n FROM c WHERE branch_id IS NOT NULL GROUP BY 1, 2),
    up (branch_id, org_id) AS (
      SELECT DISTINCT branch_id, branch_id FROM f
      UNION ALL
      SELECT up.branch_id, o.parent_id FROM up JOIN orgs_organization o ON o.id = up.org_id
      WHERE o.parent_id IS NOT NULL
    )
    UPDATE orgs_lecturestudycount k SET studied = k.studied - d.n
    FROM (SELECT f.lecture_id, up.org_id, SUM(f.n) AS n FROM f JOIN up ON up.branch_id = f.branch_id GROUP BY 1, 2) d
    WHERE k.lecture_id = d.lecture_id AND k.org_id = d.org_id;"""


def studies(rows, sign, lock=True):
    """The branch of each study's member. Read FOR SHARE: a member moving at the same moment waits
    for this study to be counted (and then moves it), or this study waits for the move and counts
    it on the new path -- never counted on a path the member has just left."""
    return (
        f"SELECT s.lecture_id, p.branch_id, {sign} AS n FROM {rows} s JOIN members_person p ON p.id = s.person_id"
        + (" FOR SHARE OF p" if lock else "")
    )


MOVED = (
    "SELECT s.lecture_id, OLD.branch_id AS branch_id, -1 AS n FROM orgs_lecturestudy s WHERE s.person_id = NEW.id"
    " UNION ALL SELECT s.lecture_id, NEW.branch_id, 1 FROM orgs_lecturestudy s WHERE s.person_id = NEW.id"
)

POSTGRES = f"""
CREATE OR REPLACE FUNCTION orgs_lecture_studies_counted() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {add(studies("new_rows", 1))}
  ELSE
    {subtract(studies("old_rows", 1))}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER orgs_lecture_studies_ins AFTER INSERT ON orgs_lecturestudy
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orgs_lecture_studies_counted();
CREATE TRIGGER orgs_lecture_studies_del AFTER DELETE ON orgs_lecturestudy
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION orgs_lecture_studies_counted();

CREATE OR REPLACE FUNCTION orgs_lecture_studies_moved() RETURNS trigger AS $$
BEGIN
  {add(MOVED)}
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER orgs_lecture_studies_moved AFTER UPDATE OF branch_id ON members_person
  FOR EACH ROW WHEN (OLD.branch_id IS DISTINCT FROM NEW.branch_id) EXECUTE FUNCTION orgs_lecture_studies_moved();

-- every count from the studies: after a load with triggers off (generate_scale_data), and for the
-- studies that exist when this migration runs
CREATE OR REPLACE FUNCTION orgs_lecture_counts_rebuild() RETURNS void AS $$
BEGIN
  DELETE FROM orgs_lecturestudycount;
  {add(studies("orgs_lecturestudy", 1, lock=False))}
END $$ LANGUAGE plpgsql SET work_mem = '256MB' SET jit = off;
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS orgs_lecture_studies_ins ON orgs_lecturestudy;
DROP TRIGGER IF EXISTS orgs_lecture_studies_del ON orgs_lecturestudy;
DROP FUNCTION IF EXISTS orgs_lecture_studies_counted();
DROP TRIGGER IF EXISTS orgs_lecture_studies_moved ON members_person;
DROP FUNCTION IF EXISTS orgs_lecture_studies_moved();
DROP FUNCTION IF EXISTS orgs_lecture_counts_rebuild();
"""


def rebuild_all(connection):
    """Every count from the studies (PostgreSQL; after a load with triggers off)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT orgs_lecture_counts_rebuild()")


TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop=POSTGRES_DROP, sqlite=[], sqlite_drop=[], after_create=rebuild_all)


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0013_level_figures'),
        ('members', '0022_figures_anchor_by_tree_order'),
    ]

    operations = [
        migrations.CreateModel(
            name='LectureStudyCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('studied', models.IntegerField(default=0)),
                ('lecture', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.publiclecture')),
                ('org', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.organization')),
            ],
            options={
                'verbose_name': '公开团课学习人数',
                'verbose_name_plural': '公开团课学习人数',
                'constraints': [models.UniqueConstraint(fields=('lecture', 'org'), name='lecture_study_count_once')],
            },
        ),
        migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards),
    ]
