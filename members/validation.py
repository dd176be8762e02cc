"""The one home of the rules a person's record must satisfy (MEM-01 … MEM-05).

Every path that writes a person goes through `check_person` (and `check_post` for a
cadre): the three entry forms, each row of an Excel import, the admin's edit and
the member's own edit in the personal center. The callers only turn their input
into plain values (text, True/False/None, choice values); the rules are here.

Look-ups the rules need (is this ID number or 发展团员编号 already taken? is the org
under 团新疆区委?) are made by a `Context`, built once for a whole import: one
query for the ID numbers, one for the numbers, one for the Xinjiang subtree, not
one per row.
"""

import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import CharField, F, Q
from django.db.models.functions import Cast, ExtractYear, Substr
from django.utils import timezone

from zhtj.core.idnumber import birth_date_of, gender_of, normalize_id_number
from zhtj.core.names import person_name_problem

from .choices import (
    PARTY_STATUSES,
    AppointmentMethod,
    DutyStatus,
    Education,
    Ethnicity,
    Gender,
    Occupation,
    PoliticalStatus,
    PostNature,
    PostTitle,
    StudyStatus,
)
from .rules import day_label, in_xinjiang, joining_age_problem, parse_year_month

NUMBER_LENGTH = 12  # MEM-04 (decision)
MOBILE = re.compile(r"1[3-9]\d{9}")

ID_TAKEN = "该身份证号码已在系统中，一个身份证号码只能对应一名人员。"  # MEM-02

# MEM-04: the four cases of the seed's FAQ (情况一 … 情况四), one message each.
NUMBER_TAKEN = "发展团员编号被占用：该编号已被系统中的其他人员使用，请核对《入团志愿书》首页编号；如确认无误，请上级组织协助联系对方协商解决。"
NUMBER_YEAR = "发展团员编号前四位年份与入团时间不一致：前四位应为入团年份{year}。"
NUMBER_LENGTH_MESSAGE = "发展团员编号位数不对：应为{n}位数字，当前为{got}位。"
NUMBER_FORMAT = "发展团员编号格式不对：只能由数字组成，请按《入团志愿书》首页编号填写。"


def number_required_from(xinjiang):
    """MEM-04: 发展团员编号 is required for joins from this day (团新疆区委 asked to start a year earlier)."""
    return settings.ZHTJ["DEVELOPMENT_NUMBER_FROM_XINJIANG" if xinjiang else "DEVELOPMENT_NUMBER_FROM"]


def application_form_required(joined_month):
    """MEM-05: the 入团志愿书 is required for joins from APPLICATION_FORM_FROM (2020) on (the
    e-archive asks for it)."""
    return joined_month is not None and joined_month >= settings.ZHTJ["APPLICATION_FORM_FROM"]


def development_number_problem(number, joined_month, xinjiang=False):
    """MEM-04 without the uniqueness check: None, or the case's message."""
    if not number:
        since = number_required_from(xinjiang)
        if joined_month and joined_month >= since:
            return f"{day_label(since)}及以后入团的团员须填写发展团员编号（见《入团志愿书》首页）。"
        return None
    if not number.isdigit() or not number.isascii():
        return NUMBER_FORMAT
    if len(number) != NUMBER_LENGTH:
        return NUMBER_LENGTH_MESSAGE.format(n=NUMBER_LENGTH, got=len(number))
    if joined_month and number[:4] != str(joined_month.year):
        return NUMBER_YEAR.format(year=joined_month.year)
    return None


def bad_development_numbers(people):
    """`people` (a Person queryset) narrowed to those stored with a 发展团员编号 that breaks
    MEM-04: missing for a join from DEVELOPMENT_NUMBER_FROM (2017) on, not 12 digits, or a first-four-digits year other
    than the join year. One query; taken numbers can't be stored (unique constraint).
    (The 团新疆区委 2016 start is checked on entry; the prompt uses the national date.)"""
    missing = Q(development_number="", joined_month__gte=number_required_from(False))
    given = ~Q(development_number="")
    malformed = given & ~Q(development_number__regex=rf"^[0-9]{{{NUMBER_LENGTH}}}$")
    wrong_year = given & Q(joined_month__isnull=False) & ~Q(_number_year=F("_joined_year"))
    return people.annotate(
        _number_year=Substr("development_number", 1, 4),
        _joined_year=Cast(ExtractYear("joined_month"), output_field=CharField()),
    ).filter(missing | malformed | wrong_year)


def parse_month(text, label, today=None):
    """A year-month field (入党时间, 任现职年月 …) parsed like 入团年月, with its own label."""
    try:
        return parse_year_month(text, today)
    except ValidationError as exc:
        raise ValidationError(exc.messages[0].replace("入团年月", label), code=exc.code) from None


@dataclass
class Context:
    """What the rules look up, loaded once: owners of ID numbers and of 发展团员编号
    (`{value: person pk}`), whether the target org is under 团新疆区委, today."""

    org: object = None
    xinjiang: bool = False
    today: date = None
    id_owners: dict = field(default_factory=dict)
    number_owners: dict = field(default_factory=dict)

    @classmethod
    def build(cls, org, values_list=(), today=None):
        """One query for the ID numbers, one for the 发展团员编号 of all of `values_list`
        (dicts as given to check_person), one for the Xinjiang subtree."""
        from .models import Person

        ids, numbers = set(), set()
        for values in values_list:
            with suppress(ValidationError):  # a bad number: check_person says why
                ids.add(normalize_id_number(values.get("id_number")))
            if values.get("development_number"):
                numbers.add(str(values["development_number"]).strip())
        id_owners = dict(Person.objects.filter(id_number__in=ids).values_list("id_number", "pk")) if ids else {}
        number_owners = (
            dict(Person.objects.filter(development_number__in=numbers).values_list("development_number", "pk"))
            if numbers
            else {}
        )
        return cls(
            org=org,
            xinjiang=in_xinjiang(org),
            today=today or timezone.localdate(),
            id_owners=id_owners,
            number_owners=number_owners,
        )


def _age_on(birth, day):
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@lru_cache(maxsize=64)
def _values_of(choices):
    """The values of a choices class as a set, built once (Enum.values makes a new list each time)."""
    return frozenset(choices.values)


def _choice(values, key, choices, label, errors, required=True):
    value = values.get(key) or ""
    if not value:
        if required:
            errors[key] = f"请选择{label}。"
        return ""
    if value not in _values_of(choices):
        errors[key] = f"{label}“{value}”无效，请从列表中选择。"
        return ""
    return value


def _month(values, key, label, errors, ctx, required):
    raw = values.get(key)
    if isinstance(raw, date):
        raw = raw.isoformat()
    raw = (raw or "").strip()
    if not raw:
        if required:
            errors[key] = f"请填写{label}。"
        return None
    try:
        return parse_month(raw, label, ctx.today)
    except ValidationError as exc:
        errors[key] = exc.messages[0]
        return None


def _flag(values, key, label, errors, required):
    value = values.get(key)
    if value is None or value == "":
        if required:
            errors[key] = f"请选择{label}。"
        return None
    if value not in (True, False):
        errors[key] = f"{label}请选择“是”或“否”。"
        return None
    return value


def check_person(values, ctx, instance=None):
    """Check one person's values; return (clean, errors) — `clean` holds model field values,
    `errors` maps a field name to its Chinese message (empty when all is well).

    `values` keys: name, gender (M/F), id_number, ethnicity, education, occupation,
    study_status, occupation_detail, political_status, joined_month (text or date),
    development_number, party_joined_month, mobile, party_application_submitted,
    party_application_date, is_volunteer, volunteer_since (booleans as True/False/None).
    `instance` is the person being edited (their own ID and number are not "taken")."""
    errors, clean = {}, {}
    own_pk = instance.pk if instance is not None else None

    # MEM-02: the ID number, its owner, and the gender it encodes.
    name = (values.get("name") or "").strip()
    if problem := person_name_problem(name):
        errors["name"] = problem
    clean["name"] = name
    id_number = None
    try:
        id_number = normalize_id_number(values.get("id_number"))
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    if id_number:
        owner = ctx.id_owners.get(id_number)
        if owner is not None and owner != own_pk:
            errors["id_number"] = ID_TAKEN
        clean["id_number"] = id_number
        clean["birth_date"] = birth_date_of(id_number)
        gender = values.get("gender") or ""
        if gender and gender not in _values_of(Gender):
            errors["gender"] = "性别请选择“男”或“女”。"
        elif gender and gender != gender_of(id_number):
            errors["gender"] = f"性别与身份证号码不一致：按身份证号码应为{Gender(gender_of(id_number)).label}。"
        clean["gender"] = gender_of(id_number)
    elif not values.get("gender"):
        errors["gender"] = "请选择性别。"

    clean["ethnicity"] = _choice(values, "ethnicity", Ethnicity, "民族", errors)
    clean["education"] = _choice(values, "education", Education, "学历", errors)
    occupation = _choice(values, "occupation", Occupation, "职业", errors)
    clean["occupation"] = occupation
    # 在读状况 for a student, 具体职业 in words for anyone else.
    study = values.get("study_status") or ""
    detail = (values.get("occupation_detail") or "").strip()
    if occupation == Occupation.STUDENT:
        if not study:
            errors["study_status"] = "职业为学生的，请选择在读状况。"
        elif study not in _values_of(StudyStatus):
            errors["study_status"] = f"在读状况“{study}”无效，请从列表中选择。"
        clean["occupation_detail"] = study
    elif occupation:
        if study:
            errors["study_status"] = "职业不是学生的，不填写在读状况，请填写具体职业。"
        if not detail:
            errors["occupation_detail"] = "请填写具体职业。"
        elif len(detail) > 50:
            errors["occupation_detail"] = "具体职业不能超过50个字。"
        clean["occupation_detail"] = detail

    political = _choice(values, "political_status", PoliticalStatus, "政治面貌", errors)
    clean["political_status"] = political

    # MEM-03 and MEM-04: the join month, the joining age, the 发展团员编号.
    joined = _month(values, "joined_month", "入团时间", errors, ctx, required=True)
    clean["joined_month"] = joined
    if joined and id_number:
        problem = joining_age_problem(clean["birth_date"], joined, ctx.xinjiang)
        if problem:
            errors["joined_month"] = problem
    number = str(values.get("development_number") or "").strip()
    problem = development_number_problem(number, joined, ctx.xinjiang)
    if problem is None and number:
        owner = ctx.number_owners.get(number)
        if owner is not None and owner != own_pk:
            problem = NUMBER_TAKEN
    if problem:
        errors["development_number"] = problem
    clean["development_number"] = number

    # MEM-01: 入党时间 for party members only.
    is_party = political in PARTY_STATUSES
    party = _month(values, "party_joined_month", "入党时间", errors, ctx, required=is_party)
    if party and not is_party and political:
        errors["party_joined_month"] = "政治面貌不是中共党员或中共预备党员的，不填写入党时间。"
    clean["party_joined_month"] = party if is_party else None

    mobile = (values.get("mobile") or "").strip()
    if not mobile:
        errors["mobile"] = "请填写手机号码。"
    elif not MOBILE.fullmatch(mobile):
        errors["mobile"] = "手机号码格式不正确：应为以1开头的11位数字。"
    clean["mobile"] = mobile

    # MEM-05: under 18, 是否递交入党申请书 may stay empty; its date when submitted.
    adult = id_number is not None and _age_on(clean["birth_date"], ctx.today) >= settings.ZHTJ["PARTY_APPLICATION_AGE"]
    submitted = _flag(values, "party_application_submitted", "是否递交入党申请书", errors, required=adult)
    clean["party_application_submitted"] = submitted
    clean["party_application_date"] = _month(
        values, "party_application_date", "递交入党申请书时间", errors, ctx, required=submitted is True
    )
    if submitted is not True:
        clean["party_application_date"] = None
    volunteer = _flag(values, "is_volunteer", "是否成为注册志愿者", errors, required=True)
    clean["is_volunteer"] = volunteer
    clean["volunteer_since"] = _month(
        values, "volunteer_since", "成为注册志愿者时间", errors, ctx, required=volunteer is True
    )
    if volunteer is not True:
        clean["volunteer_since"] = None
    return clean, errors


STUDENT_NATURE = "学生团干部均作为兼职团干部进行录入、统计、监测，团干部性质请选择“兼职”。"


def student_nature_problem(occupation, nature):
    """CAD-05: student cadres are 兼职 (seed 001 3.4); None, or the message."""
    if occupation == Occupation.STUDENT and nature and nature != PostNature.PART_TIME:
        return STUDENT_NATURE
    return None


def check_post(values, ctx, occupation=None):
    """The cadre fields of MEM-01 (all required when entering a cadre); (clean, errors).
    `occupation` is the person's stored one when they are already in the system; otherwise
    the 职业 of `values` counts (CAD-05: a student cadre is 兼职)."""
    errors, clean = {}, {}
    clean["title"] = _choice(values, "title", PostTitle, "团内现任职务", errors)
    clean["started_on"] = _month(values, "started_on", "任现职年月", errors, ctx, required=True)
    clean["appointment_method"] = _choice(values, "appointment_method", AppointmentMethod, "任现职方式", errors)
    clean["nature"] = _choice(values, "nature", PostNature, "团干部性质", errors)
    problem = student_nature_problem(
        occupation if occupation is not None else values.get("occupation"), clean["nature"]
    )
    if problem:
        errors["nature"] = problem
    clean["is_party_committee_member"] = _flag(
        values, "is_party_committee_member", "是否同级党(工)委(党支部)委员", errors, required=True
    )
    clean["duty_status"] = _choice(values, "duty_status", DutyStatus, "在岗状态", errors)
    return clean, errors


# The fields a person may change in their own edit (ME-01) and a branch admin in theirs (ROLE-08).
IDENTITY_FIELDS = ("name", "gender", "id_number")
