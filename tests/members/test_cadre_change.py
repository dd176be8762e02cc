"""团干部职务变更 and 职务变更记录 (CAD-01, ROLE-03, ORG-12, CAD-05)."""

from datetime import date

import pytest

from members.cadres import CadreError, change_post
from members.choices import NATURE_HELP, Occupation, PostTitle
from members.models import CadrePost, PostChange
from members.validation import STUDENT_NATURE
from tests import factories as f
from tests.members.cadre_setup import build, cadre

pytestmark = pytest.mark.usefixtures("fast_hasher")

NEW = {"title": PostTitle.DEPUTY_SECRETARY, "nature": "full_time", "started_on": "2025-03"}


def url(post):
    return f"/members/cadres/{post.pk}/change/"


def test_change_keeps_a_record_shown_on_the_cadre_page(client, login, tree):
    """CAD-01: the post gets its new title/nature/month; the change is kept in 职务变更记录 (who, from,
    to, when, by whom) and shown on the cadre's page."""
    s = build(tree)
    c = login(s.col_admin, tree.col_a)
    r = c.post(url(s.col_cadre), NEW)
    assert r.status_code == 302
    post = CadrePost.objects.get(pk=s.col_cadre.pk)
    assert (post.title, post.nature, post.started_on) == (PostTitle.DEPUTY_SECRETARY, "full_time", date(2025, 3, 1))
    change = PostChange.objects.get(post=post)
    assert (change.from_title, change.to_title, change.changed_by, change.acting_org) == (
        PostTitle.COMMITTEE_MEMBER,
        PostTitle.DEPUTY_SECRETARY,
        s.col_admin,
        tree.col_a,
    )
    page = c.get(f"/members/cadres/{post.pk}/").content.decode()
    assert "职务变更记录" in page and "委员（兼职）" in page and "副书记（专职）" in page


def test_direct_superior_may_change_grand_parent_may_not(client, login, tree):
    """CAD-01 / ROLE-03: a direct sub-org's cadre may be changed; a grand-parent gets 403 隔级."""
    s = build(tree)
    assert login(s.col_admin, tree.col_a).post(url(s.branch_deputy), NEW).status_code == 302
    r = login(s.uni_admin, tree.uni).post(url(s.branch_deputy), {**NEW, "title": "staff"})
    assert r.status_code == 403 and "隔级无法操作" in r.content.decode()
    assert CadrePost.objects.get(pk=s.branch_deputy.pk).title == PostTitle.DEPUTY_SECRETARY


def test_branch_secretary_post_only_through_the_superior(client, login, tree):
    """CAD-01: changing the 团支部书记 post needs the superior; the branch itself gets a 403 saying so,
    also when it tries to make someone else 书记."""
    s = build(tree)
    branch = login(s.branch_admin, tree.branch_a)
    r = branch.post(url(s.branch_secretary_post), NEW)
    assert r.status_code == 403 and "团支部书记的职务变更须由团支部的直属上级团组织管理员办理" in r.content.decode()
    r = branch.post(url(s.branch_deputy), {**NEW, "title": PostTitle.SECRETARY})
    assert r.status_code == 403
    assert not PostChange.objects.exists()
    r = login(s.col_admin, tree.col_a).post(url(s.branch_secretary_post), NEW)
    assert r.status_code == 302
    assert CadrePost.objects.get(pk=s.branch_secretary_post.pk).title == PostTitle.DEPUTY_SECRETARY


def test_admin_slot_kept_on_change(client, login, tree):
    """ORG-12: a change of title keeps the same active post, so its admin slot stays valid."""
    s = build(tree)
    login(s.col_admin, tree.col_a).post(url(s.branch_secretary_post), NEW)
    post = CadrePost.objects.get(pk=s.branch_secretary_post.pk)
    assert post.is_admin and post.ended_on is None


def test_out_of_scope_is_404(client, login, tree):
    """ROLE-02: another subtree's cadre is a 404."""
    s = build(tree)
    c = login(s.col_admin, tree.col_a)
    assert c.get(url(s.col_b_cadre)).status_code == 404
    assert c.post(url(s.col_b_cadre), NEW).status_code == 404
    assert c.get("/members/cadres/999999/change/").status_code == 404


@pytest.mark.parametrize(
    "data, message",
    [
        ({**NEW, "title": "king"}, "新职务（团内现任职务）的选项无效"),
        ({**NEW, "nature": ""}, "请选择团干部性质。"),
        ({**NEW, "started_on": "2025-13"}, "任现职年月格式不正确"),
        ({**NEW, "started_on": "yesterday"}, "任现职年月格式不正确"),
        ({**NEW, "started_on": "2999-01"}, "至当前月份之间"),
        ({**NEW, "started_on": "1900-01"}, "至当前月份之间"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(client, login, tree, data, message):
    """SEC-06: bad input is a 400 with a Chinese message; the post and the record are untouched."""
    s = build(tree)
    r = login(s.col_admin, tree.col_a).post(url(s.col_cadre), data)
    assert r.status_code == 400 and message in r.content.decode()
    assert CadrePost.objects.get(pk=s.col_cadre.pk).title == PostTitle.COMMITTEE_MEMBER
    assert not PostChange.objects.exists()


def test_no_change_is_refused(client, login, tree):
    """CAD-01: a 'change' to the same post is refused, so the record holds real changes only."""
    s = build(tree)
    r = login(s.col_admin, tree.col_a).post(
        url(s.col_cadre), {"title": s.col_cadre.title, "nature": s.col_cadre.nature, "started_on": "2024-09"}
    )
    assert r.status_code == 400 and "未作变更" in r.content.decode()


def test_one_secretary_per_org(client, login, tree):
    """CAD-01 (decision): an org with a 书记 gets no second one until the first is changed or removed."""
    s = build(tree)
    r = login(s.uni_admin, tree.uni).post(url(s.uni_cadre), {**NEW, "title": PostTitle.SECRETARY})
    assert r.status_code == 409 and "已有现任书记" in r.content.decode()


def test_student_cadres_are_part_time(client, login, tree):
    """CAD-05: student cadres are 兼职; another nature is refused. The form shows the definitions."""
    s = build(tree)
    student = cadre(tree.col_a, "学生干部", occupation=Occupation.STUDENT)
    c = login(s.col_admin, tree.col_a)
    assert NATURE_HELP[:20] in c.get(url(student)).content.decode()
    r = c.post(url(student), NEW)
    assert r.status_code == 400 and "学生团干部均作为兼职团干部" in r.content.decode()
    assert c.post(url(student), {**NEW, "nature": "part_time"}).status_code == 302


def test_ended_post_cannot_be_changed(client, login, tree):
    """CAD-01: a removed post is not offered (404)."""
    s = build(tree)
    CadrePost.objects.filter(pk=s.col_cadre.pk).update(ended_on=date(2025, 1, 1))
    assert login(s.col_admin, tree.col_a).post(url(s.col_cadre), NEW).status_code == 404


def test_record_shows_only_posts_in_scope(client, login, tree):
    """ROLE-02: a person's 职务变更记录 of a post outside the acting org's subtree is not shown."""
    s = build(tree)
    elsewhere = CadrePost.objects.create(person=s.col_cadre.person, org=tree.col_b, title=PostTitle.STAFF)
    login(f.admin_of(tree.col_b, "学院B书记"), tree.col_b).post(url(elsewhere), {**NEW, "title": "propaganda_member"})
    assert PostChange.objects.filter(post=elsewhere).exists()
    page = login(s.col_admin, tree.col_a).get(f"/members/cadres/{s.col_cadre.pk}/").content.decode()
    assert "宣传委员" not in page and "暂无职务变更记录" in page


def test_change_page_offers_own_and_direct_sub_org_cadres(client, login, tree):
    """CAD-01: 团干部职务变更 lists the acting org's and its direct sub-orgs' cadres (the 团支部书记
    only for the superior), and the subtree's 职务变更记录; constant queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    s = build(tree)
    c = login(s.uni_admin, tree.uni)
    page = c.get("/members/cadres/changes/").content.decode()
    assert "学院委员" in page and "校团委委员" in page and "支部副书记" not in page  # grand-child: 隔级
    branch = login(s.branch_admin, tree.branch_a).get("/members/cadres/changes/").content.decode()
    row = branch.split(f'data-post="{s.branch_secretary_post.pk}"')[1].split("</tr>")[0]
    assert "直属上级团组织管理员办理" in row and "/change/" not in row
    login(s.col_admin, tree.col_a).post(url(s.branch_deputy), NEW)
    c = login(s.uni_admin, tree.uni)
    assert "副书记（专职）" in c.get("/members/cadres/changes/").content.decode()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/members/cadres/changes/").status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(10):
        cadre(tree.uni, f"新干部{i}")
    assert count() == small


def test_who_may_change_is_decided_by_the_service_on_the_locked_row(tree):
    """CAD-01 / ROLE-03 / SEC-04: the service itself refuses (403, the rule's words) whoever the
    view let through: a grand-parent (隔级), a branch on its own 书记 post or making a 书记."""
    s = build(tree)
    deputy = CadrePost.objects.select_related("org", "person").get(pk=s.branch_deputy.pk)
    secretary = CadrePost.objects.select_related("org", "person").get(pk=s.branch_secretary_post.pk)
    superior_only = "团支部书记的职务变更须由团支部的直属上级团组织管理员办理。"
    cases = [
        (tree.uni, deputy, PostTitle.STAFF, "隔级无法操作：只有本组织或直属上级团组织的管理员可以办理职务变更。"),
        (tree.branch_a, secretary, PostTitle.DEPUTY_SECRETARY, superior_only),
        (tree.branch_a, deputy, PostTitle.SECRETARY, superior_only),
    ]
    for acting, post, title, message in cases:
        with pytest.raises(CadreError) as refused:
            change_post(acting, post, title=title, nature="full_time", started_on=date(2025, 3, 1), by=s.uni_admin)
        assert (str(refused.value), refused.value.status) == (message, 403)
    assert not PostChange.objects.exists()


def test_change_refusals_of_the_service_say_why(tree):
    """CAD-05 / CAD-01: a student cadre made 专职, a change to the same post, a second 书记 --
    each refused by the service with its own words and status."""
    s = build(tree)
    student = cadre(tree.col_a, "学生干部", occupation=Occupation.STUDENT)
    student = CadrePost.objects.select_related("org", "person").get(pk=student.pk)
    with pytest.raises(CadreError) as refused:
        change_post(tree.col_a, student, title="staff", nature="full_time", started_on=date(2025, 3, 1), by=s.col_admin)
    assert (str(refused.value), refused.value.status) == (STUDENT_NATURE, 400)
    post = CadrePost.objects.select_related("org", "person").get(pk=s.col_cadre.pk)
    with pytest.raises(CadreError) as refused:
        change_post(tree.col_a, post, title=post.title, nature=post.nature, started_on=post.started_on, by=s.col_admin)
    assert (str(refused.value), refused.value.status) == ("新职务与现任职务相同，未作变更。", 400)
    uni_post = CadrePost.objects.select_related("org", "person").get(pk=s.uni_cadre.pk)
    with pytest.raises(CadreError) as refused:
        change_post(tree.uni, uni_post, title=PostTitle.SECRETARY, nature="part_time", started_on=None, by=s.uni_admin)
    assert (str(refused.value), refused.value.status) == (
        f"{tree.uni.name}已有现任书记校团委书记，请先变更或移除其职务。",
        409,
    )
    assert not PostChange.objects.exists()


def test_only_a_changed_part_is_a_change(tree):
    """CAD-01: title, nature and 任现职年月 each alone make a change (all three the same refuse)."""
    s = build(tree)
    for changed in ({"title": PostTitle.STAFF}, {"nature": "full_time"}, {"started_on": date(2025, 1, 1)}):
        post = CadrePost.objects.select_related("org", "person").get(pk=s.col_cadre.pk)
        now = {"title": post.title, "nature": post.nature, "started_on": post.started_on}
        change_post(tree.col_a, post, **{**now, **changed}, by=s.col_admin)
    assert PostChange.objects.filter(post=s.col_cadre).count() == 3


def test_change_record_holds_both_sides(tree):
    """CAD-01: the 职务变更记录 row holds the post before and after (title, nature, 任现职年月), its
    person and org, who changed it for which org; the post itself is the new one."""
    s = build(tree)
    post = CadrePost.objects.select_related("org", "person").get(pk=s.col_cadre.pk)
    change_post(
        tree.col_a, post, title=PostTitle.STAFF, nature="full_time", started_on=date(2025, 3, 1), by=s.col_admin
    )
    change = PostChange.objects.get(post=post)
    assert (change.kind, change.person, change.org, change.changed_by, change.acting_org) == (
        "change",
        post.person,
        tree.col_a,
        s.col_admin,
        tree.col_a,
    )
    assert (change.from_title, change.from_nature, change.from_started_on) == (
        PostTitle.COMMITTEE_MEMBER,
        "part_time",
        date(2024, 9, 1),
    )
    assert (change.to_title, change.to_nature, change.to_started_on) == (PostTitle.STAFF, "full_time", date(2025, 3, 1))
    post = CadrePost.objects.get(pk=post.pk)
    assert (post.title, post.nature, post.started_on) == (PostTitle.STAFF, "full_time", date(2025, 3, 1))


def test_a_new_secretary_where_the_org_has_none(tree):
    """CAD-01 (decision): the one-书记 rule looks at the org's own active 书记 only -- once the
    branch's 书记 became 副书记, another cadre may become 书记, whatever other orgs hold."""
    s = build(tree)
    old = CadrePost.objects.select_related("org", "person").get(pk=s.branch_secretary_post.pk)
    change_post(tree.col_a, old, title=PostTitle.DEPUTY_SECRETARY, nature=old.nature, started_on=None, by=s.col_admin)
    deputy = CadrePost.objects.select_related("org", "person").get(pk=s.branch_deputy.pk)
    change_post(tree.col_a, deputy, title=PostTitle.SECRETARY, nature=deputy.nature, started_on=None, by=s.col_admin)
    assert CadrePost.objects.get(pk=deputy.pk).title == PostTitle.SECRETARY
