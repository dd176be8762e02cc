"""BEY-11 on real engines: a streaming standby and PgBouncer in transaction mode (.ci/replica.sh).

The project is served by gunicorn with DATABASE_REPLICA_URL naming the standby's copy of this
test database; admins' sessions are made here, their requests go over HTTP. The standby is paused
with pg_wal_replay_pause() to make its lag real. Its log records every data-changing statement it
is sent (log_statement = 'mod'): there must be none. The main browser journeys then run again in a
separate pytest whose DATABASE_URL is PgBouncer.

ZHTJ_TEST_STANDBY_URL / ZHTJ_TEST_PGBOUNCER_URL (server URLs without a database; .ci/run sets
them) name the services: without them the module is skipped locally and fails under CI=true.
"""

import http.client
import os
import re
import subprocess
import sys
import time
from contextlib import closing, contextmanager
from datetime import timedelta
from urllib.parse import urlencode
from uuid import uuid4

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.members.people_data import person_post
from tests.services import unavailable
from zhtj.core.middleware import SESSION_KEY
from zhtj.core.replica import WROTE_AT
from zhtj.scale.load import free_port, wait_until_serving

STANDBY_URL = os.environ.get("ZHTJ_TEST_STANDBY_URL", "")
PGBOUNCER_URL = os.environ.get("ZHTJ_TEST_PGBOUNCER_URL", "")
NOTICE, MAX_LAG = 2, 10  # seconds, for the server under test: short enough to wait for, long enough
# for a loaded machine to make its requests in between
AS_OF = re.compile(r"数据截至 (\d\d:\d\d:\d\d)")
# The main journeys, run again with every query through PgBouncer.
JOURNEYS = [
    "tests/e2e/test_member_import_journey.py::test_import_good_and_bad_rows_then_edit",
    "tests/e2e/test_transfer_journey.py::test_member_transfer_school_to_street",
    "tests/e2e/test_cadre_journey.py",
]

pytestmark = [pytest.mark.scaleout, pytest.mark.django_db(transaction=True)]


def _url(server, name):
    return f"{server.rstrip('/')}/{name}"


def _needs(url, variable, what):
    if connection.vendor != "postgresql":
        unavailable("BEY-11 needs a PostgreSQL DATABASE_URL")
    if not url:
        unavailable(f"{variable} is not set: .ci/replica.sh starts {what}")


def _primary_url(name):
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _primary_lsn():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        return cursor.fetchone()[0]


class Standby:
    """The standby's copy of the test database, seen directly (never through the project)."""

    def __init__(self, name):
        self.name = name
        self.conn = psycopg2.connect(_url(STANDBY_URL, name))
        self.conn.autocommit = True

    def one(self, sql, params=()):
        with self.conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def wait_replayed(self, timeout=30):
        """Until everything the primary has written so far is replayed here."""
        target, deadline = _primary_lsn(), time.monotonic() + timeout
        while not self.one("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
            if time.monotonic() > deadline:
                raise AssertionError("the standby did not catch up")
            time.sleep(0.1)

    @contextmanager
    def paused(self):
        """Replay stopped: what the primary writes meanwhile is not here. Yields the instant the
        standby's data is complete to (its last replayed commit)."""
        self.one("SELECT pg_wal_replay_pause()")
        try:
            while self.one("SELECT pg_get_wal_replay_pause_state()") != "paused":
                time.sleep(0.05)
            yield self.one("SELECT pg_last_xact_replay_timestamp()")
        finally:
            self.one("SELECT pg_wal_replay_resume()")

    def log_end(self):
        return self.one("SELECT (pg_stat_file(pg_current_logfile())).size")

    def writes_since(self, offset):
        """The lines of the standby's log after `offset` that show a data-changing statement (or
        its refusal) sent to this database. A refused write is sent last as a probe: the log is
        written asynchronously, and once the probe is in it, so is everything before."""
        probe = f"probe-{uuid4().hex}"
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
            self.one(f"DELETE FROM django_session WHERE session_key = '{probe}' RETURNING 1")
        mine, deadline = f"db={self.name} ", time.monotonic() + 15
        while time.monotonic() < deadline:
            text = self.one(
                "SELECT pg_read_file(pg_current_logfile(), %s, (pg_stat_file(pg_current_logfile())).size - %s)",
                [offset, offset],
            )
            lines = text.splitlines()
            at = next((i for i, line in enumerate(lines) if probe in line), None)
            if at is not None:
                return [
                    line
                    for line in lines[:at]
                    if mine in line and ("statement:" in line or "read-only transaction" in line)
                ]
            time.sleep(0.2)
        raise AssertionError("the standby's log does not record writes (log_statement = 'mod')")


@pytest.fixture
def standby():
    _needs(STANDBY_URL, "ZHTJ_TEST_STANDBY_URL", "a streaming standby")
    standby = Standby(connection.settings_dict["NAME"])
    assert standby.one("SELECT pg_is_in_recovery()"), "ZHTJ_TEST_STANDBY_URL must name a standby"
    standby.wait_replayed()
    yield standby
    standby.conn.close()


@pytest.fixture
def server(standby):
    """gunicorn serving the project: writes to the primary, heavy pages from the standby."""
    name = connection.settings_dict["NAME"]
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": _primary_url(name),
        "DATABASE_REPLICA_URL": _url(STANDBY_URL, name),
        "ZHTJ_REPLICA_LAG_NOTICE_SECONDS": str(NOTICE),
        "ZHTJ_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
    }
    # REDIS_URL is kept, as in production: sessions in the database the test's logins write to
    # (without it the server would keep sessions in the embedded default's cache files)
    env.pop("ZHTJ_REPLICA_READ_YOUR_WRITES_SECONDS", None)  # the default: 30 s
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "zhtj.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        cwd=settings.BASE_DIR,
    )
    try:
        wait_until_serving(port)
        yield port
    finally:
        process.terminate()
        process.wait(20)


class Admin:
    """An admin's browser, reduced to HTTP: a session made here, cookies kept, no redirects followed."""

    def __init__(self, port, person, org):
        client = Client()
        client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[SESSION_KEY] = org.pk
        session.save()
        self.port, self.session = port, session
        self.cookies = {settings.SESSION_COOKIE_NAME: session.session_key}

    def request(self, method, path, data=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.cookies["csrftoken"]}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        assert response.status < 500, f"{method} {path}: {response.status}"
        return response.status, text

    def get(self, path):
        status, text = self.request("GET", path)
        assert status == 200, f"GET {path}: {status}"
        return text

    def post(self, path, data):
        return self.request("POST", path, data)[0]

    def wrote_ago(self, seconds):
        """Move the session's last write `seconds` into the past (as if time had passed)."""
        self.session[WROTE_AT] = time.time() - seconds
        self.session.save()


def _listed(page, name="新录入团员"):
    """A row of 团员列表 for `name` (not merely the name in a message)."""
    return f'aria-label="选择{name}"' in page


def _as_of(page):
    found = AS_OF.search(page)
    return found and found.group(1)


def _shows_as_of(page, after, before):
    """The page says 数据截至 an instant (to the second) within [after, before)."""
    shown = _as_of(page)
    if not shown:
        return False
    local = timezone.localtime(before)
    instant = local.replace(hour=int(shown[:2]), minute=int(shown[3:5]), second=int(shown[6:]), microsecond=0)
    return after - timedelta(seconds=1) < instant < before


def test_writer_sees_its_change_while_reports_say_how_old_theirs_are(tree, standby, server, fast_hasher):
    """BEY-11: with the standby's replay paused, the admin who entered a member still finds them in
    团员列表 (read-your-writes: the primary), while the committee above reads the standby — without
    the member, and saying 数据截至 HH:MM:SS (an instant between the standby's last replayed commit and
    the write) once it is more than the notice threshold behind. Past the maximum lag the primary
    answers again; once replay resumes, the standby has the member. The read-your-writes window is
    what kept the writer on the primary: moved past it, the writer reads the standby too. Pages
    that don't declare replica reads use the primary throughout, and no write ever reaches the
    standby."""
    log_start = standby.log_end()
    writer = Admin(server, f.admin_of(tree.branch_a), tree.branch_a)
    viewer = Admin(server, f.admin_of(tree.uni), tree.uni)
    members = reverse("members:list")
    viewer.get(members)  # the server notes where the primary's WAL is, and when
    standby.wait_replayed()
    baseline = viewer.get(members)
    assert not _listed(baseline) and not _as_of(baseline)

    with standby.paused() as replayed_at:
        paused = time.monotonic()
        writer.get(reverse("members:enter"))  # the form: its CSRF cookie
        assert writer.post(reverse("members:enter"), person_post(name="新录入团员")) == 302
        wrote_at = timezone.now()
        mine = writer.get(members)
        assert _listed(mine) and not _as_of(mine)

        time.sleep(max(0.0, paused + NOTICE + 0.5 - time.monotonic()))
        theirs = viewer.get(members)
        assert not _listed(theirs) and _shows_as_of(theirs, replayed_at, wrote_at)
        assert _shows_as_of(viewer.get(reverse("members:stats_age")), replayed_at, wrote_at)
        # a page that doesn't declare replica reads: the primary, no notice
        assert not _as_of(viewer.get(reverse("deadlines")))
        # past the read-your-writes window, the writer is served like anyone else
        writer.wrote_ago(settings.ZHTJ["REPLICA_READ_YOUR_WRITES_SECONDS"] + 1)
        stale = writer.get(members)
        assert not _listed(stale) and _shows_as_of(stale, replayed_at, wrote_at)

        time.sleep(max(0.0, paused + MAX_LAG + 1 - time.monotonic()))
        fallback = viewer.get(members)
        assert _listed(fallback) and not _as_of(fallback)

    standby.wait_replayed()
    caught_up = viewer.get(members)
    assert _listed(caught_up)
    assert not _as_of(caught_up) or _shows_as_of(caught_up, wrote_at, timezone.now() + timedelta(seconds=1))
    # more writes through the routed server, then the standby's log
    assert writer.post(reverse("inbox_read"), {}) == 302
    assert writer.post(reverse("switch_org"), {"org": str(tree.branch_a.pk)}) == 302
    assert writer.get(members) and viewer.get(reverse("orgs:progress"))
    assert standby.writes_since(log_start) == []


def test_main_journeys_through_pgbouncer(db):
    """BEY-11: the main browser journeys pass with every query through PgBouncer in transaction
    mode (DATABASE_POOL_MODE=transaction: nothing prepared, no cursor held across transactions,
    no startup options; JIT off per server connection)."""
    _needs(PGBOUNCER_URL, "ZHTJ_TEST_PGBOUNCER_URL", "PgBouncer")
    with closing(psycopg2.connect(_url(PGBOUNCER_URL, "postgres"))) as pooled, pooled.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    base = connection.settings_dict["NAME"].removeprefix("test_") + "_pooled"
    test_db = f"test_{base}"

    def drop():
        # FORCE: PgBouncer keeps its server connections to the database open
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{test_db}" WITH (FORCE)')

    def transactions():
        admin = psycopg2.connect(_url(PGBOUNCER_URL, "pgbouncer"))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SHOW STATS")
            columns = [c.name for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        admin.close()
        return sum(row["total_xact_count"] for row in rows if row["database"] == test_db)

    drop()
    before = transactions()
    env = os.environ | {"DATABASE_URL": _url(PGBOUNCER_URL, base), "DATABASE_POOL_MODE": "transaction", "CI": "true"}
    env.pop("DATABASE_REPLICA_URL", None)
    env.pop("ZHTJ_PREPARED_STATEMENTS", None)
    try:
        # The journeys' pytest creates and migrates its test database through PgBouncer too;
        # --reuse-db: it mustn't drop it at the end either, PgBouncer's pool still holds it
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--reuse-db", *JOURNEYS],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
        )
        carried = transactions() - before
    finally:
        drop()
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    assert re.fullmatch(r"\d+ passed(, \d+ warnings?)? in .*", summary), summary
    assert carried > 100, "PgBouncer carried (almost) none of the journeys' transactions"
