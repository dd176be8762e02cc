"""登录, 首次登录修改初始密码, 登录锁定, 退出, 会话过期 (ROLE-06, ROLE-09, MEM-02, SEC-02)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Person
from tests import factories as f
from zhtj.core.idnumber import make_id_number

NEW_PASSWORD = "Qingnian-2026!"
WRONG_PASSWORD = "Wrong-pass-999"
LOGIN_ERROR = "身份证号码或密码错误"
LOCKED = "登录已暂时锁定"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def post_login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def logged_in_as(client):
    """The pk of the person the client's session belongs to, or None."""
    pk = client.session.get("_auth_user_id")
    return int(pk) if pk is not None else None


def change_password(client, old, new, new2=None):
    return client.post("/password/change/", {"old_password": old, "new_password1": new, "new_password2": new2 or new})


@pytest.fixture
def member(tree):
    """A new member of A1团支部 who still has the initial password."""
    return f.person("王小明", branch=tree.branch_a)


@pytest.fixture
def ready(tree):
    """A member who has already changed the initial password."""
    return f.person("李红", branch=tree.branch_a, password=NEW_PASSWORD)


def initial(person):
    return person.id_number[-8:]


# --- ROLE-06: account = 身份证号码, initial password = last 8 characters -------------------


def test_login_with_id_number_and_initial_password(client, member):
    """ROLE-06: the account is the 身份证号码 and the initial password is its last 8 characters."""
    assert member.must_change_password
    r = post_login(client, member.id_number, initial(member))
    assert r.status_code == 302
    assert logged_in_as(client) == member.pk


def test_initial_password_is_not_another_slice(client, member):
    """ROLE-06: only the last 8 characters are the initial password (not the first 8, not the whole number)."""
    for guess in (member.id_number[:8], member.id_number, member.id_number[-6:]):
        r = post_login(client, member.id_number, guess)
        assert r.status_code == 400
        assert logged_in_as(client) is None


def test_id_number_ending_in_x_typed_in_lower_case(client, tree):
    """ROLE-06 / MEM-02: an ID number ending in X logs in even when typed with a lower-case x and
    spaces; its initial password is its last 8 characters including the X."""
    id_number = next(
        n for n in (make_id_number("370211", datetime(1999, 5, 6).date(), s) for s in range(1, 200)) if n[-1] == "X"
    )
    person = Person.objects.create_user(id_number, name="赵X", branch=tree.branch_a)
    r = post_login(client, f"  {id_number.lower()} ", id_number[-8:])
    assert r.status_code == 302
    assert logged_in_as(client) == person.pk


def test_first_login_forces_password_change_on_every_page(client, member):
    """ROLE-06 (beyond): after a first login with the initial password every page redirects to
    /password/change/ until the password is changed; the change page itself answers 200."""
    r = post_login(client, member.id_number, initial(member))
    assert r.status_code == 302
    for url in ("/", "/inbox/", "/members/my-org/", "/members/", "/orgs/"):
        r = client.get(url)
        assert r.status_code == 302, url
        assert r["Location"] == "/password/change/", url
    # A POST elsewhere is refused the same way and does nothing.
    r = client.post("/switch-org/", {"org": "0"})
    assert r.status_code == 302 and r["Location"] == "/password/change/"
    page = client.get("/password/change/")
    assert page.status_code == 200
    assert "初始密码" in page.content.decode()


def test_changing_the_initial_password_unlocks_the_pages(client, member):
    """ROLE-06: after the change must_change_password is False, pages work, and the new password
    (not the initial one) is the one that logs in."""
    post_login(client, member.id_number, initial(member))
    r = change_password(client, initial(member), NEW_PASSWORD)
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.must_change_password is False
    assert member.check_password(NEW_PASSWORD)
    assert not member.check_password(initial(member))
    # Still logged in (session hash updated) and pages now open.
    assert logged_in_as(client) == member.pk
    assert client.get("/").status_code == 200
    assert client.get("/members/my-org/").status_code == 200

    client.post("/logout/")
    assert post_login(client, member.id_number, initial(member)).status_code == 400
    assert post_login(client, member.id_number, NEW_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_new_password_may_not_be_the_initial_one(client, member):
    """ROLE-06: the new password may not equal the initial password; the refusal is a 400 in Chinese
    and the person still has to change it."""
    post_login(client, member.id_number, initial(member))
    r = change_password(client, initial(member), initial(member))
    assert r.status_code == 400
    assert "新密码不能与初始密码（身份证号码后8位）相同" in r.content.decode()
    member.refresh_from_db()
    assert member.must_change_password is True
    assert client.get("/")["Location"] == "/password/change/"


def test_password_change_with_wrong_old_password_is_refused(client, member):
    """ROLE-06 / SEC-06: a wrong current password is a 400 with a Chinese message; nothing changes."""
    post_login(client, member.id_number, initial(member))
    r = change_password(client, "not-the-old-one", NEW_PASSWORD)
    assert r.status_code == 400
    assert "旧密码不正确" in r.content.decode()
    member.refresh_from_db()
    assert member.must_change_password and member.check_password(initial(member))


def test_too_short_new_password_is_refused_in_chinese(client, member):
    """ROLE-06 / SEC-06: the password validators answer in Chinese (a too-short password → 400)."""
    post_login(client, member.id_number, initial(member))
    r = change_password(client, initial(member), "Ab1!")
    assert r.status_code == 400
    body = r.content.decode()
    assert "密码长度太短，至少需要8个字符。" in body
    assert "too short" not in body
    member.refresh_from_db()
    assert member.must_change_password and member.check_password(initial(member))


def test_person_with_changed_password_is_not_forced(client, ready):
    """ROLE-06: the forced change applies to the initial password only."""
    assert post_login(client, ready.id_number, NEW_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


# --- MEM-02 at login -------------------------------------------------------------------


def _bad_check_digit(id_number):
    return id_number[:17] + next(d for d in "0123456789X" if d != id_number[17])


@pytest.mark.parametrize(
    "make_typed, message",
    [
        (lambda n: n[:14], "身份证号码应为18位。"),
        (lambda n: n + "1", "身份证号码应为18位。"),
        (lambda n: n[:5] + "A" + n[6:], "身份证号码格式不正确"),
        (lambda n: "wangxiaoming123456", "身份证号码格式不正确"),
        (_bad_check_digit, "身份证号码校验位不正确，请核对后重新输入。"),
    ],
    ids=["too-short", "too-long", "letter-inside", "not-digits", "bad-checksum"],
)
def test_malformed_id_number_is_refused_clearly(client, member, make_typed, message):
    """MEM-02: at login a wrong-length, non-digit or bad-checksum ID number gets a clear Chinese
    message and a 400, and is not recorded as a failed login attempt (ROLE-09)."""
    typed = make_typed(member.id_number)
    r = post_login(client, typed, initial(member))
    assert r.status_code == 400
    body = r.content.decode()
    assert message in body
    assert LOGIN_ERROR not in body
    assert logged_in_as(client) is None
    assert AccessAttempt.objects.count() == 0
    assert AccessFailureLog.objects.count() == 0


def test_malformed_id_numbers_never_lock_the_account(client, member):
    """MEM-02 / ROLE-09: more malformed tries than the failure limit still leave the account usable."""
    bad = _bad_check_digit(member.id_number)
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        assert post_login(client, bad, initial(member)).status_code == 400
    assert post_login(client, member.id_number, initial(member)).status_code == 302
    assert logged_in_as(client) == member.pk


# --- wrong password: one message that doesn't say which part was wrong ------------------


def test_wrong_password_gets_a_neutral_message(client, member):
    """ROLE-09: a wrong password answers 400 with "身份证号码或密码错误…", and a valid but unknown
    ID number gets exactly the same answer, so the message doesn't tell which part was wrong."""
    r = post_login(client, member.id_number, WRONG_PASSWORD)
    assert r.status_code == 400
    wrong_password = r.content.decode()
    assert "身份证号码或密码错误。连续多次错误将暂时锁定登录。" in wrong_password
    assert logged_in_as(client) is None
    assert AccessAttempt.objects.get(username=member.id_number).failures_since_start == 1

    unknown = f.new_id_number()
    r = post_login(client, unknown, WRONG_PASSWORD)
    assert r.status_code == 400
    unknown_account = r.content.decode()
    assert "身份证号码或密码错误。连续多次错误将暂时锁定登录。" in unknown_account
    for telltale in ("不存在", "未注册", "密码不正确", "账号错误"):
        assert telltale not in wrong_password and telltale not in unknown_account


def test_failed_attempt_log_does_not_keep_the_password(client, member):
    """SEC-02: the throttling records never store the typed password in clear text."""
    post_login(client, member.id_number, WRONG_PASSWORD)
    attempt = AccessAttempt.objects.get(username=member.id_number)
    assert WRONG_PASSWORD not in attempt.post_data
    assert all(WRONG_PASSWORD not in log.post_data for log in AccessFailureLog.objects.all())


# --- ROLE-09 / SEC-02: throttling ------------------------------------------------------


def fail_until_locked(client, person):
    """Fail AXES_FAILURE_LIMIT times; return the responses."""
    return [post_login(client, person.id_number, WRONG_PASSWORD) for _ in range(settings.AXES_FAILURE_LIMIT)]


def test_settings_lock_after_a_few_failures_for_a_while():
    """ROLE-09: throttling is configured: a small failure limit, a cool-off, a reset on success."""
    assert 3 <= settings.AXES_FAILURE_LIMIT <= 10
    assert timedelta(minutes=5) <= settings.AXES_COOLOFF_TIME <= timedelta(hours=24)
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_account_locks_after_failure_limit(client, member):
    """ROLE-09 / SEC-02: after AXES_FAILURE_LIMIT failures the account is locked: even the right
    password is refused with a 429 and the Chinese lockout message, which doesn't tell which part
    was wrong."""
    responses = fail_until_locked(client, member)
    assert [r.status_code for r in responses[:-1]] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert responses[-1].status_code == 429
    assert LOCKED in responses[-1].content.decode()

    r = post_login(client, member.id_number, initial(member))
    assert r.status_code == 429
    body = r.content.decode()
    assert LOCKED in body and "登录失败次数过多" in body
    assert "密码错误" not in body and "不存在" not in body
    assert logged_in_as(client) is None
    assert client.get("/").status_code == 302  # still anonymous: sent to the login page


def test_lock_is_per_account(client, member, ready):
    """ROLE-09: locking one ID number leaves another person's login from the same address working."""
    fail_until_locked(client, member)
    assert post_login(client, member.id_number, initial(member)).status_code == 429
    assert post_login(client, ready.id_number, NEW_PASSWORD).status_code == 302
    assert logged_in_as(client) == ready.pk


def test_lock_expires_after_cool_off(client, member):
    """ROLE-09: the lock holds during the cool-off and lifts once AXES_COOLOFF_TIME has passed."""
    with time_machine.travel(T0, tick=False) as traveller:
        fail_until_locked(client, member)
        traveller.shift(settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
        # Still locked just before the end (this attempt counts as a failure and restarts the cool-off).
        assert post_login(client, member.id_number, initial(member)).status_code == 429
        assert logged_in_as(client) is None
        traveller.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        r = post_login(client, member.id_number, initial(member))
        assert r.status_code == 302
        assert logged_in_as(client) == member.pk


def test_successful_login_resets_the_counter(client, member):
    """ROLE-09: a successful login resets the failure count: LIMIT-1 failures, a success, then LIMIT-1
    failures again still don't lock the account."""
    almost = settings.AXES_FAILURE_LIMIT - 1
    for _ in range(almost):
        assert post_login(client, member.id_number, WRONG_PASSWORD).status_code == 400
    assert post_login(client, member.id_number, initial(member)).status_code == 302
    assert not AccessAttempt.objects.filter(username=member.id_number).exists()
    client.post("/logout/")
    for _ in range(almost):
        assert post_login(client, member.id_number, WRONG_PASSWORD).status_code == 400
    assert post_login(client, member.id_number, initial(member)).status_code == 302
    assert logged_in_as(client) == member.pk


# --- ROLE-09: per address, across accounts -------------------------------------------------

ATTACKER = "203.0.113.7"  # documentation addresses (RFC 5737): nothing is sent anywhere
OTHER_ADDRESS = "198.51.100.20"


def guess(client, n, address=ATTACKER):
    """One wrong password against the n-th of many existing-looking ID numbers (none locked alone)."""
    id_number = make_id_number("370211", datetime(1990, 1, 1).date() + timedelta(days=n), 100 + n % 800)
    return client.post("/login/", {"username": id_number, "password": WRONG_PASSWORD}, REMOTE_ADDR=address)


@pytest.mark.usefixtures("fast_hasher")
def test_one_address_guessing_across_accounts_is_locked_at_its_limit(client, ready):
    """ROLE-09: one guess each against many accounts from one address: the first N-1 failures (N =
    LOGIN_IP_FAILURE_LIMIT, default 100) are ordinary refusals and a right password still logs in
    from there -- without wiping the address's count --; the N-th failure locks the address, so
    the N+1-th attempt is refused even with the right password, while another address is unaffected."""
    limit = settings.ZHTJ["LOGIN_IP_FAILURE_LIMIT"]
    assert limit == 100  # the default the edge is tested at
    statuses = [guess(client, n).status_code for n in range(limit - 1)]
    assert statuses == [400] * (limit - 1)
    assert post_login_from(client, ready, ATTACKER).status_code == 302  # N-1: still open
    client.post("/logout/")
    assert guess(client, limit).status_code == 429  # N: locked
    r = post_login_from(client, ready, ATTACKER)  # N+1: even the right password
    assert r.status_code == 429 and LOCKED in r.content.decode()
    assert logged_in_as(client) is None
    assert post_login_from(client, ready, OTHER_ADDRESS).status_code == 302


@pytest.mark.usefixtures("fast_hasher")
def test_the_address_limit_leaves_room_for_a_schools_typos(client, ready):
    """ROLE-09 (decision): a school behind one address -- AXES_FAILURE_LIMIT-1 typos on each of
    several accounts add up on the address but lock nothing; each account still has its own limit."""
    per_account = settings.AXES_FAILURE_LIMIT - 1
    accounts = settings.ZHTJ["LOGIN_IP_FAILURE_LIMIT"] // settings.AXES_FAILURE_LIMIT - 1
    for n in range(accounts):
        for _ in range(per_account):
            assert guess(client, n).status_code == 400
    assert post_login_from(client, ready, ATTACKER).status_code == 302


def post_login_from(client, person, address):
    return client.post("/login/", {"username": person.id_number, "password": NEW_PASSWORD}, REMOTE_ADDR=address)


# --- logout ----------------------------------------------------------------------------


def test_logout_is_post_only(client, ready):
    """SEC-02: GET /logout/ is refused (405) and leaves the session; POST logs out."""
    post_login(client, ready.id_number, NEW_PASSWORD)
    r = client.get("/logout/")
    assert r.status_code == 405
    assert logged_in_as(client) == ready.pk
    r = client.post("/logout/")
    assert r.status_code == 302 and r["Location"] == "/login/"
    assert logged_in_as(client) is None
    assert client.get("/").status_code == 302


# --- sessions expire -------------------------------------------------------------------


def test_session_settings_expire():
    """SEC-02: sessions expire after a bounded idle time and with the browser."""
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_session_cookie_dies_with_the_browser(client, ready):
    """SEC-02: the session cookie carries no Max-Age/Expires, so it ends when the browser closes."""
    post_login(client, ready.id_number, NEW_PASSWORD)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["max-age"] and not cookie["expires"]
    assert cookie["httponly"]


def test_idle_session_expires(client, ready):
    """SEC-02: a session older than SESSION_COOKIE_AGE is no longer logged in; activity within the
    age keeps it alive."""
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(T0, tick=False) as traveller:
        assert post_login(client, ready.id_number, NEW_PASSWORD).status_code == 302
        traveller.shift(age - timedelta(minutes=5))
        assert client.get("/").status_code == 200  # active use renews the session
        traveller.shift(age - timedelta(minutes=5))
        assert client.get("/").status_code == 200
        traveller.shift(age + timedelta(seconds=1))
        r = client.get("/")
        assert r.status_code == 302
        assert r["Location"].startswith("/login/")


def _session_writes(client, path="/"):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "django_session"')]


def test_idle_session_is_renewed_once_a_minute(client, ready, monkeypatch):
    """SEC-02: pages within SESSION_REFRESH_SECONDS of the last renewal write nothing to the
    session; the first one after it pushes the expiry back, and the session then ends
    SESSION_COOKIE_AGE after that renewal -- within a minute of the last request. (The other
    tests renew on every request: tests/conftest.py.)"""
    monkeypatch.setitem(settings.ZHTJ, "SESSION_REFRESH_SECONDS", 60)
    every = timedelta(seconds=60)
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(T0, tick=False) as traveller:
        assert post_login(client, ready.id_number, NEW_PASSWORD).status_code == 302
        assert len(_session_writes(client)) == 1  # the welcome message shown: a change, saved
        traveller.shift(every - timedelta(seconds=1))
        assert _session_writes(client) == []  # within the minute: nothing written
        traveller.shift(timedelta(seconds=1))
        assert len(_session_writes(client)) == 1  # due: renewed
        assert _session_writes(client) == []
        last = T0 + every + every - timedelta(seconds=1)
        traveller.move_to(last)
        assert _session_writes(client) == []  # used, not renewed: the expiry stays at T0 + every + age
        # idle since `last`: the session ends at the last renewal + age, less than a minute early
        traveller.move_to(T0 + every + age + timedelta(seconds=1))
        assert age - every < T0 + every + age + timedelta(seconds=1) - last < age
        r = client.get("/")
        assert r.status_code == 302 and r["Location"].startswith("/login/")


# --- SEC-02: Argon2 --------------------------------------------------------------------


def test_passwords_are_stored_with_argon2(client, member):
    """SEC-02: Argon2 is the hasher actually used for stored passwords — for initial passwords,
    and for a password changed through the form."""
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert identify_hasher(member.password).algorithm == "argon2"
    assert member.password.startswith("argon2$argon2id$")
    post_login(client, member.id_number, initial(member))
    change_password(client, initial(member), NEW_PASSWORD)
    member.refresh_from_db()
    assert identify_hasher(member.password).algorithm == "argon2"
    assert NEW_PASSWORD not in member.password


def test_legacy_hash_is_upgraded_to_argon2_on_login(client, member):
    """SEC-02: a password stored with an older hasher is re-hashed with Argon2 at the next login."""
    from django.contrib.auth.hashers import make_password

    Person.objects.filter(pk=member.pk).update(
        password=make_password(NEW_PASSWORD, hasher="pbkdf2_sha256"), must_change_password=False
    )
    assert post_login(client, member.id_number, NEW_PASSWORD).status_code == 302
    member.refresh_from_db()
    assert identify_hasher(member.password).algorithm == "argon2"
