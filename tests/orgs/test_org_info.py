"""本组织信息 → 编辑 (ORG-06, ORG-07) and completeness (ORG-10).

Runs on the `tree` fixture: 团中央 → 团山东省委 → 团青岛市委 → 测试大学团委 → {学院A团委 → A1团支部, …}.
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from members.choices import PostTitle
from members.models import CadrePost
from orgs import completeness
from orgs.choices import Industry, OrgCategory
from orgs.forms_info import OrgInfoForm
from orgs.models import Organization
from tests import factories as f
from zhtj.core.workflow import WorkflowError

URL = "/orgs/info/edit/"
STAFFING = ("admin_staff_quota", "admin_staff_actual", "career_staff_quota", "career_staff_actual")
SECRETARY_ID = "370211199001011233"


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


@pytest.fixture
def fresh(tree):
    """A 团委 just created by 团青岛市委: short name and category only, industry still open."""
    return f.OrgFactory(name="青岛港集团团委", full_name="青岛港集团团委", parent=tree.city)


def payload(**over):
    data = {
        "industry": Industry.PRIVATE_ENTERPRISE,
        "phone": "0532-86981234",
        "email": "tuanwei@example.cn",
        "admin_staff_quota": "2",
        "admin_staff_actual": "1",
        "career_staff_quota": "0",
        "career_staff_actual": "0",
        "secretary_name": "王书记",
        "secretary_id_number": SECRETARY_ID,
        "secretary_mobile": "13912345678",
        "youth_count": "",
        "party_recommended_count": "",
    }
    data.update(over)
    return data


def red_labels(response):
    return set(re.findall(r'class="form-label required-label" for="[^"]*">([^<]+)</label>', response.content.decode()))


def all_labels(response):
    return set(re.findall(r'class="form-label[^"]*" for="[^"]*">([^<]+)</label>', response.content.decode()))


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def snapshot(org):
    org = Organization.objects.get(pk=org.pk)
    return {f.attname: getattr(org, f.attname) for f in Organization._meta.concrete_fields}


# --- ORG-07: the red-marked fields of each category ---------------------------------------------


def test_leadership_form_marks_its_required_fields(login, tree):
    """ORG-07: a leadership organ must give 联系电话, 电子邮箱, the four staffing numbers and the
    书记's name, ID and mobile; it has no 单位所属行业类别 to pick."""
    r = login(f.admin_of(tree.city)).get(URL)
    assert r.status_code == 200
    assert red_labels(r) == {
        "联系电话",
        "电子邮箱",
        "本级团组织行政编制数",
        "行政编制实际配备数",
        "本级团组织事业编制数",
        "事业编制实际配备数",
        "书记姓名",
        "书记身份证号码",
        "书记手机号码",
    }
    assert "单位所属行业类别" not in all_labels(r)
    assert {"14-28周岁青年数", "年度经推入党团员数"} <= all_labels(r) - red_labels(r)


def test_committee_form_marks_its_required_fields(login, tree, fresh):
    """ORG-07: 团委/团工委/团总支 give 单位所属行业类别, the staffing numbers and the 书记; phone and
    email are optional."""
    r = login(f.admin_of(fresh)).get(URL)
    assert red_labels(r) == {
        "单位所属行业类别",
        "本级团组织行政编制数",
        "行政编制实际配备数",
        "本级团组织事业编制数",
        "事业编制实际配备数",
        "书记姓名",
        "书记身份证号码",
        "书记手机号码",
    }
    assert {"联系电话", "电子邮箱", "14-28周岁青年数", "年度经推入党团员数"} <= all_labels(r) - red_labels(r)


@pytest.mark.parametrize("category", [OrgCategory.BRANCH, OrgCategory.FLOATING, OrgCategory.GRADUATE])
def test_branch_form_marks_its_required_fields(login, tree, category):
    """ORG-07 / ORG-17: 团支部 and the special branch kinds give 单位所属行业类别 and the 书记; no
    staffing numbers. A graduate org stays editable."""
    org = f.OrgFactory(name="测试团支部", parent=tree.col_a, category=category)
    r = login(f.admin_of(org)).get(URL)
    assert r.status_code == 200
    assert red_labels(r) == {"单位所属行业类别", "书记姓名", "书记身份证号码", "书记手机号码"}
    assert "本级团组织行政编制数" not in all_labels(r)


def test_committee_saves_its_info(login, tree, fresh):
    """ORG-07 / ORG-06: a valid first submission saves every field, picks the industry and stamps
    info_submitted_at."""
    c = login(f.admin_of(fresh))
    r = c.post(URL, payload(youth_count="10000", party_recommended_count="1000"))
    assert r.status_code == 302 and r["Location"] == reverse("orgs:detail", args=[fresh.pk])
    assert "本组织信息已保存。" in messages_of(r)
    fresh.refresh_from_db()
    assert fresh.industry == Industry.PRIVATE_ENTERPRISE
    assert (fresh.admin_staff_quota, fresh.admin_staff_actual) == (2, 1)
    assert (fresh.career_staff_quota, fresh.career_staff_actual) == (0, 0)
    assert (fresh.secretary_name, fresh.secretary_id_number, fresh.secretary_mobile) == (
        "王书记",
        SECRETARY_ID,
        "13912345678",
    )
    assert (fresh.youth_count, fresh.party_recommended_count) == (10000, 1000)
    assert fresh.phone == "0532-86981234" and fresh.email == "tuanwei@example.cn"
    assert fresh.info_submitted_at is not None


def test_staffing_zero_is_valid_blank_is_not(login, tree):
    """ORG-07: staffing numbers are required even when 0 — "0" saves, blank is refused (400)."""
    c = login(f.admin_of(tree.col_a))
    zeros = dict.fromkeys(STAFFING, "0")
    assert c.post(URL, payload(**zeros)).status_code == 302
    tree.col_a.refresh_from_db()
    assert [getattr(tree.col_a, k) for k in STAFFING] == [0, 0, 0, 0]

    r = c.post(URL, payload(admin_staff_quota="", career_staff_actual="  "))
    assert r.status_code == 400
    body = r.content.decode()
    assert "请填写本级团组织行政编制数，没有须填“0”。" in body
    assert "请填写事业编制实际配备数，没有须填“0”。" in body


class _FormValues(HTMLParser):
    """name → value of every input and selected option, as the browser would post the form back."""

    def __init__(self):
        super().__init__()
        self.values, self._select = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") not in ("hidden", "submit") and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs.get("name")
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value") or ""


def test_a_stored_zero_comes_back_as_zero(login, tree):
    """Issue 21 / ORG-07: staffing numbers saved as 0 show as 0 in the form (templates/includes/
    form_fields.html), so saving the form again unchanged is accepted, not refused as blank."""
    c = login(f.admin_of(tree.col_a))
    assert c.post(URL, payload(**dict.fromkeys(STAFFING, "0"))).status_code == 302
    parser = _FormValues()
    parser.feed(c.get(URL).content.decode())
    assert {k: parser.values[k] for k in STAFFING} == dict.fromkeys(STAFFING, "0")
    assert c.post(URL, parser.values).status_code == 302
    tree.col_a.refresh_from_db()
    assert [getattr(tree.col_a, k) for k in STAFFING] == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("admin_staff_quota", "-1", "本级团组织行政编制数不能小于0。"),
        ("admin_staff_actual", "abc", "行政编制实际配备数须为整数。"),
        ("career_staff_quota", "1.5", "本级团组织事业编制数须为整数。"),
        ("career_staff_actual", "99999999999999999999", "事业编制实际配备数不能超过9999。"),
        ("youth_count", "10001", "14-28周岁青年数不能超过10000。"),
        ("youth_count", "-3", "14-28周岁青年数不能小于0。"),
        ("party_recommended_count", "1001", "年度经推入党团员数不能超过1000。"),
        ("party_recommended_count", "十", "年度经推入党团员数须为整数。"),
        ("secretary_id_number", "370211199001011230", "书记身份证号码不正确：身份证号码校验位不正确"),
        ("secretary_id_number", "12345", "书记身份证号码不正确：身份证号码应为18位。"),
        ("secretary_mobile", "1391234567", "手机号码格式不正确"),
        ("secretary_mobile", "23912345678", "手机号码格式不正确"),
        ("secretary_mobile", "", "请填写书记手机号码。"),
        ("secretary_name", "", "请填写书记姓名。"),
        ("secretary_name", "<script>王", "书记姓名格式不正确：应为2至30个汉字"),
        ("secretary_name", "王书记🎉", "书记姓名格式不正确：应为2至30个汉字"),
        ("phone", "电话号码", "联系电话格式不正确"),
        ("email", "not-an-email", "电子邮箱格式不正确。"),
        ("industry", "", "请选择单位所属行业类别。"),
        ("industry", "spaceship", "请从列表中选择单位所属行业类别。"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(login, tree, fresh, field, value, message):
    """ORG-07 / SEC-06: each bad value gets a 400 with a clear Chinese message next to the field,
    and nothing of the submission is stored (not even the valid fields)."""
    c = login(f.admin_of(fresh))
    before = snapshot(fresh)
    r = c.post(URL, payload(**{field: value}))
    assert r.status_code == 400
    body = r.content.decode()
    assert message in body
    assert "提交失败：请按红色提示修改后重新提交。" in body
    assert snapshot(fresh) == before


def test_leadership_needs_phone_and_email(login, tree):
    """ORG-07: for a leadership organ 联系电话 and 电子邮箱 are required."""
    r = login(f.admin_of(tree.city)).post(URL, payload(phone="", email=""))
    assert r.status_code == 400
    assert "请填写联系电话。" in r.content.decode() and "请填写电子邮箱。" in r.content.decode()
    tree.city.refresh_from_db()
    assert tree.city.info_submitted_at is None


def test_mobile_and_landline_formats(login, tree):
    """ORG-07: 联系电话 takes a landline with area code (and extension) or a mobile number;
    the 书记's ID is stored in canonical form (upper-case X)."""
    c = login(f.admin_of(tree.city))
    id_with_x = "11010519491231002x"
    for phone in ("0532-86981234", "053286981234", "010-12345678-123", "13812345678"):
        r = c.post(URL, payload(phone=phone, secretary_id_number=id_with_x))
        assert r.status_code == 302, phone
        tree.city.refresh_from_db()
        assert tree.city.phone == phone
    assert tree.city.secretary_id_number == "11010519491231002X"


# --- ORG-06: frozen fields ----------------------------------------------------------------------


def test_industry_is_frozen_after_first_submission(login, tree, fresh):
    """ORG-06: after the first submission 单位所属行业类别 is no longer a field of the form; it is
    shown among the fields that can't be changed."""
    c = login(f.admin_of(fresh))
    c.post(URL, payload())
    r = c.get(URL)
    assert "单位所属行业类别" not in all_labels(r)
    frozen = re.search(r'id="org-frozen">(.*?)</dl>', r.content.decode(), re.S).group(1)
    assert "非公有制企业" in frozen and "青岛港集团团委" in frozen and "团委" in frozen


def test_tampered_post_cannot_change_frozen_fields(login, tree):
    """ORG-06: a crafted POST carrying 组织简称, 组织全称, 组织类别 or a new 单位所属行业类别 is saved
    for the editable fields only; the frozen values stay in the database."""
    org = tree.col_a  # industry 普通高等院校 already set
    c = login(f.admin_of(org))
    r = c.post(
        URL,
        payload(
            industry=Industry.PRIVATE_ENTERPRISE,
            name="改名团委",
            full_name="改名后的全称",
            category=OrgCategory.BRANCH,
            parent=tree.col_b.pk,
            info_submitted_at="",
        ),
    )
    assert r.status_code == 302
    org.refresh_from_db()
    assert org.industry == Industry.UNIVERSITY
    assert (org.name, org.full_name, org.category, org.parent_id) == (
        "学院A团委",
        "学院A团委",
        "committee",
        tree.uni.pk,
    )
    assert org.secretary_name == "王书记"  # the editable part was taken


def test_first_submissions_racing_for_the_industry(tree, fresh):
    """ORG-06 / SEC-04: two admins open the form while the industry is open; the second save,
    carrying a different industry, is refused and the first choice stays."""
    stale = Organization.objects.get(pk=fresh.pk)
    first = OrgInfoForm(payload(), org=Organization.objects.get(pk=fresh.pk))
    second = OrgInfoForm(payload(industry=Industry.SOCIAL_ORGANIZATION, secretary_name="李四"), org=stale)
    assert first.is_valid() and second.is_valid()
    first.save()
    with pytest.raises(WorkflowError, match="不可修改"):
        second.save()
    fresh.refresh_from_db()
    assert fresh.industry == Industry.PRIVATE_ENTERPRISE and fresh.secretary_name == "王书记"


def test_only_the_own_org_is_edited(login, tree):
    """ORG-08: the form edits the acting org only; a superior can't reach a sub-org's info through it,
    and a member without an acting org is refused (403)."""
    c = login(f.admin_of(tree.uni))
    assert c.post(URL, payload(secretary_name="校团委书记")).status_code == 302
    tree.uni.refresh_from_db()
    tree.col_a.refresh_from_db()
    assert tree.uni.secretary_name == "校团委书记" and tree.col_a.secretary_name == ""
    member = f.person("团员", branch=tree.branch_a, password="Zhtj-pass-2026")
    r = login(member).get(URL)
    assert r.status_code == 403


# --- 学校标识码 ---------------------------------------------------------------------------------


def test_school_code_entered_once_by_a_school_committee(login, tree):
    """ORG-14 (decision): a school-domain committee enters its 10-digit 学校标识码 in the info form;
    after that it is frozen like the industry."""
    org = f.OrgFactory(name="青岛职业技术学院团委", parent=tree.city, industry=Industry.SECONDARY_VOCATIONAL)
    c = login(f.admin_of(org))
    assert "学校标识码" in all_labels(c.get(URL))
    assert c.post(URL, payload(school_code="4137012345")).status_code == 302
    org.refresh_from_db()
    assert org.school_code == "4137012345"
    assert "学校标识码" not in all_labels(c.get(URL))
    c.post(URL, payload(school_code="4137099999"))
    org.refresh_from_db()
    assert org.school_code == "4137012345"


@pytest.mark.parametrize(
    ("industry", "code", "message"),
    [
        (Industry.STATE_ENTERPRISE, "4137012345", "只有学校领域"),
        (Industry.UNIVERSITY, "41370", "学校标识码应为10位数字。"),
        (Industry.UNIVERSITY, "41370abcde", "学校标识码应为10位数字。"),
        (Industry.UNIVERSITY, "4137010425", "该学校标识码已被其他组织使用"),
    ],
)
def test_bad_school_code_is_refused(login, tree, fresh, industry, code, message):
    """ORG-14 / SEC-06: a school code for a non-school industry, of the wrong shape, or already used
    by another org is refused with a 400; nothing is saved."""
    f.OrgFactory(name="其他大学团委", parent=tree.city, industry=Industry.UNIVERSITY, school_code="4137010425")
    r = login(f.admin_of(fresh)).post(URL, payload(industry=industry, school_code=code))
    assert r.status_code == 400
    assert message in r.content.decode()
    fresh.refresh_from_db()
    assert fresh.school_code == "" and fresh.industry == ""


# --- ORG-10: completeness -----------------------------------------------------------------------


def fill(org, **over):
    values = {
        "industry": Industry.UNIVERSITY,
        "phone": "0532-86981234",
        "email": "a@example.cn",
        "secretary_name": "书记",
        "secretary_id_number": SECRETARY_ID,
        "secretary_mobile": "13912345678",
        **dict.fromkeys(STAFFING, 0),
    }
    values.update(over)
    Organization.objects.filter(pk=org.pk).update(**values)
    org.refresh_from_db()
    return org


def secretary(org, mobile="13800000000"):
    p = f.person("现任书记", password="Zhtj-pass-2026", mobile=mobile)
    return CadrePost.objects.create(person=p, org=org, title=PostTitle.SECRETARY)


def test_secretary_title_matches_members():
    """ORG-10: orgs names the 书记 title without importing members; the two stay equal."""
    assert completeness.SECRETARY_TITLE == PostTitle.SECRETARY


def test_complete_needs_fields_secretary_and_secretary_mobile(tree):
    """ORG-10: complete = required fields filled AND a registered 书记 AND that 书记's own mobile;
    the org's 联系电话 or the 书记手机号码 field of the org don't count."""
    org = fill(tree.col_a)
    assert not completeness.is_complete(org)
    assert completeness.missing_items(org) == ["书记尚未注册（团干部列表中无现任书记）"]

    post = secretary(org, mobile="")
    assert not completeness.is_complete(org)
    assert completeness.missing_items(org) == ["书记个人资料中未填写手机号码"]

    post.person.mobile = "13800000000"
    post.person.save()
    assert completeness.is_complete(org)
    assert completeness.missing_items(org) == []

    # A deputy with a mobile is not the 书记; an ended 书记 post is not a registered 书记.
    CadrePost.objects.create(person=f.person("副书记", mobile="13700000000"), org=org, title=PostTitle.DEPUTY_SECRETARY)
    post.ended_on = post.started_on or org.created_at.date()
    post.save()
    assert not completeness.is_complete(org)


@pytest.mark.parametrize("blank", ["industry", "secretary_name", "secretary_id_number", "secretary_mobile"])
def test_each_required_text_field_counts(tree, blank):
    """ORG-10 / ORG-07: any blank required field makes the org incomplete."""
    org = fill(tree.col_a, **{blank: ""})
    secretary(org)
    assert not completeness.is_complete(org)
    assert Organization._meta.get_field(blank).verbose_name in completeness.missing_items(org)


def test_staffing_null_is_incomplete_zero_is_complete(tree):
    """ORG-10: staffing numbers count when not null: 0 is filled, null is not; a branch needs none."""
    org = fill(tree.col_a)
    secretary(org)
    assert completeness.is_complete(org)
    Organization.objects.filter(pk=org.pk).update(career_staff_actual=None)
    org.refresh_from_db()
    assert not completeness.is_complete(org)
    assert completeness.missing_items(org) == ["事业编制实际配备数"]

    branch = fill(tree.branch_a, **dict.fromkeys(STAFFING, None))
    secretary(branch)
    assert completeness.is_complete(branch)


def test_leadership_needs_phone_and_email_to_be_complete(tree):
    """ORG-10 / ORG-07: a leadership organ without 联系电话 is incomplete; a committee without one is complete."""
    city = fill(tree.city, industry="", phone="")
    secretary(city)
    assert not completeness.is_complete(city)
    assert completeness.missing_items(city) == ["联系电话"]
    col = fill(tree.col_a, phone="", email="")
    secretary(col)
    assert completeness.is_complete(col)


def test_completeness_over_many_orgs_is_one_query(tree, django_assert_num_queries):
    """ORG-10: the completeness annotation answers for every org in one query."""
    for org in (tree.col_a, tree.branch_a):
        fill(org)
        secretary(org)
    with django_assert_num_queries(1):
        result = dict(
            completeness.annotate_completeness(Organization.objects.all()).values_list("name", "info_complete")
        )
    assert result == {
        "团中央": False,
        "团山东省委": False,
        "团青岛市委": False,
        "测试大学团委": False,
        "学院A团委": True,
        "学院B团委": False,
        "A1团支部": True,
        "B1团支部": False,
    }


def test_detail_page_shows_completeness_to_the_org_and_its_superiors(login, tree):
    """ORG-10: 组织信息是否完整 is on the org's own page and on its page as seen by superiors; only the
    org's own admin gets the 编辑 link."""
    fill(tree.col_a)
    secretary(tree.col_a)
    url = reverse("orgs:detail", args=[tree.col_a.pk])

    def complete_cell(r):
        return re.search(r'id="org-info-complete">(.*?)</dd>', r.content.decode()).group(1)

    own = login(f.admin_of(tree.col_a)).get(url)
    assert complete_cell(own) == "是" and 'id="org-info-edit"' in own.content.decode()
    superior = login(f.admin_of(tree.city)).get(url)
    assert complete_cell(superior) == "是" and 'id="org-info-edit"' not in superior.content.decode()
    other = login(f.admin_of(tree.uni)).get(reverse("orgs:detail", args=[tree.col_b.pk]))
    assert "否" in complete_cell(other)


def test_saving_tells_what_is_still_missing(login, tree, fresh):
    """ORG-10: saving all fields while no 书记 is registered says the info is not complete yet."""
    r = login(f.admin_of(fresh, title=PostTitle.STAFF)).post(URL, payload())
    assert r.status_code == 302
    assert "组织信息尚未完整：书记尚未注册（团干部列表中无现任书记）。" in messages_of(r)
