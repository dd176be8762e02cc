"""The rules of members/validation.py (MEM-02 … MEM-05), one place for every path."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.forms_people import _flag
from members.models import Person
from members.rules import joining_age_problem
from members.validation import (
    ID_TAKEN,
    NUMBER_FORMAT,
    NUMBER_TAKEN,
    Context,
    application_form_required,
    bad_development_numbers,
    check_person,
    check_post,
    development_number_problem,
    parse_month,
)
from tests import factories as f
from tests.members.people_data import POST_FIELDS, person_post

TODAY = date(2026, 11, 23)


def values(**over):
    data = person_post(**over)
    for k in ("party_application_submitted", "is_volunteer"):
        data[k] = _flag(data[k])
    return data


def check(org=None, **over):
    v = values(**over)
    return check_person(v, Context.build(org, [v], today=TODAY))


def test_valid_person_has_no_errors(db):
    clean, errors = check()
    assert errors == {}
    assert clean["birth_date"] == date(2000, 3, 1)
    assert clean["occupation_detail"] == "undergraduate"


def test_id_checksum_and_gender_agreement(db):
    """MEM-02: a bad checksum is refused; the typed gender must agree with the ID number."""
    _, errors = check(id_number="370211200003010011")
    assert "校验位" in errors["id_number"] or "身份证" in errors["id_number"]
    good = f.new_id_number(date(2000, 3, 1))
    wrong = "F" if int(good[16]) % 2 else "M"
    _, errors = check(id_number=good, gender=wrong)
    assert "性别与身份证号码不一致" in errors["gender"]


def test_unknown_county_is_a_message_not_a_crash(db):
    """MEM-02: a number with a real province but no such county (python-stdnum raises KeyError on
    659099) is refused with the region message, like any other bad number."""
    from stdnum.cn import ric

    body = "65909920000301001"
    _, errors = check(id_number=body + ric.calc_check_digit(body + "0"))
    assert "地区码" in errors["id_number"]


def test_one_person_per_id_number(tree):
    """MEM-02: an ID number already stored is refused (but not for the person themselves)."""
    existing = f.person("王五")
    _, errors = check(id_number=existing.id_number)
    assert "已在系统中" in errors["id_number"]
    v = values(id_number=existing.id_number, name="王五")
    _, errors = check_person(v, Context.build(None, [v], today=TODAY), instance=existing)
    assert "id_number" not in errors


def test_joining_age(tree):
    """MEM-03: from 2017 at least 13 in the join month; before, 12; under 团新疆区委 always 13."""
    _, errors = check(birth=date(2005, 6, 1), joined_month="2018-05", development_number="201812345678")
    assert "入团时未满13周岁" in errors["joined_month"] and "省级团委" in errors["joined_month"]
    _, errors = check(birth=date(2004, 6, 1), joined_month="2016-07")
    assert "joined_month" not in errors  # 12 years 1 month, before 2017
    xj = f.leadership("团新疆区委", tree.central, 2)
    branch = f.branch(f.OrgFactory(parent=xj))
    branch.refresh_from_db()
    _, errors = check(org=branch, birth=date(2004, 6, 1), joined_month="2015-07")
    assert "新疆" in errors["joined_month"]


@pytest.mark.parametrize(
    ("number", "joined", "case"),
    [
        ("", "2018-05", "须填写发展团员编号"),
        ("2018ABC45678", "2018-05", "格式不对"),
        ("20181234567", "2018-05", "位数不对"),
        ("201912345678", "2018-05", "前四位年份与入团时间不一致"),
    ],
)
def test_development_number_cases(db, number, joined, case):
    """MEM-04: each refusal names its case (情况二/三/四, and the missing number)."""
    _, errors = check(development_number=number, joined_month=joined)
    assert case in errors["development_number"]


def test_development_number_taken_and_xinjiang_start(tree):
    """MEM-04: 编号被占用 (情况一); 团新疆区委's subtree needs a number from 2016 on."""
    other = f.person("赵六")
    Person.objects.filter(pk=other.pk).update(development_number="201812345678")
    _, errors = check(development_number="201812345678", joined_month="2018-05")
    assert errors["development_number"] == NUMBER_TAKEN
    _, errors = check(development_number="", joined_month="2016-05")
    assert "development_number" not in errors
    xj = f.leadership("团新疆区委", tree.central, 2)
    branch = f.branch(f.OrgFactory(parent=xj))
    branch.refresh_from_db()
    _, errors = check(org=branch, development_number="", joined_month="2016-05")
    assert "2016年" in errors["development_number"]


def test_conditionals(db):
    """MEM-05 / MEM-01: 入党时间 for party members; under 18 the party application may be blank;
    dates required when 是; study status only for students; mobile format."""
    _, errors = check(political_status="party_member")
    assert "入党时间" in errors["party_joined_month"]
    _, errors = check(political_status="party_member", party_joined_month="2021-07")
    assert errors == {}
    _, errors = check(party_application_submitted="")
    assert "是否递交入党申请书" in errors["party_application_submitted"]
    _, errors = check(
        birth=date(2010, 1, 1),
        joined_month="2024-01",
        development_number="202412345678",
        party_application_submitted="",
    )
    assert errors == {}
    _, errors = check(party_application_submitted="1")
    assert "递交入党申请书时间" in errors["party_application_date"]
    _, errors = check(is_volunteer="1", volunteer_since="")
    assert "成为注册志愿者时间" in errors["volunteer_since"]
    _, errors = check(occupation="farmer")
    assert "不填写在读状况" in errors["study_status"] and "具体职业" in errors["occupation_detail"]
    _, errors = check(occupation="student", study_status="")
    assert "在读状况" in errors["study_status"]
    _, errors = check(mobile="1381234")
    assert "手机号码格式" in errors["mobile"]
    assert application_form_required(date(2020, 1, 1)) and not application_form_required(date(2019, 12, 1))


def test_post_fields_required(db):
    """MEM-01: every cadre field is required for a cadre."""
    _, errors = check_post({}, Context(today=TODAY))
    assert set(errors) == {
        "title",
        "started_on",
        "appointment_method",
        "nature",
        "is_party_committee_member",
        "duty_status",
    }
    post = dict(POST_FIELDS, is_party_committee_member=False)
    assert check_post(post, Context(today=TODAY))[1] == {}


def test_bad_development_numbers_query(db):
    """MEM-04: the stored-number check behind the login prompt finds every bad case in one query."""
    good = f.person("好", joined_month=date(2018, 5, 1), development_number="201812345678")
    missing = f.person("缺", joined_month=date(2018, 5, 1))
    short = f.person("短", joined_month=date(2018, 5, 1), development_number="2018123")
    year = f.person("年", joined_month=date(2018, 5, 1), development_number="201912345679")
    old = f.person("旧", joined_month=date(2015, 5, 1))
    found = set(bad_development_numbers(Person.objects.all()).values_list("pk", flat=True))
    assert found == {missing.pk, short.pk, year.pk}
    assert good.pk not in found and old.pk not in found


# --- Every field's outcome, word for word (issue 22: the refusals' messages and the clean values) ---

MALE_ID = "440106200003010012"  # 2000-03-01, odd 17th digit: 男


def test_a_record_cleans_to_its_field_values(db):
    """MEM-01 / MEM-02: a valid record's clean values, every field: the birth date and gender
    from the ID number, the months as their 1st, the flags as given."""
    v = dict(values(id_number=MALE_ID), gender="")
    clean, errors = check_person(v, Context(today=TODAY))
    assert errors == {}
    assert clean == {
        "name": "李明",
        "id_number": MALE_ID,
        "birth_date": date(2000, 3, 1),
        "gender": "M",
        "ethnicity": "汉族",
        "education": "bachelor",
        "occupation": "student",
        "occupation_detail": "undergraduate",
        "political_status": "league_member",
        "joined_month": date(2015, 5, 1),
        "development_number": "",
        "party_joined_month": None,
        "mobile": "13812345678",
        "party_application_submitted": False,
        "party_application_date": None,
        "is_volunteer": True,
        "volunteer_since": date(2019, 3, 1),
    }


def test_a_party_member_who_is_no_student_nor_volunteer(db):
    """MEM-01 / MEM-05: text is trimmed; a non-student's 具体职业; a party member's 入党时间; the
    application's date kept when submitted; the volunteer month dropped when not a volunteer."""
    v = values(
        id_number=MALE_ID,
        name=" 李明 ",
        occupation="farmer",
        study_status="",
        occupation_detail=" 种植户 ",
        political_status="party_member",
        party_joined_month="2021-07",
        joined_month=date(2015, 5, 20),
        development_number=" ",
        mobile=" 13812345678 ",
        party_application_submitted="1",
        party_application_date="2020-06",
        is_volunteer="0",
        volunteer_since="2019-03",
    )
    clean, errors = check_person(v, Context(today=TODAY))
    assert errors == {}
    assert {k: clean[k] for k in clean if k not in ("id_number", "birth_date", "gender", "ethnicity", "education")} == {
        "name": "李明",
        "occupation": "farmer",
        "occupation_detail": "种植户",
        "political_status": "party_member",
        "joined_month": date(2015, 5, 1),
        "development_number": "",
        "party_joined_month": date(2021, 7, 1),
        "mobile": "13812345678",
        "party_application_submitted": True,
        "party_application_date": date(2020, 6, 1),
        "is_volunteer": False,
        "volunteer_since": None,
    }


def test_an_empty_record_names_every_required_field(db):
    """MEM-01: each required field missing has its own message; nothing else is asked (no ID
    number, so no age: 是否递交入党申请书 is not required)."""
    clean, errors = check_person({}, Context(today=TODAY))
    assert errors == {
        "name": "请填写姓名。",
        "id_number": "请输入身份证号码。",
        "gender": "请选择性别。",
        "ethnicity": "请选择民族。",
        "education": "请选择学历。",
        "occupation": "请选择职业。",
        "political_status": "请选择政治面貌。",
        "joined_month": "请填写入团时间。",
        "mobile": "请填写手机号码。",
        "is_volunteer": "请选择是否成为注册志愿者。",
    }
    assert clean == {
        "name": "",
        "ethnicity": "",
        "education": "",
        "occupation": "",
        "political_status": "",
        "joined_month": None,
        "development_number": "",
        "party_joined_month": None,
        "mobile": "",
        "party_application_submitted": None,
        "party_application_date": None,
        "is_volunteer": None,
        "volunteer_since": None,
    }


def test_values_off_the_list_each_with_its_message(db):
    """MEM-01: a value that is not one of the choices, a malformed month or mobile, a flag that is
    neither 是 nor 否: each refused with its own message."""
    v = values(
        id_number=MALE_ID,
        gender="X",
        ethnicity="火星族",
        education="x",
        study_status="phd",
        political_status="boss",
        joined_month="2015-13",
        mobile="12345678901",
        volunteer_since="",
    )
    v.update(party_application_submitted="yes", is_volunteer=True)
    clean, errors = check_person(v, Context(today=TODAY))
    assert errors == {
        "gender": "性别请选择“男”或“女”。",
        "ethnicity": "民族“火星族”无效，请从列表中选择。",
        "education": "学历“x”无效，请从列表中选择。",
        "study_status": "在读状况“phd”无效，请从列表中选择。",
        "political_status": "政治面貌“boss”无效，请从列表中选择。",
        "joined_month": "入团时间格式不正确，请按“2015-05”的格式填写年和月。",
        "mobile": "手机号码格式不正确：应为以1开头的11位数字。",
        "party_application_submitted": "是否递交入党申请书请选择“是”或“否”。",
        "volunteer_since": "请填写成为注册志愿者时间。",
    }
    assert clean["gender"] == "M"  # from the ID number, whatever was typed
    # a value off the list is not kept
    assert [clean[k] for k in ("ethnicity", "education", "political_status")] == ["", "", ""]


def test_gender_against_the_id_number(db):
    """MEM-02: the typed gender must be the ID number's; none typed, the ID number's is taken; a bad
    ID number is refused alone (the gender then can't be checked, but is asked for when empty)."""
    _, errors = check_person(values(id_number=MALE_ID, gender="F"), Context(today=TODAY))
    assert errors == {"gender": "性别与身份证号码不一致：按身份证号码应为男。"}
    clean, errors = check_person(dict(values(id_number=MALE_ID), gender=""), Context(today=TODAY))
    assert errors == {} and clean["gender"] == "M"
    bad = "440106200003010013"  # wrong check digit
    _, errors = check_person(values(id_number=bad, gender="M"), Context(today=TODAY))
    assert set(errors) == {"id_number"}
    _, errors = check_person(dict(values(id_number=bad), gender=""), Context(today=TODAY))
    assert set(errors) == {"id_number", "gender"} and errors["gender"] == "请选择性别。"


@pytest.mark.parametrize(
    ("occupation", "study", "detail", "expected"),
    [
        ("student", "", "", {"study_status": "职业为学生的，请选择在读状况。"}),
        (
            "farmer",
            "undergraduate",
            "",
            {
                "study_status": "职业不是学生的，不填写在读状况，请填写具体职业。",
                "occupation_detail": "请填写具体职业。",
            },
        ),
        ("farmer", "", "农" * 50, {}),
        ("farmer", "", "农" * 51, {"occupation_detail": "具体职业不能超过50个字。"}),
    ],
)
def test_study_status_or_occupation_in_words(db, occupation, study, detail, expected):
    """MEM-01: a student's 在读状况, anyone else's 具体职业 (at most 50 characters: 50 kept, 51 refused)."""
    v = values(occupation=occupation, study_status=study, occupation_detail=detail)
    _, errors = check_person(v, Context(today=TODAY))
    assert errors == expected


@pytest.mark.parametrize(
    ("political", "party_month", "expected"),
    [
        ("party_member", "", {"party_joined_month": "请填写入党时间。"}),
        ("party_probationary", "2021-07", {}),
        ("league_member", "2021-07", {"party_joined_month": "政治面貌不是中共党员或中共预备党员的，不填写入党时间。"}),
        ("", "2021-07", {"political_status": "请选择政治面貌。"}),
    ],
)
def test_party_month_for_party_members_only(db, political, party_month, expected):
    """MEM-01: 入党时间 is required of (and kept for) party members only; refused for a 团员; no
    政治面貌 yet: only that is asked."""
    v = values(political_status=political, party_joined_month=party_month)
    clean, errors = check_person(v, Context(today=TODAY))
    assert errors == expected
    kept = date(2021, 7, 1) if political == "party_probationary" else None
    assert clean["party_joined_month"] == kept


def test_taken_numbers_are_someone_elses(db):
    """MEM-02 / MEM-04 (情况一): an ID number or 发展团员编号 held by another person is refused; held
    by the person edited, or by nobody, it is theirs; a malformed number says how, not 被占用."""
    v = values(id_number=MALE_ID, joined_month="2018-05", development_number="201812345678")
    ctx = Context(today=TODAY, id_owners={MALE_ID: 7}, number_owners={"201812345678": 7})
    clean, errors = check_person(v, ctx)
    assert errors == {"id_number": ID_TAKEN, "development_number": NUMBER_TAKEN}
    assert clean["id_number"] == MALE_ID and clean["development_number"] == "201812345678"
    assert check_person(v, ctx, instance=SimpleNamespace(pk=7))[1] == {}
    assert set(check_person(v, ctx, instance=SimpleNamespace(pk=8))[1]) == {"id_number", "development_number"}
    assert check_person(v, Context(today=TODAY), instance=SimpleNamespace(pk=8))[1] == {}
    short = values(id_number=MALE_ID, joined_month="2018-05", development_number="20181234567")
    _, errors = check_person(short, Context(today=TODAY, number_owners={"20181234567": 7}))
    assert errors == {"development_number": "发展团员编号位数不对：应为12位数字，当前为11位。"}


def test_join_month_as_a_date_or_text_up_to_this_month(db):
    """MEM-01 / MEM-03: a date cell is its month; this month is accepted, the next refused (today is
    the context's); a join month under the age is refused with the age rule's words."""
    v = values(joined_month=date(2015, 5, 31))
    assert check_person(v, Context(today=TODAY))[0]["joined_month"] == date(2015, 5, 1)
    v = values(birth=date(2000, 3, 1), joined_month="2026-11", development_number="202612345678")
    assert check_person(v, Context(today=TODAY))[1] == {}
    v = values(birth=date(2000, 3, 1), joined_month="2026-12", development_number="202612345678")
    assert check_person(v, Context(today=TODAY))[1] == {"joined_month": "入团时间不能晚于当前月份。"}
    v = values(birth=date(2005, 6, 1), joined_month="2018-05", development_number="201812345678")
    _, errors = check_person(v, Context(today=TODAY))
    assert errors == {"joined_month": joining_age_problem(date(2005, 6, 1), date(2018, 5, 1), False)}
    v = values(birth=date(2003, 6, 1), joined_month="2015-07")  # 12: enough elsewhere before 2017, not under 团新疆区委
    assert check_person(v, Context(today=TODAY))[1] == {}
    _, errors = check_person(v, Context(xinjiang=True, today=TODAY))
    assert errors == {"joined_month": joining_age_problem(date(2003, 6, 1), date(2015, 7, 1), True)}


@pytest.mark.parametrize(
    ("number", "joined", "message"),
    [
        ("", date(2018, 5, 1), "2017年1月1日及以后入团的团员须填写发展团员编号（见《入团志愿书》首页）。"),
        ("２０１８１２３４５６７８", date(2018, 5, 1), NUMBER_FORMAT),
        ("2018ABC45678", date(2018, 5, 1), NUMBER_FORMAT),
        ("20181234567", date(2018, 5, 1), "发展团员编号位数不对：应为12位数字，当前为11位。"),
        ("2018123456789", date(2018, 5, 1), "发展团员编号位数不对：应为12位数字，当前为13位。"),
        ("201912345678", date(2018, 5, 1), "发展团员编号前四位年份与入团时间不一致：前四位应为入团年份2018。"),
        ("201812345678", date(2018, 5, 1), None),
        ("201812345678", None, None),  # no join month (refused on its own): no year to compare
        ("", None, None),
    ],
)
def test_development_number_messages_word_for_word(number, joined, message):
    """MEM-04: each case's message as the seed's FAQ words it (full-width digits are not digits here)."""
    assert development_number_problem(number, joined) == message


def test_other_months_refused_in_their_own_words():
    """MEM-01: 入党时间, 任现职年月 … are refused like 入团年月, named by their label, with the same codes."""
    with pytest.raises(ValidationError) as refused:
        parse_month("2015-13", "入党时间", today=TODAY)
    assert (refused.value.code, refused.value.message) == (
        "invalid",
        "入党时间格式不正确，请按“2015-05”的格式填写年和月。",
    )
    with pytest.raises(ValidationError) as refused:
        parse_month("2026-12", "入党时间", today=TODAY)
    assert (refused.value.code, refused.value.message) == ("future", "入党时间不能晚于当前月份。")
    assert parse_month("2026-11", "入党时间", today=TODAY) == date(2026, 11, 1)


def test_context_built_for_a_whole_import(tree):
    """MEM-02 / MEM-04: the look-ups of an import, made once: the owners of its ID numbers and
    (trimmed) numbers, 团新疆区委's subtree, today by default; a bad ID number is left to the row."""
    owner = f.person("赵六")
    Person.objects.filter(pk=owner.pk).update(development_number="201812345678")
    rows = [
        {"id_number": owner.id_number.lower(), "development_number": " 201812345678 "},
        {"id_number": "bad", "development_number": "201912345678"},
    ]
    ctx = Context.build(tree.branch_a, rows)
    assert ctx.id_owners == {owner.id_number: owner.pk}
    assert ctx.number_owners == {"201812345678": owner.pk}
    assert ctx.today == timezone.localdate() and ctx.org == tree.branch_a and not ctx.xinjiang
    xj = f.branch(f.OrgFactory(parent=f.leadership("团新疆区委", tree.central, 2)))
    xj.refresh_from_db()
    assert Context.build(xj).xinjiang


def test_flags_left_empty_and_their_months(db):
    """MEM-05 / MEM-01: an empty flag (an empty cell: "", not only None) is asked for when required
    and left alone for a minor; 是 asks for its month by name."""
    v = dict(values(), is_volunteer="", volunteer_since="")
    assert check_person(v, Context(today=TODAY))[1] == {"is_volunteer": "请选择是否成为注册志愿者。"}
    v = dict(values(), party_application_submitted="")
    assert check_person(v, Context(today=TODAY))[1] == {"party_application_submitted": "请选择是否递交入党申请书。"}
    minor = dict(
        values(birth=date(2010, 1, 1), joined_month="2024-01", development_number="202412345678"),
        party_application_submitted="",
    )
    clean, errors = check_person(minor, Context(today=TODAY))
    assert errors == {} and clean["party_application_submitted"] is None
    v = dict(values(), party_application_submitted=True, party_application_date="")
    assert check_person(v, Context(today=TODAY))[1] == {"party_application_date": "请填写递交入党申请书时间。"}
