"""The one check of an uploaded PDF (SEC-05, SEC-08, ARC-08, INC-04, INC-11): a real PDF parsed
with pypdf, complete, not encrypted, at least one page, at most `max_bytes`, and without active
content (scripts, actions run on opening or on events, launched programs, embedded files,
multimedia, XFA forms). Every refusal is a `PdfRefused` whose message, naming `what` was
expected, is for the user. Callers check before storing anything. Stored PDFs go back to the
browser through `pdf_response`, sandboxed."""

from dataclasses import dataclass

from django.http import FileResponse
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

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
        found = active_content(reader)
        if found:
            raise PdfRefused(
                f"PDF 文件含有{found}，出于安全原因不能上传。请用扫描或“打印为 PDF”重新生成只含页面内容的{what}后上传。"
            )
    except PdfRefused:
        raise
    except Exception:  # noqa: BLE001 -- pypdf parses untrusted bytes and may raise almost anything
        raise PdfRefused("PDF 文件已损坏，无法读取，请重新生成 PDF 后上传。") from None
    finally:
        upload.seek(0)
    if pages < 1:
        raise PdfRefused(f"PDF 文件没有任何页面，请上传完整的{what}。")
    return CheckedPdf(original_name=upload.name or default_name, size=size, pages=pages)


# --- active content (SEC-08) ---------------------------------------------------------------

# Keys whose mere presence makes a document act by itself: scripts (a /JavaScript names tree or an
# action's /JS), actions run on events (/AA), embedded files, XFA forms, multimedia.
ACTIVE_KEYS = {
    "/JS": "JavaScript 脚本",
    "/JavaScript": "JavaScript 脚本",
    "/AA": "在打开、关闭或翻页时自动执行的动作",
    "/EmbeddedFiles": "嵌入的附件文件",
    "/EmbeddedFile": "嵌入的附件文件",
    "/XFA": "XFA 动态表单",
    "/RichMedia": "多媒体内容",
    "/RichMediaContent": "多媒体内容",
}
# Actions (a dictionary's /S) that only move within the document or open a link are fine: Word,
# WPS and LibreOffice write a GoTo /OpenAction (open at page 1) and URI links into ordinary files.
# Every other action type -- JavaScript, Launch, SubmitForm, ImportData, GoToE/GoToR, Rendition,
# RichMediaExecute, Movie, Sound ... -- is refused.
SAFE_ACTIONS = {"/GoTo", "/URI", "/Named"}
ACTION_LABELS = {
    "/JavaScript": "JavaScript 脚本",
    "/Launch": "启动外部程序的动作",
    "/SubmitForm": "向外提交表单的动作",
    "/ImportData": "导入外部数据的动作",
    "/GoToE": "打开嵌入文件的动作",
    "/GoToR": "打开其他文件的动作",
}
ACTIVE_ANNOTATIONS = {
    "/FileAttachment": "附件",
    "/RichMedia": "多媒体内容",
    "/Screen": "多媒体内容",
    "/Movie": "多媒体内容",
    "/Sound": "多媒体内容",
    "/3D": "3D 内容",
}


def active_content(reader):
    """What active content the document holds (a Chinese phrase for the message), or None.

    Every object reachable from the trailer is visited once -- the catalog (/OpenAction, /AA,
    /Names, /AcroForm), pages, annotations, outlines -- so nothing hides in a names tree, an
    object stream or a chain of /Next actions. pypdf decodes escaped names (/J#61vaScript)."""
    seen = set()
    stack = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            found = _active_in(obj)
            if found:
                return found
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def _active_in(dictionary):
    for key, label in ACTIVE_KEYS.items():
        if key in dictionary:
            return label
    for action in _actions_of(dictionary):
        kind = action.get("/S")
        if kind is not None and kind not in SAFE_ACTIONS:
            return ACTION_LABELS.get(kind, f"会自动执行的动作（{str(kind).lstrip('/')}）")
    subtype = dictionary.get("/Subtype")
    if subtype in ACTIVE_ANNOTATIONS:
        return ACTIVE_ANNOTATIONS[subtype]
    return None


def _actions_of(dictionary):
    """The action dictionaries `dictionary` names: a link's /A, the catalog's /OpenAction, an
    action's /Next (one or an array). /S means other things elsewhere (page labels, structure
    elements, borders), so only these places are read as actions."""
    for key in ("/A", "/OpenAction", "/Next"):
        value = dictionary.get(key)
        value = value.get_object() if isinstance(value, IndirectObject) else value
        for item in value if isinstance(value, ArrayObject) else [value]:
            item = item.get_object() if isinstance(item, IndirectObject) else item
            if isinstance(item, DictionaryObject):
                yield item


def pdf_response(handle, *, filename, as_attachment=False):
    """A stored PDF for the browser (SEC-01, SEC-08), after the caller's access check. The PDF's own
    policy is `sandbox`: whatever slipped through runs as an opaque origin, without scripts, forms or
    popups, and can't reach the pages or cookies of the site. It may be framed by our own pages
    only (the e-archive review pages embed it); the type is never sniffed; nothing caches it."""
    response = FileResponse(handle, content_type="application/pdf", as_attachment=as_attachment, filename=filename)
    response["Content-Security-Policy"] = "sandbox; frame-ancestors 'self'"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, no-store"
    return response
