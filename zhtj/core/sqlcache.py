"""Compiled SQL, reused: for the few hot queries of every page.

Building and compiling a Django queryset with many conditions can cost more than running it: the
eleven 操作中心 counts in the header of every page compile in ~5 ms and run in ~1 ms. Where a
query's SQL depends only on a small key (the acting org as it is now, the person, the day), its
compiled text and parameters are kept per process and run again with a plain cursor. Only the SQL
is kept, never a result: the database answers every time, so figures stay live (BEY-01). The
database is the one a read goes to now (`core.replica`: the primary, or a page's replica).
"""

import hashlib
import weakref

from django.conf import settings
from django.db import connections

from .replica import read_alias

MAX_ENTRIES = 20_000  # a whole cache is dropped when full: a few KB an entry
MAX_PREPARED = 2_000  # statements prepared on one database connection
_compiled = {}


def org_state(org):
    """The key part for an org: every column, so any change to the org compiles afresh."""
    if org is None:
        return None
    return tuple(getattr(org, f.attname) for f in org._meta.concrete_fields)


def compiled(key, build, connection):
    """(sql, params) of the queryset `build()` returns, compiled once per `key` and database."""
    key = (connection.alias, connection.vendor, *key)
    found = _compiled.get(key)
    if found is None:
        if len(_compiled) >= MAX_ENTRIES:
            _compiled.clear()
        queryset = build()
        found = _compiled[key] = queryset.query.sql_with_params() if hasattr(queryset, "query") else queryset
    return found


def fetch(key, build):
    """The rows of the cached query of `key`. On PostgreSQL the statement is also prepared once
    per database connection, so its plan is reused too: planning these dozen-sub-select queries
    costs the server more than running them."""
    connection = connections[read_alias()]
    sql, params = compiled(key, build, connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and settings.ZHTJ["PREPARED_STATEMENTS"]:
            names = _statements.setdefault(connection.connection, set())
            name = "zhtj_" + hashlib.sha1(repr(key).encode()).hexdigest()[:20]
            cursor.execute(_prepared(cursor, names, name, sql, params))
            names.add(name)  # only once the server has it
        else:
            cursor.execute(sql, params)
        return cursor.fetchall()


_statements = weakref.WeakKeyDictionary()  # raw connection → names prepared on it


def _prepared(cursor, names, name, sql, params):
    """EXECUTE of statement `name`, preceded (in the same round trip) by its PREPARE the first time
    on this connection."""
    if name in names:
        return f"EXECUTE {name}"
    prefix = ""
    if len(names) >= MAX_PREPARED:  # a long-lived connection: start over
        prefix = "DEALLOCATE ALL; "
        names.clear()
    return f"{prefix}PREPARE {name} AS {cursor.mogrify(sql, params).decode()}; EXECUTE {name}"
