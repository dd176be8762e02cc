"""Organization names hold no markup brackets, control characters or emoji (ORG-04, ORG-05, SEC-06),
on every path a name is typed: 单个创建, 批量创建 (Excel), the 组织全称 correction, init_leadership."""

from html import escape

import pytest

from orgs.choices import OrgCategory
from orgs.models import Organization
from orgs.naming import full_name_problem, short_name_problem
from tests import factories as f
from tests.orgs.test_create_suborgs import BATCH, CREATE, statuses, upload

RULE = "只能由汉字、字母、数字和括号、“·”“-”等常用标点组成，不能含有“<”“>”、表情符号或控制字符"
BAD = {
    "less-than": ("<b>车间团支部", "“<”"),
    "greater-than": ("车间>团支部", "“>”"),
    "bell": ("车间\x07团支部", "不可见字符 U+0007"),
    "zero-width-joiner": ("车间\u200d团支部", "不可见字符 U+200D"),
    "direction-override": ("车间\u202e团支部", "不可见字符 U+202E"),
    "emoji": ("车间🎉团支部", "“🎉”"),
    "skin-tone": ("车间\U0001f3fb团支部", "“\U0001f3fb”"),
    "private-use": ("车间\ue000团支部", "不可见字符 U+E000"),
}
ON_PAGE = escape(RULE, quote=False)  # as the page shows it


@pytest.mark.parametrize("name, shown", BAD.values(), ids=BAD.keys())
def test_bad_characters_are_refused_with_the_rule(name, shown):
    """ORG-04 / SEC-06: each such character is refused, the message gives the rule and which character."""
    problem = short_name_problem(name, OrgCategory.BRANCH)
    assert problem and RULE in problem and shown in problem
    full = full_name_problem("测试大学" + name)
    assert full and full.startswith("组织全称" + RULE)


@pytest.mark.parametrize("name", ["北京大学（医学部）团委", "A-1车间团委", "中国石化·北京分公司团委", "R&D中心团委"])
def test_ordinary_punctuation_stays_allowed(name):
    """ORG-04: brackets, the middle dot, hyphens and ampersands appear in real unit names."""
    assert short_name_problem(name, OrgCategory.COMMITTEE) is None
    assert full_name_problem("团青岛市委" + name) is None


@pytest.fixture
def uni_client(tree, login):
    return login(f.admin_of(tree.uni, "大学团委书记"))


def test_single_creation_refuses_them(tree, uni_client):
    """ORG-04 / SEC-06: 单个创建 with an emoji in the short name, or markup in the corrected 组织全称:
    400 with the rule, nothing created."""
    before = Organization.objects.count()
    r = uni_client.post(CREATE, {"category": "branch", "name": "车间🎉团支部", "full_name": "某某全称"})
    assert r.status_code == 400 and ON_PAGE in r.content.decode()
    r = uni_client.post(CREATE, {"category": "branch", "name": "车间团支部", "full_name": "测试大学<i>车间团支部"})
    assert r.status_code == 400 and "组织全称" + ON_PAGE in r.content.decode()
    assert Organization.objects.count() == before


def test_batch_rows_with_them_fail_with_the_rule(tree, uni_client):
    """ORG-08 / SEC-06: in 批量创建 such a row fails with the rule; the good row is created."""
    r = uni_client.post(BATCH, {"file": upload(rows=[("车间<script>团支部", "团支部"), ("包装车间团支部", "团支部")])})
    got = statuses(r)
    assert got[2][0] == "failed" and ON_PAGE in got[2][1]
    assert got[3][0] == "created"
    assert set(Organization.objects.filter(parent=tree.uni).values_list("name", flat=True)) >= {"包装车间团支部"}
    assert not Organization.objects.filter(name__contains="<").exists()


def test_init_leadership_refuses_them(db, tmp_path):
    """ORG-01 / ORG-04: the ops command that loads leadership organs checks the same characters."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    f.leadership("团中央")
    csv = tmp_path / "organs.csv"
    csv.write_text("组织简称,上级组织,层级,组织排序\n团山东省委😀,团中央,省级,1\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("init_leadership", str(csv), stdout=StringIO())
    assert RULE in str(refused.value)
    assert not Organization.objects.filter(name__startswith="团山东省委").exists()
