"""毕业时间更正 on the shared ChangeRequest base (issue 23): 已撤回, 审批时间 (filled from the last
change of the rows already decided), the filing org RESTRICTed rather than cascaded."""

import django.db.models.deletion
import django_fsm
from django.db import migrations, models
from django.db.models import F


def decided_at(apps, schema_editor):
    model = apps.get_model("orgs", "GraduationCorrectionRequest")
    model.objects.exclude(state="pending").update(decided_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0010_forest_numbers"),
    ]

    operations = [
        migrations.AddField(
            model_name="graduationcorrectionrequest",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="审批时间"),
        ),
        migrations.AlterField(
            model_name="graduationcorrectionrequest",
            name="filed_by_org",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="orgs.organization",
                verbose_name="申请组织",
            ),
        ),
        migrations.AlterField(
            model_name="graduationcorrectionrequest",
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
