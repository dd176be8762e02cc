"""Compiled SQL, reused: for the few hot queries of every page.

Building and compiling a Django queryset with many conditions can cost more than running it: the
eleven 操作中心 counts in the header of every page compile in ~5 ms and run in ~1 ms. Where a
query's SQL depends only on a small key (the acting org as it is now, the person, the day), its
compiled text and parameters are kept per process and run again with a plain cursor. Only the SQL
is kept, never a result: the database answers every time, so figures stay live (BEY-01).
"""

from django.db import connection

MAX_ENTRIES = 20_000  # a whole cache is dropped when full: a few KB an entry
_compiled = {}


def org_state(org):
    """The key part for an org: every column, so any change to the org compiles afresh."""
    if org is None:
        return None
    return tuple(getattr(org, f.attname) for f in org._meta.concrete_fields)


def compiled(key, build):
    """(sql, params) of the queryset `build()` returns, compiled once per `key`."""
    key = (connection.alias, connection.vendor, *key)
    found = _compiled.get(key)
    if found is None:
        if len(_compiled) >= MAX_ENTRIES:
            _compiled.clear()
        queryset = build()
        found = _compiled[key] = queryset.query.sql_with_params() if hasattr(queryset, "query") else queryset
    return found


def fetch(key, build):
    """The rows of the cached query of `key`."""
    sql, params = compiled(key, build)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
