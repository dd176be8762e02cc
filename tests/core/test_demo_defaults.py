"""The embedded default (no environment) is the demo, and it shows what production does (issue 21):
the product's own Chinese error pages; Django's technical pages only by an explicit ZHTJ_DEBUG=1."""

import json

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
