"""orgs/0013's statement trigger without JIT.

At national size PostgreSQL's estimate for the trigger's walk up parent_id (a recursive join of
orgs_organization) passed `jit_above_cost`, so every statement that changed a few orgs compiled
its expressions first: a 129-row lft/rght shift cost 280–310 ms in the trigger on 3,705,195 orgs
(0.5 ms on 103,118, under the threshold). The statements touch a handful of rows; JIT never pays.
The function's own SET clause ends with the call (no session state).
"""

from importlib import import_module

from django.db import migrations

from zhtj.core.triggers import Triggers

base = import_module("orgs.migrations.0013_level_figures")

FUNCTION = base.POSTGRES.split("CREATE TRIGGER", 1)[0]
assert FUNCTION.rstrip().endswith("END $$ LANGUAGE plpgsql;")

POSTGRES = FUNCTION.rstrip().removesuffix("plpgsql;") + "plpgsql SET jit = off;\n"

TRIGGERS = Triggers(postgres=POSTGRES, postgres_drop=FUNCTION, sqlite=[], sqlite_drop=[])


class Migration(migrations.Migration):
    dependencies = [("orgs", "0014_lecture_study_counts")]

    operations = [migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards)]
