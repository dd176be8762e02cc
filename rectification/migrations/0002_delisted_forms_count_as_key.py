"""REC-11: forms a key branch submitted after 已摘牌 count in 重点整顿团支部列表. Forms stored before
this change were marked outside key rectification; after the record's key_since the only such forms
of the branch's own were submitted as 已摘牌 (every other state after it is a key state)."""

from django.db import migrations
from django.db.models import F


def mark(apps, schema_editor):
    SelfCheck = apps.get_model("rectification", "SelfCheck")
    SelfCheck.objects.filter(
        record__key_since__isnull=False,
        submitted_at__gt=F("record__key_since"),
        while_key=False,
        by_superior=False,
    ).update(while_key=True)


class Migration(migrations.Migration):
    dependencies = [("rectification", "0001_campaign_grading")]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
