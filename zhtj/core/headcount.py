"""How many members some orgs' subtrees hold, from figures an app keeps (members/figures.py
registers them): an org-side page such as 公开团课's 学习情况 (orgs/lectures.py) asks here, since
orgs can't import members. One query for the orgs given, or none.
"""

_providers = []


def register(fn):
    """`fn(orgs) -> {org pk: members}` for the orgs whose figures it keeps (others left out)."""
    _providers.append(fn)
    return fn


def kept_members(orgs):
    """{org pk: members of its subtree} for those of `orgs` with kept figures; {} when none are."""
    found = {}
    for fn in _providers:
        found.update(fn([o for o in orgs if o.pk not in found]) or {})
    return found
