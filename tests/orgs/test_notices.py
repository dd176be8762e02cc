"""工作通知 (NTC-01 … NTC-04) on the `tree` fixture:

团中央 → 团山东省委 → 团青岛市委 → 测试大学团委 → {学院A团委 → A1团支部, 学院B团委 → B1团支部}
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orgs import notices
from orgs.choices import OrgCategory
from orgs.models import Notice, NoticeAttachment, NoticeRead
from tests import factories as f
from tests.members.archive_helpers import pdf_bytes
from tests.office_files import exactly, ole_bytes, ooxml_bytes, xlsx_bytes
from tests.uploads import refused_page
from zhtj.core.audit import history_of
from zhtj.core.models import Notification

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _fast(fast_hasher):
    pass


@pytest.fixture
def admins(tree):
    return {
        name: f.admin_of(getattr(tree, name))
        for name in ("central", "province", "uni", "col_a", "col_b", "branch_a", "branch_b")
    }


def publish(org, person, **kw):
    kw.setdefault("title", "关于开展主题团日活动的通知")
    kw.setdefault("body", "请各级团组织认真组织。")
    return notices.publish(org, by=person, **kw)


def received(org):
    return set(notices.received_by(org).values_list("title", flat=True))


# --- NTC-01: who publishes, who receives -------------------------------------------------------


def test_central_notice_reaches_every_org(tree, admins):
    """NTC-01: 团中央's notices reach every org of the tree, at any depth, of any kind."""
    publish(tree.central, admins["central"], title="团中央通知")
    for name in ("province", "city", "uni", "col_a", "branch_a", "branch_b"):
        assert received(getattr(tree, name)) == {"团中央通知"}, name
    assert received(tree.central) == set()  # the publisher doesn't receive its own


def test_audience_kinds_only_branches(tree, admins):
    """NTC-01: a notice limited to 团支部 reaches the branches of the subtree and no committee;
    orgs outside the publisher's subtree never."""
    publish(tree.col_a, admins["col_a"], title="只发团支部", groups=["branch"])
    assert received(tree.branch_a) == {"只发团支部"}
    assert received(tree.branch_b) == set()  # another college's branch
    assert received(tree.uni) == set() and received(tree.col_b) == set()
    publish(tree.uni, admins["uni"], title="大学只发团支部", groups=["branch"])
    assert received(tree.branch_a) == {"只发团支部", "大学只发团支部"} and received(tree.branch_b) == {"大学只发团支部"}
    assert received(tree.col_a) == set()


def test_audience_levels(tree, admins):
    """NTC-01: levels count below the publisher: 二级组织 are its direct children only."""
    publish(tree.uni, admins["uni"], title="二级", levels=[1])
    publish(tree.uni, admins["uni"], title="三级", levels=[2])
    assert received(tree.col_a) == {"二级"} and received(tree.branch_a) == {"三级"}


def test_branch_and_general_branch_may_not_publish(tree, admins, login):
    """NTC-01: 团总支 and 团支部 don't publish (403 with the reason), committees do."""
    general = f.OrgFactory(parent=tree.col_a, category=OrgCategory.GENERAL_BRANCH, name="A总支")
    for org in (tree.branch_a, general):
        c = login(f.admin_of(org), org)
        response = c.post("/orgs/notices/new/", {"title": "t", "body": "b"})
        assert response.status_code == 403 and notices.NOT_A_PUBLISHER in response.content.decode()
    assert not Notice.objects.exists()
    c = login(admins["col_a"], tree.col_a)
    assert c.post("/orgs/notices/new/", {"title": "学院通知", "body": "正文"}).status_code == 302
    assert Notice.objects.get().publisher == tree.col_a


def test_publish_is_one_row_whatever_the_audience(tree, admins, django_assert_max_num_queries):
    """NTC-01: publishing to the whole tree writes the notice (and its audit row), nothing per org."""
    for i in range(30):
        f.branch(tree.col_b, f"B{i}团支部")
    with django_assert_max_num_queries(4):
        publish(tree.central, admins["central"])
    assert not NoticeRead.objects.exists() and not Notification.objects.exists()


# --- NTC-02: the receiving side ------------------------------------------------------------------


def test_home_card_list_and_read_marks(tree, admins, login):
    """NTC-02: the home card shows the newest notices with the unread count; opening marks it read
    for the org (one row), so the other admin of the same org sees it read too."""
    old = publish(tree.col_a, admins["col_a"], title="旧通知")
    new = publish(tree.uni, admins["uni"], title="新通知")
    Notice.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=1))
    c = login(admins["branch_a"], tree.branch_a)
    home = c.get("/").content.decode()
    card = home[home.index('id="notice-card"') :]
    assert card.index("新通知") < card.index("旧通知")
    assert 'title="未读">2<' in card
    page = c.get(f"/orgs/notices/{new.pk}/")
    assert page.status_code == 200 and "新通知" in page.content.decode()
    c.get(f"/orgs/notices/{new.pk}/")  # again: still one row
    assert NoticeRead.objects.filter(notice=new, org=tree.branch_a).count() == 1
    second = f.admin_of(tree.branch_a, "第二管理员")
    c2 = login(second, tree.branch_a)
    assert 'title="未读">1<' in c2.get("/").content.decode()
    rows = c2.get("/orgs/notices/").content.decode()
    assert rows.count("已读") == 1 and rows.count("未读") == 1


def test_list_search_and_paging_constant_queries(tree, admins, login, settings):
    """NTC-02: 工作通知 searches by title and pages with the same number of queries for 3 or 30."""
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 10}
    c = login(admins["branch_a"], tree.branch_a)
    for i in range(3):
        publish(tree.uni, admins["uni"], title=f"通知{i}")
    c.get("/orgs/notices/")
    with CaptureQueriesContext(connection) as few:
        c.get("/orgs/notices/")
    for i in range(3, 30):
        publish(tree.uni, admins["uni"], title=f"通知{i}")
    with CaptureQueriesContext(connection) as many:
        page = c.get("/orgs/notices/?page=2")
    assert len(many) == len(few)  # a page costs its COUNT and rows, short list or long (core.pagination)
    assert "第 2 / 3 页" in page.content.decode()
    found = c.get("/orgs/notices/", {"q": "通知17"}).content.decode()
    assert "通知17<" in found and "通知1<" not in found and "通知16<" not in found


# --- NTC-03: read rates, reminders -------------------------------------------------------------


def test_read_rates_per_direct_child_and_drill(tree, admins, login):
    """NTC-03: x of y orgs per direct child; drilling into a child shows its children."""
    notice = publish(tree.uni, admins["uni"])
    notices.mark_read(notice, tree.branch_a, admins["branch_a"])
    c = login(admins["uni"], tree.uni)
    html = c.get(f"/orgs/notices/{notice.pk}/reads/").content.decode()
    row_a = html[html.index("学院A团委") :][:200]
    row_b = html[html.index("学院B团委") :][:200]
    assert "1 / 2" in row_a and "50%" in row_a and "0 / 2" in row_b
    drilled = c.get(f"/orgs/notices/{notice.pk}/reads/", {"org": tree.col_a.pk}).content.decode()
    assert "A1团支部" in drilled and "1 / 1" in drilled and "本级" in drilled
    # outside the publisher's subtree: 404
    assert c.get(f"/orgs/notices/{notice.pk}/reads/", {"org": tree.city.pk}).status_code == 404


@pytest.mark.parametrize(("groups", "queries", "total"), [([], 2, 7), (["branch"], 2, 2)])
def test_read_rates_are_grouped_queries(tree, admins, django_assert_num_queries, groups, queries, total):
    """NTC-03: the rates of any number of children cost the same grouped queries: the reads, and the
    totals (the children here are leadership organs, whose subtrees span trees; see the next test for
    children inside one tree)."""
    notice = publish(tree.central, admins["central"], groups=groups)
    children = list(tree.central.get_children())
    with django_assert_num_queries(queries):
        notices.read_rates(notice, tree.central, children)
    for i in range(12):
        f.leadership(f"团测试{i}省委", tree.central, 2)
    tree.central.refresh_from_db()
    children = list(tree.central.get_children())
    notices.mark_read(notice, tree.branch_a, admins["branch_a"])
    with django_assert_num_queries(queries):
        rated = notices.read_rates(notice, tree.central, children)
    province = next(c for c in rated if c.pk == tree.province.pk)
    assert province.total == total and province.read == 1  # 省委 … A1, B1 (or A1, B1 only)
    assert all(c.total == 0 and c.read == 0 for c in rated if c.name.startswith("团测试")) or not groups


def test_read_counts_are_kept_with_the_read(tree, admins):
    """NTC-03 (issue 17): the first read of an org adds 1 to the count of every org on its path below
    the publisher, in the same write; a second read, or another admin's, adds nothing. 阅读情况 reads
    these counts (one row per child) instead of counting reads over the subtree."""
    from orgs.models import NoticeReadCount

    notice = publish(tree.central, admins["central"])
    notices.mark_read(notice, tree.branch_a, admins["branch_a"])
    notices.mark_read(notice, tree.branch_a, f.admin_of(tree.branch_a, "第二管理员"))
    notices.mark_read(notice, tree.col_b, admins["col_b"])
    counts = dict(NoticeReadCount.objects.filter(notice=notice).values_list("org__name", "reads"))
    assert counts == {
        tree.province.name: 2,
        tree.city.name: 2,
        tree.uni.name: 2,
        tree.col_a.name: 1,
        tree.branch_a.name: 1,
        tree.col_b.name: 1,
    }
    rated = {c.pk: c.read for c in notices.read_rates(notice, tree.uni, list(tree.uni.get_children()))}
    assert rated == {tree.col_a.pk: 1, tree.col_b.pk: 1}


def test_read_rates_of_a_notice_to_every_org_count_no_totals_inside_one_tree(tree, admins, django_assert_num_queries):
    """NTC-03: children inside one tree need no query for the totals of a notice to every org: an
    MPTT subtree's size is (rght - lft + 1) / 2."""
    notice = publish(tree.uni, admins["uni"])
    notices.mark_read(notice, tree.branch_a, admins["branch_a"])
    children = list(tree.uni.get_children())
    with django_assert_num_queries(1):
        rated = notices.read_rates(notice, tree.uni, children)
    assert [(c.name, c.total, c.read) for c in rated] == [("学院A团委", 2, 1), ("学院B团委", 2, 0)]


def test_receivers_do_not_see_read_rates(tree, admins, login):
    """NTC-03 / ROLE-02: a receiving branch opens the notice but not who else read it."""
    notice = publish(tree.uni, admins["uni"])
    c = login(admins["branch_a"], tree.branch_a)
    assert c.get(f"/orgs/notices/{notice.pk}/").status_code == 200
    assert c.get(f"/orgs/notices/{notice.pk}/reads/").status_code == 404


def test_remind_sends_notifications_to_unread_orgs_only(tree, admins, login):
    """NTC-03: 提醒 puts a notification in the 操作中心 of each unread org of the scope, one INSERT."""
    notice = publish(tree.uni, admins["uni"], groups=["branch"])
    notices.mark_read(notice, tree.branch_a, admins["branch_a"])
    c = login(admins["uni"], tree.uni)
    response = c.post(f"/orgs/notices/{notice.pk}/remind/", {"org": tree.uni.pk})
    assert response.status_code == 302
    sent = Notification.objects.filter(kind=notices.INBOX_KIND)
    assert [n.recipient_org for n in sent] == [tree.branch_b]
    inbox = login(admins["branch_b"], tree.branch_b).get("/inbox/").content.decode()
    assert "请及时查阅工作通知" in inbox


def test_remind_interval_edges(tree, admins):
    """NTC-03 (decision): one reminder per notice in NTC_REMIND_INTERVAL_HOURS (24): refused a
    second before, allowed at exactly 24 hours."""
    notice = publish(tree.uni, admins["uni"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert notices.remind(notice, tree.uni, by=admins["uni"]) == 4
    with (
        time_machine.travel(start + timedelta(hours=24, seconds=-1), tick=False),
        pytest.raises(notices.NoticeError, match="24小时内只能提醒一次"),
    ):
        notices.remind(notice, tree.uni, by=admins["uni"])
    with time_machine.travel(start + timedelta(hours=24), tick=False):
        assert notices.remind(notice, tree.uni, by=admins["uni"]) == 4


def test_only_the_publisher_reminds_edits_withdraws(tree, admins, login):
    """NTC-03 / NTC-04: an ancestor of the publisher views but may not act (403); a receiver 403s too."""
    notice = publish(tree.col_a, admins["col_a"])
    for who, org in (("uni", tree.uni), ("branch_a", tree.branch_a)):
        c = login(admins[who], org)
        assert c.post(f"/orgs/notices/{notice.pk}/withdraw/").status_code == 403
        assert c.post(f"/orgs/notices/{notice.pk}/remind/").status_code == 403
        assert c.post(f"/orgs/notices/{notice.pk}/edit/", {"title": "x", "body": "y"}).status_code == 403
    notice.refresh_from_db()
    assert not notice.is_withdrawn and notice.title != "x"


# --- NTC-04: withdraw, edit history, scope -----------------------------------------------------------


def test_withdraw_hides_from_receivers(tree, admins, login):
    """NTC-04: after 撤回 the receivers' lists lose it and its page is a 404; the publisher keeps it."""
    notice = publish(tree.col_a, admins["col_a"])
    c = login(admins["col_a"], tree.col_a)
    response = c.post(f"/orgs/notices/{notice.pk}/withdraw/", follow=True)
    assert "已撤回" in response.content.decode()
    assert received(tree.branch_a) == set()
    assert login(admins["branch_a"], tree.branch_a).get(f"/orgs/notices/{notice.pk}/").status_code == 404
    assert [h.action for h in history_of(notice)][:1] == ["withdraw"]


def test_edit_keeps_history(tree, admins, login):
    """NTC-04 / BEY-05: an edit is shown in 变更记录 with before and after."""
    notice = publish(tree.col_a, admins["col_a"], title="初稿标题")
    c = login(admins["col_a"], tree.col_a)
    response = c.post(
        f"/orgs/notices/{notice.pk}/edit/", {"title": "修改后标题", "body": "新正文", "groups": ["branch"]}
    )
    assert response.status_code == 302
    page = c.get(f"/orgs/notices/{notice.pk}/").content.decode()
    assert "标题：初稿标题 → 修改后标题" in page
    notice.refresh_from_db()
    assert notice.groups == ["branch"]


def test_out_of_scope_notice_is_404(tree, admins, login):
    """ROLE-02 / NTC-04: another college's notice and its attachments are 404 like a missing id."""
    notice = publish(tree.col_b, admins["col_b"], uploads=[SimpleUploadedFile("a.pdf", pdf_bytes())])
    attachment = notice.attachments.get()
    c = login(admins["col_a"], tree.col_a)
    for url in (
        f"/orgs/notices/{notice.pk}/",
        f"/orgs/notices/files/{attachment.pk}/",
        f"/orgs/notices/{notice.pk}/reads/",
    ):
        assert c.get(url).status_code == 404, url
    c = login(admins["branch_b"], tree.branch_b)
    response = c.get(f"/orgs/notices/files/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"


# --- attachments (NTC-01, SEC-05) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("通知.pdf", pdf_bytes()),
        ("方案.docx", ooxml_bytes("docx")),
        ("名单.xlsx", xlsx_bytes()),
        ("课件.pptx", ooxml_bytes("pptx")),
        ("旧版.doc", ole_bytes("WordDocument")),
        ("旧版.xls", ole_bytes("Workbook")),
        ("旧版.ppt", ole_bytes("PowerPoint Document")),
    ],
)
def test_real_documents_are_accepted(tree, admins, name, content):
    """NTC-01 / SEC-05: PDF and the six Office formats, told by their content, are stored."""
    notice = publish(tree.uni, admins["uni"], uploads=[SimpleUploadedFile(name, content)])
    assert notice.attachments.get().original_name == name


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("伪装.docx", b"MZ" + b"\0" * 500, "不是真正的 Office 文件"),
        ("表格.docx", xlsx_bytes(), "扩展名与内容不符"),
        ("旧版.xls", ole_bytes("WordDocument"), "扩展名与内容不符"),
        ("宏.docx", ooxml_bytes("docx", macro=True), "含有宏"),
        ("程序.exe", b"MZ" + b"\0" * 500, "格式不支持"),
        ("坏的.pdf", b"%PDF-1.7\n" + b"x" * 500, "PDF"),
    ],
)
def test_disguised_files_are_refused_and_nothing_is_stored(tree, admins, login, name, content, reason):
    """SEC-05: a file is judged by what it is; a refusal shows the reason on the form's page (303,
    the typed title kept), nothing stored."""
    c = login(admins["uni"], tree.uni)
    response = c.post(
        "/orgs/notices/new/", {"title": "t", "body": "b", "attachments": SimpleUploadedFile(name, content)}
    )
    html = refused_page(c, response)
    assert reason in html and 'name="title" id="id_title" class="form-control" maxlength="100" value="t"' in html
    assert not Notice.objects.exists() and not NoticeAttachment.objects.exists()


def test_attachment_size_edge_at_the_default(tree, admins):
    """NTC-01 / SEC-05: NTC_ATTACHMENT_MAX_BYTES (20 MB) is allowed to the byte, one more is refused."""
    limit = 20 * MB

    def docx(n):
        return SimpleUploadedFile("大文件.docx", exactly(n, lambda pad: ooxml_bytes("docx", pad=pad)))

    assert publish(tree.uni, admins["uni"], uploads=[docx(limit)]).attachments.get().size == limit
    with pytest.raises(notices.NoticeError, match="不能超过 20 MB"):
        publish(tree.uni, admins["uni"], uploads=[docx(limit + 1)])


def test_attachment_count_edge_at_the_default(tree, admins):
    """NTC-01 (decision): NTC_ATTACHMENTS_MAX (5) attachments per notice; a sixth is refused."""

    def files(n):
        return [SimpleUploadedFile(f"{i}.pdf", pdf_bytes()) for i in range(n)]

    assert publish(tree.uni, admins["uni"], uploads=files(5)).attachments.count() == 5
    with pytest.raises(notices.NoticeError, match="最多5个附件"):
        publish(tree.uni, admins["uni"], uploads=files(6))
