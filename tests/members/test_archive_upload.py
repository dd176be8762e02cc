"""ARC-01 / ARC-02: who uploads, and whether the upload waits for the superior committee."""

from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse

from members.archives import may_upload
from members.choices import PostTitle
from members.models import CadrePost, MemberArchive
from members.models_archive import archive_due_date
from tests import factories as f
from tests.members import archive_helpers
from tests.members.archive_helpers import pdf_upload, stored_files
from tests.uploads import refused_page
from zhtj.core.audit import history_of

arc, media = archive_helpers.arc, archive_helpers.media  # fixtures


def upload(client, person, content=None):
    return client.post(reverse("members:archive_upload", args=[person.pk]), {"file": pdf_upload(content)})


def test_branch_upload_waits_for_the_direct_superior(arc, login):
    """ARC-02: a 团支部 upload is 待审批, decided by the branch's superior committee."""
    response = upload(login(arc.branch_admin, arc.tree.branch_a), arc.new)
    assert response.status_code == 302
    archive = MemberArchive.objects.get(person=arc.new)
    assert archive.state == MemberArchive.State.PENDING
    assert archive.approver_org == arc.tree.col_a
    assert archive.pages == 1
    assert default_storage.exists(archive.file.name)


def test_general_branch_upload_waits_for_its_superior(arc, login):
    """ARC-02: a 团总支 upload is 待审批 too, decided by the 团总支's superior."""
    upload(login(arc.general_admin, arc.general), arc.under_general)
    archive = MemberArchive.objects.get(person=arc.under_general)
    assert archive.state == MemberArchive.State.PENDING
    assert archive.approver_org == arc.tree.col_a


def test_committee_upload_is_verified_at_once_and_audited(arc, login):
    """ARC-02: a 团委 upload (the branch's direct superior) is 已认证 at once, with an audit row."""
    response = upload(login(arc.col_a_admin, arc.tree.col_a), arc.new)
    assert response.status_code == 302
    archive = MemberArchive.objects.get(person=arc.new)
    assert archive.state == MemberArchive.State.VERIFIED
    assert archive.approver_org is None
    (row,) = history_of(archive)
    assert (row.action, row.to_state, row.actor) == ("upload", "verified", arc.col_a_admin)


def test_state_after_upload_by_category(arc):
    """ARC-02: the rule itself, per org category."""
    t = arc.tree
    assert MemberArchive.state_after_upload(t.central) == MemberArchive.State.VERIFIED
    assert MemberArchive.state_after_upload(t.uni) == MemberArchive.State.VERIFIED
    assert MemberArchive.state_after_upload(arc.general) == MemberArchive.State.PENDING
    assert MemberArchive.state_after_upload(t.branch_a) == MemberArchive.State.PENDING


def test_grand_parent_may_not_upload(arc, login):
    """Seed FAQ (v): only the branch and its direct superior upload; a grand-parent gets 403."""
    response = upload(login(arc.uni_admin, arc.tree.uni), arc.new)
    assert response.status_code == 403
    assert "隔级无法操作" in response.content.decode()
    assert not MemberArchive.objects.exists()
    assert stored_files(arc.media) == []


def test_out_of_scope_upload_is_404(arc, login):
    """ROLE-02: a sibling committee can't even find the member."""
    response = upload(login(arc.col_b_admin, arc.tree.col_b), arc.new)
    assert response.status_code == 404
    assert not MemberArchive.objects.exists()


def test_members_who_joined_before_2020_need_no_archive(arc, login):
    """ARC-01: an archive is only for members who joined in 2020 or later."""
    client = login(arc.branch_admin, arc.tree.branch_a)
    assert "无需上传电子档案" in refused_page(client, upload(client, arc.old))
    assert not MemberArchive.objects.exists()
    assert stored_files(arc.media) == []


def test_required_year_is_a_setting(arc, login, settings):
    """ARC-01: the first year that needs an archive comes from ZHTJ["ARCHIVE_REQUIRED_FROM_YEAR"]."""
    settings.ZHTJ = {**settings.ZHTJ, "ARCHIVE_REQUIRED_FROM_YEAR": 2010}
    assert upload(login(arc.branch_admin, arc.tree.branch_a), arc.old).status_code == 302


def test_second_upload_replaces_only_when_allowed(arc, login):
    """ARC-01: one archive per person; a pending archive can't be overwritten by a second upload."""
    client = login(arc.branch_admin, arc.tree.branch_a)
    upload(client, arc.new)
    assert "正在等待审批，审批前不能替换" in refused_page(client, upload(client, arc.new))
    assert MemberArchive.objects.count() == 1
    assert len(stored_files(arc.media)) == 1


def test_storage_path_is_not_guessable(arc, login):
    """SEC-01: the stored name carries neither the member's name nor the ID number."""
    upload(login(arc.branch_admin, arc.tree.branch_a), arc.new)
    name = MemberArchive.objects.get().file.name
    assert arc.new.id_number not in name and arc.new.name not in name
    assert len(name.rsplit("/", 1)[1]) >= 32


@pytest.mark.parametrize(
    "joined, due",
    [(date(2021, 5, 1), date(2021, 6, 30)), (date(2020, 2, 1), date(2020, 3, 30)), (None, None)],
)
def test_due_date_counts_30_days_from_the_end_of_the_join_month(joined, due):
    """ARC-01: due 30 days (ZHTJ["ARCHIVE_DUE_DAYS"]) after joining, counted from the month's end."""
    assert archive_due_date(joined) == due


def test_committee_uploads_for_its_own_cadre(arc, login):
    """本级团干部电子数据库: a 团委 uploads for its own cadre, whose branch may lie elsewhere."""
    from members.choices import PostTitle
    from members.models import CadrePost

    cadre = f.person("孙干", branch=arc.tree.branch_b, joined_month=date(2020, 9, 1))
    CadrePost.objects.create(person=cadre, org=arc.tree.col_a, title=PostTitle.DEPUTY_SECRETARY)
    response = upload(login(arc.col_a_admin, arc.tree.col_a), cadre)
    assert response.status_code == 302
    assert MemberArchive.objects.get(person=cadre).state == MemberArchive.State.VERIFIED


def test_one_archive_per_person_is_a_database_constraint(arc, login):
    """ARC-01: the database itself refuses a second archive row for one person."""
    from django.db import IntegrityError, transaction

    upload(login(arc.branch_admin, arc.tree.branch_a), arc.new)
    first = MemberArchive.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberArchive.objects.create(
            person=arc.new,
            file="archives/x.pdf",
            size=1,
            pages=1,
            uploaded_by=arc.branch_admin,
            uploaded_by_org=arc.tree.branch_a,
            approver_org=arc.tree.col_a,
        )
    assert list(MemberArchive.objects.all()) == [first]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_store_one_archive_and_one_file(arc):
    """SEC-04 / ARC-01: two admins uploading for one member at once: one archive, one stored file,
    and the other gets a clear message."""
    from members.archives import upload_archive
    from tests.concurrency import at_once
    from zhtj.core.workflow import WorkflowError

    outcomes = at_once(
        lambda by, org: upload_archive(arc.new, pdf_upload(), by=by, org=org),
        [(arc.branch_admin, arc.tree.branch_a), (arc.col_a_admin, arc.tree.col_a)],
        expected=(WorkflowError,),
    )
    assert outcomes.count("ok") == 1
    assert any("已有电子档案" in o for o in outcomes)
    assert MemberArchive.objects.count() == 1
    assert len(stored_files(arc.media)) == 1


def test_the_upload_is_recorded_as_the_uploaders_with_the_file_name(arc, login):
    """ARC-02 / SEC-04: the upload's audit row names who uploaded and the file they chose."""
    upload(login(arc.branch_admin, arc.tree.branch_a), arc.new)
    archive = MemberArchive.objects.get()
    (row,) = history_of(archive)
    assert (row.action, row.actor, row.note, row.to_state) == ("upload", arc.branch_admin, "入团志愿书.pdf", "pending")


def test_a_committee_uploads_for_its_own_cadres_only(arc):
    """ARC-02 / seed FAQ (v): besides the member's branch and its direct superior, a committee uploads
    for the cadres of its own posts (本级团干部电子数据库) -- not for another org's cadres."""
    CadrePost.objects.create(person=arc.new, org=arc.tree.uni, title=PostTitle.COMMITTEE_MEMBER)
    assert may_upload(arc.tree.uni, arc.new)
    assert not may_upload(arc.tree.col_b, arc.new)
    assert may_upload(arc.tree.col_a, arc.new) and may_upload(arc.tree.branch_a, arc.new)
