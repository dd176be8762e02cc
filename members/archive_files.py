"""The check of an uploaded 《入团志愿书》 (ARC-08): the project's one PDF check
(zhtj/core/pdf.py) with the e-archive's size limit and wording."""

from django.conf import settings

from zhtj.core import pdf
from zhtj.core.pdf import PdfRefused as ArchiveFileError  # noqa: F401  the name callers catch

WHAT = "电子版《入团志愿书》"


def max_megabytes():
    return settings.ZHTJ["ARCHIVE_MAX_BYTES"] // (1024 * 1024)


def too_large_message():
    return pdf.too_large_message(WHAT, settings.ZHTJ["ARCHIVE_MAX_BYTES"])


def check_pdf(upload):
    """Return what was found (name, size, pages) or raise ArchiveFileError."""
    return pdf.check_pdf(upload, max_bytes=settings.ZHTJ["ARCHIVE_MAX_BYTES"], what=WHAT, default_name="入团志愿书.pdf")
