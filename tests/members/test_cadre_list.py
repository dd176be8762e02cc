"""团干部列表 (MEM-12, MEM-08, SEC-03, CAD-01/02 操作 column, CAD-05 hint)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.choices import PostNature
from tests import factories as f
from tests.members.cadre_setup import build, cadre

pytestmark = pytest.mark.usefixtures("fast_hasher")


def test_lists_subtree_posts_with_masked_numbers(client, login, tree):
    """MEM-12 / SEC-03: the acting org's subtree only; ID and phone numbers masked in the list."""
    s = build(tree)
    page = login(s.col_admin, tree.col_a).get("/members/cadres/").content.decode()
    assert s.col_cadre.person.name in page and s.branch_deputy.person.name in page
    assert s.uni_cadre.person.name not in page and s.col_b_cadre.person.name not in page
    person = s.col_cadre.person
    assert person.id_number not in page and person.masked_id_number in page
    uni_page = login(s.uni_admin, tree.uni).get("/members/cadres/").content.decode()
    assert "13812345678" not in uni_page and "138****5678" in uni_page


def test_search_and_filters(client, login, tree):
    """MEM-12: search by name, filter by org subtree, nature and completeness (MEM-08 flag)."""
    s = build(tree)
    full_time = cadre(tree.col_b, "专职干部", nature=PostNature.FULL_TIME)
    c = login(s.uni_admin, tree.uni)
    assert "专职干部" in c.get("/members/cadres/", {"nature": "full_time"}).content.decode()
    assert "学院委员" not in c.get("/members/cadres/", {"nature": "full_time"}).content.decode()
    by_org = c.get("/members/cadres/", {"org": tree.col_a.pk}).content.decode()
    assert "学院委员" in by_org and "支部副书记" in by_org and full_time.person.name not in by_org
    assert "学院委员" in c.get("/members/cadres/", {"q": "学院委"}).content.decode()
    # Nobody here has a complete record: 信息完整 lists nobody, 信息不完整 everybody.
    assert "暂无团干部" in c.get("/members/cadres/", {"complete": "1"}).content.decode()
    assert "学院委员" in c.get("/members/cadres/", {"complete": "0"}).content.decode()


@pytest.mark.parametrize(
    "params", [{"nature": "boss"}, {"complete": "maybe"}, {"org": "abc"}, {"org": "1" * 30}, {"page": "x"}]
)
def test_bad_filters_are_400_or_ignored(client, login, tree, params):
    """SEC-06: a malformed filter is a 400 with a Chinese message (a bad page number falls back)."""
    s = build(tree)
    r = login(s.uni_admin, tree.uni).get("/members/cadres/", params)
    if "page" in params:
        assert r.status_code == 200
    else:
        assert r.status_code == 400 and "筛选条件无效" in r.content.decode()


def test_out_of_scope_org_filter_is_404(client, login, tree):
    """ROLE-02: filtering by an org outside the subtree is a 404."""
    s = build(tree)
    r = login(s.col_admin, tree.col_a).get("/members/cadres/", {"org": tree.col_b.pk})
    assert r.status_code == 404


def test_action_column_only_where_allowed(client, login, tree):
    """CAD-01 / CAD-02: 职务变更 for own and direct sub-org posts (the 团支部书记 only for the superior);
    移除 only for a 团委's own posts; 重置密码验证码 kept."""
    s = build(tree)
    col = login(s.col_admin, tree.col_a).get("/members/cadres/").content.decode()
    assert f"/members/cadres/{s.branch_secretary_post.pk}/change/" in col
    assert f"/members/cadres/{s.col_cadre.pk}/remove/" in col
    assert f"/members/cadres/{s.branch_deputy.pk}/remove/" not in col
    assert "重置密码验证码" in col
    branch = login(s.branch_admin, tree.branch_a).get("/members/cadres/").content.decode()
    assert f"/members/cadres/{s.branch_secretary_post.pk}/change/" not in branch
    assert f"/members/cadres/{s.branch_deputy.pk}/change/" in branch
    assert "/remove/" not in branch
    uni = login(s.uni_admin, tree.uni).get("/members/cadres/").content.decode()
    # Grand-children: no 职务变更 (隔级).
    assert f"/members/cadres/{s.branch_deputy.pk}/change/" not in uni


def test_volunteer_hint(client, login, tree):
    """CAD-05: cadres who are not registered volunteers carry a hint."""
    s = build(tree)
    volunteer = cadre(tree.col_a, "志愿者干部", is_volunteer=True)
    page = login(s.col_admin, tree.col_a).get("/members/cadres/").content.decode()
    row = page.split(f'data-post="{volunteer.pk}"')[1].split("</tr>")[0]
    assert "未注册志愿者" not in row
    row = page.split(f'data-post="{s.col_cadre.pk}"')[1].split("</tr>")[0]
    assert "未注册志愿者" in row


def test_constant_queries(client, login, tree):
    """MEM-12 / performance: the list runs the same number of queries for 3 or 30 cadres."""
    s = build(tree)
    c = login(s.uni_admin, tree.uni)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/members/cadres/").status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(25):
        cadre(f.branch(tree.col_b), f"干部{i}")
    assert count() == small


def test_edit_button_where_the_edit_is_allowed(client, login, tree):
    """MEM-12 / ROLE-08: 团干部列表 carries 编辑 like 团员列表 (seed 003 FAQ: non-members are edited
    from 团干部列表) for the post's org and its direct superior; a grand-parent only views, a
    省级团委 admin edits everyone (name, gender, ID number included)."""
    s = build(tree)

    def edit(person):
        return f'href="/members/{person.pk}/edit/"'

    uni = login(s.uni_admin, tree.uni).get("/members/cadres/").content.decode()
    assert edit(s.uni_cadre.person) in uni and edit(s.col_cadre.person) in uni
    assert edit(s.branch_deputy.person) not in uni  # 隔级
    assert login(s.uni_admin, tree.uni).get(f"/members/{s.branch_deputy.person.pk}/edit/").status_code == 403
    col = login(s.col_admin, tree.col_a).get("/members/cadres/").content.decode()
    assert edit(s.branch_deputy.person) in col and edit(s.col_cadre.person) in col
    assert login(s.col_admin, tree.col_a).get(f"/members/{s.branch_deputy.person.pk}/edit/").status_code == 200
    province = login(f.admin_of(tree.province), tree.province).get("/members/cadres/").content.decode()
    assert edit(s.branch_deputy.person) in province
