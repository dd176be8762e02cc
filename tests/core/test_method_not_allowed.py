"""SEC-06: a wrong method gets a Chinese page and a 405, not Django's empty answer."""

import pytest
from django.urls import reverse

from tests import factories as f
from tests.core.test_access_policies import sample_url, walk


def test_get_on_a_post_only_address(tree, login):
    """SEC-06: GET on an address that only takes a form's POST: 405 with a reason and Allow."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    r = client.get(reverse("inbox_read"))
    assert r.status_code == 405 and "不支持这种访问方式" in r.content.decode()
    assert r["Allow"] == "POST"


@pytest.mark.parametrize("method", ["delete", "put"])
def test_no_address_answers_a_method_no_form_sends(tree, login, method):
    """Issue 21 / SEC-06: DELETE (PUT, PATCH, OPTIONS) on every address of the resolver, the Django
    admin included, is a 405 with the Chinese reason and Allow — never the page, never a change."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    urls = [url for url in (sample_url(e) for e in walk()) if url]
    assert len(urls) > 100
    wrong = []
    for url in urls:
        r = getattr(client, method)(url)
        if r.status_code != 405 or r["Allow"] != "GET, HEAD, POST" or "不支持这种访问方式" not in r.content.decode():
            wrong.append(f"{url}: {r.status_code}")
    assert not wrong, wrong
