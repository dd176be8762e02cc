"""团员列表 (MEM-12, SEC-03, MEM-08, MEM-09)."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from tests.members.people_data import person_born

LIST = reverse("members:list")


def full(name, branch, **kw):
    data = dict(
        ethnicity="汉族",
        education="bachelor",
        occupation="student",
        occupation_detail="undergraduate",
        political_status="league_member",
        joined_month=date(2015, 5, 1),
        mobile="13812345678",
        party_application_submitted=False,
        is_volunteer=False,
    )
    data.update(kw)
    return person_born(name, data.pop("birth", date(2000, 1, 1)), branch=branch, **data)


def test_list_masks_flags_and_has_no_delete(tree, login, fast_hasher):
    """SEC-03: ID and phone masked; MEM-08: completeness per row; MEM-09: no delete button;
    ROLE-07: the key icon for the branch admin."""
    complete = full("完整", tree.branch_a)
    partial = f.person("不全", branch=tree.branch_a)
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    html = client.get(LIST).content.decode()
    assert complete.id_number not in html and complete.masked_id_number in html
    assert "13812345678" not in html and "138****5678" in html
    row = html[html.index(f'data-person="{complete.pk}"') :]
    assert "完整</span>" in row[: row.index("</tr>")]
    row = html[html.index(f'data-person="{partial.pk}"') :]
    assert "不完整" in row[: row.index("</tr>")]
    assert "重置密码验证码" in html and "删除</" not in html and "bi-trash" not in html


def test_search_and_filters(tree, login, fast_hasher):
    """MEM-12: search by name or ID number; filters by branch, 政治面貌, completeness, verification."""
    a = full("张三丰", tree.branch_a, political_status="party_member", party_joined_month=date(2021, 7, 1))
    b = f.person("李四", branch=tree.branch_a)
    c = full("王五", tree.branch_b)
    client = login(f.admin_of(tree.uni), tree.uni)

    def names(query):
        html = client.get(LIST + query).content.decode()
        return {p.name for p in (a, b, c) if f'data-person="{p.pk}"' in html}

    assert names("") == {"张三丰", "李四", "王五"}
    assert names("?q=三丰") == {"张三丰"}
    assert names(f"?q={b.id_number}") == {"李四"}
    assert names(f"?branch={tree.branch_b.pk}") == {"王五"}
    assert names("?political_status=party_member") == {"张三丰"}
    assert names("?complete=0") == {"李四"}
    assert names("?complete=1") == {"张三丰", "王五"}
    assert names("?verification=passed") == set()
    assert client.get(LIST + "?branch=x&complete=9&page=abc&political_status=<b>").status_code == 200


def test_scope_and_constant_queries(tree, login, fast_hasher):
    """ROLE-02: a sibling subtree sees nothing; the list runs the same queries for 5 or 50 people."""
    admin = f.admin_of(tree.col_a)
    client = login(admin, tree.col_a)
    for i in range(5):
        full(f"人员{i:02d}", tree.branch_a)
    other = full("别人", tree.branch_b)
    assert f'data-person="{other.pk}"' not in client.get(LIST).content.decode()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx)

    small = count()
    for i in range(45):
        full(f"成员{i:02d}", tree.branch_a)
    assert count() == small


def test_pages_keep_the_filters(tree, login, fast_hasher, settings):
    """MEM-12: paging through a filtered list keeps the filter."""
    settings.ZHTJ = settings.ZHTJ | {"LIST_PAGE_SIZE": 2}
    for i in range(3):
        full(f"人员{i}", tree.branch_a)
    html = login(f.admin_of(tree.branch_a), tree.branch_a).get(LIST + "?complete=1&q=人员").content.decode()
    assert "complete=1" in html and "page=2" in html


def test_edit_and_deletion_offered_only_where_allowed(tree, login, fast_hasher):
    """ROLE-08 / ROLE-03 / MEM-09: the branch and its direct superior see 编辑 (list and person page)
    and the 删除申请 form; a grand-parent only views (no button that would answer 403); a
    省级团委 admin sees 编辑 (it edits name, gender and ID) but files no 删除申请 (it decides them)."""
    person = f.person("某团员", branch=tree.branch_a)
    edit = f'href="/members/{person.pk}/edit/"'
    for org, may in ((tree.branch_a, True), (tree.col_a, True), (tree.uni, False)):
        client = login(f.admin_of(org), org)
        assert (edit in client.get(LIST).content.decode()) is may, org
        page = client.get(reverse("members:detail", args=[person.pk])).content.decode()
        assert ('id="edit-person"' in page) is may and ('id="deletion-request"' in page) is may, org
    client = login(f.admin_of(tree.province), tree.province)
    assert edit in client.get(LIST).content.decode()
    page = client.get(reverse("members:detail", args=[person.pk])).content.decode()
    assert 'id="edit-person"' in page and 'id="deletion-request"' not in page


def test_branch_filter_is_a_name_search_beyond_a_list_length(tree, login, settings, fast_hasher):
    """MEM-12 at scale: a subtree with more branches than MEMBER_LIST_BRANCH_CHOICES gets a 团支部
    name search instead of a drop-down of every branch (a province has thousands)."""
    a, b = f.person("甲", branch=tree.branch_a), f.person("乙", branch=tree.branch_b)
    client = login(f.admin_of(tree.uni), tree.uni)
    html = client.get(LIST).content.decode()
    assert 'name="branch"' in html and tree.branch_b.name in html and 'name="branch_name"' not in html
    settings.ZHTJ = settings.ZHTJ | {"MEMBER_LIST_BRANCH_CHOICES": 1}
    html = client.get(LIST).content.decode()
    assert 'name="branch_name"' in html and "<select" in html  # the other filters stay lists
    html = client.get(LIST, {"branch_name": tree.branch_b.name[:2]}).content.decode()
    assert f'data-person="{b.pk}"' in html and f'data-person="{a.pk}"' not in html
