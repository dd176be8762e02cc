"""Heavy read-only pages from a streaming replica, and nobody missing their own change (BEY-11).

Installed only with DATABASE_REPLICA_URL (settings): `ReplicaRouter` decides where each query goes,
`ReadRoutingMiddleware` tells it about the request. A read goes to the replica only when
  - the view declared that it may (`@reads_replica`, beside its access policy) and the request is a
    GET or HEAD;
  - the session wrote nothing in the last REPLICA_READ_YOUR_WRITES_SECONDS, and this request has
    written nothing yet (read-your-writes);
  - no transaction is open on the primary (reads inside one belong with its writes);
  - the replica is at most REPLICA_MAX_LAG_SECONDS behind (`measure`, once per request).
Everything else — every write, every other page, jobs, workers, management commands — uses the
primary. A page that read a replica more than REPLICA_LAG_NOTICE_SECONDS behind says
数据截至 HH:MM:SS (`as_of`, shown by the base layout).
"""

import logging
import time
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

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


def lsn(text):
    """A WAL position ('16/B374D848') as a number."""
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


class Positions:
    """Where the primary's WAL was when (samples of this process, at least SPACING apart): a standby
    that has replayed up to a sampled position holds every change committed before that instant."""

    SPACING = timedelta(seconds=0.1)  # 1,000 samples then reach back well past any maximum lag
    SIZE = 1000

    def __init__(self):
        self._samples = deque(maxlen=self.SIZE)
        self._lock = Lock()

    def record(self, at, position):
        with self._lock:
            if not self._samples or at - self._samples[-1][0] >= self.SPACING:
                self._samples.append((at, position))

    def reached(self, position):
        """The latest sampled instant at which the primary had not written past `position`."""
        with self._lock:
            return next((at for at, sampled in reversed(self._samples) if sampled <= position), None)


_positions = Positions()


def measure():
    """How far the replica is behind the primary now, by the primary's clock. Caught up when it has
    replayed the primary's current WAL position. Otherwise its data is complete as of the later of
    its last replayed commit (`pg_last_xact_replay_timestamp()`) and the last sampled instant whose
    position it has replayed: a long transaction on the primary writes WAL for minutes without a
    commit, and the replay of that WAL keeps a standby a little behind without its data being old."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn(), clock_timestamp()")
            position, now = cursor.fetchone()
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn(), pg_last_xact_replay_timestamp()")
            replayed, replayed_at = cursor.fetchone()
    except DatabaseError:
        log.warning("replica unreachable: reading the primary", exc_info=True)
        return Lag(None)
    position = lsn(position)
    _positions.record(now, position)
    if replayed is None:  # not a standby
        return Lag(None)
    replayed = lsn(replayed)
    if replayed >= position:
        return Lag(0.0)
    as_of = max((at for at in (replayed_at, _positions.reached(replayed)) if at is not None), default=None)
    if as_of is None:
        return Lag(None)
    return Lag(max(0.0, (now - as_of).total_seconds()), as_of)


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
