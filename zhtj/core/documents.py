"""The one check of an uploaded document attachment (SEC-05, NTC-01): a PDF (zhtj/core/pdf.py) or an
Office file, told by what the bytes are, never by the name alone.

Office files come in two containers: the 2007+ formats (docx/xlsx/pptx) are zip files whose main part
names the program (word/document.xml, xl/workbook.xml, ppt/presentation.xml); the older ones
(doc/xls/ppt) are OLE compound files whose main stream does (WordDocument, Workbook/Book,
PowerPoint Document). The extension must agree with what the content is; macros (vbaProject.bin, a
VBA storage) and encrypted files are refused, as are zip files that unzip past a limit (zip bombs).
"""

import zipfile
from dataclasses import dataclass

import olefile

from . import pdf

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# kind -> (what a user calls it, MIME type)
KINDS = {
    "pdf": ("PDF", "application/pdf"),
    "docx": ("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "doc": ("Word", "application/msword"),
    "xls": ("Excel", "application/vnd.ms-excel"),
    "ppt": ("PowerPoint", "application/vnd.ms-powerpoint"),
}
ACCEPTED = ", ".join(f".{k}" for k in KINDS)
# the main part of each zip-based format, and the main stream(s) of each OLE one
OOXML_MAIN = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
OLE_MAIN = {"doc": ("WordDocument",), "xls": ("Workbook", "Book"), "ppt": ("PowerPoint Document",)}
OLE_MACROS = ("Macros", "_VBA_PROJECT_CUR", "VBA")


class DocumentRefused(pdf.PdfRefused):
    """The file can't be used; the message says why, in Chinese."""


@dataclass(frozen=True)
class CheckedDocument:
    kind: str  # a key of KINDS
    original_name: str
    size: int

    @property
    def content_type(self):
        return KINDS[self.kind][1]


def extension(name):
    return (name or "").rsplit(".", 1)[-1].lower() if "." in (name or "") else ""


def check_document(upload, *, max_bytes, max_unzipped_bytes, what):
    """Return what the file is, or raise DocumentRefused (a PdfRefused) saying why. Size first,
    then the first bytes decide which check runs; nothing is stored by this function."""
    if upload is None:
        raise DocumentRefused(f"请选择要上传的{what}。")
    size = upload.size or 0
    if size == 0:
        raise DocumentRefused("上传的文件是空的，请重新选择文件。")
    if size > max_bytes:
        raise DocumentRefused(pdf.too_large_message(what, max_bytes))
    name = upload.name or "附件"
    ext = extension(name)
    if ext not in KINDS:
        raise DocumentRefused(f"“{name}”的格式不支持：{what}只能是 PDF 或 Office 文件（{ACCEPTED}）。")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if ext == "pdf":
        checked = pdf.check_pdf(upload, max_bytes=max_bytes, what=what, default_name=name)
        return CheckedDocument("pdf", checked.original_name, size)
    if head.startswith(ZIP_MAGIC):
        kind = _zip_kind(upload, max_unzipped_bytes, name)
    elif head.startswith(OLE_MAGIC):
        kind = _ole_kind(upload, name)
    else:
        raise DocumentRefused(f"“{name}”不是真正的 Office 文件（可能是其他文件改了扩展名），请重新保存后上传。")
    if kind != ext:
        raise DocumentRefused(
            f"“{name}”的扩展名与内容不符：内容是 {KINDS[kind][0]} 文件（.{kind}），请改正扩展名或重新保存后上传。"
        )
    return CheckedDocument(kind, name, size)


def unzipped_size(upload):
    """The sum of the sizes a zip's directory declares (read before anything is unzipped)."""
    with zipfile.ZipFile(upload) as archive:
        return sum(info.file_size for info in archive.infolist())


def _zip_kind(upload, max_unzipped_bytes, name):
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise DocumentRefused(f"“{name}”已损坏，无法读取，请重新保存后上传。") from None
    finally:
        upload.seek(0)
    if total > max_unzipped_bytes:
        raise DocumentRefused(f"“{name}”内容过大：解压后超过 {max_unzipped_bytes // (1024 * 1024)} MB。")
    if "[Content_Types].xml" not in names:
        raise DocumentRefused(f"“{name}”不是 Office 文件（是普通压缩包），请上传 PDF 或 Office 文件。")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise DocumentRefused(f"“{name}”含有宏，为安全起见不能上传，请另存为不含宏的文件后上传。")
    for kind, main in OOXML_MAIN.items():
        if main in names:
            return kind
    raise DocumentRefused(f"“{name}”不是 Word、Excel 或 PowerPoint 文件，请重新保存后上传。")


def _ole_kind(upload, name):
    try:
        ole = olefile.OleFileIO(upload)
    except Exception:  # noqa: BLE001 -- olefile parses untrusted bytes and may raise almost anything
        raise DocumentRefused(f"“{name}”已损坏，无法读取，请重新保存后上传。") from None
    try:
        if ole.exists("EncryptedPackage"):
            raise DocumentRefused(f"“{name}”已加密或设置了密码，请上传未加密的文件。")
        entries = {"/".join(path) for path in ole.listdir(streams=True, storages=True)}
        if any(part in OLE_MACROS for entry in entries for part in entry.split("/")):
            raise DocumentRefused(f"“{name}”含有宏，为安全起见不能上传，请另存为不含宏的文件后上传。")
        for kind, streams in OLE_MAIN.items():
            if any(s in entries for s in streams):
                return kind
    finally:
        ole.close()
        upload.seek(0)
    raise DocumentRefused(f"“{name}”不是 Word、Excel 或 PowerPoint 文件，请重新保存后上传。")
