"""SEC-06 on 团内大数据, 管理员变更 and 延迟毕业: an id typed into the URL or a form by hand ('²' and
'１２' pass str.isdigit but are no ids; 30 digits overflow the database integer; 'abc') is
answered 400/404 with a Chinese page or ignored, never a 500, and nothing stored changes."""

from datetime import date

import pytest
from django.urls import reverse

from members.choices import PostTitle
from members.models import AdminChangeRequest, CadrePost, GraduateMark
from orgs.choices import OrgCategory
from orgs.models import Organization
from tests import factories as f

MALFORMED_IDS = ["²", "１２", "9" * 30, "abc"]
STATS = ["members:stats_age", "members:stats_ethnicity", "members:stats_education"]


@pytest.mark.parametrize("junk", MALFORMED_IDS)
@pytest.mark.parametrize("url", [*STATS, "download"])
def test_malformed_org_of_statistics(tree, login, fast_hasher, url, junk):
    """SEC-06 / STAT-01: ?org= of a chart or its Excel download answers 400 with the reason."""
    url = reverse("members:stats_download", args=["age"]) if url == "download" else reverse(url)
    r = login(f.admin_of(tree.col_a), tree.col_a).get(url, {"org": junk})
    assert r.status_code == 400 and "统计范围无效" in r.content.decode()


@pytest.mark.parametrize("junk", MALFORMED_IDS)
@pytest.mark.parametrize("own", [True, False], ids=["own-org", "sub-org"])
def test_malformed_post_of_admin_change(tree, login, fast_hasher, own, junk):
    """SEC-06 / ORG-12: 管理员变更 for a malformed post id is a 404 (as for another org's post);
    no request is filed and no admin right changes."""
    deputy = f.person("副书记", branch=tree.branch_a)
    post = CadrePost.objects.create(person=deputy, org=tree.branch_a, title=PostTitle.DEPUTY_SECRETARY)
    if own:
        client, url = login(f.admin_of(tree.branch_a), tree.branch_a), reverse("members:admin_change")
    else:
        client = login(f.admin_of(tree.col_a), tree.col_a)
        url = reverse("members:admin_change_sub", args=[tree.branch_a.pk])
    r = client.post(url, {"post": junk, "action": "add"})
    assert r.status_code == 404 and "页面不存在" in r.content.decode()
    assert not AdminChangeRequest.objects.exists()
    assert CadrePost.objects.get(pk=post.pk).admin_slot is None


@pytest.mark.parametrize("junk", MALFORMED_IDS)
def test_malformed_back_of_unmark(tree, login, fast_hasher, junk):
    """SEC-06 / GRAD-01: 撤销 with a malformed `back` org returns to 延迟毕业团员列表 (the default)."""
    Organization.objects.filter(pk=tree.branch_a.pk).update(
        category=OrgCategory.GRADUATE, graduation_month=date(2026, 7, 1), graduation_marked_at="2026-01-01T00:00Z"
    )
    teacher = f.person("教师", branch=tree.branch_a, is_graduate=True)
    client = login(f.admin_of(tree.col_a), tree.col_a)
    graduates = reverse("members:graduates", args=[tree.branch_a.pk])
    assert client.post(graduates, {"persons": [teacher.pk], "kind": "teacher"}).status_code == 302
    r = client.post(reverse("members:graduate_unmark"), {"persons": [teacher.pk], "back": junk})
    assert r.status_code == 302 and r.url == reverse("members:delayed")
    assert not GraduateMark.objects.exists()
