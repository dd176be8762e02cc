"""Valid person values for the people tests (MEM-01), as the forms post them."""

from datetime import date

from tests.factories import new_id_number


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
        data["id_number"] = new_id_number(birth)
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
