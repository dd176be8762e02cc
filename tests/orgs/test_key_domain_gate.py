"""The key-domain gate (ORG-14): 高校本级 must give 在校学生数, 国有企业 must give 企业层级 and
企业所在驻地 before using the system; the answers are frozen once submitted."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from members.choices import PostTitle
from members.models import CadrePost
from orgs.choices import EnterpriseLevel, Industry
from orgs.completeness import key_domain_missing
from orgs.forms_info import KeyDomainForm
from orgs.models import Organization
from tests import factories as f
from tests.core.test_access_policies import sample_url, walk
from zhtj.core.workflow import WorkflowError

GATE = "/orgs/key-domain/"
PASSWORD = "Zhtj-pass-2026"
STUDENT_NOTICE = "请先填写本组织重点领域信息（在校学生数），提交后方可使用系统其他功能。"
SOE_NOTICE = "请先填写本组织重点领域信息（企业层级、企业所在驻地），提交后方可使用系统其他功能。"


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


@pytest.fixture
def university(tree):
    """测试大学团委 as 高校本级: 普通高等院校 with a 学校标识码, no 在校学生数 yet."""
    Organization.objects.filter(pk=tree.uni.pk).update(school_code="4137010425")
    tree.uni.refresh_from_db()
    return tree.uni


@pytest.fixture
def enterprise(tree):
    return f.OrgFactory(name="青岛港集团团委", parent=tree.city, industry=Industry.STATE_ENTERPRISE)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_gated(response, notice=STUDENT_NOTICE):
    assert response.status_code == 302, response.status_code
    assert response["Location"] == GATE
    assert notice in messages_of(response)


# --- who is gated -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("industry", "school_code", "expected"),
    [
        (Industry.UNIVERSITY, "4137010425", ("student_count",)),
        (Industry.VOCATIONAL_COLLEGE, "4137010426", ("student_count",)),
        (Industry.UNIVERSITY, "", ()),  # a college committee: no school code, no gate
        (Industry.SECONDARY_VOCATIONAL, "4137010427", ()),  # not higher education
        (Industry.STATE_ENTERPRISE, "", ("enterprise_level", "enterprise_location")),
        (Industry.PRIVATE_ENTERPRISE, "", ()),
        ("", "", ()),
    ],
)
def test_who_owes_key_domain_answers(tree, industry, school_code, expected):
    """ORG-14: 高校本级 = 普通高等院校 or 高等职业（专科）院校 AND a 学校标识码; 国有企业 by industry."""
    org = f.OrgFactory(parent=tree.city, industry=industry, school_code=school_code)
    assert key_domain_missing(org) == expected


def test_university_admin_is_sent_to_the_gate_from_every_page(login, tree, university):
    """ORG-14: while 在校学生数 is unanswered, every page (home, lists, org pages, the info form,
    exports, POSTs) redirects to the gate form with the reason."""
    c = login(f.admin_of(university))
    for url in (
        "/",
        "/inbox/",
        "/orgs/mine/",
        f"/orgs/{university.pk}/",
        "/orgs/children/",
        "/orgs/info/edit/",
        "/orgs/progress/",
        "/orgs/progress/export/",
        "/members/",
        "/members/cadres/",
        "/members/admin-change/",
    ):
        assert_gated(c.get(url))
    r = c.post("/orgs/info/edit/", {"secretary_name": "绕过"})
    assert_gated(r)
    university.refresh_from_db()
    assert university.secretary_name == ""


def test_gate_cannot_be_bypassed_by_any_url(login, tree, enterprise):
    """ORG-14: every URL of the project that needs a login, reached by GET, answers the gated admin
    with the redirect to the gate — except the gate itself, logout, password change and org switching."""
    c = login(f.admin_of(enterprise))
    open_names = {"orgs:key_domain", "logout", "password_change", "switch_org"}
    checked = 0
    for endpoint in walk():
        if endpoint.exempt or endpoint.policy is None or not endpoint.policy.needs_login:
            continue
        if endpoint.name in open_names:
            continue
        url = sample_url(endpoint)
        if url is None:
            continue
        for method in (c.get, c.post):
            r = method(url)
            assert r.status_code == 302 and r["Location"] == GATE, (url, r.status_code)
        checked += 1
    assert checked >= 15


def test_gate_leaves_logout_password_and_switching_open(login, tree, university):
    """ORG-14: the gate form, 修改密码, 切换其他组织 and 退出登录 stay usable while gated; so do static files."""
    person = f.admin_of(university)
    c = login(person)
    assert c.get(GATE).status_code == 200
    assert c.get(reverse("password_change")).status_code == 200
    assert c.get("/static/css/app.css").status_code in (200, 404)  # never the gate
    assert c.get("/static/css/app.css").get("Location") != GATE
    r = c.post(reverse("switch_org"), {"org": str(university.pk)})
    assert r.status_code == 302 and r["Location"] == reverse("home")
    r = c.post(reverse("logout"))
    assert r.status_code == 302 and r["Location"] != GATE


def test_gate_applies_only_while_acting_for_that_org(login, tree, university):
    """ORG-14 / ROLE-04: the same person acting for another org (not gated) uses the system."""
    person = f.admin_of(university)
    CadrePost.objects.create(person=person, org=tree.col_a, title=PostTitle.SECRETARY, admin_slot=2)
    c = login(person, acting_org=tree.col_a)
    assert c.get("/").status_code == 200
    assert c.get("/orgs/mine/").status_code == 302
    assert c.get("/orgs/mine/")["Location"] == reverse("orgs:detail", args=[tree.col_a.pk])
    c.post(reverse("switch_org"), {"org": str(university.pk)})
    assert_gated(c.get("/"))


def test_no_gate_for_other_orgs(login, tree):
    """ORG-14: a college committee (普通高等院校, no 学校标识码) and a branch are not gated."""
    assert login(f.admin_of(tree.col_a)).get("/").status_code == 200
    assert login(f.admin_of(tree.branch_a)).get("/").status_code == 200
    r = login(f.admin_of(tree.col_b)).get(GATE)
    assert r.status_code == 302 and r["Location"] == reverse("home")


def test_htmx_request_is_told_to_redirect(login, tree, university):
    """ORG-14: an htmx request gets HX-Redirect to the gate instead of a page fragment."""
    r = login(f.admin_of(university)).get("/inbox/", HTTP_HX_REQUEST="true")
    assert r.status_code == 204 and r["HX-Redirect"] == GATE


# --- answering ----------------------------------------------------------------------------------


def test_university_answers_then_uses_the_system(login, tree, university):
    """ORG-14: submitting 在校学生数 records it, stamps key_domain_submitted_at and lifts the gate."""
    c = login(f.admin_of(university))
    page = c.get(GATE).content.decode()
    assert "在校学生数" in page and STUDENT_NOTICE in page
    r = c.post(GATE, {"student_count": "31000"})
    assert r.status_code == 302 and r["Location"] == reverse("home")
    assert "重点领域信息已提交，现在可以正常使用系统。" in messages_of(r)
    university.refresh_from_db()
    assert university.student_count == 31000 and university.key_domain_submitted_at is not None
    assert c.get("/").status_code == 200
    assert c.get("/orgs/mine/").status_code == 302
    page = c.get(GATE).content.decode()
    assert 'id="key-domain-form"' not in page and "31000" in page


def test_enterprise_answers_both_fields(login, tree, enterprise):
    """ORG-14: a 国有企业 org gives 企业层级 (from the list) and 企业所在驻地."""
    c = login(f.admin_of(enterprise))
    assert_gated(c.get("/"), SOE_NOTICE)
    r = c.post(GATE, {"enterprise_level": EnterpriseLevel.PROVINCIAL, "enterprise_location": "山东省青岛市黄岛区"})
    assert r.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.enterprise_level, enterprise.enterprise_location) == ("provincial", "山东省青岛市黄岛区")
    assert c.get("/").status_code == 200
    assert "省属企业" in c.get(GATE).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"student_count": ""}, "请填写在校学生数。"),
        ({"student_count": "   "}, "请填写在校学生数。"),
        ({"student_count": "0"}, "在校学生数不能小于1。"),
        ({"student_count": "-5"}, "在校学生数不能小于1。"),
        ({"student_count": "三万"}, "在校学生数须为整数。"),
        ({"student_count": "1000001"}, "在校学生数不能超过1000000。"),
        ({}, "请填写在校学生数。"),
    ],
)
def test_bad_student_count_is_refused(login, tree, university, data, message):
    """ORG-14 / SEC-06: a blank, zero, negative, non-numeric or absurd 在校学生数 is a 400 with a
    clear message; nothing is stored and the gate stays."""
    c = login(f.admin_of(university))
    r = c.post(GATE, data)
    assert r.status_code == 400
    assert message in r.content.decode()
    university.refresh_from_db()
    assert university.student_count is None and university.key_domain_submitted_at is None
    assert_gated(c.get("/"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"enterprise_level": "", "enterprise_location": "青岛"}, "请选择企业层级。"),
        ({"enterprise_level": "galactic", "enterprise_location": "青岛"}, "请从列表中选择企业层级。"),
        ({"enterprise_level": "central", "enterprise_location": " "}, "请填写企业所在驻地。"),
        ({"enterprise_level": "central", "enterprise_location": "青" * 101}, "企业所在驻地不能超过100个字符。"),
    ],
)
def test_bad_enterprise_answers_are_refused(login, tree, enterprise, data, message):
    """ORG-14 / SEC-06: both answers are needed and checked; nothing half-saved."""
    r = login(f.admin_of(enterprise)).post(GATE, data)
    assert r.status_code == 400
    assert message in r.content.decode()
    enterprise.refresh_from_db()
    assert (enterprise.enterprise_level, enterprise.enterprise_location) == ("", "")


def test_answers_are_frozen_once_submitted(login, tree, university):
    """ORG-14: a second submission (a tampered POST) can't change the answer: 409, value kept."""
    c = login(f.admin_of(university))
    c.post(GATE, {"student_count": "31000"})
    r = c.post(GATE, {"student_count": "5"})
    assert r.status_code == 409
    assert "重点领域信息已提交，不可修改。" in r.content.decode()
    university.refresh_from_db()
    assert university.student_count == 31000


def test_an_answered_field_is_not_reopened(login, tree, enterprise):
    """ORG-14: with 企业层级 already given (e.g. by ops), the form asks only for 企业所在驻地; a POST
    carrying another 企业层级 leaves the given one alone."""
    Organization.objects.filter(pk=enterprise.pk).update(enterprise_level=EnterpriseLevel.CENTRAL)
    c = login(f.admin_of(enterprise))
    page = c.get(GATE).content.decode()
    assert 'name="enterprise_level"' not in page and 'name="enterprise_location"' in page
    r = c.post(GATE, {"enterprise_level": EnterpriseLevel.COUNTY, "enterprise_location": "北京市"})
    assert r.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.enterprise_level, enterprise.enterprise_location) == ("central", "北京市")


def test_racing_answers_keep_the_first(tree, university):
    """ORG-14 / SEC-04: two admins answering at once: the second save is refused, the first stays."""
    stale = Organization.objects.get(pk=university.pk)
    first = KeyDomainForm({"student_count": "31000"}, org=Organization.objects.get(pk=university.pk))
    second = KeyDomainForm({"student_count": "12"}, org=stale)
    assert first.is_valid() and second.is_valid()
    first.save()
    with pytest.raises(WorkflowError, match="不可修改"):
        second.save()
    university.refresh_from_db()
    assert university.student_count == 31000


def test_school_code_in_the_info_form_leads_to_the_gate(login, tree):
    """ORG-14: a university committee entering its 学校标识码 becomes 高校本级 and is taken to the gate."""
    org = f.OrgFactory(name="青岛理工大学团委", parent=tree.city, industry=Industry.UNIVERSITY)
    c = login(f.admin_of(org))
    r = c.post(
        "/orgs/info/edit/",
        {
            "school_code": "4137010429",
            "admin_staff_quota": "1",
            "admin_staff_actual": "1",
            "career_staff_quota": "0",
            "career_staff_actual": "0",
            "secretary_name": "赵书记",
            "secretary_id_number": "370211199001011233",
            "secretary_mobile": "13912345678",
        },
    )
    assert r.status_code == 302 and r["Location"] == GATE
    assert_gated(c.get("/"))
