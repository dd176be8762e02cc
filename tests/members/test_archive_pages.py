"""ARC-01 / ARC-07 / SEC-03: 团员电子数据库, 下级支部团员电子数据库, 本级团干部电子数据库,
下级团员电子档案审批 and 我的团员电子档案: who is listed, search, status, scope, query counts."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.archives import decide_change
from members.choices import PostTitle
from members.models import ArchiveChangeRequest, CadrePost, MemberArchive
from tests import factories as f
from tests.members import archive_helpers
from tests.members.archive_helpers import pdf_upload
from tests.uploads import refused_page

arc, media = archive_helpers.arc, archive_helpers.media  # fixtures


def upload(client, person):
    return client.post(reverse("members:archive_upload", args=[person.pk]), {"file": pdf_upload()})


def rows(response):
    return response.content.decode().count("data-person=")


def test_branch_list_shows_2020_members_with_status_and_due_date(arc, login):
    """ARC-01: every 2020+ member with 档案是否上传, status and the due date; older members not."""
    client = login(arc.branch_admin, arc.tree.branch_a)
    response = client.get(reverse("members:archives"))
    text = response.content.decode()
    assert '<h1 class="h4 mb-3">团员电子数据库</h1>' in text
    assert "李新" in text and "王老" not in text and "赵乙" not in text
    assert "上传档案" in text and "尚未认证" in text and "2021-06-30" in text
    assert arc.new.id_number not in text and arc.new.masked_id_number in text  # SEC-03


def test_committee_list_covers_the_subtree_only(arc, login):
    """ARC-01 / ROLE-02: 下级支部团员电子数据库 holds the subtree's members, not a sibling's."""
    text = login(arc.col_a_admin, arc.tree.col_a).get(reverse("members:archives")).content.decode()
    assert "下级支部团员电子数据库" in text
    assert "李新" in text and "钱丙" in text and "赵乙" not in text


def test_upload_buttons_only_where_the_acting_org_may_upload(arc, login):
    """Seed FAQ (v) / ARC-03: the branch and its direct superior get 上传档案 and, after 认证不通过,
    替换档案; a grand-parent's list shows the status only (its person page is view-only)."""
    row = '<tr data-person="{}">'
    for admin, org, buttons in (
        (arc.branch_admin, arc.tree.branch_a, True),
        (arc.col_a_admin, arc.tree.col_a, True),
        (arc.uni_admin, arc.tree.uni, False),
    ):
        text = login(admin, org).get(reverse("members:archives")).content.decode()
        cell = text[text.index(row.format(arc.new.pk)) :].split("</tr>")[0]
        assert ("上传档案" in cell) is buttons and ("未上传" in cell) is not buttons
    archive = MemberArchive.objects.create(
        person=arc.new,
        file="archives/x.pdf",
        size=1,
        pages=1,
        state=MemberArchive.State.REJECTED,
        uploaded_by=arc.branch_admin,
        uploaded_by_org=arc.tree.branch_a,
        approver_org=arc.tree.col_a,
    )
    for admin, org, buttons in ((arc.branch_admin, arc.tree.branch_a, True), (arc.uni_admin, arc.tree.uni, False)):
        text = login(admin, org).get(reverse("members:archives")).content.decode()
        cell = text[text.index(row.format(archive.person_id)) :].split("</tr>")[0]
        assert ("替换档案" in cell) is buttons and "认证不通过" in cell


def test_status_follows_the_archive(arc, login):
    """ARC-01: 尚未认证 → 待审批 → 团员身份已认证, in the list."""
    branch = login(arc.branch_admin, arc.tree.branch_a)
    upload(branch, arc.new)
    assert "待审批" in branch.get(reverse("members:archives")).content.decode()
    archive = MemberArchive.objects.get()
    login(arc.col_a_admin, arc.tree.col_a).post(
        reverse("members:archive_review", args=[archive.pk]), {"decision": "approve"}
    )
    text = login(arc.branch_admin, arc.tree.branch_a).get(reverse("members:archives")).content.decode()
    assert "团员身份已认证" in text


@pytest.mark.parametrize(
    "query, found",
    [("李", True), ("202100000001", True), ("__ID__", True), ("__id__", True), ("赵乙", False), ("2021000", False)],
)
def test_search_by_name_id_or_development_number(arc, login, query, found):
    """ARC-07: search by 姓名 (part), 身份证号 (whole) or 发展团员编号 (whole), within scope only."""
    query = query.replace("__ID__", arc.new.id_number).replace("__id__", arc.new.id_number.lower())
    client = login(arc.col_a_admin, arc.tree.col_a)
    response = client.get(reverse("members:archives"), {"q": query})
    assert ("李新" in response.content.decode()) is found


def test_search_never_leaves_the_scope(arc, login):
    """ARC-07 / ROLE-02: a sibling's member is not found even by the exact ID number."""
    client = login(arc.col_a_admin, arc.tree.col_a)
    response = client.get(reverse("members:archives"), {"q": arc.other.id_number})
    assert rows(response) == 0


def test_status_filter_and_bad_value(arc, login):
    """ARC-04 link target and SEC-06: ?status=todo lists the unverified; a bad value is a 400."""
    client = login(arc.col_a_admin, arc.tree.col_a)
    assert rows(client.get(reverse("members:archives"), {"status": "todo"})) == 2
    assert rows(client.get(reverse("members:archives"), {"status": "verified"})) == 0
    bad = client.get(reverse("members:archives"), {"status": "<script>"})
    assert bad.status_code == 400
    assert "筛选条件无效" in bad.content.decode()
    assert client.get(reverse("members:archives"), {"page": "abc"}).status_code == 200


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_runs_a_constant_number_of_queries(arc, login):
    """Fast at scale: the list's query count doesn't grow with its rows (archives included)."""
    client = login(arc.col_a_admin, arc.tree.col_a)
    urls = [reverse("members:archives"), reverse("members:archive_approvals") + "?state=all"]
    upload(login(arc.branch_admin, arc.tree.branch_a), arc.new)
    client = login(arc.col_a_admin, arc.tree.col_a)
    small = [_queries(client, url) for url in urls]
    for i in range(12):
        person = f.person(f"新团员{i}", branch=arc.tree.branch_a, joined_month=date(2024, 1, 1))
        if i % 2:
            upload(login(arc.branch_admin, arc.tree.branch_a), person)
    client = login(arc.col_a_admin, arc.tree.col_a)
    assert [_queries(client, url) for url in urls] == small


def test_cadre_list_shows_own_cadres_who_joined_2020_or_later(arc, login):
    """本级团干部电子数据库: the acting org's own cadres who are 2020+ members, nobody else."""
    cadre = f.person("孙干", branch=arc.tree.branch_b, joined_month=date(2020, 9, 1))
    CadrePost.objects.create(person=cadre, org=arc.tree.col_a, title=PostTitle.DEPUTY_SECRETARY)
    old = f.person("周老", branch=arc.tree.branch_a, joined_month=date(2010, 9, 1))
    CadrePost.objects.create(person=old, org=arc.tree.col_a, title=PostTitle.COMMITTEE_MEMBER)
    client = login(arc.col_a_admin, arc.tree.col_a)
    text = client.get(reverse("members:archive_cadres")).content.decode()
    assert "孙干" in text and "周老" not in text and "李新" not in text
    small = _queries(client, reverse("members:archive_cadres"))
    for i in range(5):
        p = f.person(f"干部{i}", branch=arc.tree.branch_a, joined_month=date(2024, 1, 1))
        CadrePost.objects.create(person=p, org=arc.tree.col_a, title=PostTitle.COMMITTEE_MEMBER)
    assert _queries(client, reverse("members:archive_cadres")) == small


def test_approvals_page_lists_what_the_org_decides(arc, login):
    """ARC-03: 下级团员电子档案审批 lists the archives waiting for the acting org, not for others."""
    upload(login(arc.branch_admin, arc.tree.branch_a), arc.new)
    text = login(arc.col_a_admin, arc.tree.col_a).get(reverse("members:archive_approvals")).content.decode()
    assert "李新" in text and "审批" in text
    text = login(arc.uni_admin, arc.tree.uni).get(reverse("members:archive_approvals")).content.decode()
    assert "李新" not in text
    bad = login(arc.col_a_admin, arc.tree.col_a).get(reverse("members:archive_approvals"), {"state": "x"})
    assert bad.status_code == 400 and "筛选条件无效" in bad.content.decode()


def test_menu_entries(arc, login):
    """The seed's menu names: branch 团员电子数据库; committee 下级支部团员电子数据库 and
    下级团员电子档案审批; 本级团干部电子数据库; the member's 我的团员电子档案."""
    branch = login(arc.branch_admin, arc.tree.branch_a).get(reverse("home")).content.decode()
    assert "团员电子数据库" in branch and "下级支部团员电子数据库" not in branch
    committee = login(arc.col_a_admin, arc.tree.col_a).get(reverse("home")).content.decode()
    for label in ("下级支部团员电子数据库", "本级团干部电子数据库", "下级团员电子档案审批"):
        assert label in committee
    arc.new.set_password("Zhtj-pass-2026")
    arc.new.must_change_password = False
    arc.new.save()
    assert "我的团员电子档案" in login(arc.new).get(reverse("home")).content.decode()


def test_my_archive_page(arc, login):
    """ARC-07: the member sees 我的团员电子档案 with the status and a download link."""
    arc.new.must_change_password = False
    arc.new.save()
    client = login(arc.new)
    assert "尚未认证" in client.get(reverse("members:my_archive")).content.decode()
    upload(login(arc.col_a_admin, arc.tree.col_a), arc.new)
    archive = MemberArchive.objects.get()
    text = login(arc.new).get(reverse("members:my_archive")).content.decode()
    assert "团员身份已认证" in text
    assert reverse("members:archive_file", args=[archive.pk]) + "?download=1" in text
    arc.old.must_change_password = False
    arc.old.save()
    assert "不需要上传" in login(arc.old).get(reverse("members:my_archive")).content.decode()


def test_archive_pages_cost_the_same_queries_whatever_the_member_has(arc, login):
    """Issue 17: 团员电子档案 of a member reads the same SQL with no archive, a verified one and one
    with a change request; 我的团员电子档案 the same whether an archive is due, missing or there."""
    admin = login(arc.col_a_admin, arc.tree.col_a)
    page = reverse("members:archive_person", args=[arc.new.pk])
    none = _queries(admin, page)
    upload(admin, arc.new)  # the committee's own upload: verified at once
    assert MemberArchive.objects.get().state == MemberArchive.State.VERIFIED
    assert _queries(admin, page) == none
    admin.post(reverse("members:archive_change", args=[arc.new.pk]), {"explanation": "照片不清晰"})
    assert "变更申请（照片不清晰）" in admin.get(page).content.decode()
    assert _queries(admin, page) == none
    decide_change(ArchiveChangeRequest.objects.get(), "approve", by=arc.uni_admin, acting=arc.tree.uni)
    assert "替换档案</button>" in admin.get(page).content.decode()  # may_replace, read from the change
    assert _queries(admin, page) == none
    counts = set()
    for person in (arc.old, arc.other, arc.new):  # not due; due and missing; there
        person.must_change_password = False
        person.save()
        counts.add(_queries(login(person), reverse("members:my_archive")))
    assert len(counts) == 1


def test_person_page_links_to_the_archive_of_a_new_member(arc, login):
    """ARC-07: the admin's person page leads to 团员电子档案 for 2020+ members only."""
    c = login(arc.branch_admin, arc.tree.branch_a)
    page = c.get(f"/members/{arc.new.pk}/").content.decode()
    assert f'href="/members/archives/person/{arc.new.pk}/"' in page
    assert 'id="person-archive"' not in c.get(f"/members/{arc.old.pk}/").content.decode()


def test_entering_a_new_member_points_to_the_archive_list(arc, login, fast_hasher):
    """ARC-01 (seed FAQ (i)): entering a member who joined in 2020 or later tells the admin to
    upload the e-archive in 团员电子数据库; an older member brings no such notice."""
    from tests.members.people_data import person_post

    client = login(arc.branch_admin, arc.tree.branch_a)
    new = person_post(name="周新", joined_month="2024-05", development_number="202400000123")
    text = client.post(reverse("members:enter"), new, follow=True).content.decode()
    assert "已录入团员周新" in text and "其中1名为2020年及以后入团的新发展团员" in text
    text = client.post(reverse("members:enter"), person_post(name="吴旧"), follow=True).content.decode()
    assert "已录入团员吴旧" in text and "新发展团员" not in text


def test_importing_new_members_points_to_the_archive_list(arc, login, fast_hasher):
    """ARC-01 (seed FAQ (i)): of 3 imported members 2 joined in 2020 or later: the summary says so
    and links to 团员电子数据库; a file without new members says nothing."""
    import re

    from tests.members.import_files import good_row
    from tests.members.import_files import upload as workbook

    client = login(arc.branch_admin, arc.tree.branch_a)

    def imported(rows):
        r = client.post(reverse("members:import", args=["members"]), {"file": workbook("members", rows)})
        token = re.search(r"import-job/([\w-]+)/confirm/", r.content.decode())[1]
        client.post(reverse("members:import_confirm", args=[token]))
        return client.get(reverse("members:import_status", args=[token])).content.decode()

    rows = [
        good_row(f.new_id_number(), "甲新", 入团时间="2021-05", 发展团员编号="202100000101"),
        good_row(f.new_id_number(), "乙新", 入团时间="2022-05", 发展团员编号="202200000102"),
        good_row(f.new_id_number(), "丙旧"),
    ]
    text = imported(rows)
    assert "已导入 <strong>3</strong> 人" in text
    assert 'id="archive-notice"' in text and "其中2名为2020年及以后入团的新发展团员" in text
    assert reverse("members:archives") + "?status=none" in text
    assert 'id="archive-notice"' not in imported([good_row(f.new_id_number(), "丁旧")])


def test_person_page_of_a_cadre_without_a_branch(arc, login):
    """SEC-06 / ARC-01: a committee's own cadre may belong to no branch (a full-time 团干部 of the
    committee); their archive page and a refused upload show 所在团支部 as "—", not a server error."""
    cadre = f.person("周专职", joined_month=date(2021, 5, 1), development_number="202100000009")
    CadrePost.objects.create(person=cadre, org=arc.tree.col_a, title=PostTitle.DEPUTY_SECRETARY)
    client = login(arc.col_a_admin, arc.tree.col_a)
    page = client.get(reverse("members:archive_person", args=[cadre.pk]))
    assert page.status_code == 200 and "所在团支部：—" in page.content.decode()
    refused = client.post(reverse("members:archive_upload", args=[cadre.pk]), {})
    assert "所在团支部：—" in refused_page(client, refused)
    assert not MemberArchive.objects.filter(person=cadre).exists()
