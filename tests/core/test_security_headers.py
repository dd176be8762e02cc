"""Content-Security-Policy and Permissions-Policy on every kind of response (SEC-08)."""

import pytest
from django.test import Client

from tests import factories as f

DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response):
    header = response["Content-Security-Policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip())


def assert_strict(response):
    got = policy(response)
    for directive, value in DIRECTIVES.items():
        assert got.get(directive) == value, (directive, response["Content-Security-Policy"])
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


@pytest.fixture
def admin_client(tree, fast_hasher, login):
    return login(f.admin_of(tree.col_a), tree.col_a)


def test_pages_and_error_pages_carry_the_policy(db):
    """SEC-08: a page, a 404 page, a 405 page and the plain health check all carry the strict policy."""
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert_strict(page)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_strict(missing)
    wrong_method = client.get("/logout/")
    assert wrong_method.status_code == 405
    assert_strict(wrong_method)
    assert_strict(client.get("/healthz/"))


def test_file_downloads_and_htmx_partials_carry_the_policy(admin_client):
    """SEC-08: an Excel download (a streamed file) and an htmx partial carry it too."""
    download = admin_client.get("/orgs/create/template/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert_strict(download)
    partial = admin_client.get(
        "/orgs/create/full-name/", {"name": "软件学院团委", "category": "committee"}, HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert_strict(partial)


def test_a_refusal_page_carries_the_policy(admin_client):
    """SEC-08: a refusal rendered by our 400 page (a NUL in the query) is covered as well."""
    nul = admin_client.get("/orgs/create/", {"q": "\x00"})
    assert nul.status_code == 400
    assert_strict(nul)
