"""The one check of an uploaded PDF (SEC-05, ARC-08, INC-04, INC-11): a real PDF parsed with
pypdf, complete, not encrypted, at least one page, at most `max_bytes`. Every refusal is a
`PdfRefused` whose message, naming `what` was expected, is for the user. Callers check before
storing anything."""

from dataclasses import dataclass

from pypdf import PdfReader

PDF_MAGIC = b"%PDF-"
# The PDF trailer ends with %%EOF; scanners and converters may add a little after it.
EOF_MARKER = b"%%EOF"
TAIL_BYTES = 2048


class PdfRefused(Exception):
    """The file can't be used; the message says why, in Chinese."""


@dataclass(frozen=True)
class CheckedPdf:
    original_name: str
    size: int
    pages: int


def too_large_message(what, max_bytes):
    return f"文件过大：{what}不能超过 {max_bytes // (1024 * 1024)} MB，请压缩后重新上传。"


def check_pdf(upload, *, max_bytes, what, default_name="upload.pdf"):
    """Return what was found (name, size, pages) or raise PdfRefused. The size is checked before
    anything is read, the head and the tail before the whole file is parsed."""
    if upload is None:
        raise PdfRefused(f"请选择要上传的{what}（PDF 文件）。")
    size = upload.size or 0
    if size == 0:
        raise PdfRefused("上传的文件是空的，请重新选择文件。")
    if size > max_bytes:
        raise PdfRefused(too_large_message(what, max_bytes))
    upload.seek(0)
    if PDF_MAGIC not in upload.read(1024):
        raise PdfRefused(f"文件不是 PDF 格式（可能是图片或其他文件改了扩展名），请上传 PDF 格式的{what}。")
    upload.seek(max(size - TAIL_BYTES, 0))
    if EOF_MARKER not in upload.read(TAIL_BYTES):
        raise PdfRefused("PDF 文件不完整（可能上传中断或文件已损坏），请重新生成 PDF 后上传。")
    upload.seek(0)
    try:
        reader = PdfReader(upload)
        if reader.is_encrypted:
            raise PdfRefused("PDF 文件已加密或设置了密码，请上传未加密的 PDF 文件。")
        pages = len(reader.pages)
    except PdfRefused:
        raise
    except Exception:  # noqa: BLE001 -- pypdf parses untrusted bytes and may raise almost anything
        raise PdfRefused("PDF 文件已损坏，无法读取，请重新生成 PDF 后上传。") from None
    finally:
        upload.seek(0)
    if pages < 1:
        raise PdfRefused(f"PDF 文件没有任何页面，请上传完整的{what}。")
    return CheckedPdf(original_name=upload.name or default_name, size=size, pages=pages)
