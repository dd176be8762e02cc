"""Wording the user reads (issue 21): no doubled 请, and the product addresses the user as 您 —
Django's own password texts (你) included."""

from pathlib import Path

import pytest
from django.conf import settings

from tests import factories as f

SOURCES = ("zhtj", "members", "orgs", "incentives", "transfers", "rectification", "templates", "static/js")


def _product_files():
    root = Path(settings.BASE_DIR)
    for folder in SOURCES:
        for path in (root / folder).rglob("*"):
            if path.suffix in (".py", ".html", ".js") and "migrations" not in path.parts:
                yield path


def test_no_doubled_please():
    """ "请请求上级组织协助" was shown: no text of the product repeats 请."""
    doubled = [str(p) for p in _product_files() if "请请" in p.read_text(encoding="utf-8")]
    assert not doubled


@pytest.mark.usefixtures("fast_hasher")
def test_password_pages_say_nin_not_ni(db, client):
    """修改密码 and 忘记密码 show the password rules (and their errors) with 您, never Django's 你."""
    person = f.person("改密码", password="Zhtj-pass-2026")
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    pages = [client.get("/password/change/")]
    pages.append(
        client.post(
            "/password/change/",
            {"old_password": "Zhtj-pass-2026", "new_password1": "12345678", "new_password2": "12345678"},
        )
    )
    pages.append(
        client.post(
            "/password/change/",
            {"old_password": "Zhtj-pass-2026", "new_password1": "password", "new_password2": "password"},
        )
    )
    client.logout()
    pages.append(client.get("/password/forgot/"))
    bodies = [p.content.decode() for p in pages]
    assert "您的密码不能全是数字" in bodies[0] and "密码不能全是数字。" in bodies[1]
    assert "该密码过于常见" in bodies[2]
    for body in bodies:
        assert "你" not in body
