"""Existing orgs renumbered into the forest (issue 18, `zhtj.core.tree`), from the old single tree's
depth-first order, so the order of siblings is kept: one walk in memory, then one set-based UPDATE
from a COPY-filled temporary table on PostgreSQL."""

from django.db import migrations

LEADERSHIP = "leadership"


def renumber(apps, schema_editor):
    from zhtj.core import tree

    Organization = apps.get_model("orgs", "Organization")
    rows = list(
        Organization.objects.order_by("tree_id", "lft").values_list("pk", "parent_id", "category", "leadership_level")
    )
    if not rows:
        return
    numbering = tree.Numbering()
    stack = []  # the current path: pks
    for pk, parent_id, category, level in rows:
        while stack and stack[-1] != parent_id:
            numbering.leave(stack.pop())
        block = tree.BLOCKS[level] if category == LEADERSHIP else None
        numbering.enter(pk, parent_id, block)
        stack.append(pk)
    while stack:
        numbering.leave(stack.pop())
    placed = numbering.placed
    if schema_editor.connection.vendor == "postgresql":  # one UPDATE from arrays, not a row at a time
        columns = list(zip(*((pk, *row) for pk, row in placed.items()), strict=True))
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE orgs_organization o SET tree_id = f.tree_id, tree_last = f.tree_last, lft = f.lft,"
                " rght = f.rght, tree_level = f.tree_level, tree_parent_id = f.tree_parent_id"
                " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::int[], %s::int[], %s::int[], %s::bigint[])"
                " AS f (id, tree_id, tree_last, lft, rght, tree_level, tree_parent_id) WHERE o.id = f.id",
                [list(c) for c in columns],
            )
        return
    objs = []
    for pk, (tree_id, tree_last, lft, rght, tree_level, tree_parent) in placed.items():
        objs.append(
            Organization(
                pk=pk,
                tree_id=tree_id,
                tree_last=tree_last,
                lft=lft,
                rght=rght,
                tree_level=tree_level,
                tree_parent_id=tree_parent,
            )
        )
    Organization.objects.bulk_update(
        objs, ["tree_id", "tree_last", "lft", "rght", "tree_level", "tree_parent"], batch_size=500
    )


def one_tree(apps, schema_editor):
    raise RuntimeError("The forest can't be folded back into one tree automatically; restore a backup.")


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0009_forest"),
    ]

    operations = [
        migrations.RunPython(renumber, one_tree),
    ]
