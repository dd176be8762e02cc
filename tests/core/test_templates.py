"""Template-wide guarantees: every POST form is guarded, every page is phone-ready."""

import re
from pathlib import Path

from django.test import Client

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)


def test_every_post_form_carries_the_one_time_token():
    """BEY-06 / SEC-02: each POST form in every template renders {% form_guard %} (CSRF + one-time token)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for body in FORM.findall(path.read_text(encoding="utf-8")):
            if "{% form_guard %}" not in body:
                offenders.append(path.relative_to(TEMPLATES))
    assert not offenders, f"POST forms without {{% form_guard %}}: {offenders}"


def test_base_layout_is_responsive():
    """BEY-04: the layout declares a device-width viewport and collapses the menu on small screens."""
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in base
    assert "offcanvas-lg" in base and "table-responsive" in (TEMPLATES / "members/member_list.html").read_text()


def test_csrf_failure_is_a_chinese_403(db):
    """SEC-02 / SEC-06: a post without a valid CSRF token is refused with a Chinese message, not Django's English page."""
    client = Client(enforce_csrf_checks=True)
    r = client.post("/login/", {"username": "x", "password": "y"})
    assert r.status_code == 403
    assert "请刷新页面后重新提交" in r.content.decode()
