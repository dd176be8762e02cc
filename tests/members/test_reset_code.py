"""生成重置密码验证码 (ROLE-07, ROLE-02, ROLE-03)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from members.choices import PostTitle
from members.models import CadrePost, PasswordResetCode
from members.services import ResetRefused, reset_password_with_code
from tests import factories as f


@pytest.fixture
def member(tree):
    """A member of A1团支部 (under 学院A团委 → 测试大学团委)."""
    return f.person("王小明", branch=tree.branch_a)


def reset_code_url(person):
    return f"/members/{person.pk}/reset-code/"


def shown_code(response, person):
    """The code shown on the page must be the person's newest stored code."""
    code = PasswordResetCode.objects.filter(person=person).latest("created_at")
    assert code.code in response.content.decode()
    return code


@pytest.mark.parametrize("issuer", ["branch_a", "col_a"], ids=["own-org-admin", "direct-superior-admin"])
def test_own_or_direct_superior_admin_generates_code(client, login, tree, member, issuer):
    """ROLE-07: the person's own org admin, or that org's direct superior admin, generates a
    重置密码验证码; the page shows the code and its expiry (24 h, single use)."""
    admin = f.admin_of(getattr(tree, issuer))
    before = timezone.now()
    r = login(admin).post(reset_code_url(member))
    assert r.status_code == 200
    code = shown_code(r, member)
    assert code.person == member and code.created_by == admin
    assert code.used_at is None and code.failed_attempts == 0 and not code.expired
    assert len(code.code) == 8 and code.code.isdigit()
    hours = settings.ZHTJ["RESET_CODE_HOURS"]
    assert hours == 24
    assert before + timedelta(hours=hours) <= code.expires_at <= timezone.now() + timedelta(hours=hours)
    body = r.content.decode()
    assert f"有效期至 {timezone.localtime(code.expires_at):%Y-%m-%d %H:%M}" in body
    assert "仅可使用一次" in body
    assert member.name in body


def test_grand_parent_admin_is_refused(client, login, tree, member):
    """ROLE-07 / ROLE-03: an admin two levels up (测试大学团委 over A1团支部) may not generate a code:
    403 with the 隔级无法操作 reason, and no code is stored."""
    r = login(f.admin_of(tree.uni)).post(reset_code_url(member))
    assert r.status_code == 403
    assert "隔级无法操作" in r.content.decode()
    assert not PasswordResetCode.objects.filter(person=member).exists()


@pytest.mark.parametrize("outsider", ["col_b", "branch_b"], ids=["sibling-committee", "sibling-branch"])
def test_other_subtree_gets_404(client, login, tree, member, outsider):
    """ROLE-07 / ROLE-02: an admin of another subtree gets a 404 (no existence leak), and no code is stored."""
    r = login(f.admin_of(getattr(tree, outsider))).post(reset_code_url(member))
    assert r.status_code == 404
    assert not PasswordResetCode.objects.filter(person=member).exists()


def test_unknown_person_is_404(client, login, tree, member):
    """ROLE-02 / SEC-06: an id that doesn't exist answers 404 like an out-of-scope one."""
    r = login(f.admin_of(tree.branch_a)).post("/members/999999/reset-code/")
    assert r.status_code == 404


def test_plain_member_may_not_generate_codes(client, login, tree, member):
    """ROLE-07: a member without admin rights can't generate a code, not even for a branch-mate."""
    mate = f.person("同支部团员", branch=tree.branch_a, password="Zhtj-pass-2026")
    r = login(mate).post(reset_code_url(member))
    assert r.status_code == 403
    assert not PasswordResetCode.objects.exists()


def test_get_does_not_generate(client, login, tree, member):
    """ROLE-07: generating a code is a POST; a GET (a link, a prefetch) is refused with 405 and stores nothing."""
    r = login(f.admin_of(tree.branch_a)).get(reset_code_url(member))
    assert r.status_code == 405
    assert not PasswordResetCode.objects.exists()


def test_cadre_without_branch_code_from_post_org_or_its_superior(client, login, tree):
    """ROLE-07: for a cadre, "own org" is the org of the post: its admin and that org's direct superior
    may generate a code; the grand-parent may not."""
    cadre = f.person("学院组织委员")
    CadrePost.objects.create(person=cadre, org=tree.col_a, title=PostTitle.COMMITTEE_MEMBER)
    assert login(f.admin_of(tree.col_a)).post(reset_code_url(cadre)).status_code == 200
    assert login(f.admin_of(tree.uni)).post(reset_code_url(cadre)).status_code == 200
    assert login(f.admin_of(tree.city)).post(reset_code_url(cadre)).status_code == 403
    assert PasswordResetCode.objects.filter(person=cadre).count() == 2


def test_new_code_supersedes_the_old_one(client, login, tree, member):
    """ROLE-07: generating a new code makes the previous one stop working; the new one works."""
    c = login(f.admin_of(tree.branch_a))
    old = shown_code(c.post(reset_code_url(member)), member)
    new = shown_code(c.post(reset_code_url(member)), member)
    assert old.pk != new.pk
    old.refresh_from_db()
    assert old.expired is True and old.used_at is None
    if old.code != new.code:  # (8 random digits: equal only by a 1-in-10^8 chance)
        with pytest.raises(ResetRefused, match="验证码"):
            reset_password_with_code(member.id_number, old.code, "Xinmima-2026!")
    member.refresh_from_db()
    assert member.check_password(member.id_number[-8:])
    reset_password_with_code(member.id_number, new.code, "Xinmima-2026!")
    member.refresh_from_db()
    assert member.check_password("Xinmima-2026!")


def test_code_links_shown_in_member_list_only_where_allowed(client, login, tree, member):
    """ROLE-07 / MEM-12: the 团员列表 offers 重置密码验证码 to the own-org and direct-superior admins,
    not to a grand-parent, which may only view."""

    def offers_reset(org):
        body = login(f.admin_of(org)).get("/members/").content.decode()
        assert member.name in body
        return reset_code_url(member) in body

    assert offers_reset(tree.branch_a)
    assert offers_reset(tree.col_a)
    assert not offers_reset(tree.uni)
