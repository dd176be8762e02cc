"""SEC-06: a NUL character (%00) in a query string or form field is a 400 with the reason, never
a server error (PostgreSQL refuses text holding NUL), and nothing is written."""

from incentives.models import IncentiveRecord
from tests import factories as f


def test_nul_in_query_string_or_form_is_refused(tree, login, fast_hasher):
    admin = f.admin_of(tree.branch_a)
    client = login(admin, tree.branch_a)
    for url in ("/incentives/honors/?name=%00", "/members/?q=a%00b"):
        response = client.get(url)
        assert response.status_code == 400 and "空字符" in response.content.decode(), url
    before = IncentiveRecord.objects.count()
    member = f.person("团员", branch=tree.branch_a, password="x")
    response = client.post(
        "/incentives/opportunity/new/",
        {"person": [member.pk], "category": "training", "title": "培训\x00", "date": "2024-01-01"},
    )
    assert response.status_code == 400 and "空字符" in response.content.decode()
    assert IncentiveRecord.objects.count() == before
    assert client.get("/incentives/honors/?name=ok").status_code == 200
