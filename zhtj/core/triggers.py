"""Database triggers that hold a rule (ORG-03, ORG-10 …), one `Triggers` per migration.

On PostgreSQL the migration creates them (`forwards`) and drops them (`backwards`). SQLite
rebuilds a whole table when a migration alters it and trips over triggers that name it, so
there they are dropped before every migrate and created after it (members/apps.py calls
`sqlite_drop` / `sqlite_create`), not kept in the migration.
"""


class Triggers:
    def __init__(self, *, postgres, postgres_drop, sqlite, sqlite_drop, after_create=None):
        self.postgres, self.postgres_drop = postgres, postgres_drop
        self.sqlite, self.sqlite_drop_statements = sqlite, sqlite_drop
        self.after_create = after_create  # e.g. a backfill of what the triggers keep from now on

    def forwards(self, apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.postgres)
        if self.after_create is not None:
            self.after_create(schema_editor.connection)

    def backwards(self, apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.postgres_drop)

    def sqlite_drop(self, connection):
        self._run(connection, self.sqlite_drop_statements)

    def sqlite_create(self, connection):
        self._run(connection, [*self.sqlite_drop_statements, *self.sqlite])

    @staticmethod
    def _run(connection, statements):
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
