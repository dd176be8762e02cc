"""MEM-07: `manage.py benchmark_import` runs the real import path and leaves nothing behind."""

from io import StringIO

from django.core.management import call_command

from members.models import Person


def test_benchmark_import_small(db, fast_hasher):
    before = Person.objects.count()
    out = StringIO()
    call_command("benchmark_import", "--rows", "30", stdout=out)
    assert "导入 30 行，失败 0 行，库中 30 人（已回滚）" in out.getvalue()
    assert Person.objects.count() == before
