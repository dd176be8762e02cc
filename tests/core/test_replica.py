"""zhtj.core.replica without a standby: the windows at their edges, what the settings install, and
which pages declare replica reads. The routing itself, on a real standby and PgBouncer, is
tests/scaleout/test_replication.py (CI)."""

import re
import runpy
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, transaction
from django.urls import get_resolver

from orgs.models import Organization
from zhtj.core import replica

SETTINGS = Path(settings.BASE_DIR) / "zhtj" / "settings.py"
PG = "postgres://zhtj@db.example:5432/zhtj"
ENV = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "DATABASE_POOL_MODE",
    "ZHTJ_PREPARED_STATEMENTS",
    "ZHTJ_REPLICA_READ_YOUR_WRITES_SECONDS",
    "ZHTJ_REPLICA_LAG_NOTICE_SECONDS",
    "ZHTJ_REPLICA_MAX_LAG_SECONDS",
)


def load_settings(monkeypatch, **env):
    """The settings module's values for this environment (run apart: Django's own stay as they are)."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


@pytest.mark.parametrize(
    ("ago", "primary"),
    [(29, True), (30, False), (31, False)],
)
def test_read_your_writes_window(ago, primary):
    """BEY-11: a session that wrote less than REPLICA_READ_YOUR_WRITES_SECONDS (30) ago reads the
    primary; from 30 seconds on, the replica may answer again."""
    assert settings.ZHTJ["REPLICA_READ_YOUR_WRITES_SECONDS"] == 30
    with time_machine.travel(1_800_000_000, tick=False):
        session = {replica.WROTE_AT: time.time() - ago}
        assert replica.recently_wrote(session) is primary
    assert replica.recently_wrote({}) is False


@pytest.mark.parametrize(("seconds", "usable"), [(29, True), (30, True), (31, False), (None, False)])
def test_maximum_lag(seconds, usable):
    """BEY-11: a replica up to REPLICA_MAX_LAG_SECONDS (30) behind answers; further behind, or of
    unknown lag (unreachable, nothing replayed), the primary does."""
    assert settings.ZHTJ["REPLICA_MAX_LAG_SECONDS"] == 30
    assert replica.Lag(seconds).usable is usable


@pytest.mark.parametrize(("seconds", "shown"), [(0, False), (4, False), (5, False), (6, True), (31, False)])
def test_lag_notice(seconds, shown):
    """BEY-11: 数据截至 shows once a usable replica is more than REPLICA_LAG_NOTICE_SECONDS (5) behind
    (beyond the maximum lag the page is the primary's, so nothing to say)."""
    assert settings.ZHTJ["REPLICA_LAG_NOTICE_SECONDS"] == 5
    assert replica.Lag(seconds).noticeable is shown


def test_wal_positions_and_when_the_primary_was_there():
    """BEY-11: a standby that replayed up to a sampled WAL position holds everything committed
    before that instant; samples closer together than SPACING are not kept."""
    assert replica.lsn("16/B374D848") == (0x16 << 32) + 0xB374D848 > replica.lsn("2/FFFFFFFF")
    positions, t0 = replica.Positions(), datetime(2026, 9, 30, 10, 0, tzinfo=UTC)
    for seconds, position in ((0, 100), (1, 200), (1.05, 250), (2, 300)):
        positions.record(t0 + timedelta(seconds=seconds), position)
    assert positions.reached(99) is None
    assert positions.reached(100) == t0
    assert positions.reached(299) == t0 + timedelta(seconds=1)  # 250 came too soon after 200
    assert positions.reached(10**6) == t0 + timedelta(seconds=2)


def test_writes_and_transactions_keep_reads_on_the_primary(transactional_db):
    """BEY-11: inside a transaction, and once the request wrote, a replica page reads the primary —
    the replica isn't even asked how far behind it is (none is configured here)."""
    reading = replica.Reading()
    reading.allowed = True
    with transaction.atomic():
        assert reading.alias() == DEFAULT_DB_ALIAS
    reading.wrote = True
    assert reading.alias() == DEFAULT_DB_ALIAS and reading.lag is None


def test_the_router_notes_writes_but_not_the_session_s(transactional_db):
    """BEY-11: a write marks the request (its later reads and its session's next ones go to the
    primary); saving the session itself doesn't: sessions live on the primary only."""
    router, reading = replica.ReplicaRouter(), replica.Reading()
    token = replica._reading.set(reading)
    try:
        assert router.db_for_write(Session) == DEFAULT_DB_ALIAS and not reading.wrote
        assert router.db_for_read(Session) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Organization) == DEFAULT_DB_ALIAS and reading.wrote
    finally:
        replica._reading.reset(token)
    assert router.db_for_read(Organization) == DEFAULT_DB_ALIAS  # outside a request: the primary


def test_single_database_is_unchanged(monkeypatch):
    """BEY-11: without DATABASE_REPLICA_URL there is one database, no router, no routing middleware;
    the embedded default stays SQLite, PostgreSQL keeps JIT off and prepared statements on."""
    embedded = load_settings(monkeypatch)
    assert list(embedded["DATABASES"]) == ["default"]
    assert embedded["DATABASES"]["default"]["ENGINE"].endswith("sqlite3")
    assert "DATABASE_ROUTERS" not in embedded
    assert "zhtj.core.replica.ReadRoutingMiddleware" not in embedded["MIDDLEWARE"]
    simple = load_settings(monkeypatch, DATABASE_URL=PG)
    assert list(simple["DATABASES"]) == ["default"]
    assert simple["DATABASES"]["default"]["OPTIONS"] == {"options": "-c jit=off"}
    assert not simple["DATABASES"]["default"].get("DISABLE_SERVER_SIDE_CURSORS")
    assert simple["ZHTJ"]["PREPARED_STATEMENTS"] is True


def test_replica_url_installs_the_router(monkeypatch):
    """BEY-11: DATABASE_REPLICA_URL adds the `replica` alias (tests mirror it onto the primary), the
    router, and the middleware between the loaded user and the session's save."""
    s = load_settings(monkeypatch, DATABASE_URL=PG, DATABASE_REPLICA_URL="postgres://zhtj@standby.example:5432/zhtj")
    assert s["DATABASES"]["replica"]["HOST"] == "standby.example"
    assert s["DATABASES"]["replica"]["TEST"] == {"MIRROR": "default"}
    assert s["DATABASES"]["replica"]["OPTIONS"] == {"options": "-c jit=off"}
    assert s["DATABASE_ROUTERS"] == ["zhtj.core.replica.ReplicaRouter"]
    middleware = s["MIDDLEWARE"]
    at = middleware.index("zhtj.core.replica.ReadRoutingMiddleware")
    assert middleware[at - 1] == "django.contrib.auth.middleware.AuthenticationMiddleware"
    assert at > middleware.index("django.contrib.sessions.middleware.SessionMiddleware")


def test_transaction_pooler_mode(monkeypatch):
    """BEY-11: behind PgBouncer in transaction mode no cursor outlives its transaction, no startup
    `options` are sent (PgBouncer refuses them) and statements are not prepared — unless
    ZHTJ_PREPARED_STATEMENTS says otherwise."""
    s = load_settings(monkeypatch, DATABASE_URL=PG, DATABASE_POOL_MODE="transaction")
    db = s["DATABASES"]["default"]
    assert db["DISABLE_SERVER_SIDE_CURSORS"] is True and "options" not in db.get("OPTIONS", {})
    assert s["ZHTJ"]["PREPARED_STATEMENTS"] is False
    assert load_settings(monkeypatch, DATABASE_POOL_MODE="transaction", ZHTJ_PREPARED_STATEMENTS="1")["ZHTJ"][
        "PREPARED_STATEMENTS"
    ]


def test_windows_can_be_set_from_the_environment(monkeypatch):
    s = load_settings(
        monkeypatch,
        ZHTJ_REPLICA_READ_YOUR_WRITES_SECONDS="60",
        ZHTJ_REPLICA_LAG_NOTICE_SECONDS="2",
        ZHTJ_REPLICA_MAX_LAG_SECONDS="45",
    )
    assert (
        s["ZHTJ"]["REPLICA_READ_YOUR_WRITES_SECONDS"],
        s["ZHTJ"]["REPLICA_LAG_NOTICE_SECONDS"],
        s["ZHTJ"]["REPLICA_MAX_LAG_SECONDS"],
    ) == (60, 2, 45)


# The heavy read-only pages of BEY-11: 团内大数据, 组织录入情况, 重点领域基层团干部配备, their
# downloads, the benchmark's largest lists (团员列表, 操作中心), and the subtree-wide rates of
# issue 20 (工作通知 阅读情况, 公开团课 学习情况: docs/benchmarks.md).
REPLICA_PAGES = {
    "members:stats_age",
    "members:stats_ethnicity",
    "members:stats_education",
    "members:stats_download",
    "orgs:progress",
    "orgs:progress_export",
    "members:staffing",
    "members:staffing_download",
    "members:list",
    "inbox",
    "orgs:notice_reads",
    "orgs:lecture",
}


def _views(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            ns = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from _views(pattern, prefix + ns)
        elif pattern.name:
            yield prefix + pattern.name, pattern.callback


def test_the_heavy_pages_declare_replica_reads():
    """BEY-11: exactly the heavy read-only pages declare `@reads_replica`, beside their policy."""
    declared = {name for name, view in _views(get_resolver()) if getattr(view, "reads_replica", False)}
    assert declared == REPLICA_PAGES


# Session state a transaction-mode pooler would hand to the next client: a statement that starts
# with SET and outlives the transaction (SET LOCAL doesn't; a function's own `SET work_mem = '…'`
# clause ends with the call), session advisory locks (the _xact_ ones end with it), LISTEN,
# temporary tables not dropped ON COMMIT, cursors WITH HOLD. Prepared statements have their own
# switch (core.sqlcache). SQL is written in capitals here.
SESSION_STATE = re.compile(
    r"""(?<!\w)["']\s*SET\s+(?!LOCAL\b)|pg_(?:try_)?advisory_lock(?:_shared)?\s*\(|["']\s*LISTEN\s"""
    r"""|CREATE\s+TEMP(?!.*\bON\s+COMMIT\s+DROP\b)|WITH\s+HOLD""",
)


@pytest.mark.parametrize(
    "line, found",
    [
        ('cursor.execute("SET work_mem = 1")', True),
        ("cursor.execute(' SET search_path TO x')", True),
        ("cursor.execute('SET LOCAL work_mem = 1')", False),
        ("END $$ LANGUAGE plpgsql SET work_mem = '256MB' SET jit = off;", False),
        ("CREATE TEMP TABLE t AS SELECT 1", True),
        ("CREATE TEMP TABLE t ON COMMIT DROP AS SELECT 1", False),
        ("SELECT pg_advisory_lock(1)", True),
        ("SELECT pg_advisory_xact_lock(1)", False),
    ],
)
def test_session_state_is_told_from_what_ends_with_the_transaction(line, found):
    """BEY-11: the check below flags what outlives a transaction, not what ends with it."""
    assert bool(SESSION_STATE.search(line)) is found


def test_nothing_relies_on_session_state():
    """BEY-11: behind PgBouncer in transaction mode each transaction may run on another server
    connection, so no code of ours leaves state on one (the journeys run through PgBouncer in
    tests/scaleout)."""
    root = Path(settings.BASE_DIR)
    found = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in {".venv", "node_modules", "tests"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SESSION_STATE.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert found == []
