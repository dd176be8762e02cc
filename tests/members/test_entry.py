"""录入团员团干部 / 录入下级支部成员 / 录入本级团干部 (MEM-06) through validation.py."""

from django.urls import reverse

from members.models import CadrePost, Person
from tests import factories as f
from tests.members.people_data import POST_FIELDS, person_post


def test_branch_admin_enters_member_and_cadre(tree, login, fast_hasher):
    """MEM-06: a branch admin enters a member, then a cadre (post fields required)."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    assert client.get(reverse("members:enter")).status_code == 200
    data = person_post()
    r = client.post(reverse("members:enter"), data)
    assert r.status_code == 302
    p = Person.objects.get(id_number=data["id_number"])
    assert p.branch == tree.branch_a and p.must_change_password and p.verification_status == "unverified"
    assert p.check_password(data["id_number"][-8:])
    data = person_post(name="王芳")
    r = client.post(reverse("members:enter") + "?cadre=1", data)
    assert r.status_code == 400 and "请选择团内现任职务" in r.content.decode()
    r = client.post(reverse("members:enter") + "?cadre=1", data | POST_FIELDS)
    assert r.status_code == 302
    assert CadrePost.objects.get(person__id_number=data["id_number"], org=tree.branch_a).title == "secretary"


def test_entry_form_refuses_each_rule(tree, login):
    """MEM-02/03/04: the form shows the rule's own message, 400, nothing stored."""
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    before = Person.objects.count()
    r = client.post(reverse("members:enter"), person_post(joined_month="2018-05", development_number="2018"))
    assert r.status_code == 400 and "位数不对" in r.content.decode()
    r = client.post(reverse("members:enter"), person_post(id_number="12345"))
    assert r.status_code == 400 and "身份证号码应为18位" in r.content.decode()
    r = client.post(reverse("members:enter"), {})
    assert r.status_code == 400 and "请填写姓名" in r.content.decode()
    assert Person.objects.count() == before


def test_committee_picks_branch_in_tree(tree, login, fast_hasher, django_assert_max_num_queries):
    """MEM-06: 录入下级支部成员 — the branch comes from the left tree, in scope only."""
    client = login(f.admin_of(tree.col_a), tree.col_a)
    r = client.get(reverse("members:enter_sub"))
    assert r.status_code == 200 and "A1团支部" in r.content.decode()
    assert client.get(reverse("members:enter_sub") + f"?branch={tree.branch_b.pk}").status_code == 404
    assert client.get(reverse("members:enter_sub") + "?branch=abc").status_code == 404
    data = person_post()
    r = client.post(reverse("members:enter_sub") + f"?branch={tree.branch_a.pk}", data)
    assert r.status_code == 302
    assert Person.objects.get(id_number=data["id_number"]).branch == tree.branch_a
    assert client.post(reverse("members:enter_sub"), data).status_code == 400
    # A branch may not use the committee's page and vice versa.
    assert client.get(reverse("members:enter")).status_code == 403


def test_a_large_subtree_is_opened_one_level_at_a_time(tree, login, settings):
    """Issue 17: beyond MEMBER_LIST_BRANCH_CHOICES orgs the left tree shows one level (a page of it)
    with the path back up, or the branches found by name -- never the whole subtree (at 团中央,
    every org of the country); a node outside the subtree is a 404."""
    settings.ZHTJ = {**settings.ZHTJ, "MEMBER_LIST_BRANCH_CHOICES": 3}
    client = login(f.admin_of(tree.province), tree.province)
    url = reverse("members:enter_sub")
    page = client.get(url).content.decode()
    assert f"?node={tree.city.pk}" in page and tree.uni.name not in page and "A1团支部" not in page
    page = client.get(url, {"node": tree.col_a.pk}).content.decode()
    assert f"?branch={tree.branch_a.pk}" in page and f'?node={tree.uni.pk}">{tree.uni.name}' in page
    page = client.get(url, {"bq": "B1"}).content.decode()
    assert f"?branch={tree.branch_b.pk}" in page and f"?branch={tree.branch_a.pk}" not in page
    assert client.get(url, {"node": tree.central.pk}).status_code == 404
    assert client.get(url, {"node": "abc"}).status_code == 404


def test_special_unit_pool_is_not_an_entry_target(tree, login, fast_hasher):
    """ORG-02 / MEM-06: a 特殊单位专属库 is a pool filled by transfers the province approves, not a
    branch: the province's tree shows it without a link, and neither 录入下级支部成员 nor the batch
    import accepts it (404), while a real branch below is accepted."""
    from orgs.choices import OrgCategory

    pool = f.OrgFactory(parent=tree.province, category=OrgCategory.SPECIAL_UNIT_POOL, name="山东省特殊单位专属库")
    client = login(f.admin_of(tree.province), tree.province)
    page = client.get(reverse("members:enter_sub")).content.decode()
    assert "山东省特殊单位专属库" in page and f"?branch={pool.pk}" not in page
    assert f"?branch={tree.branch_a.pk}" in page
    assert client.get(reverse("members:enter_sub") + f"?branch={pool.pk}").status_code == 404
    assert client.post(reverse("members:enter_sub") + f"?branch={pool.pk}", person_post()).status_code == 404
    assert client.get(reverse("members:import", args=["members"]) + f"?branch={pool.pk}").status_code == 404
    assert not Person.objects.filter(branch=pool).exists()


def test_own_cadre_new_and_existing_person(tree, login, fast_hasher):
    """MEM-06: 录入本级团干部 — a post in the acting org; a registered person just gets the post."""
    client = login(f.admin_of(tree.col_a), tree.col_a)
    data = person_post() | POST_FIELDS
    assert client.post(reverse("members:enter_cadre"), data).status_code == 302
    p = Person.objects.get(id_number=data["id_number"])
    assert p.branch is None and CadrePost.objects.filter(person=p, org=tree.col_a).exists()
    member = f.person("孙七", branch=tree.branch_b, mobile="13900000000")
    data = person_post(id_number=member.id_number, name="孙七", mobile="13911111111") | POST_FIELDS
    r = client.post(reverse("members:enter_cadre"), data)
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.mobile == "13900000000" and member.branch == tree.branch_b  # record untouched
    r = client.post(reverse("members:enter_cadre"), data)
    assert r.status_code == 409
    assert login(f.admin_of(tree.branch_a), tree.branch_a).get(reverse("members:enter_cadre")).status_code == 403
