"""Template-wide guarantees: every POST form is guarded, every page is phone-ready."""

import re
from pathlib import Path

from django.test import Client

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
GUARD = re.compile(r"{% form_guard( [\w.]+)? %}")  # {% form_guard item %} adds the item's seen_state


def test_every_post_form_carries_the_one_time_token():
    """BEY-06 / SEC-02: each POST form in every template renders {% form_guard %} (CSRF + one-time token)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for body in FORM.findall(path.read_text(encoding="utf-8")):
            if not GUARD.search(body):
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


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
OBJECT_ELEMENT = re.compile(r"<(object|embed)\b", re.I)
COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def test_templates_need_nothing_the_content_security_policy_refuses():
    """SEC-08: no inline <script>, no on*= handler, no style="" attribute or <style> element, no
    <object>/<embed> in any template: the policy (script-src/style-src 'self', object-src 'none')
    would block them. Behaviour lives in static/js, sizes in static/css."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        for name, pattern in (
            ("inline script", INLINE_SCRIPT),
            ("on*= handler", HANDLER),
            ("style attribute", STYLE_ATTRIBUTE),
            ("style element", STYLE_ELEMENT),
            ("object/embed", OBJECT_ELEMENT),
        ):
            offenders += [f"{path.relative_to(TEMPLATES)}: {name}: {m.group(0)[:80]}" for m in pattern.finditer(text)]
    assert not offenders, "\n".join(offenders)
