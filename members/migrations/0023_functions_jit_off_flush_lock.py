"""Every trigger function of members without JIT, and the COMMIT-time flush under the flush lock.

JIT: orgs/0015 found PostgreSQL compiling the statements of a trigger function at national size
(the planner's estimate for a walk up parent_id passed `jit_above_cost`): ~300 ms for a change of
a handful of rows. Any of our functions can meet that, so each runs with `SET jit = off` (the
function's own SET clause ends with the call; no session state). tests/core/test_function_settings.py
fails on a function of ours without it.

Flush lock: the members figures (this app) and 组织录入情况's level figures (orgs/0013) are each
added to 团中央's and the provinces' shared rows at COMMIT by their own deferred trigger. One
transaction that stages both (录入团员团干部 with a 书记 post: the person's figures, then the
branch's 信息完整 via `secretary_ready`; a 书记's edit of 手机号 and 学历: row triggers first, so
the level figures first) flushes them in the order they were staged, so two such transactions
could each hold one set of rows and wait for the other's: PostgreSQL aborts one (a 500). Every
COMMIT-time flush first takes the transaction-level advisory lock FLUSH_LOCK. This adds no
waiting: every flush already updates 团中央's rows, so two flushes were already serialized by
团中央's row locks; the lock only makes the order the same for all of them. FLUSH_LOCK's one home
is here (orgs/0016 takes it too; docs/architecture.md, the figures table).
"""

from importlib import import_module

from django.db import migrations

from zhtj.core.triggers import Triggers

FLUSH_LOCK = 7_242_131_017  # pg_advisory_xact_lock key of every COMMIT-time flush of kept figures

FUNCTIONS = [
    "members_person_branch_kind()",  # members/0003
    "orgs_org_keeps_branch_kind()",
    "orgs_refresh_secretary_ready(bigint[])",  # members/0009
    "members_post_secretary_ready()",
    "members_person_secretary_ready()",
    "members_person_figures()",  # members/0015, 0016, 0020
    "members_archive_figures()",
]


def flush_function(source, name):
    """The CREATE FUNCTION of `name` in migration text `source`."""
    start = source.index(f"CREATE OR REPLACE FUNCTION {name}()")
    end = source.index("END $$ LANGUAGE plpgsql;", start) + len("END $$ LANGUAGE plpgsql;")
    return source[start:end] + "\n"


def locked(function):
    """`function` (a flush) taking FLUSH_LOCK first, with JIT off."""
    assert function.count("\nBEGIN\n") == 1
    body = function.replace("\nBEGIN\n", f"\nBEGIN\n  PERFORM pg_advisory_xact_lock({FLUSH_LOCK});\n")
    return body.rstrip().removesuffix("plpgsql;") + "plpgsql SET jit = off;\n"


def jit_off(functions):
    return "".join(f"ALTER FUNCTION {f} SET jit = off;\n" for f in functions)


def jit_reset(functions):
    return "".join(f"ALTER FUNCTION {f} RESET jit;\n" for f in functions)


APPLY = flush_function(import_module("members.migrations.0015_subtree_figures").POSTGRES, "members_figures_apply")

TRIGGERS = Triggers(
    postgres=jit_off(FUNCTIONS) + locked(APPLY),
    postgres_drop=jit_reset(FUNCTIONS) + APPLY,
    sqlite=[],
    sqlite_drop=[],
)


class Migration(migrations.Migration):
    dependencies = [("members", "0022_figures_anchor_by_tree_order")]

    operations = [migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards)]
