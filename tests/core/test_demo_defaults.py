"""The embedded default (no environment) is the demo, and it shows what production does (issue 21):
the product's own Chinese error pages; Django's technical pages only by an explicit ZHTJ_DEBUG=1."""

import json
import sqlite3

from .test_deploy_check import run_in_fresh_process

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
body = Client().get("/no-such-page/").content.decode()
print(json.dumps({"debug": settings.DEBUG, "product": "页面不存在" in body, "technical": "URLconf" in body}))
"""


def _probe(tmp_path, **env):
    result = run_in_fresh_process(
        ["-c", PROBE],
        {
            "DJANGO_SETTINGS_MODULE": "zhtj.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "ZHTJ_DEMO_DIR": str(tmp_path / "demo"),
            "REDIS_URL": None,
        }
        | env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_demo_serves_the_products_404_page(tmp_path):
    """Issue 21: with no environment a wrong address gets the Chinese 404, not Django's URL list."""
    assert _probe(tmp_path) == {"debug": False, "product": True, "technical": False}


def test_developers_ask_for_debug_pages_explicitly(tmp_path):
    """ZHTJ_DEBUG=1 (and only that) gives Django's technical 404."""
    assert _probe(tmp_path, ZHTJ_DEBUG="1") == {"debug": True, "product": False, "technical": True}


def test_the_demo_database_gets_its_triggers(tmp_path):
    """ORG-03 / ORG-10 on the demo's SQLite file: `migrate` (DEBUG off) creates the triggers that
    migrations leave to members/apps.py on SQLite."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "ZHTJ_DEMO_DIR": str(tmp_path / "demo")}
    migrate = run_in_fresh_process(["manage.py", "migrate", "--noinput"], env | {"REDIS_URL": None})
    assert migrate.returncode == 0, migrate.stderr
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        triggers = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {
        "members_person_branch_kind_ins",
        "members_post_secretary_ready_ins",
        "orgs_org_keeps_branch_kind",
    } <= triggers
