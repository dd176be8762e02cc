"""The migrations match the models — including the constraints that read settings.ZHTJ (ORG-12's
admin slots): a changed setting without its migration fails here."""

from io import StringIO

from django.core.management import call_command


def test_no_missing_migrations(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
