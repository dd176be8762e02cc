"""Editing a person (ROLE-08, MEM-04, MEM-10, ME-01): same rules as entry."""

from datetime import date

from django.urls import reverse

from members.models import Person
from tests import factories as f
from tests.members.people_data import exact_id, person_post


def _member(branch):
    data = person_post()
    p = f.person(
        "李明",
        branch=branch,
        ethnicity="汉族",
        education="bachelor",
        occupation="student",
        occupation_detail="undergraduate",
        political_status="league_member",
        joined_month=date(2018, 5, 1),
        development_number="2018123",  # stored bad (位数不对)
        mobile="13812345678",
        party_application_submitted=False,
        is_volunteer=True,
        volunteer_since=date(2019, 3, 1),
        verification_status="passed",
    )
    return p, data


def test_branch_admin_fixes_number_not_identity(tree, login):
    """ROLE-08 / MEM-04: the branch admin edits other fields (re-validated) but not name/ID."""
    person, _ = _member(tree.branch_a)
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    url = reverse("members:edit", args=[person.pk])
    form = client.get(url).content.decode()
    assert "disabled" in form and "上报省级团委" in form
    data = person_post(
        id_number=person.id_number, name="改名字", joined_month="2018-05", development_number="201912345678"
    )
    r = client.post(url, data)
    assert r.status_code == 400 and "前四位年份与入团时间不一致" in r.content.decode()
    data["development_number"] = "201812345678"
    r = client.post(url, data)
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.development_number == "201812345678" and person.name == "李明"  # name ignored
    assert person.verification_status == "passed"


def test_direct_superior_may_edit_grandparent_may_not(tree, login):
    """ROLE-03 / MEM-04: the direct superior may fix a member; further up is 403; outside 404."""
    person, _ = _member(tree.branch_a)
    url = reverse("members:edit", args=[person.pk])
    assert login(f.admin_of(tree.col_a), tree.col_a).get(url).status_code == 200
    assert login(f.admin_of(tree.uni), tree.uni).get(url).status_code == 403
    assert login(f.admin_of(tree.col_b), tree.col_b).get(url).status_code == 404


def test_provincial_admin_edits_identity_and_resets_verification(tree, login):
    """ROLE-08 / MEM-10: only a 省级团委 admin edits name/ID; doing so resets verification."""
    person, _ = _member(tree.branch_a)
    client = login(f.admin_of(tree.province), tree.province)
    new_id = exact_id(date(2000, 3, 1))
    data = person_post(id_number=new_id, name="李明明", joined_month="2018-05", development_number="201812345678")
    r = client.post(reverse("members:edit", args=[person.pk]), data)
    assert r.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.id_number, person.verification_status) == ("李明明", new_id, "unverified")
    assert person.birth_date == date(2000, 3, 1)
    # 团中央 is not provincial: may not edit identity (and is no branch / superior): 403.
    assert (
        login(f.admin_of(tree.central), tree.central).get(reverse("members:edit", args=[person.pk])).status_code == 403
    )


def test_member_edits_own_profile(tree, login):
    """ME-01 / MEM-04: the member edits everything but name/gender/ID, same rules; the login
    prompt about the bad number is shown until it is fixed."""
    person, _ = _member(tree.branch_a)
    person.set_password("Zhtj-pass-2026")
    person.must_change_password = False
    person.save()
    client = login(person)
    assert "发展团员编号不规范" in client.get(reverse("home")).content.decode()
    url = reverse("members:me")
    assert client.get(url + "?edit=1").status_code == 200
    data = person_post(
        id_number="370211199001011234", name="别人", joined_month="2018-05", development_number="20181234567X"
    )
    r = client.post(url, data)
    assert r.status_code == 400 and "格式不对" in r.content.decode()
    data["development_number"] = "201812345678"
    data["gender"] = "F" if person.gender == "M" else "M"
    assert client.post(url, data).status_code == 302
    person_before = person
    person = Person.objects.get(pk=person.pk)
    assert person.development_number == "201812345678" and person.name == "李明"
    assert (person.gender, person.id_number) == (person_before.gender, person_before.id_number)
    assert "发展团员编号不规范" not in client.get(reverse("home")).content.decode()


def test_admin_prompt_for_bad_numbers(tree, login):
    """MEM-04 / OPC-03: the branch admin and the direct superior see the prompt; the grand-parent not."""
    _member(tree.branch_a)
    for org, shown in ((tree.branch_a, True), (tree.col_a, True), (tree.uni, False)):
        html = login(f.admin_of(org), org).get(reverse("home")).content.decode()
        assert ("发展团员编号不规范" in html) is shown, org


def test_cadre_without_branch_edited_by_post_org_and_prompted(tree, login):
    """MEM-04 / ROLE-08: a cadre who is no branch member is edited by the org of the post (or
    its direct superior); that org's admin is prompted about the cadre's bad number."""
    from members.models import CadrePost

    cadre = f.person("团干部", joined_month=date(2018, 5, 1), development_number="2018")
    CadrePost.objects.create(person=cadre, org=tree.col_a, title="committee_member")
    col = login(f.admin_of(tree.col_a), tree.col_a)
    assert col.get(reverse("members:edit", args=[cadre.pk])).status_code == 200
    assert "发展团员编号不规范" in col.get(reverse("home")).content.decode()
    assert login(f.admin_of(tree.uni), tree.uni).get(reverse("members:edit", args=[cadre.pk])).status_code == 200
    assert login(f.admin_of(tree.city), tree.city).get(reverse("members:edit", args=[cadre.pk])).status_code == 403
