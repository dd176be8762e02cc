"""The people trigger's UPDATE case without joining its two transition tables.

0015 found the changed people by joining `old_rows` to `new_rows` on id: a join of two unindexed
tuplestores, which took 77 s for an UPDATE of 10,000 people (批量认证 setting one status column)
on a test database -- an UPDATE of many people must cost what it touches, not its square. Now each
side's rows go in with their sign (−1 old, +1 new) and are grouped by the figure columns before
anything else: an unchanged person's two rows cancel there, so only real changes are staged, the
same deltas as before.
"""

from importlib import import_module

from django.db import migrations

from zhtj.core.triggers import Triggers

base = import_module("members.migrations.0015_subtree_figures")
top = import_module("members.migrations.0016_subtree_figures_top_levels")

COLUMNS = "branch_id, birth_date, ethnicity, education, joined_month, date_joined, verified"


def cancelled(*sources):
    """The rows of `sources` summed per figure columns, those that cancel out left out."""
    union = " UNION ALL ".join(sources)
    return f"SELECT {COLUMNS}, SUM(sign) AS sign FROM ({union}) s GROUP BY {COLUMNS} HAVING SUM(sign) <> 0"


POSTGRES = f"""
CREATE OR REPLACE FUNCTION members_person_figures() RETURNS trigger AS $$
DECLARE staged bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    {top.stage(top.people("new_rows", 1))}
  ELSIF TG_OP = 'DELETE' THEN
    {top.stage(top.people("old_rows", -1))}
  ELSE
    {top.stage(cancelled(top.people("old_rows", -1), top.people("new_rows", 1)))}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop="", sqlite=[], sqlite_drop=[])


def backwards(apps, schema_editor):
    """0016's function again."""
    top.TRIGGERS.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("members", "0019_person_aged_out_index")]

    operations = [migrations.RunPython(TRIGGERS.forwards, backwards)]
