"""Production hardening (SEC-02) and guarded forms on the login pages (SEC-02, BEY-06)."""

import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client

from tests import factories as f

NEW_PASSWORD = "Qingnian-2026!"


PRODUCTION_VARIABLES = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")


def run_in_fresh_process(args, env):
    """Run `args` (after the interpreter) in a fresh process with exactly this project's variables `env`."""
    ours = ("ZHTJ_", "SECURE_", *PRODUCTION_VARIABLES)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    full_env.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=full_env, capture_output=True, text=True, timeout=120
    )


def check_deploy(**env):
    """Run `manage.py check --deploy --fail-level WARNING` in a fresh process with `env`."""
    return run_in_fresh_process(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


def production_env(**overrides):
    """Production settings with every required variable; an override of None leaves one out.
    Nothing connects to these addresses: the checks only read them."""
    env = {
        "ZHTJ_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://zhtj@127.0.0.1:5432/zhtj",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
        "ALLOWED_HOSTS": "example.org",
    }
    env.update(overrides)
    return env


def test_check_deploy_is_clean_under_production_settings():
    """SEC-02: `manage.py check --deploy` reports no warnings or errors under production settings."""
    result = check_deploy(**production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert "System check identified no issues" in output, output


def test_check_deploy_catches_a_weak_secret_key():
    """SEC-02: the deploy check above can fail: a short SECRET_KEY under production settings is reported."""
    result = check_deploy(**production_env(SECRET_KEY="short"))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W009" in output


@pytest.mark.parametrize(
    "overrides, variable, check_id",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY", "zhtj.E001"),
        ({"SECRET_KEY": settings.DEVELOPMENT_SECRET_KEY}, "SECRET_KEY", "zhtj.E001"),
        ({"DATABASE_URL": None}, "DATABASE_URL", "zhtj.E002"),
        ({"REDIS_URL": None}, "REDIS_URL", "zhtj.E003"),
    ],
    ids=["no-secret-key", "development-secret-key", "no-database-url", "no-redis-url"],
)
def test_production_without_a_required_variable_is_a_check_error(overrides, variable, check_id):
    """SEC-08: in production mode a missing or development SECRET_KEY, a missing DATABASE_URL or
    REDIS_URL is a system-check ERROR naming the variable in Chinese and English -- even a plain
    `manage.py check` (what runserver and migrate run first) fails."""
    for args in (["manage.py", "check"], ["manage.py", "check", "--deploy"]):
        result = run_in_fresh_process(args, production_env(**overrides))
        output = result.stdout + result.stderr
        assert result.returncode != 0, output
        assert check_id in output and "ERRORS" in output, output
        assert f"缺少环境变量 {variable}" in output and f"environment variable {variable} is missing" in output
        others = {"zhtj.E001", "zhtj.E002", "zhtj.E003"} - {check_id}
        assert not any(other in output for other in others), output


def test_production_refuses_migrate_and_the_wsgi_application():
    """SEC-08: the process doesn't start: `migrate` stops at the check, and importing the WSGI
    application (what gunicorn does; it runs no system checks) raises with the variable's name."""
    env = production_env(REDIS_URL=None)
    migrate = run_in_fresh_process(["manage.py", "migrate", "--plan"], env)
    assert migrate.returncode != 0 and "zhtj.E003" in migrate.stderr, migrate.stdout + migrate.stderr
    wsgi = run_in_fresh_process(["-c", "import zhtj.wsgi"], env)
    assert wsgi.returncode != 0
    assert "ImproperlyConfigured" in wsgi.stderr and "REDIS_URL" in wsgi.stderr, wsgi.stderr
    assert run_in_fresh_process(["-c", "import zhtj.wsgi"], production_env()).returncode == 0


def test_check_deploy_flags_the_development_default():
    """SEC-02: without ZHTJ_ENV=production (no HTTPS settings) the deploy check is not clean, so the
    production block is what makes it pass; a developer's ZHTJ_DEBUG=1 is flagged too."""
    result = check_deploy(SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="example.org")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W004" in output and "security.W018" not in output  # no HSTS; DEBUG is off by default
    debug = check_deploy(SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="example.org", ZHTJ_DEBUG="1")
    assert "security.W018" in debug.stdout + debug.stderr


# --- every POST form on the login pages is guarded (SEC-02 CSRF, BEY-06 one-time token) --------


class _Forms(HTMLParser):
    """Collects each <form>: its method, action and hidden input values."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"), "h": {}}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and attrs.get("type") == "hidden":
            self._current["h"][attrs.get("name")] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def post_forms(response):
    parser = _Forms()
    parser.feed(response.content.decode())
    return [form for form in parser.forms if form["method"] == "post"]


def own_form(response):
    """The page's own form (the one posting back to the page, without an action)."""
    (form,) = [form for form in post_forms(response) if not form["action"]]
    return form


def assert_guarded(response):
    forms = post_forms(response)
    assert forms, "the page has no POST form"
    for form in forms:
        assert form["h"].get("csrfmiddlewaretoken"), form
        assert len(form["h"].get("_once", "")) >= 16, form
    return forms


@pytest.fixture
def member(tree):
    return f.person("王小明", branch=tree.branch_a)


def test_login_and_forgot_password_forms_are_guarded(client, db):
    """SEC-02 / BEY-06: every POST form on the login and 忘记密码 pages carries the CSRF token and a
    one-time `_once` token, fresh on every render."""
    first = assert_guarded(client.get("/login/"))
    second = assert_guarded(client.get("/login/"))
    assert first[0]["h"]["_once"] != second[0]["h"]["_once"]
    assert_guarded(client.get("/password/forgot/"))


def test_password_change_forms_are_guarded(client, tree, member):
    """SEC-02 / BEY-06: every POST form on 修改密码 — the forced first change and the normal page with
    its layout (退出登录, 切换其他组织) — carries CSRF and `_once` tokens."""
    client.post("/login/", {"username": member.id_number, "password": member.id_number[-8:]})
    assert_guarded(client.get("/password/change/"))

    admin = f.admin_of(tree.branch_a, "支书", password=NEW_PASSWORD)
    # A member who is also an admin sees the org switcher and the logout form.
    admin.branch = tree.branch_a
    admin.save()
    client.post("/logout/")
    client.post("/login/", {"username": admin.id_number, "password": NEW_PASSWORD})
    forms = assert_guarded(client.get("/password/change/"))
    actions = {form["action"] for form in forms}
    assert "/logout/" in actions and "/switch-org/" in actions


def test_login_form_needs_the_csrf_token(db, tree):
    """SEC-02: with CSRF checks on, a login post without the token is refused; with the token taken from
    the rendered form it succeeds."""
    person = f.person("李红", branch=tree.branch_a, password=NEW_PASSWORD)
    client = Client(enforce_csrf_checks=True)
    data = {"username": person.id_number, "password": NEW_PASSWORD}
    r = client.post("/login/", data)
    assert r.status_code == 403
    assert "_auth_user_id" not in client.session
    form = own_form(client.get("/login/"))
    r = client.post("/login/", {**data, **form["h"]})
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_same_once_token_runs_the_view_once(client, member):
    """BEY-06: posting the same `_once` token twice (double click, lag) runs the view once: two
    password changes with one token — the second answers 303 with 请勿重复提交 and the password is
    the first one's."""
    client.post("/login/", {"username": member.id_number, "password": member.id_number[-8:]})
    form = own_form(client.get("/password/change/"))
    first = {
        **form["h"],
        "old_password": member.id_number[-8:],
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    r = client.post("/password/change/", first)
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)

    second = {
        **first,
        "old_password": NEW_PASSWORD,
        "new_password1": "Second-pass-88",
        "new_password2": "Second-pass-88",
    }
    r = client.post("/password/change/", second)
    assert r.status_code == 303
    page = client.get(r["Location"])
    assert "请勿重复提交" in page.content.decode()
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert not member.check_password("Second-pass-88")

    # A fresh token (a new render of the form) is accepted again.
    form = own_form(client.get("/password/change/"))
    r = client.post("/password/change/", {**second, **form["h"]})
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.check_password("Second-pass-88")


def test_same_once_token_resets_with_a_code_once(client, tree, member):
    """BEY-06 / ROLE-07: a double-submitted 忘记密码 form uses the code once; the repeat is answered 303
    with 请勿重复提交 and changes nothing."""
    from members.services import issue_reset_code

    code = issue_reset_code(member, by=f.admin_of(tree.branch_a))
    form = own_form(client.get("/password/forgot/"))
    data = {
        **form["h"],
        "id_number": member.id_number,
        "code": code.code,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    assert client.post("/password/forgot/", data).status_code == 302
    again = {**data, "new_password1": "Other-9999", "new_password2": "Other-9999"}
    r = client.post("/password/forgot/", again, HTTP_REFERER="http://testserver/password/forgot/")
    assert r.status_code == 303 and r["Location"] == "http://testserver/password/forgot/"
    assert "请勿重复提交" in client.get(r["Location"]).content.decode()
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_repeated_post_with_a_malformed_referer_goes_home(client, tree, member):
    """BEY-06 / SEC-06: the repeat of a form is sent back to its Referer only when that is a page
    of this site; "abc" (which redirect() would take for a view name) or another host goes to
    the home page, never a server error."""
    from members.services import issue_reset_code

    code = issue_reset_code(member, by=f.admin_of(tree.branch_a))
    form = own_form(client.get("/password/forgot/"))
    data = {**form["h"], "id_number": member.id_number, "code": code.code}
    data |= {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post("/password/forgot/", data).status_code == 302
    for referer in ("abc", "-1", "http://evil.example/x", "http://[::1"):
        r = client.post("/password/forgot/", data, HTTP_REFERER=referer)
        assert r.status_code == 303 and r["Location"] == "/", referer
