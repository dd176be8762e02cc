"""移除团干部 (CAD-02, ORG-12, SEC-04)."""

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from members.cadres import CadreError, remove_post
from members.choices import PostTitle
from members.models import CadrePost, Person, PostChange
from tests import factories as f
from tests.concurrency import at_once
from tests.members.cadre_setup import build, cadre

pytestmark = pytest.mark.usefixtures("fast_hasher")


def url(post):
    return f"/members/cadres/{post.pk}/remove/"


def test_remove_with_other_and_text_keeps_the_person(client, login, tree):
    """CAD-02: the post ends, the person stays, the 移除去向 (其他 + text) is in 职务变更记录."""
    s = build(tree)
    c = login(s.col_admin, tree.col_a)
    r = c.post(url(s.col_cadre), {"destination": "other", "destination_other": "赴西部支教"})
    assert r.status_code == 302
    post = CadrePost.objects.get(pk=s.col_cadre.pk)
    assert post.ended_on == timezone.localdate()
    assert Person.objects.filter(pk=post.person_id).exists()
    change = PostChange.objects.get(post=post)
    assert (change.kind, change.destination_other) == ("remove", "赴西部支教")
    assert f'data-post="{post.pk}"' not in c.get("/members/cadres/").content.decode()
    assert "移除：其他（赴西部支教）" in c.get(f"/members/cadres/{post.pk}/").content.decode()


def test_removing_an_admin_drops_the_slot(client, login, tree):
    """CAD-02 / ORG-12: an admin post that ends loses its admin slot (admins are active posts)."""
    s = build(tree)
    second = f.admin_of(tree.col_a, "学院副书记", title=PostTitle.DEPUTY_SECRETARY)
    post = CadrePost.objects.get(person=second)
    r = login(s.col_admin, tree.col_a).post(url(post), {"destination": "retired"})
    assert r.status_code == 302
    post.refresh_from_db()
    assert post.admin_slot is None and post.ended_on is not None
    assert PostChange.objects.get(post=post).lost_admin


@pytest.mark.parametrize(
    "data, message",
    [
        ({"destination": "other", "destination_other": "  "}, "请填写具体去向"),
        ({"destination": ""}, "请选择移除去向。"),
        ({"destination": "moon"}, "移除去向的选项无效，请从列表中重新选择。"),
        ({"destination": "other", "destination_other": "长" * 101}, "不能超过100个字"),
    ],
)
def test_bad_input_is_400_and_nothing_changes(client, login, tree, data, message):
    """CAD-02 / SEC-06: 其他 needs text; a destination off the list is refused; nothing is stored."""
    s = build(tree)
    r = login(s.col_admin, tree.col_a).post(url(s.col_cadre), data)
    assert r.status_code == 400 and message in r.content.decode()
    assert CadrePost.objects.get(pk=s.col_cadre.pk).ended_on is None
    assert not PostChange.objects.exists()


def test_who_may_remove(client, login, tree):
    """CAD-02: 团委 and leadership organs on their own posts; not a sub-org's post, not a 团支部,
    not a 团总支 (decision), not one's own post."""
    s = build(tree)
    assert login(s.col_admin, tree.col_a).post(url(s.branch_deputy), {"destination": "resigned"}).status_code == 403
    r = login(s.branch_admin, tree.branch_a).post(url(s.branch_deputy), {"destination": "resigned"})
    assert r.status_code == 403 and "基层团委" in r.content.decode()
    general = f.OrgFactory(name="年级团总支", parent=tree.col_a, category="general_branch")
    general_admin = f.admin_of(general)
    general_cadre = cadre(general, "总支委员")
    assert login(general_admin, general).post(url(general_cadre), {"destination": "resigned"}).status_code == 403
    own = CadrePost.objects.get(person=s.col_admin)
    r = login(s.col_admin, tree.col_a).post(url(own), {"destination": "resigned"})
    assert r.status_code == 403 and "不能移除本人" in r.content.decode()
    city_cadre = cadre(tree.city, "市委干部")
    assert login(s.city_admin, tree.city).post(url(city_cadre), {"destination": "transferred"}).status_code == 302
    assert login(s.col_admin, tree.col_a).get(url(s.col_b_cadre)).status_code == 404
    assert CadrePost.objects.active().filter(pk__in=[s.branch_deputy.pk, general_cadre.pk, own.pk]).count() == 3


def test_removed_post_is_gone_from_list_and_cannot_be_removed_again(client, login, tree):
    """CAD-02: after removal the post leaves 团干部列表; a second removal is a 404."""
    s = build(tree)
    c = login(s.col_admin, tree.col_a)
    c.post(url(s.col_cadre), {"destination": "graduated"})
    assert f'data-post="{s.col_cadre.pk}"' not in c.get("/members/cadres/").content.decode()
    assert c.post(url(s.col_cadre), {"destination": "graduated"}).status_code == 404
    assert PostChange.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serializes writers)")
@pytest.mark.django_db(transaction=True)
def test_two_removals_at_once_record_one(tree):
    """SEC-04: two admins removing the same cadre at once: one removal, one record."""
    s = build(tree)
    other = f.admin_of(tree.col_a, "学院第二管理员", title=PostTitle.DEPUTY_SECRETARY)
    post = CadrePost.objects.select_related("org", "person").get(pk=s.col_cadre.pk)
    outcomes = at_once(
        lambda by: remove_post(tree.col_a, post, destination="resigned", other="", by=by),
        [(s.col_admin,), (other,)],
        expected=(CadreError,),
    )
    assert outcomes.count("ok") == 1 and "该团干部已离任或已被移除，请刷新后重试。" in outcomes
    assert PostChange.objects.filter(post=post).count() == 1


def test_bad_destination_is_refused_by_the_service_too(tree):
    """CAD-02: the service refuses what the form would (a caller without the form gets the same
    words): a destination off the list, 其他 without its text -- none at all, "" or blanks."""
    s = build(tree)
    post = CadrePost.objects.select_related("org", "person").get(pk=s.col_cadre.pk)
    with pytest.raises(CadreError) as refused:
        remove_post(tree.col_a, post, destination="moon", other="", by=s.col_admin)
    assert (str(refused.value), refused.value.status) == ("请从列表中选择移除去向。", 400)
    for other in (None, "", "  "):
        with pytest.raises(CadreError) as refused:
            remove_post(tree.col_a, post, destination="other", other=other, by=s.col_admin)
        assert str(refused.value) == "选择“其他”去向时，请填写具体去向。"
    assert CadrePost.objects.get(pk=post.pk).ended_on is None and not PostChange.objects.exists()


def test_who_may_remove_is_decided_by_the_service_on_the_locked_row(tree):
    """CAD-02 / SEC-04: the service itself refuses (403, the rule's words) whoever the view let
    through -- a 团支部, another org's admin, the cadre themself; the post stays."""
    s = build(tree)
    deputy = CadrePost.objects.select_related("org", "person").get(pk=s.branch_deputy.pk)
    own = CadrePost.objects.select_related("org", "person").get(person=s.col_admin)
    cases = [
        (tree.branch_a, deputy, s.branch_admin, "只有团的领导机关、基层团委（团委、团工委）管理员有权限移除团干部。"),
        (tree.col_a, deputy, s.col_admin, "只能移除本组织的团干部；下级组织的团干部请由其所在组织移除。"),
        (tree.col_a, own, s.col_admin, "不能移除本人的团干部职务，请由本组织其他管理员办理。"),
    ]
    for acting, post, by, message in cases:
        with pytest.raises(CadreError) as refused:
            remove_post(acting, post, destination="resigned", other="", by=by)
        assert (str(refused.value), refused.value.status) == (message, 403)
    assert CadrePost.objects.active().filter(pk__in=[deputy.pk, own.pk]).count() == 2
    assert not PostChange.objects.exists()


def test_removal_record_keeps_the_post_as_it_was(tree):
    """CAD-02: the 职务变更记录 row of a removal holds the post as it was (title, nature, 任现职年月),
    who removed it for which org, and a 去向 text only for 其他."""
    s = build(tree)
    post = CadrePost.objects.select_related("org", "person").get(pk=s.col_cadre.pk)
    remove_post(tree.col_a, post, destination="resigned", other="赴西部支教", by=s.col_admin)
    change = PostChange.objects.get(post=post)
    assert (change.from_title, change.from_nature, change.from_started_on) == (
        PostTitle.COMMITTEE_MEMBER,
        "part_time",
        date(2024, 9, 1),
    )
    assert (change.changed_by, change.acting_org, change.person, change.org) == (
        s.col_admin,
        tree.col_a,
        post.person,
        tree.col_a,
    )
    assert (change.destination, change.destination_other, change.lost_admin) == ("resigned", "", False)


def test_a_post_ended_since_the_page_was_read_is_409(tree):
    """CAD-01 / CAD-02 / SEC-04: the services act on the post as the lock finds it: ended
    meanwhile, a change or a removal is a 409 saying so, and nothing is recorded."""
    from members.cadres import change_post

    s = build(tree)
    post = CadrePost.objects.select_related("org", "person").get(pk=s.col_cadre.pk)
    CadrePost.objects.filter(pk=post.pk).update(ended_on=date(2025, 1, 1))
    gone = ("该团干部已离任或已被移除，请刷新后重试。", 409)
    with pytest.raises(CadreError) as refused:
        remove_post(tree.col_a, post, destination="resigned", other="", by=s.col_admin)
    assert (str(refused.value), refused.value.status) == gone
    with pytest.raises(CadreError) as refused:
        change_post(tree.col_a, post, title=PostTitle.STAFF, nature="full_time", started_on=None, by=s.col_admin)
    assert (str(refused.value), refused.value.status) == gone
    assert not PostChange.objects.exists()
