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

from members import figures
from members.choices import Education, PostTitle
from members.models import CadrePost, Person
from members.models_figures import FigureDelta
from orgs.models import LevelDelta, LevelFigure
from tests import factories as f
from tests.concurrency import at_once
from tests.orgs.test_level_figures import assert_fresh, fill_info

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


def staged_first(cursor):
    """Which of the transaction's two flushes was staged first (its row's command id is lower)."""
    cursor.execute(
        "SELECT (SELECT cmin::text::int FROM members_figuretransaction WHERE txid = txid_current()),"
        " (SELECT cmin::text::int FROM orgs_leveltransaction WHERE txid = txid_current())"
    )
    members, levels = cursor.fetchone()
    assert members is not None and levels is not None  # both staged
    return "members" if members < levels else "levels"


@pytest.mark.django_db(transaction=True)
def test_two_flushes_in_opposite_orders_do_not_deadlock(tree, _fast_hasher):
    """STAT-03 / SEC-04: two real paths each stage both the members figures and the level figures
    (信息完整 through `secretary_ready`), counted at 团中央, the province and the city, in opposite
    orders: 录入团员团干部 of a 书记 (the person first, then the post completes the branch) and a
    书记's edit of 手机号 and 学历 (one UPDATE: the row trigger on 手机号 updates the branch before
    the statement trigger stages the person). Each flushes its first one (SET CONSTRAINTS …
    IMMEDIATE runs a deferred trigger then, standing in for COMMIT's order), waits for the other,
    then commits. Without the flush lock each held one kind of 团中央's rows and waited for the
    other's: PostgreSQL aborted one ("deadlock detected", a 500 in a view); with it, the second
    waits for the first's COMMIT and both count."""
    for branch in (tree.branch_a, tree.branch_b):
        fill_info(branch)
    editing = f.person("B1书记", branch=tree.branch_b, mobile="13800000001", education=Education.MASTER)
    CadrePost.objects.create(person=editing, org=tree.branch_b, title=PostTitle.SECRETARY)
    assert LevelFigure.objects.get(org_id=tree.central.pk, level=tree.branch_a.level).complete == 1  # B1 only
    flushed = {"members": threading.Event(), "levels": threading.Event()}
    applies = {"members": "members_figures_apply", "levels": "orgs_level_figures_apply"}

    def enter_secretary():
        person = f.person("A1书记", branch=tree.branch_a, mobile="13800000002", education=Education.BACHELOR)
        CadrePost.objects.create(person=person, org=tree.branch_a, title=PostTitle.SECRETARY)

    def edit_secretary():
        Person.objects.filter(pk=editing.pk).update(mobile="", education=Education.BACHELOR)

    def job(change, first, other):
        with transaction.atomic():
            change()
            with connection.cursor() as cursor:
                assert staged_first(cursor) == first
                cursor.execute(f"SET CONSTRAINTS {applies[first]} IMMEDIATE")
            flushed[first].set()
            # the other transaction can't flush while this one holds the lock: wait a while, not forever
            flushed[other].wait(timeout=3)

    jobs = [(enter_secretary, "members", "levels"), (edit_secretary, "levels", "members")]
    assert at_once(job, jobs, expected=(OperationalError,)) == ["ok", "ok"]
    assert not FigureDelta.objects.exists() and not LevelDelta.objects.exists()
    assert LevelFigure.objects.get(org_id=tree.central.pk, level=tree.branch_a.level).complete == 1  # A1 only
    assert_fresh()
    assert figures.counts(tree.central, figures.EDUCATION) == {Education.BACHELOR: 2}


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
