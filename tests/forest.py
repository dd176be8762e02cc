"""The forest's invariants (`zhtj.core.tree`), checked over every org: what any test that changes
the tree asserts afterwards."""

from collections import defaultdict

from orgs.choices import OrgCategory
from orgs.models import Organization
from zhtj.core import tree


def assert_forest_consistent():
    """Each tree's bounds are exactly 1…2n around its one root; a tree root is exactly an org at the
    top or under a leadership organ, every other org lies inside its parent in the parent's tree;
    `level` is the depth in the country; and each org's subtree by its bounds (`core.tree`) is
    exactly its descendants by parent links -- no overlaps, no gaps, across trees too."""
    nodes = {o.pk: o for o in Organization.objects.all()}
    by_tree = defaultdict(list)
    for o in nodes.values():
        by_tree[o.tree_id].append(o)
    for members in by_tree.values():
        bounds = sorted([o.lft for o in members] + [o.rght for o in members])
        assert bounds == list(range(1, 2 * len(members) + 1))
        assert [o.tree_parent_id for o in members if o.lft == 1] == [None]
    below = defaultdict(set)
    for o in sorted(nodes.values(), key=lambda n: -n.level):
        p = nodes.get(o.parent_id)
        if p is None or p.category == OrgCategory.LEADERSHIP:
            assert (o.lft, o.tree_level, o.tree_parent_id) == (1, 0, None), o.name
            assert (o.tree_last > o.tree_id) == (o.category == OrgCategory.LEADERSHIP), o.name
            if p is not None:
                assert p.tree_id < o.tree_id <= o.tree_last <= p.tree_last, o.name
        else:
            assert o.tree_parent_id == p.pk and o.tree_last == o.tree_id == p.tree_id, o.name
            assert p.lft < o.lft < o.rght < p.rght and o.tree_level == p.tree_level + 1, o.name
        assert o.level == (p.level + 1 if p else 0), o.name
        if p is not None:
            below[p.pk] |= below[o.pk] | {o.pk}
    for o in nodes.values():
        by_bounds = {x.pk for x in nodes.values() if tree.contains(o, x)}
        assert by_bounds == below[o.pk] | {o.pk}, o.name
        assert set(Organization.objects.subtree_of(o).values_list("pk", flat=True)) == by_bounds, o.name
