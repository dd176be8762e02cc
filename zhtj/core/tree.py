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
