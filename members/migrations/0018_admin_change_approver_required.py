"""Fill what 0017 added for the existing rows, then make 管理员变更's approver required.

The approver of a 管理员变更 was always the org's direct superior; 审批时间 of a decided request is
its last change. Not atomic: on PostgreSQL a table can't be altered in the transaction that updated
its rows (deferred foreign-key checks); the fill can run again."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def fill(apps, schema_editor):
    organization = apps.get_model("orgs", "Organization")
    admin_change = apps.get_model("members", "AdminChangeRequest")
    parent = organization.objects.filter(pk=OuterRef("filed_by_org_id")).values("parent_id")
    admin_change.objects.update(approver_id=Subquery(parent))
    for name in ("AdminChangeRequest", "ArchiveChangeRequest", "DeletionRequest"):
        apps.get_model("members", name).objects.exclude(state="pending").update(decided_at=F("updated_at"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("members", "0017_change_request"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="adminchangerequest",
            name="approver",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.organization",
                verbose_name="审批组织",
            ),
        ),
    ]
