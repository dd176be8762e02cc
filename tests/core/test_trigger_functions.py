"""Our PostgreSQL functions (the triggers that keep figures and rules, their rebuilds) are safe at
national size and under concurrency (BEY-08, STAT-03, SEC-04).

- JIT: at 3.7 million orgs the planner's estimates passed `jit_above_cost` inside a trigger function
  and every small change paid ~300 ms compiling (orgs/0015); every function of ours runs with
  `jit = off` (members/0023, orgs/0016, incentives/0004), and a new one can't forget it.
- The COMMIT-time flushes of the members figures and the level figures take one advisory lock
  first (members/0023's FLUSH_LOCK): two transactions flushing both in opposite orders deadlocked.
"""

import threading
from importlib import import_module

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from members.models import Person
from members.models_figures import FigureDelta
from orgs.models import LevelDelta, LevelFigure, Organization
from tests import factories as f
from tests.concurrency import at_once

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL functions and triggers")

OURS = """
SELECT p.oid::regprocedure::text, p.proconfig FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = 'public' AND l.lanname IN ('plpgsql', 'sql')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1"""


def test_every_function_of_ours_runs_without_jit(db):
    """BEY-08: every plpgsql/SQL function in the public schema that no extension owns has
    `jit=off` in its own settings -- a trigger function added (or re-created by CREATE OR REPLACE,
    which drops the SET clause) without it fails here."""
    with connection.cursor() as cursor:
        cursor.execute(OURS)
        functions = cursor.fetchall()
    assert len(functions) >= 19  # the triggers of members, orgs and incentives, and their rebuilds
    assert [name for name, config in functions if "jit=off" not in (config or [])] == []


@pytest.fixture
def _fast_hasher(fast_hasher):
    pass


@pytest.mark.django_db(transaction=True)
def test_two_flushes_in_opposite_orders_do_not_deadlock(tree, _fast_hasher):
    """STAT-03 / SEC-04: two transactions each change a member (the members figures) and an org's
    已登录 (the level figures), both counted at 团中央, the province and the city. Each flushes one
    of the two first (SET CONSTRAINTS … IMMEDIATE runs a deferred trigger then, standing in for the
    order COMMIT would take), waits for the other, then commits. Without the flush lock each holds
    one set of 团中央's rows and waits for the other's: PostgreSQL aborted one (a 500 in a view);
    with it, the second waits for the first's COMMIT and both count."""
    flushed = {"members": threading.Event(), "levels": threading.Event()}
    applies = {"members": "members_figures_apply", "levels": "orgs_level_figures_apply"}
    jobs = [("members", "levels", tree.col_a, tree.branch_a), ("levels", "members", tree.col_b, tree.branch_b)]

    def job(first, other, org, branch):
        with transaction.atomic():
            login = Organization.objects.filter(pk=org.pk)
            if first == "members":
                f.person(f"{branch.name}团员", branch=branch)
                login.update(first_admin_login_at=timezone.now())
            else:
                login.update(first_admin_login_at=timezone.now())
                f.person(f"{branch.name}团员", branch=branch)
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {applies[first]} IMMEDIATE")
            flushed[first].set()
            # the other transaction can't flush while this one holds the lock: wait a while, not forever
            flushed[other].wait(timeout=3)

    assert at_once(job, jobs, expected=(OperationalError,)) == ["ok", "ok"]
    assert not FigureDelta.objects.exists() and not LevelDelta.objects.exists()
    assert LevelFigure.objects.get(org_id=tree.central.pk, level=tree.col_a.level).logged_in == 2
    assert Person.objects.filter(branch__in=[tree.branch_a, tree.branch_b]).count() == 2


def test_every_commit_time_flush_takes_the_same_lock(db):
    """SEC-04: the deferred (COMMIT-time) trigger functions are exactly the two flushes, and each
    takes FLUSH_LOCK before touching a shared row -- a new kept figure flushed at COMMIT must too."""
    lock = import_module("members.migrations.0023_functions_jit_off_flush_lock").FLUSH_LOCK
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT p.proname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE t.tgdeferrable AND t.tginitdeferred AND NOT t.tgisinternal ORDER BY 1"
        )
        flushes = cursor.fetchall()
    assert [name for name, _ in flushes] == ["members_figures_apply", "orgs_level_figures_apply"]
    for _, source in flushes:
        assert source.lstrip().startswith(f"BEGIN\n  PERFORM pg_advisory_xact_lock({lock});")
