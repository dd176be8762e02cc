"""ARC-08 / SEC-05 / SEC-06: the upload check, by content, with a clear message, storing nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.urls import reverse

from members.archive_files import ArchiveFileError, check_pdf
from members.models import MemberArchive
from tests.members import archive_helpers
from tests.members.archive_helpers import pdf_bytes, pdf_upload, stored_files
from tests.uploads import refused_page

MB = 1024 * 1024

arc, media = archive_helpers.arc, archive_helpers.media  # fixtures


def jpg_bytes():
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 2000 + b"\xff\xd9"


def test_a_real_pdf_passes_and_its_pages_are_counted():
    """ARC-08: a real PDF of three pages is accepted and read with pypdf."""
    checked = check_pdf(pdf_upload(pdf_bytes(pages=3)))
    assert checked.pages == 3
    assert checked.size > 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "空的"),
        (jpg_bytes(), "不是 PDF 格式"),
        (pdf_bytes()[:300], "不完整"),
        (pdf_bytes(password="secret"), "已加密"),
        (pdf_bytes(pages=0), "没有任何页面"),
        (b"%PDF-1.7\n" + b"garbage " * 200 + b"\n%%EOF\n", "已损坏"),
    ],
    ids=["empty", "renamed-jpg", "truncated", "encrypted", "no-pages", "garbage"],
)
def test_bad_files_are_refused_with_a_reason(content, message):
    """ARC-08: empty, renamed JPG, truncated, encrypted, page-less and garbage PDFs are refused."""
    with pytest.raises(ArchiveFileError, match=message):
        check_pdf(pdf_upload(content))


def test_no_file_is_refused():
    """ARC-08: nothing chosen."""
    with pytest.raises(ArchiveFileError, match="请选择"):
        check_pdf(None)


def test_size_is_checked_before_the_content_is_read(settings):
    """ARC-08: more than ARCHIVE_MAX_BYTES is refused from `upload.size`, before reading."""
    settings.ZHTJ = {**settings.ZHTJ, "ARCHIVE_MAX_BYTES": 1000}

    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("the content must not be read")

    with pytest.raises(ArchiveFileError, match="文件过大"):
        check_pdf(Unreadable("a.pdf", b"x" * 1001))


@pytest.mark.parametrize(
    "content",
    [b"", jpg_bytes(), pdf_bytes()[:300], pdf_bytes(password="secret"), b"%PDF-1.4\n" + b"0" * (25 * MB)],
    ids=["empty", "renamed-jpg", "truncated", "encrypted", "25MB"],
)
def test_a_bad_upload_is_refused_and_stores_nothing(arc, login, content):
    """ARC-08 / SEC-06: each bad file is refused with a Chinese message on the person's page; no file, no row."""
    client = login(arc.branch_admin, arc.tree.branch_a)
    url = reverse("members:archive_upload", args=[arc.new.pk])
    response = client.post(url, {"file": SimpleUploadedFile("志愿书.pdf", content, "application/pdf")})
    text = refused_page(client, response)
    assert response["Location"] == reverse("members:archive_person", args=[arc.new.pk])
    assert any(word in text for word in ("空的", "不是 PDF", "不完整", "已加密", "文件过大"))
    assert not MemberArchive.objects.exists()
    assert stored_files(arc.media) == []


def test_a_bad_replacement_keeps_the_stored_archive(arc, login):
    """SEC-06: a bad 替换档案 loses nothing: the rejected archive and its file stay as they were."""
    client = login(arc.branch_admin, arc.tree.branch_a)
    url = reverse("members:archive_upload", args=[arc.new.pk])
    client.post(url, {"file": pdf_upload()})
    archive = MemberArchive.objects.get()
    MemberArchive.objects.filter(pk=archive.pk).update(state="rejected", reason="不清晰")
    before = stored_files(arc.media)
    response = client.post(url, {"file": pdf_upload(jpg_bytes(), "x.pdf")})
    assert "不是 PDF" in refused_page(client, response)
    archive.refresh_from_db()
    assert archive.state == "rejected"
    assert stored_files(arc.media) == before


def test_an_oversized_body_is_refused_before_it_is_read(settings):
    """SEC-05 / ARC-08: a body announced larger than the view's limit is refused at the first file
    part; the rest of the 25 MB is never read, and the form fields before it are kept."""
    boundary = "BoUnDaRy"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="_once"\r\n\r\nabc\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"%PDF-1.4\n"
        + b"0" * (25 * MB)
        + f"\r\n--{boundary}--\r\n".encode()
    )

    class Counting(io.BytesIO):
        consumed = 0

        def read(self, size=-1):
            data = super().read(size)
            Counting.consumed += len(data)
            return data

    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": reverse("members:archive_upload", args=[1]),
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": Counting(body),
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
        }
    )
    assert request.POST["_once"] == "abc"
    assert "file" not in request.FILES
    assert request.upload_too_large is True
    assert Counting.consumed < 1 * MB


def test_a_file_growing_past_the_limit_is_stopped_while_streaming(arc, login, settings):
    """ARC-08: a body small enough to be announced but with a file over the limit is stopped at the
    chunk that crosses it, nothing stored."""
    settings.ZHTJ = {**settings.ZHTJ, "ARCHIVE_MAX_BYTES": 1000}
    client = login(arc.branch_admin, arc.tree.branch_a)
    response = client.post(
        reverse("members:archive_upload", args=[arc.new.pk]), {"file": pdf_upload(pdf_bytes(pages=20))}
    )
    assert "文件过大" in refused_page(client, response)
    assert response.wsgi_request.upload_too_large  # stopped by the handler, not after the upload
    assert not MemberArchive.objects.exists()
    assert stored_files(arc.media) == []


def test_views_without_a_declared_limit_are_not_limited(rf):
    """SEC-05: only views that declare `upload_limit` are limited by the handler."""
    from zhtj.core.uploads import limit_for

    assert limit_for(rf.post(reverse("members:archive_upload", args=[1]))) == 20 * MB
    assert limit_for(rf.post(reverse("login"))) is None
    assert limit_for(rf.post("/no/such/page/")) is None
