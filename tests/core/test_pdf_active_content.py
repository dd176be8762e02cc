"""Uploaded PDFs with active content are refused; stored PDFs are served sandboxed (SEC-08, SEC-05)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import MemberArchive
from tests import pdfs
from tests.members import archive_helpers
from tests.members.archive_helpers import stored_files
from tests.uploads import refused_page
from zhtj.core.pdf import PdfRefused, check_pdf

arc, media = archive_helpers.arc, archive_helpers.media  # fixtures


def upload(content, name="file.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.parametrize("kind, named", pdfs.ACTIVE, ids=[k for k, _ in pdfs.ACTIVE])
def test_pdfs_with_active_content_are_refused_with_what_was_found(kind, named):
    """SEC-08: a script run on opening, in the names tree or on a page event, a Launch or
    SubmitForm link, a script chained after a harmless GoTo, an embedded file, multimedia, a file
    attachment annotation or an XFA form: refused, the message says what was found and what to do."""
    with pytest.raises(PdfRefused) as refused:
        check_pdf(upload(pdfs.build(kind)), max_bytes=10**6, what="测试文件")
    message = str(refused.value)
    assert named in message and "不能上传" in message and "打印为 PDF" in message


@pytest.mark.parametrize("kind", [None, *pdfs.HARMLESS])
def test_ordinary_pdfs_pass(kind):
    """SEC-08: what office suites write into ordinary files -- an /OpenAction that opens page 1,
    web links -- is not active content."""
    assert check_pdf(upload(pdfs.build(kind)), max_bytes=10**6, what="测试文件").pages == 1


def test_escaped_names_are_seen():
    """SEC-08: /J#61vaScript is /JavaScript to a reader; the check reads names as pypdf decodes them."""
    data = pdfs.build("open-action-js").replace(b"/JS ", b"/J#53 ").replace(b"/JavaScript", b"/J#61vaScript")
    assert b"/J#53" in data and b"/J#61vaScript" in data and b"/JS " not in data
    with pytest.raises(PdfRefused, match="JavaScript"):
        check_pdf(upload(data), max_bytes=10**6, what="测试文件")
    data = pdfs.build("launch-link").replace(b"/Launch", b"/L#61unch")
    with pytest.raises(PdfRefused, match="启动外部程序"):
        check_pdf(upload(data), max_bytes=10**6, what="测试文件")


def test_an_e_archive_with_a_script_is_refused_and_nothing_is_stored(arc, login):
    """SEC-08 / ARC-08: the e-archive upload goes through the one check: refused with the reason, no row, no file."""
    client = login(arc.branch_admin, arc.tree.branch_a)
    url = reverse("members:archive_upload", args=[arc.new.pk])
    response = client.post(url, {"file": upload(pdfs.build("open-action-js"), "入团志愿书.pdf")})
    assert "JavaScript 脚本" in refused_page(client, response)
    assert not MemberArchive.objects.exists() and stored_files(arc.media) == []


def test_stored_pdfs_are_served_sandboxed(arc, login):
    """SEC-08 / SEC-01: an e-archive comes back with `Content-Security-Policy: sandbox` (scripts,
    forms and popups off, an opaque origin), framable by our own pages only, never sniffed, not
    cached, shown inline or downloaded as before."""
    client = login(arc.branch_admin, arc.tree.branch_a)
    url = reverse("members:archive_upload", args=[arc.new.pk])
    assert client.post(url, {"file": upload(pdfs.build(), "入团志愿书.pdf")}).status_code == 302
    archive = MemberArchive.objects.get()
    for query, disposition in (("", "inline"), ("?download=1", "attachment")):
        response = client.get(reverse("members:archive_file", args=[archive.pk]) + query)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
        assert policy[0] == "sandbox" and "frame-ancestors 'self'" in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith(disposition) and "filename" in response["Content-Disposition"]
        b"".join(response.streaming_content)
