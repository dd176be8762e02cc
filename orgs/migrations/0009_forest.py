"""The org tree becomes a forest (issue 18, `zhtj.core.tree`): every leadership organ and every child
of one roots a django-mptt tree of its own, a leadership organ owns a block of tree ids, and
`level` stays the depth in the country while django-mptt's depth moves to `tree_level`.

The rows are renumbered by 0010 (a migration of its own: row updates leave deferred foreign-key
checks that forbid schema changes in the same transaction)."""

import django.db.models.deletion
import mptt.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0008_notice_read_count"),
    ]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="tree_id",
            field=models.BigIntegerField(db_index=True, editable=False),
        ),
        migrations.AlterField(
            model_name="organization",
            name="level",
            field=models.PositiveIntegerField(editable=False),
        ),
        migrations.AddField(
            model_name="organization",
            name="tree_last",
            field=models.BigIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="organization",
            name="tree_level",
            field=models.PositiveIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="organization",
            name="tree_parent",
            field=mptt.fields.TreeForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tree_children",
                to="orgs.organization",
            ),
        ),
        migrations.RemoveIndex(model_name="organization", name="org_level_range"),
        # one level of a subtree (组织录入情况): the level first, then the subtree's range
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["level", "tree_id", "lft"], name="org_level_subtree"),
        ),
    ]
