"""Operations on the tree that more than one caller needs."""

from .choices import OrgCategory

_SUFFIXES = ("团工委", "团总支", "团支部", "团委")


def unit_name(name):
    """The unit part of a short name: 中国石油大学（华东）团委 → 中国石油大学（华东）."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def suggest_full_name(parent, name):
    """组织全称 proposed from the ancestors and the short name (ORG-05): the units of the
    grassroots ancestors below the leadership organs, then the short name."""
    if parent is None:
        return name
    units = [unit_name(a.name) for a in parent.get_ancestors(include_self=True) if a.category != OrgCategory.LEADERSHIP]
    return "".join(units) + name
