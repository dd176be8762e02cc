"""The org forest: subtree filters, tree order and tree-id allocation. The one place that knows how
the country is laid out in django-mptt trees (with `Organization.objects.subtree_of`).

**Why a forest.** In one MPTT tree for the country, creating one org shifts `lft`/`rght` of every
org to its right -- half the country -- under a tree-wide lock, and every creation in the country
waits for every other. So every 团的领导机关 is a one-org tree of its own, and every child of a
leadership organ is the root of a tree of its own (a university's 团委 with its colleges and
branches, a township's 团委, a school's): creating an org shifts only the small tree it joins,
and locks only that tree's root.

**Why subtrees stay one index range.** Tree ids are handed out depth-first: a leadership organ owns
a contiguous block of tree ids ``[tree_id, tree_last]`` -- its own tree first, then its children's
trees and its child organs' blocks, in order. So:

- the subtree of a tree root (every leadership organ, every child of one) is ``tree_id BETWEEN
  tree_id AND tree_last`` -- one range, national and provincial scopes included;
- the subtree of any other org is ``tree_id = t AND lft BETWEEN lft AND rght`` inside its tree;
- ``(tree_id, lft)`` is depth-first order across the whole forest (`ORDER`).

One range matters beyond elegance: PostgreSQL estimates one range from its histogram, but
`lft >= a AND rght <= b` as two ranges it multiplies, guessing a fifth of the country for a single
branch -- and then hash-joins two million people to list thirty-eight.

`level` is the depth in the country (团中央 0), kept by the model; django-mptt's own depth inside a
tree is `tree_level`, its parent inside a tree `tree_parent` (None for a tree root), while `parent`
stays the real superior.
"""

from django.db.models import Max, Q

# Tree ids reserved by a new leadership organ, by its level (LeadershipLevel: 1 团中央 … 4 县级).
# tree_id is a bigint, so the blocks are lavish: a county organ has room for a million child trees.
BLOCKS = {1: 2**50, 2: 2**40, 3: 2**30, 4: 2**20}

# Depth-first order across the forest: a leadership organ's tree, then its children's trees in order.
ORDER = ("tree_id", "lft")


class ForestFull(Exception):
    """A leadership organ's block of tree ids is used up (not reachable with BLOCKS as they are)."""


def _fields(via):
    prefix = f"{via}__" if via else ""
    return f"{prefix}tree_id", f"{prefix}lft"


def subtree_q(org, via=""):
    """Q: rows whose `via` org ("branch", "org", "person__branch" …, or "" for orgs themselves) is
    `org` or lies below it. One index range either way."""
    tree_id, lft = _fields(via)
    if org.lft == 1:
        return Q(**{f"{tree_id}__range": (org.tree_id, org.tree_last)})
    return Q(**{tree_id: org.tree_id, f"{lft}__range": (org.lft, org.rght)})


def span_q(first, last, via=""):
    """Q: the subtrees of consecutive siblings `first` … `last` (in `ORDER`) -- one range too, since
    siblings' subtrees are contiguous: child trees of a leadership organ by tree id, children in one
    tree by lft."""
    tree_id, lft = _fields(via)
    if first.lft == 1:
        return Q(**{f"{tree_id}__range": (first.tree_id, last.tree_last)})
    return Q(**{tree_id: first.tree_id, f"{lft}__range": (first.lft, last.rght)})


def in_subtree(queryset, org, via):
    """Restrict `queryset` to rows whose `via` org lies in `org`'s subtree (one range join)."""
    return queryset.filter(subtree_q(org, via))


def contains(org, other):
    """Is `other` `org` or below it? Pure arithmetic on the bounds."""
    if other is None:
        return False
    if org.lft == 1:
        return org.tree_id <= other.tree_id <= org.tree_last
    return other.tree_id == org.tree_id and org.lft <= other.lft and other.rght <= org.rght


def contains_sql(outer, inner):
    """SQL: is the org row aliased `inner` the row aliased `outer` or below it? `contains` for a
    hand-written join of org rows: one index range on (tree_id, lft) per `outer` row (a tree
    root's block of tree ids; inside a tree, where tree_last = tree_id, its lft range)."""
    return (
        f"{inner}.tree_id BETWEEN {outer}.tree_id AND {outer}.tree_last"
        f" AND ({outer}.lft = 1 OR {inner}.lft BETWEEN {outer}.lft AND {outer}.rght)"
    )


def size(org):
    """How many orgs `org`'s subtree holds, when the bounds say it without a query (inside one
    tree: (rght - lft + 1) / 2); None for a leadership organ, whose subtree spans trees."""
    if org.lft == 1 and org.tree_last != org.tree_id:
        return None
    return (org.rght - org.lft + 1) // 2


def holds_every_org(org):
    """Does `org`'s subtree hold every org of the country (团中央, the only root)? Two index probes
    for none outside its block. A query over such a subtree needs no subtree condition, and may
    read a whole table of the country where a smaller subtree must not (a hashed pass over every
    record is right for 团中央 and wrong for a province): such queries choose their form by it."""
    if org.parent_id is not None or org.lft != 1:
        return False
    outside = Q(tree_id__lt=org.tree_id) | Q(tree_id__gt=org.tree_last)
    return not type(org)._default_manager.filter(outside).exists()


def tree_root_q(org):
    """The root row of `org`'s tree: the row to lock before changing the tree's bounds."""
    return Q(tree_id=org.tree_id, lft=1)


def owns_range(org):
    """Does `org` own a block of tree ids (a leadership organ), so that each child starts a tree?"""
    return org.tree_last > org.tree_id


def allocate(model, parent, count=1, block=1):
    """`count` new tree roots of `block` tree ids each under `parent` (a leadership organ, locked by
    the caller, or None for a new top): [(tree_id, tree_last)]. The next ids after the last child's
    block, inside the parent's block."""
    if parent is None:
        siblings, first, limit = model._default_manager.filter(parent__isnull=True), 1, None
    else:
        siblings, first, limit = model._default_manager.filter(parent=parent), parent.tree_id + 1, parent.tree_last
    used = siblings.aggregate(last=Max("tree_last"))["last"]
    start = first if used is None else used + 1
    found = [(start + i * block, start + (i + 1) * block - 1) for i in range(count)]
    if limit is not None and found[-1][1] > limit:
        raise ForestFull(parent)
    return found


class Numbering:
    """Forest bounds for a whole tree of orgs walked depth-first (the generator, the migration):
    call `enter` on the way down (children in sibling order) and `leave` on the way up.

    Nodes are whatever the caller keys them by; `block` is the block size of a node that owns a
    range (a leadership organ), None for others."""

    def __init__(self):
        self.next_root = 1  # next tree id at the top
        self.next_tree = {}  # leadership organ -> next free tree id in its block
        self.counter = {}  # tree id -> next lft/rght number
        self.placed = {}  # node -> [tree_id, tree_last, lft, rght, tree_level, tree_parent]

    def enter(self, node, parent, block=None):
        """Place `node` (below `parent`, already entered; None at the top); returns its row
        [tree_id, tree_last, lft, rght (0 until `leave`), tree_level, tree_parent]."""
        if parent is None or parent in self.next_tree:
            start = self.next_root if parent is None else self.next_tree[parent]
            last = start + (block or 1) - 1
            if parent is None:
                self.next_root = last + 1
            else:
                self.next_tree[parent] = last + 1
            if block:
                self.next_tree[node] = start + 1
            self.counter[start] = 2
            row = [start, last, 1, 0, 0, None]
        else:
            up = self.placed[parent]
            tree_id = up[0]
            lft = self.counter[tree_id]
            self.counter[tree_id] = lft + 1
            row = [tree_id, tree_id, lft, 0, up[4] + 1, parent]
        self.placed[node] = row
        return row

    def leave(self, node):
        row = self.placed[node]
        row[3] = self.counter[row[0]]
        self.counter[row[0]] += 1
        return row


def _up(org):
    """The recursive walk up `parent_id` from `org`: SQL giving (id, parent_id, level) rows."""
    table, column = org._meta.db_table, org._meta.pk.column
    return (
        f"WITH RECURSIVE up (id, parent_id, level) AS ("
        f"SELECT {column}, parent_id, level FROM {table} WHERE {column} = %s"
        f" UNION ALL SELECT o.{column}, o.parent_id, o.level FROM {table} o JOIN up ON o.{column} = up.parent_id"
        f") "
    )


def ancestors(org, include_self=False):
    """[(pk, level)] of `org`'s ancestors, the root first: a walk up `parent_id` in one recursive
    query (one primary-key lookup a level). MPTT's own `lft <= x AND rght >= y` can't be served by an
    index range -- PostgreSQL scans the whole tree for it (0.2 s at 100,000 orgs) -- and, in a forest,
    it would stop at the tree's root anyway."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_up(org) + "SELECT id, level FROM up ORDER BY level", [org.pk])
        found = [(pk, level) for pk, level in cursor.fetchall()]
    return found if include_self else [row for row in found if row[0] != org.pk]


def ancestors_q(org, include_self=False):
    """Q on orgs: `org`'s ancestors (the same walk, as a sub-select: one query with the caller's)."""
    from django.db.models.expressions import RawSQL

    sql = _up(org) + "SELECT id FROM up" + ("" if include_self else " WHERE id <> %s")
    params = [org.pk] if include_self else [org.pk, org.pk]
    # `any_of`: the walk runs once and its ids are looked up by primary key, also inside an OR
    # (where IN (walk) checks every org of the country against a hashed sub-plan)
    return Q(pk__any_of=RawSQL(sql, params))


def key(org):
    """Sort key of an org in `ORDER`."""
    return (org.tree_id, org.lft)


def unit_case(children, via=""):
    """CASE: which of `children` holds the row's `via` org in its subtree (NULL outside them all) --
    to count a subtree's rows per child in one grouped query."""
    from django.db.models import BigIntegerField, Case, Value, When

    return Case(*[When(subtree_q(c, via), then=Value(c.pk)) for c in children], output_field=BigIntegerField())


LFT_MAX = 2**31 - 1


def bounds(org):
    """`org`'s subtree for hand-written SQL: ``tree_id BETWEEN %(t0)s AND %(t1)s AND lft BETWEEN
    %(l)s AND %(r)s`` -- a tree root's whole block, any other org's lft range in its tree."""
    if org.lft == 1:
        return {"t0": org.tree_id, "t1": org.tree_last, "l": 1, "r": LFT_MAX}
    return {"t0": org.tree_id, "t1": org.tree_id, "l": org.lft, "r": org.rght}


class Part:
    """One share of the country for a national job (`core.jobs`): a contiguous block of tree ids."""

    def __init__(self, label, first, last):
        self.label, self.first, self.last = label, first, last

    def q(self, via=""):
        """Q: rows whose `via` org lies in this share (one tree-id range)."""
        tree_id, _ = _fields(via)
        return Q(**{f"{tree_id}__range": (self.first, self.last)})

    def __repr__(self):
        return f"Part({self.label!r}, {self.first}, {self.last})"


def partitions(model):
    """The country cut along its top: the tree of each top org, then the block of each of its
    children (a provincial organ, or a unit directly under 团中央), in tree order. Every org lies in
    exactly one part; each part is one tree-id range."""
    parts = []
    for root in model._default_manager.filter(parent__isnull=True).order_by(*ORDER):
        parts.append(Part(root.name, root.tree_id, root.tree_id))
        if owns_range(root):
            for child in model._default_manager.filter(parent=root).order_by(*ORDER):
                parts.append(Part(child.name, child.tree_id, child.tree_last))
    return parts
