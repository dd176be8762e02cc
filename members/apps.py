from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate

# Migrations whose triggers, on SQLite, live outside migrations (see migration 0003), with the
# orgs column each needs (a database migrated only part of the way has no such column yet).
TRIGGER_MIGRATIONS = (
    ("0003_branch_kind_trigger", "is_branch_kind"),
    ("0009_secretary_ready_triggers", "secretary_ready"),
)


def _sqlite_triggers(action):
    """ORG-03's and ORG-10's triggers on SQLite: dropped before every migrate, created after it."""

    def handler(sender, using="default", **kwargs):
        from django.db import connections

        connection = connections[using]
        if connection.vendor != "sqlite":
            return
        tables = connection.introspection.table_names()
        if "members_person" not in tables or "orgs_organization" not in tables:
            return
        with connection.cursor() as cursor:
            columns = {c.name for c in connection.introspection.get_table_description(cursor, "orgs_organization")}
        for name, column in TRIGGER_MIGRATIONS:
            if action == "drop" or column in columns:
                getattr(import_module(f"members.migrations.{name}").TRIGGERS, f"sqlite_{action}")(connection)

    return handler


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "团员与团干部"

    def ready(self):
        # 操作中心 kinds, jobs, home cards, signals, the e-archive's login prompt
        from . import archive_hooks, figures, home_cards, inbox, jobs, prompts, signals  # noqa: F401

        # weak=False: nothing else holds these closures; a weakly held one is collected and the
        # triggers silently missing (it only survived while DEBUG's checks kept a reference).
        pre_migrate.connect(
            _sqlite_triggers("drop"), sender=self, weak=False, dispatch_uid="members_sqlite_triggers_drop"
        )
        post_migrate.connect(
            _sqlite_triggers("create"), sender=self, weak=False, dispatch_uid="members_sqlite_triggers_create"
        )
