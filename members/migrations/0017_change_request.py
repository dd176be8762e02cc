"""删除人员申请, 团员电子档案变更申请 and 管理员变更 on the shared ChangeRequest base (issue 23).

Renamed, never dropped and re-added: `org` → `filed_by_org` (the filing org) and
`approver_org` → `approver`. 管理员变更 gains the approver it always had implicitly (the org's
direct superior, filled from the existing rows), 审批人 and 申请理由; all three gain 已撤回 and
审批时间; 0018 fills them for the existing rows."""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models

FILED_BY = dict(
    on_delete=django.db.models.deletion.RESTRICT, related_name="+", to="orgs.organization", verbose_name="申请组织"
)
STATES = [("pending", "待审批"), ("approved", "已同意"), ("rejected", "不同意"), ("withdrawn", "已撤回")]


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0016_subtree_figures_top_levels"),
        ("orgs", "0011_change_request"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="archivechangerequest", name="archchange_approver_state"),
        migrations.RenameField(model_name="archivechangerequest", old_name="approver_org", new_name="approver"),
        migrations.AddIndex(
            model_name="archivechangerequest",
            index=models.Index(fields=["approver", "state"], name="archchange_approver_state"),
        ),
        migrations.RenameField(model_name="archivechangerequest", old_name="org", new_name="filed_by_org"),
        migrations.RenameField(model_name="deletionrequest", old_name="org", new_name="filed_by_org"),
        migrations.RenameField(model_name="adminchangerequest", old_name="org", new_name="filed_by_org"),
        migrations.AlterField(
            model_name="archivechangerequest", name="filed_by_org", field=models.ForeignKey(**FILED_BY)
        ),
        migrations.AlterField(model_name="deletionrequest", name="filed_by_org", field=models.ForeignKey(**FILED_BY)),
        migrations.AlterField(
            model_name="adminchangerequest", name="filed_by_org", field=models.ForeignKey(**FILED_BY)
        ),
        migrations.AddField(
            model_name="adminchangerequest",
            name="approver",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.organization",
                verbose_name="审批组织",
            ),
        ),
        migrations.AddField(
            model_name="adminchangerequest",
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
        migrations.AddField(
            model_name="adminchangerequest",
            name="explanation",
            field=models.CharField(blank=True, max_length=500, verbose_name="申请理由"),
        ),
        migrations.AlterField(
            model_name="deletionrequest",
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
    ]
    operations += [
        migrations.AddField(
            model_name=model,
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="审批时间"),
        )
        for model in ("adminchangerequest", "archivechangerequest", "deletionrequest")
    ]
    operations += [
        migrations.AlterField(
            model_name=model,
            name="state",
            field=django_fsm.FSMField(
                choices=choices, default="pending", max_length=50, protected=True, verbose_name="状态"
            ),
        )
        for model, choices in (
            ("adminchangerequest", STATES),
            ("deletionrequest", STATES),
            (
                "archivechangerequest",
                [
                    ("pending", "待审批"),
                    ("approved", "已同意，待重新上传"),
                    ("rejected", "不同意"),
                    ("withdrawn", "已撤回"),
                    ("done", "已重新上传"),
                ],
            ),
        )
    ]
