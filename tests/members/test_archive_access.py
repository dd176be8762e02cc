"""SEC-01 / ROLE-02: the PDF is served only by the permission-checked view; never a media URL."""

from django.conf import settings
from django.urls import reverse

from members.models import MemberArchive
from tests.members import archive_helpers
from tests.members.archive_helpers import pdf_bytes, pdf_upload

arc, media = archive_helpers.arc, archive_helpers.media  # fixtures


def stored(arc, login):
    login(arc.col_a_admin, arc.tree.col_a).post(
        reverse("members:archive_upload", args=[arc.new.pk]), {"file": pdf_upload(pdf_bytes(pages=2))}
    )
    return MemberArchive.objects.get()


def body(response):
    return b"".join(response.streaming_content)


def test_admins_in_scope_get_the_pdf(arc, login):
    """SEC-01: the branch, its superior and further ancestors (viewing) get the file."""
    archive = stored(arc, login)
    url = reverse("members:archive_file", args=[archive.pk])
    for admin, org in (
        (arc.branch_admin, arc.tree.branch_a),
        (arc.col_a_admin, arc.tree.col_a),
        (arc.uni_admin, arc.tree.uni),
    ):
        response = login(admin, org).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert body(response).startswith(b"%PDF-")
        assert response["X-Frame-Options"] == "SAMEORIGIN"  # embedded beside the basics
        assert "no-store" in response["Cache-Control"]


def test_download_is_an_attachment(arc, login):
    """ARC-07: ?download=1 downloads the file with the member's name."""
    archive = stored(arc, login)
    response = login(arc.branch_admin, arc.tree.branch_a).get(
        reverse("members:archive_file", args=[archive.pk]) + "?download=1"
    )
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_the_member_gets_their_own_file(arc, login):
    """SEC-01: the member themself, from the personal center."""
    archive = stored(arc, login)
    arc.new.must_change_password = False
    arc.new.save()
    assert login(arc.new).get(reverse("members:archive_file", args=[archive.pk])).status_code == 200


def test_out_of_scope_is_404(arc, login):
    """SEC-01 / ROLE-02: a sibling committee, another member and an anonymous visitor get nothing."""
    archive = stored(arc, login)
    url = reverse("members:archive_file", args=[archive.pk])
    assert login(arc.col_b_admin, arc.tree.col_b).get(url).status_code == 404
    arc.other.must_change_password = False
    arc.other.save()
    assert login(arc.other).get(url).status_code == 404
    assert login(arc.col_a_admin, arc.tree.col_a).get(reverse("members:archive_file", args=[99999])).status_code == 404


def test_anonymous_is_sent_to_login(arc, login, client):
    archive = stored(arc, login)
    client.logout()
    response = client.get(reverse("members:archive_file", args=[archive.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_no_public_media_url(arc, login, client):
    """SEC-01: nothing serves MEDIA_ROOT: the stored name is not reachable as a URL."""
    archive = stored(arc, login)
    assert not getattr(settings, "MEDIA_URL", "").strip("/")
    client.logout()
    assert client.get("/" + archive.file.name).status_code == 404
    assert client.get("/media/" + archive.file.name).status_code == 404


def test_missing_file_in_storage_is_404_not_500(arc, login):
    """SEC-06: a row whose file vanished from storage answers 404."""
    archive = stored(arc, login)
    archive.file.storage.delete(archive.file.name)
    response = login(arc.col_a_admin, arc.tree.col_a).get(reverse("members:archive_file", args=[archive.pk]))
    assert response.status_code == 404


def test_member_pages_of_another_subtree_are_404(arc, login):
    """ROLE-02: the archive page of a member outside the subtree is a 404, as is its upload."""
    client = login(arc.col_b_admin, arc.tree.col_b)
    assert client.get(reverse("members:archive_person", args=[arc.new.pk])).status_code == 404
    assert client.post(reverse("members:archive_change", args=[arc.new.pk]), {"explanation": "x"}).status_code == 404


def test_person_page_without_upload_right_is_view_only(arc, login):
    """Seed FAQ (v): the grand-parent sees the page but no 上传档案 form."""
    text = login(arc.uni_admin, arc.tree.uni).get(reverse("members:archive_person", args=[arc.new.pk])).content.decode()
    assert "李新" in text and 'id="upload-form"' not in text


def test_out_of_range_ids_are_404(arc, login):
    """SEC-06: an id beyond the database's integer range is a 404, not a 500."""
    huge = 10**30
    client = login(arc.col_a_admin, arc.tree.col_a)
    for name in ("archive_file", "archive_review", "archive_change_review"):
        assert client.get(reverse(f"members:{name}", args=[huge])).status_code == 404
    assert client.get(reverse("members:archive_person", args=[huge])).status_code == 404
    response = client.post(reverse("members:archive_upload", args=[huge]), {"file": pdf_upload()})
    assert response.status_code == 404
