"""Heavy read-only pages from a streaming replica, and nobody missing their own change (BEY-11).

Installed only with DATABASE_REPLICA_URL (settings): `ReplicaRouter` decides where each query goes,
`ReadRoutingMiddleware` tells it about the request. A read goes to the replica only when
  - the view declared that it may (`@reads_replica`, beside its access policy) and the request is a
    GET or HEAD;
  - the session wrote nothing in the last REPLICA_READ_YOUR_WRITES_SECONDS, and this request has
    written nothing yet (read-your-writes);
  - no transaction is open on the primary (reads inside one belong with its writes);
  - the replica is at most REPLICA_MAX_LAG_SECONDS behind (measured once per request).
Everything else — every write, every other page, jobs, workers, management commands — uses the
primary. A page that read a replica more than REPLICA_LAG_NOTICE_SECONDS behind says
数据截至 HH:MM:SS (`as_of`, shown by the base layout).
"""

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
WROTE_AT = "replica_wrote_at"  # session key: when the session last wrote (epoch seconds)
SAFE_METHODS = ("GET", "HEAD")
# app labels read and written on the primary only: the session holds the read-your-writes stamp
# itself (so writing it needs no stamp)
ALWAYS_PRIMARY = {"sessions"}

log = logging.getLogger("zhtj.replica")
_reading = ContextVar("zhtj_reading", default=None)


def reads_replica(view):
    """Declare that `view` only reads and may be served from the replica."""
    view.reads_replica = True
    return view


@dataclass(frozen=True)
class Lag:
    seconds: float | None  # None: unknown (nothing replayed yet, not a standby, unreachable)
    as_of: datetime | None = None  # the replica holds every change committed up to this instant

    @property
    def usable(self):
        return self.seconds is not None and self.seconds <= settings.ZHTJ["REPLICA_MAX_LAG_SECONDS"]

    @property
    def noticeable(self):
        return self.usable and self.seconds > settings.ZHTJ["REPLICA_LAG_NOTICE_SECONDS"]


def measure():
    """How far the replica is behind the primary now. Caught up once it has replayed the primary's
    current WAL position; otherwise behind by the age of the last transaction it replayed
    (`pg_last_xact_replay_timestamp()`: any commit after that one may be missing). A busy primary
    commits all the time (every request saves its session), so that age is the real lag; on an
    idle one a checkpoint record in flight can look like lag — the page then reads the primary."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            (position,) = cursor.fetchone()
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn, pg_last_xact_replay_timestamp(), now()", [position]
            )
            caught_up, replayed_at, now = cursor.fetchone()
    except DatabaseError:
        log.warning("replica unreachable: reading the primary", exc_info=True)
        return Lag(None)
    if caught_up:
        return Lag(0.0)
    if replayed_at is None:
        return Lag(None)
    return Lag(max(0.0, (now - replayed_at).total_seconds()), replayed_at)


class Reading:
    """Where one request reads: made by the middleware, asked by the router."""

    def __init__(self):
        self.allowed = False  # set before the view runs: it may read the replica
        self.wrote = False
        self.used = False  # some query of this request went to the replica
        self.lag = None  # measured at the first query that could go to the replica

    def alias(self):
        if not self.allowed or self.wrote or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        if self.lag is None:
            self.lag = measure()
        if not self.lag.usable:
            return DEFAULT_DB_ALIAS
        self.used = True
        return REPLICA


def read_alias():
    """The alias a read would use now: for SQL run by hand (`core.sqlcache`)."""
    reading = _reading.get()
    return reading.alias() if reading is not None else DEFAULT_DB_ALIAS


def as_of(request):
    """数据截至: the instant the data of this page is complete to, when it came from a replica further
    behind than REPLICA_LAG_NOTICE_SECONDS; else None."""
    reading = getattr(request, "reading", None)
    # asked before the template's own queries run: where they will go decides too
    if reading is None or not (reading.used or reading.alias() == REPLICA) or not reading.lag.noticeable:
        return None
    return reading.lag.as_of


def recently_wrote(session):
    wrote_at = session.get(WROTE_AT)
    return wrote_at is not None and time.time() - wrote_at < settings.ZHTJ["REPLICA_READ_YOUR_WRITES_SECONDS"]


class ReadRoutingMiddleware:
    """Marks the request's reads for the router, and stamps the session of a request that wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reading = request.reading = Reading()
        token = _reading.set(reading)
        try:
            response = self.get_response(request)
        finally:
            _reading.reset(token)
        # a form post that changed nothing through the ORM (raw SQL, a task run in-process) counts too
        if reading.wrote or (request.method not in SAFE_METHODS and request.user.is_authenticated):
            request.session[WROTE_AT] = time.time()
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.reading.allowed = (
            getattr(view_func, "reads_replica", False)
            and request.method in SAFE_METHODS
            and not recently_wrote(request.session)
        )


class ReplicaRouter:
    """Reads as `Reading` decides (the primary outside a request); writes and migrations: the primary."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label in ALWAYS_PRIMARY:
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model, **hints):
        reading = _reading.get()
        if reading is not None and model._meta.app_label not in ALWAYS_PRIMARY:
            reading.wrote = True  # this request's later reads see what it wrote
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # one database, two copies of it
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA} or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
