"""Login prompts in one place (OPC-03): the five kinds — archives missing (ARC-04), bad 发展团员编号
(MEM-04), rectification results (REC-06), the key-domain gate (ORG-14) and entry progress (ORG-11)
— each with its link, on the home page the login lands on."""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from orgs.choices import Industry, OrgCategory
from orgs.completeness import key_domain_missing, key_domain_missing_q
from orgs.models import Organization
from rectification.choices import RecState
from rectification.models import CampaignRecord
from tests import factories as f

pytestmark = pytest.mark.django_db
NOVEMBER = datetime(2026, 11, 10, 9, 0)
PASSWORD = "Zhtj-pass-2026"

ARCHIVES = "组织内有团员身份尚未认证"
NUMBERS = "发展团员编号不规范"
KEY_BRANCH = "纳入重点整顿团支部"
KEY_DOMAIN = "尚未填写重点领域信息"
ENTRY = "下级组织信息录入尚未完成"


@pytest.fixture
def world(tree):
    """A 2021 member of A1 without an e-archive and with a bad 编号; A1 a key branch; under 学院A团委
    a state-enterprise committee that hasn't answered the key-domain questions."""
    f.person("新团员", branch=tree.branch_a, joined_month=date(2021, 5, 1), development_number="1999")
    CampaignRecord.objects.create(branch=tree.branch_a, year=2026, state=RecState.KEY)
    f.OrgFactory(name="某国企团委", parent=tree.col_a, industry=Industry.STATE_ENTERPRISE)
    return tree


def logged_in_home(client, person):
    """Log in through the form, as a person does, and follow the redirect (LOGIN_REDIRECT_URL)."""
    with time_machine.travel(NOVEMBER, tick=False):
        response = client.post(reverse("login"), {"username": person.id_number, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    return response


def prompts_of(response):
    return {p.text: p.url for p in response.context["prompts"]}


def find(prompts, needle):
    hits = [url for text, url in prompts.items() if needle in text]
    assert hits, f"no prompt with {needle!r} in {list(prompts)}"
    return hits[0]


def test_committee_sees_archives_numbers_key_domain_and_entry_progress_after_login(world, client, fast_hasher):
    """OPC-03 (ARC-04, MEM-04, ORG-14, ORG-11): right after login the superior of A1 sees all four
    of its prompts together on 组织首页, each with its link."""
    admin = f.admin_of(world.col_a, password=PASSWORD)
    response = logged_in_home(client, admin)
    prompts = prompts_of(response)
    assert find(prompts, ARCHIVES) == reverse("members:archives") + "?status=todo"
    assert find(prompts, NUMBERS) == reverse("members:list") + "?problem=number"
    assert find(prompts, KEY_DOMAIN) == reverse("orgs:progress")
    assert find(prompts, ENTRY) == reverse("orgs:progress")
    html = response.content.decode()
    assert html.count("login-prompt") == len(response.context["prompts"])
    assert "1个直属下级组织尚未填写重点领域信息" in html


def test_key_branch_sees_its_rectification_result_after_login(world, client, fast_hasher):
    """OPC-03 (REC-06, ARC-04, MEM-04): the key branch's admin is told the result, with the link
    to its self-check (确定 → 编辑)."""
    admin = f.admin_of(world.branch_a, password=PASSWORD)
    prompts = prompts_of(logged_in_home(client, admin))
    assert find(prompts, KEY_BRANCH) == reverse("rectification:self_check")
    find(prompts, ARCHIVES)
    find(prompts, NUMBERS)
    assert not any(KEY_DOMAIN in t for t in prompts)  # a branch has no sub-orgs to chase


def test_member_sees_own_bad_number_on_my_home(world, client, fast_hasher):
    """OPC-03 / MEM-04: a member's own prompt shows on 我的首页 with the link to 编辑."""
    member = f.person("编号错", branch=world.branch_b, password=PASSWORD, joined_month=date(2018, 3, 1))
    member.must_change_password = False
    member.save()
    prompts = prompts_of(logged_in_home(client, member))
    assert find(prompts, NUMBERS) == reverse("members:me") + "?edit=1"


def test_prompts_go_away_when_resolved(world, client, fast_hasher):
    """OPC-03 / ORG-14: once the sub-org answered, its superior's key-domain prompt is gone."""
    Organization.objects.filter(name="某国企团委").update(enterprise_level="二级", enterprise_location="青岛")
    admin = f.admin_of(world.col_a, password=PASSWORD)
    assert not any(KEY_DOMAIN in t for t in prompts_of(logged_in_home(client, admin)))


def test_unrelated_admin_sees_none_of_a_sibling_subtree(world, client, fast_hasher):
    """OPC-03 / scope: B's admin is not told about A's members, key branch or sub-orgs."""
    admin = f.admin_of(world.col_b, password=PASSWORD)
    prompts = prompts_of(logged_in_home(client, admin))
    for needle in (ARCHIVES, NUMBERS, KEY_BRANCH, KEY_DOMAIN):
        assert not any(needle in t for t in prompts)


@pytest.mark.parametrize(
    "fields, owes",
    [
        (dict(industry=Industry.UNIVERSITY, school_code="4137010425"), True),
        (dict(industry=Industry.UNIVERSITY, school_code="4137010425", student_count=100), False),
        (dict(industry=Industry.UNIVERSITY), False),  # not 高校本级 without a 学校标识码
        (dict(industry=Industry.VOCATIONAL_COLLEGE, school_code="1"), True),
        (dict(industry=Industry.STATE_ENTERPRISE), True),
        (dict(industry=Industry.STATE_ENTERPRISE, enterprise_level="二级"), True),
        (dict(industry=Industry.STATE_ENTERPRISE, enterprise_level="二级", enterprise_location="青岛"), False),
        (dict(industry=Industry.SECONDARY_VOCATIONAL, school_code="1"), False),
    ],
)
def test_key_domain_query_agrees_with_the_gate(tree, fields, owes):
    """ORG-14: the prompt's database condition says exactly what the middleware's gate says."""
    org = f.OrgFactory(parent=tree.city, category=OrgCategory.COMMITTEE, **fields)
    assert bool(key_domain_missing(org)) is owes
    assert Organization.objects.filter(pk=org.pk).filter(key_domain_missing_q()).exists() is owes


def test_home_with_every_prompt_runs_a_constant_number_of_queries(world, login, fast_hasher):
    """OPC-03 / the bar: each app's prompt is one aggregate or EXISTS, so 组织首页 costs the same
    whether one or many members, sub-orgs and branches owe something."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(f.admin_of(world.col_a), world.col_a)

    def cost():
        with time_machine.travel(NOVEMBER, tick=False), CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("home"))
        assert response.status_code == 200 and len(response.context["prompts"]) >= 4
        return len(ctx)

    small = cost()
    for i in range(4):
        b = f.branch(world.col_a, f"A{i + 2}团支部")
        CampaignRecord.objects.create(branch=b, year=2026, state=RecState.PENDING)
        f.person(f"新员{i}", branch=b, joined_month=date(2022, 5, 1), development_number=f"12{i}")
        f.OrgFactory(name=f"国企{i}团委", parent=world.col_a, industry=Industry.STATE_ENTERPRISE)
    assert cost() == small
