"""ARC-05 / STAT-02 / TRF-07: THE 已认证 rule, tested directly (transfers and statistics call it),
and the ARC-04 / OPC-03 login prompt."""

from datetime import date

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.archives import (
    archive_verified_q,
    is_archive_verified,
    joined_needs_archive,
    lacks_verification_q,
    transfer_refusal,
    transfer_refusals,
)
from members.models import MemberArchive, Person
from tests import factories as f
from tests.members import archive_helpers
from tests.members.archive_helpers import pdf_upload
from zhtj.core import prompts
from zhtj.core.workflow import by_system, perform

arc, media = archive_helpers.arc, archive_helpers.media  # fixtures


def upload(client, person):
    return client.post(reverse("members:archive_upload", args=[person.pk]), {"file": pdf_upload()})


def test_transfer_refusal_until_verified(arc, login):
    """ARC-05 / TRF-07: a 2020+ member without 已认证 can't be transferred; once approved they can."""
    assert "尚未认证" in transfer_refusal(arc.new)
    upload(login(arc.branch_admin, arc.tree.branch_a), arc.new)
    assert "尚未认证" in transfer_refusal(arc.new)  # 待审批 is not 已认证
    archive = MemberArchive.objects.get()
    perform(archive, "reject", guard=by_system, by=arc.col_a_admin, note="模糊")
    assert transfer_refusal(arc.new) is not None  # 认证不通过 neither
    MemberArchive.objects.filter(pk=archive.pk).update(state=MemberArchive.State.PENDING)
    perform(MemberArchive.objects.get(), "approve", guard=by_system, by=arc.col_a_admin)
    assert transfer_refusal(arc.new) is None
    assert is_archive_verified(arc.new)


def test_members_who_joined_before_2020_need_nothing(arc):
    """ARC-05: members who joined before 2020 (or with no join month) are transferable as they are."""
    assert transfer_refusal(arc.old) is None
    cadre_only = f.person("吴干")
    assert transfer_refusal(cadre_only) is None


def test_new_member_statistics_count_only_verified(arc, login):
    """STAT-02: a new-member count (joined 2020+) filtered by the rule excludes the unverified."""
    upload(login(arc.col_a_admin, arc.tree.col_a), arc.new)  # verified at once
    upload(login(arc.general_admin, arc.general), arc.under_general)  # waits
    counts = Person.objects.filter(joined_month__gte=date(2020, 1, 1)).aggregate(
        all=Count("pk"), new=Count("pk", filter=archive_verified_q())
    )
    assert counts == {"all": 3, "new": 1}


def test_rule_works_through_a_relation(arc, login):
    """ARC-05: the prefix lets another model (a transfer, a post) filter by its person."""
    from members.models import CadrePost

    upload(login(arc.col_a_admin, arc.tree.col_a), arc.new)
    verified = CadrePost.objects.create(person=arc.new, org=arc.tree.branch_a, title="committee_member")
    unverified = CadrePost.objects.create(person=arc.other, org=arc.tree.branch_b, title="committee_member")
    posts = CadrePost.objects.filter(pk__in=[verified.pk, unverified.pk])
    assert list(posts.filter(archive_verified_q("person__"))) == [verified]


def _prompt_texts(rf, org):
    request = rf.get("/")
    request.acting_org = org
    request.user = None
    return [p.text for p in prompts.for_request(request) if "团员身份尚未认证" in p.text]


def test_login_prompt_while_any_member_lacks_verification(arc, login, rf):
    """ARC-04 / OPC-03: 组织内有团员身份尚未认证 while a 2020+ member of the subtree isn't 已认证."""
    assert _prompt_texts(rf, arc.tree.branch_a) == ["组织内有团员身份尚未认证"]
    assert _prompt_texts(rf, arc.tree.uni) == ["组织内有团员身份尚未认证"]
    upload(login(arc.col_a_admin, arc.tree.col_a), arc.new)
    assert _prompt_texts(rf, arc.tree.branch_a) == []  # resolved for branch A
    assert _prompt_texts(rf, arc.tree.col_a) != []  # 钱丙 under the 团总支 still lacks it
    home = login(arc.col_a_admin, arc.tree.col_a).get(reverse("home")).content.decode()
    assert "组织内有团员身份尚未认证" in home and reverse("members:archives") + "?status=todo" in home


def test_prompt_is_one_query(arc, rf):
    """ARC-04: the prompt is a single EXISTS, whatever the subtree's size."""
    request = rf.get("/")
    request.acting_org = arc.tree.uni
    from members.archive_hooks import members_not_verified

    with CaptureQueriesContext(connection) as ctx:
        members_not_verified(request)
    assert len(ctx.captured_queries) == 1


def test_lacking_is_the_negation_of_the_rule(arc, login):
    """ARC-04 and ARC-05 agree: the prompt's set is exactly the 2020+ members outside the rule."""
    upload(login(arc.col_a_admin, arc.tree.col_a), arc.new)
    lacking = set(Person.objects.filter(lacks_verification_q()).values_list("name", flat=True))
    assert lacking == {"赵乙", "钱丙"}


def test_batch_refusals_in_one_query(arc, login):
    """ARC-05 / TRF-05: a batch transfer learns who can't go, in one query."""
    upload(login(arc.col_a_admin, arc.tree.col_a), arc.new)
    people = Person.objects.filter(pk__in=[arc.new.pk, arc.old.pk, arc.other.pk, arc.under_general.pk])
    with CaptureQueriesContext(connection) as ctx:
        refusals = transfer_refusals(people)
    assert len(ctx.captured_queries) == 1
    assert set(refusals) == {arc.other.pk, arc.under_general.pk}
    assert "赵乙" in refusals[arc.other.pk] and "尚未认证" in refusals[arc.other.pk]


def test_a_join_month_in_hand_needs_an_archive_from_2020_01(db):
    """ARC-01 at its edge, default setting (entry and import warn with it, no query): joined 2019-12
    needs none, 2020-01 does, an unknown month doesn't."""
    assert [joined_needs_archive(m) for m in (date(2019, 12, 1), date(2020, 1, 1), None)] == [False, True, False]


def test_the_transfer_refusal_word_for_word(arc):
    """ARC-05 / TRF-07: the refusal says who, from which year, and what to do."""
    assert transfer_refusal(arc.new) == (
        "李新为2020年及以后入团的新发展团员，团员身份尚未认证（电子版《入团志愿书》未上传或未通过审批），"
        "完成团员身份认证后才能办理团组织关系转接。"
    )
    assert transfer_refusals(Person.objects.filter(pk__in=[arc.new.pk, arc.old.pk])) == {
        arc.new.pk: transfer_refusal(arc.new)
    }
