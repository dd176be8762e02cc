"""SEC-06: a wrong method gets a Chinese page and a 405, not Django's empty answer."""

from django.urls import reverse

from tests import factories as f


def test_get_on_a_post_only_address(tree, login):
    """SEC-06: GET on an address that only takes a form's POST: 405 with a reason and Allow."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    r = client.get(reverse("inbox_read"))
    assert r.status_code == 405 and "不支持这种访问方式" in r.content.decode()
    assert r["Allow"] == "POST"
