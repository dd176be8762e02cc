"""Every MEM rule's violation is a form error (录入团员团干部) AND an import row error (批量导入),
with the same words, and stores nothing (MEM-01 … MEM-05, CAD-05, SEC-06). The rules live once
in members/validation.py; these tests prove both paths reach them."""

from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from members.models import CadrePost, Person
from tests import factories as f
from tests.members.import_files import good_row, upload
from tests.members.people_data import POST_FIELDS, exact_id, person_post

TAKEN_NUMBER = "201812345678"
_VALID = exact_id(date(2000, 3, 1))
# The same number with another check digit: the checksum fails.
BAD_CHECKSUM = _VALID[:-1] + ("1" if _VALID[-1] == "0" else "0")
YOUNG = date(2006, 6, 1)  # 11 in May 2018: too young to join then
JOINED_2018 = {"joined_month": "2018-05"}
ROW_2018 = {"入团时间": "2018-05"}

CASES = [
    # (rule, form values, Excel row values, the message both paths give)
    ("MEM-01 民族", {"ethnicity": "火星族"}, {"民族": "火星族"}, "民族“火星族”无效"),
    (
        "MEM-01 入党时间",
        {"political_status": "party_member"},
        {"政治面貌": "中共党员"},
        "请填写入党时间",
    ),
    ("MEM-01 手机号码", {"mobile": "12345"}, {"手机号码": "12345"}, "手机号码格式不正确"),
    (
        "MEM-01 志愿者时间",
        {"is_volunteer": "1", "volunteer_since": ""},
        {"是否成为注册志愿者": "是"},
        "请填写成为注册志愿者时间",
    ),
    ("MEM-02 校验位", {"id_number": BAD_CHECKSUM, "gender": "M"}, {"身份证号码": BAD_CHECKSUM}, "校验位不正确"),
    ("MEM-02 性别", {"gender": "wrong"}, {"性别": "wrong"}, "性别"),
    (
        "MEM-03 入团年龄",
        {**JOINED_2018, "development_number": "201822222222", "birth": YOUNG},
        {**ROW_2018, "发展团员编号": "201822222222", "birth": YOUNG},
        "入团年龄不符合规定",
    ),
    ("MEM-04 缺少编号", JOINED_2018, ROW_2018, "须填写发展团员编号"),
    (
        "MEM-04 编号被占用",
        {**JOINED_2018, "development_number": TAKEN_NUMBER},
        {**ROW_2018, "发展团员编号": TAKEN_NUMBER},
        "发展团员编号被占用",
    ),
    (
        "MEM-04 年份不一致",
        {**JOINED_2018, "development_number": "201912345678"},
        {**ROW_2018, "发展团员编号": "201912345678"},
        "前四位年份与入团时间不一致",
    ),
    (
        "MEM-04 位数不对",
        {**JOINED_2018, "development_number": "2018123"},
        {**ROW_2018, "发展团员编号": "2018123"},
        "位数不对",
    ),
    (
        "MEM-04 格式不对",
        {**JOINED_2018, "development_number": "2018-1234567"},
        {**ROW_2018, "发展团员编号": "2018-1234567"},
        "格式不对",
    ),
    (
        "MEM-05 入党申请书",
        {"party_application_submitted": ""},
        {"是否递交入党申请书": ""},
        "请选择是否递交入党申请书",
    ),
    (
        "MEM-05 递交时间",
        {"party_application_submitted": "1"},
        {"是否递交入党申请书": "是"},
        "请填写递交入党申请书时间",
    ),
]


def _form_data(over):
    over = dict(over)
    birth = over.pop("birth", date(2000, 3, 1))
    if "id_number" not in over:
        over["id_number"] = exact_id(birth)
    data = person_post(**over)
    if data["gender"] == "wrong":  # the opposite of what the ID number says
        data["gender"] = "F" if int(data["id_number"][16]) % 2 else "M"
    return data


def _row(over):
    over = dict(over)
    birth = over.pop("birth", date(2000, 3, 1))
    id_number = over.pop("身份证号码", exact_id(birth))
    row = good_row(id_number, "规则某", **over)
    if row["性别"] == "wrong":
        row["性别"] = "女" if int(id_number[16]) % 2 else "男"
    return row


@pytest.fixture
def number_holder(tree):
    return f.person("编号持有人", branch=tree.branch_b, joined_month=date(2018, 5, 1), development_number=TAKEN_NUMBER)


@pytest.mark.parametrize(("rule", "form", "row", "message"), CASES, ids=[c[0] for c in CASES])
def test_rule_refused_in_the_form(tree, login, number_holder, rule, form, row, message):
    """MEM-01 … MEM-05: 录入团员团干部 answers 400 with the rule's words; nothing is stored."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    before = Person.objects.count()
    r = client.post(reverse("members:enter"), _form_data(form))
    assert r.status_code == 400, rule
    assert message in unescape(r.content.decode()), rule
    assert Person.objects.count() == before


@pytest.mark.parametrize(("rule", "form", "row", "message"), CASES, ids=[c[0] for c in CASES])
def test_rule_refused_as_an_import_row(tree, login, number_holder, fast_hasher, rule, form, row, message):
    """MEM-01 … MEM-05 / MEM-07: the bad row fails with the rule's words in 失败原因, the good row
    next to it is still importable; the preview stores nothing."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    before = Person.objects.count()
    rows = [_row(row), good_row(exact_id(date(2001, 2, 3)), "好人")]
    r = client.post(reverse("members:import", args=["members"]), {"file": upload("members", rows)})
    html = unescape(r.content.decode())
    assert r.status_code == 200, rule
    assert 'id="count-failed">1<' in html and 'id="count-created">1<' in html, rule
    reason = html.split('data-status="failed"')[1].split("</tr>")[0].split('<td class="small">')[-1]
    # BEY-03: "列名：说明" — the rule's words follow the column's name (a message opening with the
    # column's own name drops the repeat, so it reads with the colon taken out).
    column, _, rest = reason.partition("：")
    assert rest and column.strip() and "<" not in column, rule
    assert message in column + rest, rule
    assert Person.objects.count() == before


def test_student_cadre_is_part_time_in_every_entry_path(tree, login, fast_hasher):
    """CAD-05: a student cadre is 兼职 — refused as 专职 by 录入团员团干部, 录入本级团干部, and by
    the import rows of both templates (for someone already registered, by their stored 职业)."""
    message = "学生团干部均作为兼职团干部进行录入、统计、监测"
    full_time = POST_FIELDS | {"nature": "full_time"}
    branch_admin = login(f.admin_of(tree.branch_a), tree.branch_a)
    r = branch_admin.post(reverse("members:enter") + "?cadre=1", person_post() | full_time)
    assert r.status_code == 400 and message in unescape(r.content.decode())
    worker = person_post(occupation="state_enterprise", study_status="", occupation_detail="技术员")
    assert branch_admin.post(reverse("members:enter") + "?cadre=1", worker | full_time).status_code == 302

    post_row = {
        "团内现任职务": "委员",
        "任现职年月": "2023-09",
        "任现职方式": "选举",
        "团干部性质": "专职",
        "是否同级党(工)委(党支部)委员": "否",
        "在岗状态": "在岗",
    }
    r = branch_admin.post(
        reverse("members:import", args=["members"]),
        {"file": upload("members", [good_row(exact_id(date(2001, 1, 1)), "学生干部", **post_row)])},
    )
    assert 'id="count-failed">1<' in r.content.decode() and message in unescape(r.content.decode())

    committee = login(f.admin_of(tree.col_a), tree.col_a)
    r = committee.post(reverse("members:enter_cadre"), person_post() | full_time)
    assert r.status_code == 400 and message in unescape(r.content.decode())
    student = f.person("在读学生", branch=tree.branch_b, occupation="student", occupation_detail="undergraduate")
    # Typed as a worker, but the stored record says student: the stored one counts.
    typed = person_post(
        id_number=student.id_number,
        name="在读学生",
        occupation="state_enterprise",
        study_status="",
        occupation_detail="x",
    )
    r = committee.post(reverse("members:enter_cadre"), typed | full_time)
    assert r.status_code == 409 and message in unescape(r.content.decode())
    r = committee.post(
        reverse("members:import", args=["cadres"]),
        {"file": upload("cadres", [good_row(student.id_number, "在读学生", 职业="国有企业员工", **post_row)])},
    )
    assert 'id="count-failed">1<' in r.content.decode() and message in unescape(r.content.decode())
    assert not CadrePost.objects.filter(person=student).exists()
