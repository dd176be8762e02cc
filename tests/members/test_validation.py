"""The rules of members/validation.py (MEM-02 … MEM-05), one place for every path."""

from datetime import date

import pytest

from members.forms_people import _flag
from members.models import Person
from members.validation import (
    NUMBER_TAKEN,
    Context,
    application_form_required,
    bad_development_numbers,
    check_person,
    check_post,
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
