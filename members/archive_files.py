"""The one check of an uploaded 《入团志愿书》 (ARC-08, SEC-05): a real PDF, parsed with pypdf,
at least one page, not encrypted, at most ARCHIVE_MAX_BYTES. Every refusal is an
`ArchiveFileError` whose message is for the user; nothing is stored before this passes."""

from dataclasses import dataclass

from django.conf import settings
from pypdf import PdfReader

PDF_MAGIC = b"%PDF-"
# The PDF trailer ends with %%EOF; scanners and converters may add a little after it.
EOF_MARKER = b"%%EOF"
TAIL_BYTES = 2048


class ArchiveFileError(Exception):
    """The file can't be used; the message says why, in Chinese."""


@dataclass(frozen=True)
class CheckedPdf:
    original_name: str
    size: int
    pages: int


def max_megabytes():
    return settings.ZHTJ["ARCHIVE_MAX_BYTES"] // (1024 * 1024)


def too_large_message():
    return f"文件过大：电子版《入团志愿书》不能超过 {max_megabytes()} MB，请压缩后重新上传。"


def check_pdf(upload):
    """Return what was found (size, pages) or raise ArchiveFileError."""
    if upload is None:
        raise ArchiveFileError("请选择要上传的 PDF 文件。")
    size = upload.size or 0
    if size == 0:
        raise ArchiveFileError("上传的文件是空的，请重新选择文件。")
    if size > settings.ZHTJ["ARCHIVE_MAX_BYTES"]:
        raise ArchiveFileError(too_large_message())
    upload.seek(0)
    head = upload.read(1024)
    if PDF_MAGIC not in head:
        raise ArchiveFileError(
            "文件不是 PDF 格式（可能是图片或其他文件改了扩展名），请上传 1 份 PDF 格式的电子版《入团志愿书》。"
        )
    upload.seek(max(size - TAIL_BYTES, 0))
    if EOF_MARKER not in upload.read(TAIL_BYTES):
        raise ArchiveFileError("PDF 文件不完整（可能上传中断或文件已损坏），请重新生成 PDF 后上传。")
    upload.seek(0)
    try:
        reader = PdfReader(upload)
        if reader.is_encrypted:
            raise ArchiveFileError("PDF 文件已加密或设置了密码，请上传未加密的 PDF 文件。")
        pages = len(reader.pages)
    except ArchiveFileError:
        raise
    except Exception:  # noqa: BLE001 -- pypdf parses untrusted bytes and may raise almost anything
        raise ArchiveFileError("PDF 文件已损坏，无法读取，请重新生成 PDF 后上传。") from None
    finally:
        upload.seek(0)
    if pages < 1:
        raise ArchiveFileError("PDF 文件没有任何页面，请上传完整的《入团志愿书》。")
    return CheckedPdf(original_name=upload.name or "入团志愿书.pdf", size=size, pages=pages)
