"""Every trigger function of incentives without JIT (members/0023 says why); the rebuild already
runs without it (0002). The record's provinces are set on its own row, or on the moved person's
records, in the transaction of the change: nothing shared is flushed at COMMIT, no lock to take."""

from importlib import import_module

from django.db import migrations

from zhtj.core.triggers import Triggers

shared = import_module("members.migrations.0023_functions_jit_off_flush_lock")

FUNCTIONS = ["incentives_top_of(bigint)", "incentives_record_tops()", "incentives_person_moved()"]  # 0002, 0003

TRIGGERS = Triggers(postgres=shared.jit_off(FUNCTIONS), postgres_drop=shared.jit_reset(FUNCTIONS), sqlite=[], sqlite_drop=[])


class Migration(migrations.Migration):
    dependencies = [("incentives", "0003_top_of_plpgsql"), ("members", "0023_functions_jit_off_flush_lock")]

    operations = [migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards)]
