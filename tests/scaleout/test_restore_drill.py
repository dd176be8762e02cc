"""The restore drill of docs/deployment.md, at the demo's size: pg_dump the database, pg_restore it
into a fresh one, and the copy is the same — every table's row count — and usable: the demo
logins work against it and it takes new rows (its sequences came along)."""

import re
import shutil
import subprocess
from contextlib import contextmanager
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from members.models import Person
from tests.services import unavailable
from zhtj.core.idnumber import make_id_number

pytestmark = pytest.mark.django_db(transaction=True)
LOGIN = re.compile(r"账号 (\S+)\s+密码 (\S+)")


def _url(name):
    db = connection.settings_dict
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _run(*command):
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command[0]}: {done.stderr}"


def _admin(sql):
    """A statement outside any transaction (CREATE / DROP DATABASE)."""
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _row_counts():
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor, include_views=False))
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


@contextmanager
def _connected_to(name):
    """The project's connection on another database of the same server (as Django's own test
    setup points it at the test database)."""
    settings_dict = connection.settings_dict
    before = settings_dict["NAME"]
    connection.close()
    settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        settings_dict["NAME"] = before


def test_dump_restores_into_a_fresh_database(fast_hasher, tmp_path):
    """BEY-11: the documented drill — pg_dump -Fc, createdb, pg_restore — gives a database with the
    same rows in every table and every migration applied, where every demo login still works and
    new rows can be added."""
    if connection.vendor != "postgresql":
        unavailable("the restore drill needs a PostgreSQL DATABASE_URL")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} not found: install postgresql-client")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    logins = [(account, password) for account, password in LOGIN.findall(out.getvalue()) if password != "（已修改）"]
    assert len(logins) >= 5
    source = connection.settings_dict["NAME"]
    copy = f"{source}_restored"
    dump = tmp_path / "zhtj.dump"

    _run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", _url(source))
    _admin(f'DROP DATABASE IF EXISTS "{copy}"')
    _admin(f'CREATE DATABASE "{copy}"')
    try:
        _run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_url(copy)}", str(dump))
        expected = _row_counts()
        with _connected_to(copy):
            assert connection.settings_dict["NAME"] == copy
            assert _row_counts() == expected
            call_command("migrate", check_unapplied=True, verbosity=0)  # exits if anything is left to apply
            for account, password in logins:
                client = Client()
                response = client.post(reverse("login"), {"username": account, "password": password})
                assert response.status_code == 302, account
                assert client.session.get("_auth_user_id"), account
            # the sequences came along: a new person doesn't collide with a restored id
            Person.objects.create_user(make_id_number("650102", date(2003, 7, 9), 777), name="恢复后新增")
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
