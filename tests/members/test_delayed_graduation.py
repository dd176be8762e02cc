"""延迟毕业 (GRAD-01) and how it agrees with the June 1 conversion (ORG-16, JOB-01)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import GraduateMark, Person
from orgs.choices import Industry, OrgCategory
from orgs.graduation import convert, convert_year
from orgs.models import Organization
from tests import factories as f
from tests.concurrency import at_once
from zhtj.core.models import AuditLog

pytestmark = pytest.mark.usefixtures("fast_hasher")


@pytest.fixture
def grads(tree):
    """branch_a is a 毕业生团组织 (graduated 2026-07) with three graduates; the university's
    校团委 and 学院A团委 are school admins."""
    Organization.objects.filter(pk=tree.branch_a.pk).update(
        category=OrgCategory.GRADUATE, graduation_month=date(2026, 7, 1), graduation_marked_at="2026-01-01T00:00Z"
    )
    tree.branch_a.refresh_from_db()
    tree.people = [f.person(f"毕业生{i}", branch=tree.branch_a, is_graduate=True) for i in range(3)]
    tree.uni_admin = f.admin_of(tree.uni, "校团委管理员")
    tree.col_admin = f.admin_of(tree.col_a, "学院管理员")
    tree.branch_admin = f.admin_of(tree.branch_a, "毕业班支书")
    return tree


def url(org):
    return f"/members/graduates/{org.pk}/"


def delay(client, org, people, month="2027-01", reason="未修满学分"):
    return client.post(
        url(org), {"persons": [p.pk for p in people], "kind": "delayed", "month": month, "reason": reason}
    )


def test_mark_delayed_and_list(client, login, grads):
    """GRAD-01: a school admin marks members 延迟毕业团员 with a later month and a reason; they leave
    the graduates and appear in 延迟毕业团员列表."""
    c = login(grads.col_admin, grads.col_a)
    r = delay(c, grads.branch_a, grads.people[:2])
    assert r.status_code == 302
    marks = GraduateMark.objects.order_by("person__name")
    assert [(m.kind, m.expected_month, m.reason) for m in marks] == [("delayed", date(2027, 1, 1), "未修满学分")] * 2
    assert list(
        Person.objects.filter(pk__in=[p.pk for p in grads.people])
        .order_by("name")
        .values_list("is_graduate", flat=True)
    ) == [
        False,
        False,
        True,
    ]
    assert AuditLog.objects.filter(action="graduate_mark").count() == 2
    page = c.get(url(grads.branch_a)).content.decode()
    assert "延迟毕业生" in page and "2027-01" in page
    listing = login(grads.uni_admin, grads.uni).get("/members/graduates/delayed/").content.decode()
    assert "毕业生0" in listing and "毕业生1" in listing and "毕业生2" not in listing


def test_teacher_mark_needs_no_month(client, login, grads):
    """GRAD-01: 教师 is marked without a month or reason."""
    c = login(grads.col_admin, grads.col_a)
    r = c.post(url(grads.branch_a), {"persons": [grads.people[0].pk], "kind": "teacher"})
    assert r.status_code == 302
    mark = GraduateMark.objects.get()
    assert (mark.kind, mark.expected_month) == ("teacher", None)
    assert "教师" in c.get(url(grads.branch_a)).content.decode()


@pytest.mark.parametrize(
    "month, reason, message",
    [
        ("2026-07", "未修满学分", "必须晚于本团支部的毕业时间（2026年7月）"),
        ("2026-03", "未修满学分", "必须晚于本团支部的毕业时间"),
        ("", "未修满学分", "必须选择预计毕业时间"),
        ("2027-01", "  ", "必须填写延迟毕业原因"),
        ("2027-13", "未修满学分", "格式不正确"),
        ("next year", "未修满学分", "格式不正确"),
        ("2099-01", "未修满学分", "之间"),
        ("2027-01", "长" * 201, "不能超过 200"),
    ],
)
def test_bad_delay_is_400_and_marks_nobody(client, login, grads, month, reason, message):
    """GRAD-01 / SEC-06: the later month and the reason are both required; nothing is stored otherwise."""
    r = delay(login(grads.col_admin, grads.col_a), grads.branch_a, grads.people[:1], month, reason)
    assert r.status_code == 400 and message in r.content.decode()
    assert not GraduateMark.objects.exists()
    assert Person.objects.get(pk=grads.people[0].pk).is_graduate


def test_bad_selection(client, login, grads):
    """GRAD-01 / SEC-06: no one ticked, a tampered id, someone of another branch, an unknown kind."""
    c = login(grads.col_admin, grads.col_a)
    assert c.post(url(grads.branch_a), {"kind": "teacher"}).status_code == 400
    assert c.post(url(grads.branch_a), {"kind": "teacher", "persons": ["1;drop"]}).status_code == 400
    stranger = f.person("他人", branch=grads.branch_b)
    assert c.post(url(grads.branch_a), {"kind": "teacher", "persons": [stranger.pk]}).status_code == 404
    assert c.post(url(grads.branch_a), {"kind": "boss", "persons": [grads.people[0].pk]}).status_code == 400
    assert not GraduateMark.objects.exists()


def test_marking_twice_is_409(client, login, grads):
    """GRAD-01: a marked member must be 撤销 first."""
    c = login(grads.col_admin, grads.col_a)
    delay(c, grads.branch_a, grads.people[:1])
    r = delay(c, grads.branch_a, grads.people[:2])
    assert r.status_code == 409 and "请先撤销" in r.content.decode()
    assert GraduateMark.objects.count() == 1


def test_who_may_mark(client, login, grads):
    """GRAD-01: school-domain committees only: not the branch itself, not a leadership organ, not a
    committee outside the school domain; another subtree's org is a 404."""
    r = delay(login(grads.branch_admin, grads.branch_a), grads.branch_a, grads.people[:1])
    assert r.status_code == 403 and "团支部没有此权限" in r.content.decode()
    city_admin = f.admin_of(grads.city)
    assert delay(login(city_admin, grads.city), grads.branch_a, grads.people[:1]).status_code == 403
    Organization.objects.filter(pk=grads.col_a.pk).update(industry=Industry.PUBLIC_INSTITUTION)
    assert delay(login(grads.col_admin, grads.col_a), grads.branch_a, grads.people[:1]).status_code == 403
    col_b_admin = f.admin_of(grads.col_b)
    assert login(col_b_admin, grads.col_b).get(url(grads.branch_a)).status_code == 404
    assert not GraduateMark.objects.exists()
    # The branch sees its list, without the marking controls.
    page = login(grads.branch_admin, grads.branch_a).get(url(grads.branch_a)).content.decode()
    assert "毕业生0" in page and "标记延迟毕业团员/教师（" not in page


def test_only_in_graduate_orgs(client, login, grads):
    """GRAD-01: marks are made in a 毕业生团组织; an ordinary branch answers 400."""
    f.person("在校生", branch=grads.branch_b)
    r = login(grads.uni_admin, grads.uni).post(url(grads.branch_b), {"kind": "teacher"})
    assert r.status_code == 400 and "不是毕业生团组织" in r.content.decode()


def test_unmark_restores_the_graduate(client, login, grads):
    """GRAD-01: 撤销 (from 延迟毕业团员列表 or the row) restores a normal graduate of the branch."""
    c = login(grads.col_admin, grads.col_a)
    delay(c, grads.branch_a, grads.people[:2])
    r = c.post("/members/graduates/unmark/", {"persons": [grads.people[0].pk]})
    assert r.status_code == 302
    r = c.post("/members/graduates/unmark/", {"persons": [grads.people[1].pk], "back": grads.branch_a.pk})
    assert r.status_code == 302 and r.url == url(grads.branch_a)
    assert not GraduateMark.objects.exists()
    assert all(Person.objects.filter(pk__in=[p.pk for p in grads.people]).values_list("is_graduate", flat=True))
    assert "暂无延迟毕业团员" in c.get("/members/graduates/delayed/").content.decode()


def test_unmark_refusals(client, login, grads):
    """GRAD-01: 撤销 by a branch is 403; an unmarked or out-of-scope person 404; junk ids 400."""
    c = login(grads.col_admin, grads.col_a)
    delay(c, grads.branch_a, grads.people[:1])
    assert (
        login(grads.branch_admin, grads.branch_a)
        .post("/members/graduates/unmark/", {"persons": [grads.people[0].pk]})
        .status_code
        == 403
    )
    col_b_admin = f.admin_of(grads.col_b)
    Organization.objects.filter(pk=grads.col_b.pk).update(industry=Industry.UNIVERSITY)
    assert (
        login(col_b_admin, grads.col_b)
        .post("/members/graduates/unmark/", {"persons": [grads.people[0].pk]})
        .status_code
        == 404
    )
    c = login(grads.col_admin, grads.col_a)
    assert c.post("/members/graduates/unmark/", {"persons": [grads.people[2].pk]}).status_code == 404
    assert c.post("/members/graduates/unmark/", {"persons": ["x"]}).status_code == 400
    assert GraduateMark.objects.count() == 1


def test_june_first_job_skips_delayed_members(client, login, grads):
    """GRAD-01 / ORG-16: a delayed (or teacher) member is not a graduate of the branch's year: the
    conversion, run again for the year or for the branch, does not flag them; after 撤销 it does."""
    c = login(grads.col_admin, grads.col_a)
    delay(c, grads.branch_a, grads.people[:1])
    c.post(url(grads.branch_a), {"persons": [grads.people[1].pk], "kind": "teacher"})
    Person.objects.filter(pk=grads.people[2].pk).update(is_graduate=False)  # joined after June 1
    convert_year(2026)
    convert(Organization.objects.filter(pk=grads.branch_a.pk))
    flags = dict(Person.objects.filter(branch=grads.branch_a).values_list("name", "is_graduate"))
    assert (flags["毕业生0"], flags["毕业生1"], flags["毕业生2"]) == (False, False, True)
    c.post("/members/graduates/unmark/", {"persons": [grads.people[0].pk, grads.people[1].pk]})
    assert Person.objects.filter(branch=grads.branch_a, is_graduate=False).count() == 0


def test_delayed_list_constant_queries(client, login, grads):
    """GRAD-01 / performance: 延迟毕业团员列表 runs the same queries for 1 or 11 delayed members."""
    c = login(grads.col_admin, grads.col_a)
    delay(c, grads.branch_a, grads.people[:1])

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(path).status_code == 200
        return len(ctx.captured_queries)

    small_list, small_branch = count("/members/graduates/delayed/"), count(url(grads.branch_a))
    more = [f.person(f"延迟{i}", branch=grads.branch_a, is_graduate=True) for i in range(10)]
    delay(c, grads.branch_a, more)
    assert count("/members/graduates/delayed/") == small_list
    assert count(url(grads.branch_a)) == small_branch


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serializes writers)")
@pytest.mark.django_db(transaction=True)
def test_two_admins_marking_at_once_make_one_mark(grads):
    """GRAD-01 / SEC-04: two school admins marking the same member at once: one mark, one refusal."""
    from members.cadres import CadreError
    from members.graduates import mark

    person = grads.people[0]
    outcomes = at_once(
        lambda acting, by: mark(acting, grads.branch_a, [person.pk], kind="teacher", by=by),
        [(grads.col_a, grads.col_admin), (grads.uni, grads.uni_admin)],
        expected=(CadreError,),
    )
    assert outcomes.count("ok") == 1
    assert GraduateMark.objects.filter(person=person).count() == 1


def test_member_list_offers_marking_in_a_graduate_org(client, login, grads):
    """GRAD-01: in a graduate org's 团员列表 a school admin finds 标记延迟毕业团员/教师; the branch
    itself and other branches' lists don't offer it."""
    link = f'href="{url(grads.branch_a)}"'
    page = login(grads.col_admin, grads.col_a).get(f"/members/?branch={grads.branch_a.pk}").content.decode()
    assert "标记延迟毕业团员/教师" in page and link in page
    page = login(grads.branch_admin, grads.branch_a).get(f"/members/?branch={grads.branch_a.pk}").content.decode()
    assert "标记延迟毕业团员/教师" not in page
    page = login(grads.uni_admin, grads.uni).get(f"/members/?branch={grads.branch_b.pk}").content.decode()
    assert "标记延迟毕业团员/教师" not in page


def test_delayed_list_is_a_tab_of_the_member_list(client, login, grads):
    """GRAD-01 (seed 003 延迟毕业业务操作说明): 延迟毕业团员列表 sits in 团员管理, as a tab beside 团员列表,
    for school admins only."""
    import re

    def group_of(html, label):
        groups = re.findall(r'<div class="menu-group mb-2">(.*?)</div>\s*(?=<div class="menu-group|</nav>)', html, re.S)
        return next((g for g in groups if f">{label}</a>" in g), "")

    c = login(grads.col_admin, grads.col_a)
    html = c.get("/members/").content.decode()
    assert "团员管理" in group_of(html, "延迟毕业团员列表")
    assert 'id="member-tabs"' in html and 'href="/members/graduates/delayed/"' in html
    assert 'id="member-tabs"' in c.get("/members/graduates/delayed/").content.decode()
    html = login(grads.branch_admin, grads.branch_a).get("/members/").content.decode()
    assert ">延迟毕业团员列表</a>" not in html and 'id="member-tabs"' not in html
