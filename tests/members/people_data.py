"""Valid person values for the people tests (MEM-01), as the forms post them."""

from datetime import date
from itertools import count

from members.models import Person
from zhtj.core.idnumber import make_id_number

_seq = count(1)


def exact_id(birth):
    """A valid ID number with exactly this birth date (tests.factories.new_id_number moves
    the year once its sequence passes 1000, which rules about age can't have)."""
    return make_id_number("440106", birth, next(_seq))


def person_born(name, birth, **kw):
    return Person.objects.create_user(exact_id(birth), name=name, **kw)


def person_post(**over):
    """A complete, valid entry-form POST for an adult league member who joined in 2015."""
    data = {
        "name": "李明",
        "gender": "",
        "id_number": "",
        "ethnicity": "汉族",
        "education": "bachelor",
        "occupation": "student",
        "study_status": "undergraduate",
        "occupation_detail": "",
        "political_status": "league_member",
        "joined_month": "2015-05",
        "development_number": "",
        "party_joined_month": "",
        "mobile": "13812345678",
        "party_application_submitted": "0",
        "party_application_date": "",
        "is_volunteer": "1",
        "volunteer_since": "2019-03",
    }
    if "id_number" not in over:
        birth = over.pop("birth", date(2000, 3, 1))
        data["id_number"] = exact_id(birth)
    data.update(over)
    if not data["gender"] and len(data["id_number"]) == 18:
        data["gender"] = "M" if int(data["id_number"][16]) % 2 else "F"
    return data


POST_FIELDS = {
    "title": "secretary",
    "started_on": "2023-09",
    "appointment_method": "elected",
    "nature": "part_time",
    "is_party_committee_member": "0",
    "duty_status": "on_duty",
}
