"""我的首页 (ME-01): the personal center's cards, their figures and links, and a constant number
of queries whatever the member's history."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incentives.services import records_of
from members.models_archive import MemberArchive
from orgs.choices import LifeKind
from orgs.models import AnnualRegistration, LifeRecord
from tests import factories as f
from zhtj.core import home

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def _member(tree, **kw):
    return f.person("李团员", branch=tree.branch_a, password="Zhtj-pass-2026", **kw)


def _attend(person, n, kind=LifeKind.GENERAL_MEETING, year=2026):
    for i in range(n):
        record = LifeRecord.objects.create(
            branch=person.branch, kind=kind, date=date(year, 3, 1 + i), topic=f"{person.pk}-{kind}{i}"
        )
        record.participants.add(person)


def _home(login, person):
    with time_machine.travel(TODAY, tick=False):
        return login(person).get(reverse("home"))


def test_member_home_shows_every_card_with_its_link(tree, login, fast_hasher):
    """ME-01: 团员基本材料 (查看, then 编辑 on its page), 我的组织, 三会·两制·一课, 团日活动,
    我的团员电子档案, 我的激励, 关系转接, 修改密码 and 操作中心 on 我的首页."""
    member = _member(
        tree, joined_month=date(2026, 10, 1), mobile="13800000000", date_joined=datetime(2026, 10, 20, tzinfo=UTC)
    )
    _attend(member, 2)
    _attend(member, 1, LifeKind.LECTURE)
    _attend(member, 3, LifeKind.ACTIVITY)
    _attend(member, 1, year=2025)  # last year: not counted
    AnnualRegistration.objects.create(person=member, branch=tree.branch_a, year=2026)
    response = _home(login, member)
    assert response.status_code == 200
    html = response.content.decode()
    titles = [c.title for c in response.context["cards"]]
    assert titles == ["团员基本材料", "我的组织", "三会·两制·一课", "团日活动", "我的团员电子档案", "我的激励"]
    for name in ("members:me", "members:my_org", "orgs:my_life", "orgs:my_activities", "members:my_archive"):
        assert f'href="{reverse(name)}"' in html
    assert f'href="{reverse("incentives:mine")}"' in html
    assert f'href="{reverse("password_change")}"' in html and f'href="{reverse("inbox")}"' in html
    assert 'id="my-profile">查看</a>' in html  # the seed: 团员基本材料 右上角“查看”
    assert f'href="{reverse("transfers:my")}"' in html and "关系转接" in html
    # SEC-03: the card masks both numbers; 查看 (members:me) shows them whole
    assert member.masked_id_number in html and member.id_number not in html
    assert "138****0000" in html and "13800000000" not in html
    assert "A1团支部" in html
    assert "2026年参加三会：2次" in html and "2026年参加团课：1次" in html
    assert "2026年参加团日活动：3次" in html
    assert "2026年度团籍注册：待审批" in html
    # ARC-01: joined October 2026 → due 30 days after the end of October.
    assert "尚未认证，须于2026-11-30前上传" in html
    assert f"团内激励记录：{records_of(member).count()}条" in html


def test_registration_status_prefers_the_live_registration(tree, login, fast_hasher):
    """ME-01 / ORG-18: after a rejection and a new filing, the card shows the live one."""
    member = _member(tree)
    AnnualRegistration.objects.create(person=member, branch=tree.branch_a, year=2026, state="rejected")
    assert "2026年度团籍注册：不同意" in _home(login, member).content.decode()
    AnnualRegistration.objects.create(person=member, branch=tree.branch_a, year=2026, state="approved")
    assert "2026年度团籍注册：已注册" in _home(login, member).content.decode()


def test_archive_card_states(tree, login, fast_hasher):
    """ME-01 / ARC-07: before 2020 nothing is due; a verified archive says 已认证."""
    old = _member(tree, joined_month=date(2015, 5, 1))
    assert "无需上传" in _home(login, old).content.decode()
    new = f.person("王新", branch=tree.branch_a, password="Zhtj-pass-2026", joined_month=date(2024, 5, 1))
    uploader = f.admin_of(tree.col_a)
    MemberArchive.objects.create(
        person=new,
        file="archives/x.pdf",
        size=1,
        pages=1,
        uploaded_by=uploader,
        uploaded_by_org=tree.col_a,
        state=MemberArchive.State.VERIFIED,
    )
    assert "认证状态：已认证" in _home(login, new).content.decode()


def test_member_without_branch_still_gets_a_home(tree, login, fast_hasher):
    """ME-01: a person without 团组织关系 (e.g. after leaving) sees the page, not an error."""
    person = f.person("赵无", password="Zhtj-pass-2026")
    html = _home(login, person).content.decode()
    assert "您目前没有团组织关系" in html and "未注册" in html


def test_org_home_has_no_member_cards(tree, login, fast_hasher):
    """ME-01 / NTC-02: the personal center's cards stay there; acting for an org shows 组织首页 with
    the org's own cards (工作通知) only."""
    admin = f.admin_of(tree.branch_a)
    response = login(admin, tree.branch_a).get(reverse("home"))
    assert response.status_code == 200
    assert [c.title for c in home.cards_for(response.wsgi_request)] == ["工作通知"]
    assert "团员基本材料" not in response.content.decode()


def _count(login, person):
    with time_machine.travel(TODAY, tick=False):
        client = login(person)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


def test_member_home_runs_a_constant_number_of_queries(tree, login, fast_hasher):
    """ME-01 / the bar: every card is one query or none, whatever the member's history."""
    small = _member(tree, joined_month=date(2026, 10, 1))
    _attend(small, 1)
    big = f.person("大户", branch=tree.branch_a, password="Zhtj-pass-2026", joined_month=date(2026, 10, 1))
    _attend(big, 12)
    _attend(big, 12, LifeKind.LECTURE)
    _attend(big, 12, LifeKind.ACTIVITY)
    for year in (2024, 2025, 2026):
        AnnualRegistration.objects.create(person=big, branch=tree.branch_a, year=year, state="approved")
    assert _count(login, small) == _count(login, big)


def test_safe_reverse_hides_links_of_apps_not_yet_built():
    """ME-01: 关系转接 appears only once its URL exists (a missing name gives "")."""
    assert home.safe_reverse("no_such_app:page") == ""
    assert home.safe_reverse("home") == "/"
