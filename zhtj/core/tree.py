"""Subtree filters on any model that points at an org: MPTT range conditions, no recursion."""


def in_subtree(queryset, org, via):
    """Restrict `queryset` to rows whose `via` org lies in `org`'s subtree (one range join).
    `via` is the path to the org field ("branch", "org", "post__org"), or "" for orgs themselves."""
    prefix = f"{via}__" if via else ""
    return queryset.filter(
        **{
            f"{prefix}tree_id": org.tree_id,
            f"{prefix}lft__gte": org.lft,
            f"{prefix}rght__lte": org.rght,
        }
    )
