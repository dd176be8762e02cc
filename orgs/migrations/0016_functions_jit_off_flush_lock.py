"""Every trigger function of orgs without JIT, and 组织录入情况's COMMIT-time flush under the flush lock.

members/0023 says why (JIT compiling a statement of a handful of rows at national size; two flushes
at COMMIT in opposite orders deadlocking) and holds FLUSH_LOCK. orgs_level_figures() and the
rebuilds already run without JIT (orgs/0015, 0013, 0014). The lecture study counts (orgs/0014) are
upserted in the transaction of the change, in (lecture, org) order, not at COMMIT: no flush to lock.
"""

from importlib import import_module

from django.db import migrations

from zhtj.core.triggers import Triggers

shared = import_module("members.migrations.0023_functions_jit_off_flush_lock")

FUNCTIONS = ["orgs_lecture_studies_counted()", "orgs_lecture_studies_moved()"]  # orgs/0014

APPLY = shared.flush_function(import_module("orgs.migrations.0013_level_figures").POSTGRES, "orgs_level_figures_apply")

TRIGGERS = Triggers(
    postgres=shared.jit_off(FUNCTIONS) + shared.locked(APPLY),
    postgres_drop=shared.jit_reset(FUNCTIONS) + APPLY,
    sqlite=[],
    sqlite_drop=[],
)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0015_level_figures_jit_off"), ("members", "0023_functions_jit_off_flush_lock")]

    operations = [migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards)]
