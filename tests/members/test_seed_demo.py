"""`manage.py seed_demo`: a believable tree with logins for every role, idempotent."""

import re
from io import StringIO

from django.core.management import call_command
from django.db.models import BooleanField, ExpressionWrapper

from members.completeness import post_complete_q
from members.models import CadrePost, Person
from orgs.choices import LeadershipLevel, OrgCategory
from orgs.completeness import missing_items
from orgs.models import Organization
from zhtj.core.models import AuditLog


def test_seed_demo_builds_tree_and_is_idempotent(db):
    """ORG-01 / ORG-02 / ROLE-01: 团中央, 38 provincial-level organs, a university down to class branches,
    a county with a 乡镇街道 org; admins at every level; re-running changes nothing."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert Organization.objects.filter(leadership_level=LeadershipLevel.PROVINCE).count() == 38
    assert Organization.objects.filter(category=OrgCategory.SPECIAL_UNIT_POOL).count() == 32
    assert Organization.objects.filter(name="计算机专业2023级1班团支部", parent__name="2023级团总支").exists()
    assert Organization.objects.filter(name="长江路街道团工委", parent__name="团黄岛区委").exists()
    for level in LeadershipLevel:
        assert CadrePost.objects.admins().filter(org__leadership_level=level).exists(), level
    for category in (
        OrgCategory.COMMITTEE,
        OrgCategory.GENERAL_BRANCH,
        OrgCategory.BRANCH,
        OrgCategory.WORKING_COMMITTEE,
    ):
        assert CadrePost.objects.admins().filter(org__category=category).exists(), category
    assert Person.objects.filter(branch__isnull=False).count() >= 40
    text = out.getvalue()
    for role in ("团中央管理员", "团支部管理员", "团员（个人中心）", "多岗团干部", "运维人员"):
        assert role in text
    before = (Organization.objects.count(), Person.objects.count(), CadrePost.objects.count(), AuditLog.objects.count())
    call_command("seed_demo", stdout=StringIO())
    after = (Organization.objects.count(), Person.objects.count(), CadrePost.objects.count(), AuditLog.objects.count())
    assert before == after
    assert Organization.objects.get(name="团中央").get_descendant_count() == Organization.objects.count() - 1


def test_seed_demo_has_data_for_cadres_graduates_and_archives(db, fast_hasher):
    """CAD-04 / GRAD-01 / ARC-01: the demo shows a 国企 with cadres of each nature, a graduated
    class with a 延迟毕业 member, and new members' e-archives in each state; a re-run adds none."""
    from members.choices import PostNature
    from members.models import GraduateMark, MemberArchive

    call_command("seed_demo", stdout=StringIO())
    soe = Organization.objects.get(name="青岛港集团团委")
    assert soe.industry == "state_enterprise" and soe.enterprise_level
    natures = set(CadrePost.objects.active().filter(org__tree_id=soe.tree_id).values_list("nature", flat=True))
    assert {PostNature.FULL_TIME, PostNature.SECONDED, PostNature.PART_TIME} <= natures
    assert Organization.objects.get(name="石油工程专业2021级1班团支部").category == OrgCategory.GRADUATE
    assert GraduateMark.objects.filter(kind="delayed").count() == 1
    states = set(MemberArchive.objects.values_list("state", flat=True))
    assert states == {"pending", "rejected", "verified"}
    before = (MemberArchive.objects.count(), GraduateMark.objects.count(), CadrePost.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (MemberArchive.objects.count(), GraduateMark.objects.count(), CadrePost.objects.count()) == before


def test_seed_demo_runs_when_ids_have_grown(db, fast_hasher):
    """A database whose person ids are already past 480 (any long-lived one, or a test run after
    many others): the pk-derived 发展团员编号 of the demo people no longer meets the fixed ones of
    the apps' demos (a unique-key error that stopped seed_demo)."""
    from django.core.management.color import no_style
    from django.db import connection

    from tests import factories as f

    placeholder = Person.objects.create_user(f.new_id_number(), name="占位", pk=480)
    with connection.cursor() as cursor:  # PostgreSQL's sequence follows the explicit id
        for sql in connection.ops.sequence_reset_sql(no_style(), [Person]):
            cursor.execute(sql)
    placeholder.delete()
    call_command("seed_demo", stdout=StringIO())
    numbers = list(Person.objects.exclude(development_number="").values_list("development_number", flat=True))
    assert len(numbers) == len(set(numbers)) > 20


def test_demo_records_are_complete_and_names_look_real(db, fast_hasher):
    """Issue 21: every demo cadre is complete (MEM-08), every leadership organ with a login has its
    info complete (ORG-10: no "本组织信息尚未完整录入"), and people have real-looking names, not
    their role (孙省委, 新团员未上传)."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    posts = CadrePost.objects.filter(ended_on__isnull=True).annotate(
        ok=ExpressionWrapper(post_complete_q(), output_field=BooleanField())
    )
    assert posts.count() > 20
    assert list(posts.filter(ok=False).values_list("person__name", "org__name")) == []
    organs = Organization.objects.filter(
        category=OrgCategory.LEADERSHIP, pk__in=CadrePost.objects.admins().values("org")
    )
    assert organs.count() >= 4
    assert [(o.name, missing_items(o)) for o in organs if missing_items(o)] == []
    role_words = re.compile(r"省委|市委|区委|团委|中央|团员|职|书记|未上传|待审批|有误|不全|管理员|毕业生|[甲乙丙丁]$")
    assert [p.name for p in Person.objects.all() if role_words.search(p.name)] == []
    # A newcomer can log in where new members' 入团志愿书 still wait for their upload.
    assert "有新团员的入团志愿书待上传" in out.getvalue()
