"""SEC-06 on the pages of 团员管理 and 团干部管理: ids and search text typed into the URL or a
form by hand are a 4xx or ignored, never a 500 ('²' and '１' pass str.isdigit but not int(); a
30-digit id overflows the database integer; PostgreSQL refuses NUL characters)."""

import pytest
from django.urls import reverse

from members.models import Person
from tests import factories as f

JUNK_IDS = ["²", "１２", "9" * 30, "-1", "1e3"]


@pytest.mark.parametrize("junk", JUNK_IDS)
def test_junk_ids_in_the_query_string(tree, login, junk):
    """SEC-06: 团员列表 ignores a malformed branch filter; the left tree of 录入下级支部成员 and
    批量导入 answers 404 for it, as for another subtree's branch."""
    f.person("某团员", branch=tree.branch_a)
    client = login(f.admin_of(tree.col_a), tree.col_a)
    r = client.get(reverse("members:list"), {"branch": junk})
    assert r.status_code == 200 and "某团员" in r.content.decode()
    assert client.get(reverse("members:enter_sub"), {"branch": junk}).status_code == 404
    assert client.get(reverse("members:import", args=["members"]), {"branch": junk}).status_code == 404


@pytest.mark.parametrize("junk", JUNK_IDS)
def test_junk_ids_in_posted_lists(tree, login, fast_hasher, junk):
    """SEC-06 / MEM-11: a tampered tick box of 超龄团员 is refused with a message; nobody leaves."""
    person = f.person("某团员", branch=tree.branch_a)
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    r = client.post(reverse("members:aged_out"), {"ids": [junk]}, follow=True)
    assert r.status_code == 200 and "请勾选要确认离团的超龄团员" in r.content.decode()
    assert Person.objects.get(pk=person.pk).branch_id == tree.branch_a.pk
    assert client.post(reverse("members:verify"), {"ids": [junk]}).status_code == 302


@pytest.mark.parametrize(
    "url", ["members:list", "members:cadres", "members:cadre_changes", "members:delayed", "members:aged_out"]
)
def test_nul_in_search_text(tree, login, url):
    """SEC-06: a NUL character in the search box is answered 400 with the reason, never sent to
    the database (zhtj.core.middleware.RefuseNulMiddleware)."""
    client = login(f.admin_of(tree.col_a), tree.col_a)
    r = client.get(reverse(url), {"q": "张\x00三"})
    assert r.status_code == 400 and "空字符" in r.content.decode()


def test_nul_in_posted_free_text(tree, login, fast_hasher):
    """SEC-06 / GRAD-01 / MEM-09: a NUL character in 延迟毕业原因 or a 删除申请's 审批意见 is refused
    with a 400 and the reason; nothing is stored or decided."""
    from datetime import date

    from members.models import DeletionRequest, GraduateMark
    from members.people import request_deletion
    from orgs.choices import OrgCategory
    from orgs.models import Organization

    Organization.objects.filter(pk=tree.branch_a.pk).update(
        category=OrgCategory.GRADUATE, graduation_month=date(2026, 7, 1)
    )
    graduate = f.person("毕业生", branch=tree.branch_a, is_graduate=True)
    client = login(f.admin_of(tree.col_a), tree.col_a)
    data = {"persons": [graduate.pk], "kind": "delayed", "month": "2027-01", "reason": "未修满\x00学分"}
    assert client.post(reverse("members:graduates", args=[tree.branch_a.pk]), data).status_code == 400
    assert not GraduateMark.objects.filter(person=graduate).exists()

    person = f.person("某团员", branch=tree.branch_b)
    req = request_deletion(person, tree.branch_b, person, "重复录入")
    client = login(f.admin_of(tree.province), tree.province)
    r = client.post(reverse("members:deletion_decide", args=[req.pk]), {"action": "reject", "note": "信息\x00有误"})
    assert r.status_code == 400
    assert DeletionRequest.objects.get(pk=req.pk).state == DeletionRequest.State.PENDING
