"""Operations on the tree that more than one caller needs."""

from .choices import OrgCategory

_SUFFIXES = ("团工委", "团总支", "团支部", "团委")


def unit_name(name):
    """The unit part of a short name: 中国石油大学（华东）团委 → 中国石油大学（华东）."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def full_name_units(parent):
    """The units a 组织全称 below `parent` is built from (ORG-05): those of the grassroots
    ancestors below the leadership organs, top down. One query."""
    if parent is None:
        return []
    return [unit_name(a.name) for a in parent.get_ancestors(include_self=True) if a.category != OrgCategory.LEADERSHIP]


def join_full_name(units, name):
    """The units, then the short name — each unit only once: a unit already written in a later
    unit or in the name (2023级 in 计算机专业2023级4班团支部, 长江路街道 in 长江路街道流动团员团支部)
    is left out, so the full name never repeats a year or a prefix."""
    parts = [*units, name]
    kept = [u for i, u in enumerate(units) if len(u) < 2 or not any(u in later for later in parts[i + 1 :])]
    return "".join(kept) + name


def suggest_full_name(parent, name):
    """组织全称 proposed from the ancestors and the short name (ORG-05)."""
    return join_full_name(full_name_units(parent), name)
