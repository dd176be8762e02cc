"""自检表更正 on the shared ChangeRequest base (issue 23): 已撤回, 审批时间 (filled from the last
change of the rows already decided), the filing org RESTRICTed rather than cascaded."""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def decided_at(apps, schema_editor):
    model = apps.get_model("rectification", "SelfCheckCorrectionRequest")
    model.objects.exclude(state="pending").update(decided_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0011_change_request"),
        ("rectification", "0002_delisted_forms_count_as_key"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="selfcheckcorrectionrequest",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="审批时间"),
        ),
        migrations.AlterField(
            model_name="selfcheckcorrectionrequest",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="审批人",
            ),
        ),
        migrations.AlterField(
            model_name="selfcheckcorrectionrequest",
            name="filed_by_org",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="orgs.organization",
                verbose_name="申请组织",
            ),
        ),
        migrations.AlterField(
            model_name="selfcheckcorrectionrequest",
            name="state",
            field=django_fsm.FSMField(
                choices=[
                    ("pending", "待审批"),
                    ("approved", "已同意"),
                    ("rejected", "不同意"),
                    ("withdrawn", "已撤回"),
                ],
                default="pending",
                max_length=50,
                protected=True,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(decided_at, migrations.RunPython.noop),
    ]
