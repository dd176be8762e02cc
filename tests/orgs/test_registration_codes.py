"""管理下级组织 → 管理员注册码, single and batch (ORG-09), and their expiry (JOB-04)."""

import re
from datetime import timedelta
from io import BytesIO, StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from members.models import Person
from orgs import codes
from orgs.models import AdminRegistrationCode
from tests import factories as f
from zhtj.core.models import AuditLog

CODE = re.compile(r"[A-Za-z0-9]{8}")
BATCH_URL = "/orgs/children/codes/"


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


def code_url(org):
    return f"/orgs/children/{org.pk}/code/"


def open_codes(org):
    return AdminRegistrationCode.objects.filter(org=org, used_at__isnull=True, expired=False)


def workbook_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


# --- the code itself ----------------------------------------------------------------------------


def test_new_codes_are_8_mixed_letters_and_digits():
    """ORG-09: a code is 8 characters of digits and letters, mixing upper case, lower case and
    digits, drawn at random (no repeats in a thousand)."""
    drawn = [codes.new_code() for _ in range(1000)]
    assert len(set(drawn)) == 1000
    for code in drawn:
        assert CODE.fullmatch(code)
        assert any(c.isupper() for c in code) and any(c.islower() for c in code) and any(c.isdigit() for c in code)
        assert not set(code) & set("0Oo1lI")  # nothing that reads as another character


# --- single: the row button of 管理下级组织 ---------------------------------------------------------


def test_children_page_offers_single_and_batch(client, login, tree):
    """ORG-09: 管理下级组织 shows the 管理员注册码 button on each direct sub-org's row and the
    批量生成管理员注册码 button."""
    body = login(f.admin_of(tree.uni)).get("/orgs/children/").content.decode()
    assert f'action="{code_url(tree.col_a)}"' in body and f'action="{code_url(tree.col_b)}"' in body
    assert f'href="{BATCH_URL}"' in body and "批量生成管理员注册码" in body


def test_single_code_shows_code_and_expiry(client, login, tree):
    """ORG-09: the parent generates a code for one direct sub-org; the page shows it with its
    有效期至, 20 days from now; it is stored unused, and the issue is audited."""
    admin = f.admin_of(tree.col_a)
    before = timezone.now()
    r = login(admin, tree.col_a).post(code_url(tree.branch_a))
    assert r.status_code == 200
    code = AdminRegistrationCode.objects.get(org=tree.branch_a)
    body = r.content.decode()
    assert CODE.fullmatch(code.code) and f'id="registration-code">{code.code}<' in body
    days = settings.ZHTJ["REGISTRATION_CODE_DAYS"]
    assert days == 20
    assert before + timedelta(days=days) <= code.expires_at <= timezone.now() + timedelta(days=days)
    assert f"有效期至 {timezone.localtime(code.expires_at):%Y-%m-%d %H:%M}" in body
    assert code.created_by == admin and code.used_at is None and not code.expired and code.is_usable()
    assert "已为A1团支部生成管理员注册码" in body
    assert AuditLog.objects.filter(object_id=tree.branch_a.pk, action="registration_code_issued", actor=admin).exists()


def test_new_code_supersedes_the_open_old_one(client, login, tree):
    """ORG-09: generating again leaves one open code per org: the old one is marked expired."""
    c = login(f.admin_of(tree.col_a))
    c.post(code_url(tree.branch_a))
    first = AdminRegistrationCode.objects.get(org=tree.branch_a)
    c.post(code_url(tree.branch_a))
    first.refresh_from_db()
    assert first.expired and not first.is_usable()
    assert open_codes(tree.branch_a).count() == 1
    assert open_codes(tree.branch_a).get().code != first.code


def test_used_code_is_not_touched_by_a_new_one(tree):
    """ORG-09: a used code stays a used code (its used_at/used_by record who registered)."""
    admin = f.admin_of(tree.col_a)
    old = codes.generate(tree.branch_a, by=admin)
    codes.consume(old, admin)
    codes.generate(tree.branch_a, by=admin)
    old.refresh_from_db()
    assert old.used_at is not None and old.used_by == admin and not old.expired


@pytest.mark.parametrize(
    "acting, target",
    [
        ("uni", "branch_a"),  # a grand-child
        ("col_a", "branch_b"),  # outside the subtree
        ("col_a", "col_a"),  # the acting org itself
        ("col_b", "col_a"),  # a sibling
        ("branch_a", "col_a"),  # the parent
    ],
)
def test_only_direct_sub_orgs(client, login, tree, acting, target):
    """ORG-09 / ROLE-03: codes only for the acting org's direct sub-orgs; any other org is a 404
    and no code is stored."""
    r = login(f.admin_of(getattr(tree, acting))).post(code_url(getattr(tree, target)))
    assert r.status_code == 404
    assert not AdminRegistrationCode.objects.exists()


def test_single_code_is_post_only_and_admins_only(client, login, tree):
    """ORG-09 / SEC-06: a GET changes nothing (405); a logged-in non-admin gets 403; an unknown
    id 404."""
    c = login(f.admin_of(tree.col_a))
    assert c.get(code_url(tree.branch_a)).status_code == 405
    assert c.post("/orgs/children/999999/code/").status_code == 404
    member = f.person("团员", branch=tree.branch_a, password="Zhtj-pass-2026")
    assert login(member).post(code_url(tree.branch_a)).status_code == 403
    assert not AdminRegistrationCode.objects.exists()


# --- batch: 批量生成管理员注册码 ----------------------------------------------------------------------


def test_batch_downloads_fresh_codes_of_every_direct_sub_org(client, login, tree):
    """ORG-09: 批量生成 gives an .xlsx of all direct sub-orgs (组织简称/组织全称/管理员注册码/有效期至)
    with fresh codes; the older open codes are superseded; grand-children are not included."""
    tree.col_a.full_name = "测试大学学院A团委"
    tree.col_a.save()
    admin = f.admin_of(tree.uni)
    old = codes.generate(tree.col_a, by=admin)
    c = login(admin)
    page = c.get(BATCH_URL)
    assert page.status_code == 200 and "全部 <strong>2</strong> 个直属下级团组织" in page.content.decode()
    rows = workbook_rows(c.post(BATCH_URL))
    assert rows[0] == ["组织简称", "组织全称", "管理员注册码", "有效期至"]
    assert len(rows) == 3
    stored = {code.org.name: code for code in AdminRegistrationCode.objects.filter(expired=False).select_related("org")}
    assert set(stored) == {"学院A团委", "学院B团委"}
    for name, full_name, text, expiry in rows[1:]:
        code = stored[name]
        assert full_name == code.org.full_name and text == code.code and CODE.fullmatch(text)
        assert expiry == f"{timezone.localtime(code.expires_at):%Y-%m-%d %H:%M}"
        assert code.created_by == admin and code.is_usable()
    assert rows[1][:2] == ["学院A团委", "测试大学学院A团委"]
    old.refresh_from_db()
    assert old.expired
    assert not AdminRegistrationCode.objects.filter(org__in=[tree.branch_a, tree.branch_b]).exists()
    assert AuditLog.objects.filter(object_id=tree.uni.pk, action="registration_codes_batch").exists()


def test_batch_neutralizes_formula_injection(client, login, tree):
    """ORG-09 / SEC-05: an org name that looks like a formula is written as text."""
    f.branch(tree.col_a, name='=HYPERLINK("http://x")')
    rows = workbook_rows(login(f.admin_of(tree.col_a)).post(BATCH_URL))
    names = {row[0] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x")' in names and "A1团支部" in names


def test_batch_without_sub_orgs_is_refused(client, login, tree):
    """ORG-09 / SEC-06: an org with no direct sub-orgs is told so (GET shows it, POST is a 409),
    and nothing is stored."""
    c = login(f.admin_of(tree.branch_a))
    assert "暂无直属下级组织" in c.get(BATCH_URL).content.decode()
    r = c.post(BATCH_URL)
    assert r.status_code == 409
    assert "暂无直属下级组织" in r.content.decode()
    assert not AdminRegistrationCode.objects.exists()


def test_batch_is_a_constant_number_of_queries(client, login, tree, django_assert_max_num_queries):
    """ORG-09: the batch runs a constant number of queries however many sub-orgs there are."""
    for i in range(120):
        f.branch(tree.col_b, name=f"B{i:03d}团支部")
    c = login(f.admin_of(tree.col_b))
    with django_assert_max_num_queries(20):
        rows = workbook_rows(c.post(BATCH_URL))
    assert len(rows) == 1 + 121
    assert AdminRegistrationCode.objects.filter(org__parent=tree.col_b, expired=False).count() == 121
    assert len({row[2] for row in rows[1:]}) == 121


def test_batch_is_for_admins_only(client, login, tree):
    """ORG-09 / ROLE-02: a person who administers no org can't generate codes."""
    member = f.person("团员", branch=tree.branch_a, password="Zhtj-pass-2026")
    c = login(member)
    assert c.get(BATCH_URL).status_code == 403
    assert c.post(BATCH_URL).status_code == 403
    assert not AdminRegistrationCode.objects.exists()


# --- JOB-04: expiry --------------------------------------------------------------------------------


def test_code_past_20_days_is_refused_before_the_job_and_marked_by_it(client, tree):
    """JOB-04 / ORG-09: a code past its 20 days is refused at registration even though the
    expire_codes job has not marked it yet; the job then marks it, and only it."""
    admin = f.admin_of(tree.col_a)
    old = codes.generate(tree.branch_a, by=admin)
    young = codes.generate(tree.branch_b, by=f.admin_of(tree.col_b), now=timezone.now() + timedelta(days=5))
    later = old.expires_at + timedelta(minutes=1)
    people = Person.objects.count()
    with time_machine.travel(later, tick=False):
        r = client.post("/members/register/", {"step": "code", "org_name": "A1团支部", "code": old.code})
        assert r.status_code == 400
        assert "该管理员注册码已过期（有效期为20天）" in r.content.decode()
        old.refresh_from_db()
        assert not old.expired and old.used_at is None  # refused at use, not yet marked
        call_command("run_job", "expire_codes", "--date", timezone.localdate().isoformat(), stdout=StringIO())
    old.refresh_from_db(), young.refresh_from_db()
    assert old.expired and not young.expired
    assert Person.objects.count() == people


def test_code_works_until_its_last_minute(client, tree):
    """ORG-09: the code still passes the check one minute before 有效期至."""
    code = codes.generate(tree.branch_a, by=f.admin_of(tree.col_a))
    with time_machine.travel(code.expires_at - timedelta(minutes=1), tick=False):
        r = client.post("/members/register/", {"step": "code", "org_name": "A1团支部", "code": code.code})
    assert r.status_code == 200
    assert "第二步" in r.content.decode()


def test_no_code_for_an_org_whose_admins_are_full(client, login, tree, settings):
    """ORG-09 / ORG-12, refused early: an org with ADMINS_PER_ORG admins gets no 管理员注册码 (a
    registration with it would be refused): the row has no button, a posted request is 409 with the
    reason, the batch lists it as 无需生成; one admin below the limit it gets one."""
    f.admin_of(tree.branch_a)
    c = login(f.admin_of(tree.col_a), tree.col_a)
    assert code_url(tree.branch_a) in c.get(reverse("orgs:children")).content.decode()
    f.admin_of(tree.branch_a)  # 2 of 2
    assert code_url(tree.branch_a) not in c.get(reverse("orgs:children")).content.decode()
    r = c.post(code_url(tree.branch_a))
    assert r.status_code == 409 and "A1团支部已有2名管理员（每个组织最多2名），无需管理员注册码" in r.content.decode()
    assert not AdminRegistrationCode.objects.filter(org=tree.branch_a).exists()
    rows = workbook_rows(c.post(reverse("orgs:codes_batch")))
    assert rows[1][:3] == ["A1团支部", tree.branch_a.full_name, "无需生成"]
    settings.ZHTJ = {**settings.ZHTJ, "ADMINS_PER_ORG": 3}
    assert c.post(code_url(tree.branch_a)).status_code == 200
