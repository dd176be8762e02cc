"""Subtree filters on any model that points at an org: MPTT range conditions, no recursion.

Nested sets put the lft of every node of a subtree inside the subtree root's [lft, rght], so "in
the subtree" is ONE range on lft. That matters beyond elegance: PostgreSQL estimates one range from
its histogram, but `lft >= a AND rght <= b` as two ranges it multiplies, guessing a fifth of the
country for a single branch -- and then hash-joins two million people to list thirty-eight.
"""

from django.db.models import Q


def subtree_q(org, via=""):
    """Q: rows whose `via` org ("branch", "org", "person__branch" …, or "" for orgs themselves) is
    `org` or lies below it."""
    prefix = f"{via}__" if via else ""
    return Q(**{f"{prefix}tree_id": org.tree_id, f"{prefix}lft__range": (org.lft, org.rght)})


def in_subtree(queryset, org, via):
    """Restrict `queryset` to rows whose `via` org lies in `org`'s subtree (one range join)."""
    return queryset.filter(subtree_q(org, via))


def ancestors(org, include_self=False):
    """[(pk, level)] of `org`'s ancestors, the root first: a walk up `parent_id` in one recursive
    query (one primary-key lookup a level). MPTT's own `lft <= x AND rght >= y` can't be served by an
    index range -- PostgreSQL scans the whole tree for it (0.2 s at 100,000 orgs) -- and the ancestors
    of an org are asked on hot pages (who sends it 工作通知, whose 公开团课 its members watch)."""
    from django.db import connection

    table, column = org._meta.db_table, org._meta.pk.column
    sql = (
        f"WITH RECURSIVE up (id, parent_id, level) AS ("
        f"SELECT {column}, parent_id, level FROM {table} WHERE {column} = %s"
        f" UNION ALL SELECT o.{column}, o.parent_id, o.level FROM {table} o JOIN up ON o.{column} = up.parent_id"
        f") SELECT id, level FROM up ORDER BY level"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [org.pk])
        found = [(pk, level) for pk, level in cursor.fetchall()]
    return found if include_self else [row for row in found if row[0] != org.pk]
