"""The dates and ages of MEM-03 … MEM-05 and the admin slots of ORG-12 are settings (settings.ZHTJ):
each is tested at its exact edge with the default value, and moved to show the rule follows it."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper

from members import rules as member_rules
from members.choices import PostTitle
from members.completeness import person_complete_q
from members.models import CadrePost, Person
from members.rules import joining_age_problem
from members.services import grant_admin
from members.validation import (
    STUDENT_NATURE,
    Context,
    application_form_required,
    bad_development_numbers,
    check_person,
    check_post,
    development_number_problem,
    student_nature_problem,
)
from tests import factories as f
from tests.members.test_member_list import full
from tests.members.test_validation import values
from zhtj.core.workflow import WorkflowError

TODAY = date(2026, 11, 23)


def rules(settings, **changed):
    settings.ZHTJ = {**settings.ZHTJ, **changed}


# --- MEM-03: the joining age ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "born, joined, ok",
    [
        # Joined in the first month of the new rule: 13 in the month, or 12y11m.
        (date(2004, 1, 31), date(2017, 1, 1), True),
        (date(2004, 2, 1), date(2017, 1, 1), False),
        # The last month of the old rule: 12 in the month, or 11y11m.
        (date(2004, 12, 31), date(2016, 12, 1), True),
        (date(2005, 1, 1), date(2016, 12, 1), False),
    ],
)
def test_joining_age_at_the_rule_change(born, joined, ok):
    """MEM-03 at its defaults: 2016-12 needs 12, 2017-01 needs 13 (whole months)."""
    assert (joining_age_problem(born, joined, in_xinjiang=False) is None) is ok


def test_joining_age_follows_the_settings(settings):
    """MEM-03: the rule change and the three ages are JOIN_AGE_RULE_CHANGE, JOIN_MIN_AGE,
    JOIN_MIN_AGE_BEFORE and JOIN_MIN_AGE_XINJIANG; the message states them."""
    rules(
        settings,
        JOIN_AGE_RULE_CHANGE=date(2019, 7, 1),
        JOIN_MIN_AGE=14,
        JOIN_MIN_AGE_BEFORE=11,
        JOIN_MIN_AGE_XINJIANG=15,
    )
    # Before the moved change: 11 in the month suffices, 10y11m doesn't.
    assert joining_age_problem(date(2008, 6, 30), date(2019, 6, 1), False) is None
    before = joining_age_problem(date(2008, 7, 1), date(2019, 6, 1), False)
    assert "2019年7月1日以前入团的，入团时须年满11周岁" in before and "入团时未满11周岁" in before
    # From it: 14.
    assert joining_age_problem(date(2005, 7, 31), date(2019, 7, 1), False) is None
    after = joining_age_problem(date(2005, 8, 1), date(2019, 7, 1), False)
    assert "2019年7月1日及以后入团的，入团时须年满14周岁" in after
    # 新疆: 15 whenever.
    assert joining_age_problem(date(2000, 6, 30), date(2015, 6, 1), True) is None
    xinjiang = joining_age_problem(date(2000, 7, 1), date(2015, 6, 1), True)
    assert "新疆地区入团时须年满15周岁" in xinjiang


# --- MEM-04: 发展团员编号 required from 2017 (新疆 2016) -----------------------------------------------


@pytest.mark.parametrize(
    "joined, xinjiang, required",
    [
        (date(2016, 12, 1), False, False),
        (date(2017, 1, 1), False, True),
        (date(2015, 12, 1), True, False),
        (date(2016, 1, 1), True, True),
    ],
)
def test_development_number_required_from_its_date(joined, xinjiang, required):
    """MEM-04 at its defaults: the month before the start date needs no number, its first month does."""
    problem = development_number_problem("", joined, xinjiang)
    assert (problem is not None) is required
    if required:
        assert problem.startswith(f"{joined.year}年1月1日及以后入团的团员须填写发展团员编号")


def test_development_number_date_follows_the_settings(settings):
    """MEM-04: DEVELOPMENT_NUMBER_FROM and DEVELOPMENT_NUMBER_FROM_XINJIANG, not literals."""
    rules(settings, DEVELOPMENT_NUMBER_FROM=date(2018, 3, 1), DEVELOPMENT_NUMBER_FROM_XINJIANG=date(2017, 6, 1))
    assert development_number_problem("", date(2018, 2, 1)) is None
    assert "2018年3月1日及以后" in development_number_problem("", date(2018, 3, 1))
    assert development_number_problem("", date(2017, 5, 1), xinjiang=True) is None
    assert "2017年6月1日及以后" in development_number_problem("", date(2017, 6, 1), xinjiang=True)


def test_stored_numbers_missing_from_the_national_date(db, settings):
    """MEM-04: the prompt's query flags a missing number from DEVELOPMENT_NUMBER_FROM on, not the
    month before — at the default and when the setting moves."""
    branch = f.branch(f.OrgFactory())
    before = f.person("十二月", branch=branch)
    first = f.person("一月", branch=branch)
    Person.objects.filter(pk=before.pk).update(joined_month=date(2016, 12, 1), development_number="")
    Person.objects.filter(pk=first.pk).update(joined_month=date(2017, 1, 1), development_number="")
    people = Person.objects.filter(pk__in=[before.pk, first.pk])
    assert set(bad_development_numbers(people)) == {first}
    rules(settings, DEVELOPMENT_NUMBER_FROM=date(2016, 12, 1))
    assert set(bad_development_numbers(people)) == {before, first}


# --- MEM-05: 入团志愿书 from 2020; 是否递交入党申请书 from 18 -------------------------------------------------


def test_application_form_required_from_2020(settings):
    """MEM-05 at its default: 2019-12 no, 2020-01 yes; no join month, no requirement."""
    assert not application_form_required(date(2019, 12, 1))
    assert application_form_required(date(2020, 1, 1))
    assert not application_form_required(None)
    rules(settings, APPLICATION_FORM_FROM=date(2021, 1, 1))
    assert not application_form_required(date(2020, 12, 1))
    assert application_form_required(date(2021, 1, 1))


def _party_application_error(birth):
    v = values(birth=birth, party_application_submitted=None)
    _, errors = check_person(v, Context.build(None, [v], today=TODAY))
    return "party_application_submitted" in errors


@pytest.mark.parametrize(
    "birth, required",
    [
        (date(2008, 11, 24), False),  # 18 tomorrow
        (date(2008, 11, 23), True),  # 18 today
        (date(2008, 11, 22), True),
    ],
)
def test_party_application_required_from_18(db, birth, required):
    """MEM-05 at its default: 是否递交入党申请书 may stay empty until the 18th birthday."""
    assert _party_application_error(birth) is required


def test_party_application_age_follows_the_setting(db, settings):
    rules(settings, PARTY_APPLICATION_AGE=16)
    assert not _party_application_error(date(2010, 11, 24))
    assert _party_application_error(date(2010, 11, 23))


def _complete(person):
    annotated = ExpressionWrapper(person_complete_q(today=TODAY), output_field=BooleanField())
    return Person.objects.filter(pk=person.pk).annotate(c=annotated).get().c


def test_completeness_asks_the_party_application_from_18(tree, fast_hasher, settings):
    """MEM-08 / MEM-05: a record without 是否递交入党申请书 is complete until the 18th birthday —
    the same edge as the entry rule, from the same setting."""
    common = dict(joined_month=date(2021, 5, 1), party_application_submitted=None)
    tomorrow = full("明天十八", tree.branch_a, birth=date(2008, 11, 24), development_number="202112345678", **common)
    today = full("今天十八", tree.branch_a, birth=date(2008, 11, 23), development_number="202112345679", **common)
    assert _complete(tomorrow) and not _complete(today)
    rules(settings, PARTY_APPLICATION_AGE=19)
    assert _complete(today)


def test_completeness_asks_the_number_from_2017(tree, fast_hasher):
    """MEM-08 / MEM-04: a missing 发展团员编号 makes a record incomplete from 2017-01, not 2016-12."""
    assert _complete(full("十二月", tree.branch_a, joined_month=date(2016, 12, 1)))
    assert not _complete(full("一月", tree.branch_a, joined_month=date(2017, 1, 1)))


# --- ORG-12: admin slots 1 … ADMINS_PER_ORG ---------------------------------------------------------


def _post(org, name):
    return CadrePost.objects.create(person=f.person(name), org=org, title=PostTitle.COMMITTEE_MEMBER)


def test_admins_fill_slots_up_to_the_setting(tree):
    """ORG-12 at its default (2): the first two grants take slots 1 and 2, the third is refused
    with the setting's number; a revoked slot is taken again."""
    first, second, third = (_post(tree.branch_b, n) for n in ("甲", "乙", "丙"))
    assert grant_admin(first).admin_slot == 1
    assert grant_admin(second).admin_slot == 2
    with pytest.raises(WorkflowError, match="每个组织最多2名管理员"):
        grant_admin(third)
    CadrePost.objects.filter(pk=first.pk).update(admin_slot=None)
    assert grant_admin(third).admin_slot == 1


def test_free_slots_follow_the_setting(tree, settings):
    """ORG-12: the slots offered are 1 … ADMINS_PER_ORG less those held by active posts."""
    post = _post(tree.branch_b, "甲")
    CadrePost.objects.filter(pk=post.pk).update(admin_slot=2)
    assert CadrePost.objects.free_admin_slots(tree.branch_b.pk) == [1]
    assert CadrePost.objects.free_admin_slots(tree.branch_a.pk) == [1, 2]
    rules(settings, ADMINS_PER_ORG=3)
    assert CadrePost.objects.free_admin_slots(tree.branch_b.pk) == [1, 3]


@pytest.mark.parametrize("slot, stored", [(0, False), (1, True), (2, True), (3, False)])
def test_database_holds_slots_within_the_setting(tree, slot, stored):
    """ORG-12: the check constraint allows exactly slots 1 … ADMINS_PER_ORG (2)."""
    post = _post(tree.branch_b, "甲")
    post.admin_slot = slot
    if stored:
        post.save()
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            post.save()


# --- MEM-01 / CAD-05: the cadre fields ----------------------------------------------------------------

POST = dict(
    title="secretary",
    started_on="2023-09",
    appointment_method="elected",
    nature="part_time",
    is_party_committee_member=False,
    duty_status="on_duty",
)


def test_post_fields_each_with_its_message(db):
    """MEM-01: each missing cadre field is named by its own message; a valid post is clean."""
    ctx = Context(today=TODAY)
    _, errors = check_post({}, ctx)
    assert errors == {
        "title": "请选择团内现任职务。",
        "started_on": "请填写任现职年月。",
        "appointment_method": "请选择任现职方式。",
        "nature": "请选择团干部性质。",
        "is_party_committee_member": "请选择是否同级党(工)委(党支部)委员。",
        "duty_status": "请选择在岗状态。",
    }
    clean, errors = check_post(POST, ctx)
    assert errors == {}
    assert clean == dict(POST, started_on=date(2023, 9, 1))


def test_post_fields_refuse_values_off_the_list(db):
    junk = dict(POST, title="boss", appointment_method="x", nature="y", duty_status="z", is_party_committee_member="x")
    _, errors = check_post(junk, Context(today=TODAY))
    assert errors == {
        "title": "团内现任职务“boss”无效，请从列表中选择。",
        "appointment_method": "任现职方式“x”无效，请从列表中选择。",
        "nature": "团干部性质“y”无效，请从列表中选择。",
        "duty_status": "在岗状态“z”无效，请从列表中选择。",
        "is_party_committee_member": "是否同级党(工)委(党支部)委员请选择“是”或“否”。",
    }
    _, errors = check_post(dict(POST, started_on="2023-13"), Context(today=TODAY))
    assert errors["started_on"].startswith("任现职年月格式不正确")


@pytest.mark.parametrize(
    "stored, typed, nature, refused",
    [
        (None, "student", "full_time", True),  # a new person: the typed 职业 counts
        (None, "student", "seconded", True),
        (None, "student", "part_time", False),
        (None, "state_enterprise", "full_time", False),
        ("state_enterprise", "student", "full_time", False),  # already stored: the stored one counts
        ("student", "state_enterprise", "full_time", True),
    ],
)
def test_student_cadres_are_part_time(db, stored, typed, nature, refused):
    """CAD-05: a student cadre's 团干部性质 is 兼职, by the stored 职业 when there is one."""
    _, errors = check_post(dict(POST, nature=nature, occupation=typed), Context(today=TODAY), occupation=stored)
    assert (errors.get("nature") == STUDENT_NATURE) is refused
    assert student_nature_problem("student", "") is None  # no nature yet: the required message says it


MONTH_TODAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    "text, code, message",
    [
        (None, "required", "请填写入团年月。"),
        ("  ", "required", "请填写入团年月。"),
        ("2015-5-5-5", "invalid", member_rules.MONTH_FORMAT),
        ("2015-13", "invalid", member_rules.MONTH_FORMAT),
        (f"{member_rules.FIRST_YEAR - 1}-12", "invalid", member_rules.MONTH_FORMAT),
        ("2027-01", "future", member_rules.MONTH_FUTURE),
    ],
)
def test_join_month_refusals_say_which(text, code, message):
    """MEM-01: each refusal of a 入团年月 has its own code and message (the import's error workbook
    and the forms show the message; the code tells a missing value from a wrong one)."""
    with pytest.raises(ValidationError) as refused:
        member_rules.parse_year_month(text, today=MONTH_TODAY)
    assert (refused.value.code, refused.value.message) == (code, message)


def test_join_month_edges():
    """MEM-01 at its edges: the founding year's January and the current month are accepted."""
    assert member_rules.parse_year_month(f"{member_rules.FIRST_YEAR}-01", today=MONTH_TODAY) == date(
        member_rules.FIRST_YEAR, 1, 1
    )
    assert member_rules.parse_year_month("2026-12", today=MONTH_TODAY) == date(2026, 12, 1)
