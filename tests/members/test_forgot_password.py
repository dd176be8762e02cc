"""忘记密码: ID number + 重置密码验证码 → a new password (ROLE-07, SEC-06)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from members.models import PasswordResetCode
from members.services import issue_reset_code
from tests import factories as f

NEW_PASSWORD = "Xinmima-2026!"
REFUSED = "身份证号码或验证码不正确，或验证码已过期、已使用"
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def member(tree):
    return f.person("王小明", branch=tree.branch_a)


@pytest.fixture
def issuer(tree):
    return f.admin_of(tree.branch_a)


@pytest.fixture
def code(member, issuer):
    return issue_reset_code(member, by=issuer)


def forgot(client, id_number, code, p1=NEW_PASSWORD, p2=None):
    return client.post(
        "/password/forgot/",
        {"id_number": id_number, "code": code, "new_password1": p1, "new_password2": p1 if p2 is None else p2},
    )


def assert_nothing_changed(person, code_obj, old_password=None):
    """The password is still the old one and the code is still unused."""
    person.refresh_from_db()
    assert person.check_password(old_password or person.id_number[-8:])
    assert not person.check_password(NEW_PASSWORD)
    code_obj.refresh_from_db()
    assert code_obj.used_at is None


def test_forgot_password_page_renders(client, db):
    """ROLE-07: 忘记密码 is public and explains where the code comes from."""
    r = client.get("/password/forgot/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "重置密码验证码" in body and "身份证号码" in body


def test_valid_code_sets_password_and_person_can_log_in(client, member, code):
    """ROLE-07: ID number + valid code + matching new passwords sets the password; the code is used;
    the person logs in with the new password through the login form and isn't forced to change it."""
    r = forgot(client, member.id_number, code.code)
    assert r.status_code == 302 and r["Location"] == "/login/"
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert not member.check_password(member.id_number[-8:])
    assert member.must_change_password is False
    code.refresh_from_db()
    assert code.used_at is not None

    assert client.get("/login/").content.decode().count("密码已重置，请使用新密码登录。") == 1
    r = client.post("/login/", {"username": member.id_number, "password": NEW_PASSWORD})
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.get("/").status_code == 200


def test_code_with_surrounding_spaces_and_lower_case_id(client, tree, issuer):
    """ROLE-07 / MEM-02: the ID number is normalized and the code is trimmed before comparison."""
    member = f.person("空格", branch=tree.branch_a)
    code = issue_reset_code(member, by=issuer)
    r = forgot(client, f" {member.id_number.lower()} ", f" {code.code} ")
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_wrong_code_is_refused(client, member, code):
    """ROLE-07: a wrong code answers 400 with a clear Chinese message; the password is unchanged and
    the code unused (only the wrong guess is counted)."""
    wrong = f"{(int(code.code) + 1) % 10**8:08d}"
    r = forgot(client, member.id_number, wrong)
    assert r.status_code == 400
    assert REFUSED in r.content.decode()
    assert_nothing_changed(member, code)
    code.refresh_from_db()
    assert code.failed_attempts == 1


def test_expired_code_is_refused(client, member, issuer):
    """ROLE-07 / JOB-04: a code is valid 24 h; just before it works, after it is refused with 400 and
    nothing changes."""
    with time_machine.travel(T0, tick=False) as traveller:
        code = issue_reset_code(member, by=issuer)
        traveller.shift(timedelta(hours=settings.ZHTJ["RESET_CODE_HOURS"], seconds=1))
        r = forgot(client, member.id_number, code.code)
        assert r.status_code == 400
        assert REFUSED in r.content.decode()
        assert_nothing_changed(member, code)


def test_code_still_valid_just_before_24_hours(client, member, issuer):
    """ROLE-07: the 24 h window is whole: a code used at 23 h 59 min still works."""
    with time_machine.travel(T0, tick=False) as traveller:
        code = issue_reset_code(member, by=issuer)
        traveller.shift(timedelta(hours=settings.ZHTJ["RESET_CODE_HOURS"]) - timedelta(minutes=1))
        assert forgot(client, member.id_number, code.code).status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_used_code_is_refused(client, member, code):
    """ROLE-07: a code is single-use: a second reset with it is a 400 and keeps the first password."""
    assert forgot(client, member.id_number, code.code).status_code == 302
    code.refresh_from_db()
    first_use = code.used_at
    r = forgot(client, member.id_number, code.code, p1="Another-pass-77")
    assert r.status_code == 400
    assert REFUSED in r.content.decode()
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert not member.check_password("Another-pass-77")
    code.refresh_from_db()
    assert code.used_at == first_use


def test_code_of_another_person_is_refused(client, tree, member, issuer, code):
    """ROLE-07: a code generated for someone else doesn't reset this person's password (whether or not
    this person has an open code of their own); neither password changes, neither code is used."""
    other = f.person("李红", branch=tree.branch_a)
    # No code of their own yet.
    r = forgot(client, other.id_number, code.code)
    assert r.status_code == 400
    assert REFUSED in r.content.decode()
    # With a code of their own (different from the one typed).
    other_code = issue_reset_code(other, by=issuer)
    if other_code.code == code.code:  # 1-in-10^8: make them differ
        PasswordResetCode.objects.filter(pk=other_code.pk).update(code=f"{(int(code.code) + 1) % 10**8:08d}")
    r = forgot(client, other.id_number, code.code)
    assert r.status_code == 400
    assert_nothing_changed(other, other_code)
    assert_nothing_changed(member, code)


def test_unknown_id_number_is_refused(client, member, code):
    """ROLE-07: a valid but unknown ID number gets the same 400 message (no hint that the account
    doesn't exist); nothing changes."""
    r = forgot(client, f.new_id_number(), code.code)
    assert r.status_code == 400
    body = r.content.decode()
    assert REFUSED in body
    assert "不存在" not in body
    assert_nothing_changed(member, code)


def test_malformed_id_number_is_refused(client, member, code):
    """ROLE-07 / MEM-02: a malformed ID number is a 400 with the ID number message; nothing changes."""
    bad = member.id_number[:17] + next(d for d in "0123456789X" if d != member.id_number[17])
    r = forgot(client, bad, code.code)
    assert r.status_code == 400
    assert "身份证号码校验位不正确" in r.content.decode()
    assert_nothing_changed(member, code)
    code.refresh_from_db()
    assert code.failed_attempts == 0


def test_mismatched_passwords_are_refused(client, member, code):
    """ROLE-07: the two new passwords must match; otherwise 400, and the valid code stays unused."""
    r = forgot(client, member.id_number, code.code, p1=NEW_PASSWORD, p2=NEW_PASSWORD + "x")
    assert r.status_code == 400
    assert "两次输入的新密码不一致。" in r.content.decode()
    assert_nothing_changed(member, code)
    code.refresh_from_db()
    assert code.failed_attempts == 0
    # The code still works afterwards.
    assert forgot(client, member.id_number, code.code).status_code == 302


def test_new_password_equal_to_initial_is_refused(client, member, code):
    """ROLE-07 / ROLE-06: the new password may not be the initial one (last 8 of the ID number);
    400 with that reason, the code stays unused."""
    initial = member.id_number[-8:]
    r = forgot(client, member.id_number, code.code, p1=initial)
    assert r.status_code == 400
    assert "新密码不能与初始密码（身份证号码后8位）相同。" in r.content.decode()
    assert_nothing_changed(member, code)


def test_weak_new_password_is_refused(client, member, code):
    """ROLE-07 / SEC-02: the new password passes the password validators (too short → 400 in Chinese)."""
    r = forgot(client, member.id_number, code.code, p1="abc12")
    assert r.status_code == 400
    body = r.content.decode()
    assert "密码长度太短，至少需要8个字符。" in body
    assert "too short" not in body
    assert_nothing_changed(member, code)


def test_missing_fields_are_refused(client, member, code):
    """ROLE-07 / SEC-06: an empty form is a 400 with Chinese required-field messages, never a 500."""
    r = client.post("/password/forgot/", {})
    assert r.status_code == 400
    body = r.content.decode()
    for label in ("身份证号码", "重置密码验证码", "新密码", "确认新密码"):
        assert f"请填写{label}。" in body
    assert_nothing_changed(member, code)


def test_code_burnt_after_max_wrong_guesses(client, member, code):
    """ROLE-07: after RESET_CODE_MAX_TRIES wrong guesses the code is burnt: even the right code is
    then refused and the password stays unchanged."""
    tries = settings.ZHTJ["RESET_CODE_MAX_TRIES"]
    wrong = f"{(int(code.code) + 1) % 10**8:08d}"
    for _ in range(tries):
        assert forgot(client, member.id_number, wrong).status_code == 400
    code.refresh_from_db()
    assert code.failed_attempts == tries
    r = forgot(client, member.id_number, code.code)
    assert r.status_code == 400
    assert REFUSED in r.content.decode()
    assert_nothing_changed(member, code)


def test_right_code_works_below_the_try_limit(client, member, code):
    """ROLE-07: wrong guesses below RESET_CODE_MAX_TRIES don't burn the code; the right one still works."""
    wrong = f"{(int(code.code) + 1) % 10**8:08d}"
    for _ in range(settings.ZHTJ["RESET_CODE_MAX_TRIES"] - 1):
        assert forgot(client, member.id_number, wrong).status_code == 400
    assert forgot(client, member.id_number, code.code).status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_reset_with_code_lifts_login_lockout(client, tree):
    """ROLE-07 / ROLE-09: a locked-out person who resets with a valid code can log in at once."""
    from django.conf import settings

    from members.services import issue_reset_code

    member = f.person("锁定者", branch=tree.branch_a, password="Old-pass-2026x")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": member.id_number, "password": "wrong-pass-0"})
    assert client.post("/login/", {"username": member.id_number, "password": "Old-pass-2026x"}).status_code == 429
    code = issue_reset_code(member, by=f.admin_of(tree.branch_a))
    r = client.post(
        "/password/forgot/",
        {
            "id_number": member.id_number,
            "code": code.code,
            "new_password1": "New-pass-2026y",
            "new_password2": "New-pass-2026y",
        },
    )
    assert r.status_code == 302
    assert client.post("/login/", {"username": member.id_number, "password": "New-pass-2026y"}).status_code == 302
