"""Excel in and out, one home for every import and export (SEC-05, SEC-06, BEY-03).

Templates carry a hidden marker sheet naming the template, so an upload of the
wrong template (or any other workbook) is refused with a clear message. Uploads
are read with openpyxl in read-only mode after a size check; every problem with
the file as a whole raises `ExcelError` (its message is for the user). Problems
with single rows are the caller's: `read_rows` hands back each row with its
spreadsheet row number. Exports neutralize formula injection and are streamed while
they are written (`export_response`); templates and error workbooks are written by
openpyxl into a temporary file that is streamed back.
"""

import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from .documents import unzipped_size

MARKER_SHEET = "_zhtj"
REASON_HEADER = "失败原因"  # added by the error workbook; ignored on re-upload
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExcelError(Exception):
    """The uploaded file can't be used at all; the message says why, in Chinese."""


def too_large_message():
    """SEC-05: the refusal of a file over ZHTJ["EXCEL_MAX_BYTES"] (also said by a view whose
    `upload_limit("EXCEL_MAX_BYTES")` stopped the body while it was streaming in)."""
    return f"文件过大：不能超过 {settings.ZHTJ['EXCEL_MAX_BYTES'] // (1024 * 1024)} MB。"


def _check_unzipped_size(upload):
    """A small .xlsx may unzip to gigabytes (a zip bomb, or a sheet padded with a million
    formatted rows): refuse it by the sizes its zip directory declares, before parsing."""
    unzipped = unzipped_size(upload)
    limit = settings.ZHTJ["EXCEL_MAX_UNZIPPED_BYTES"]
    if unzipped > limit:
        raise ExcelError(
            f"文件内容过大：解压后超过 {limit // (1024 * 1024)} MB。请删除表格中多余的空行、空列和格式，或分批上传。"
        )


# What openpyxl raises on a damaged file, while opening it or (read-only mode parses
# lazily) while reading its rows; broken XML inside a valid zip is a ParseError (a SyntaxError).
_UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    ValueError,
    OSError,
    TypeError,
    EOFError,
    IndexError,
    AttributeError,
    SyntaxError,
)
_UNREADABLE_MESSAGE = "文件无法读取，可能已损坏，请重新下载模板填写后上传。"


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False
    choices: tuple = ()  # shown as a dropdown in the template
    width: int = 20
    help: str = ""


@dataclass
class Template:
    """A downloadable import template: its columns, its instructions and its marker."""

    marker: str  # e.g. "suborgs-v1"; checked on upload
    title: str
    columns: list = field(default_factory=list)
    instructions: list = field(default_factory=list)
    max_rows: int = 2000
    # {marker of a sibling template: message}: the seed's own words for a known mix-up (MEM-06).
    mixups: dict = field(default_factory=dict)
    text_columns: tuple = ()  # headers formatted as text ("@"), so Excel keeps long digit strings

    @property
    def headers(self):
        return [c.header for c in self.columns]

    def workbook(self):
        wb = Workbook()
        ws = wb.active
        ws.title = self.title[:31]
        red = Font(bold=True, color="C00000")
        for i, col in enumerate(self.columns, start=1):
            cell = ws.cell(row=1, column=i, value=col.header)
            cell.font = red if col.required else Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="F2F2F2")
            ws.column_dimensions[get_column_letter(i)].width = col.width
            if col.choices:
                # Choices live on the marker sheet so long lists still work as a dropdown.
                dv = DataValidation(
                    type="list",
                    formula1=f"={MARKER_SHEET}!${get_column_letter(i)}$2:${get_column_letter(i)}${len(col.choices) + 1}",
                    allow_blank=not col.required,
                    showErrorMessage=True,
                    errorTitle="输入有误",
                    error=f"请从下拉列表中选择{col.header}",
                )
                dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}{self.max_rows + 1}")
                ws.add_data_validation(dv)
        for i, col in enumerate(self.columns, start=1):
            if col.header in self.text_columns:
                ws.column_dimensions[get_column_letter(i)].number_format = "@"
        ws.freeze_panes = "A2"
        notes = wb.create_sheet("填写说明")
        notes.column_dimensions["A"].width = 100
        for r, line in enumerate(self.instructions, start=1):
            notes.cell(row=r, column=1, value=line).alignment = Alignment(wrap_text=True)
        marker = wb.create_sheet(MARKER_SHEET)
        marker["A1"] = self.marker
        for i, col in enumerate(self.columns, start=1):
            for r, choice in enumerate(col.choices, start=2):
                marker.cell(row=r, column=i, value=choice)
        marker.sheet_state = "hidden"
        return wb

    def response(self, filename):
        return workbook_response(self.workbook(), filename)


def workbook_response(wb, filename):
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it after streaming
    wb.save(tmp)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def open_upload(upload, template):
    """Check the file as a whole and return the data worksheet (read-only).

    Raises ExcelError for: no file, too large (as uploaded or unzipped), not an xlsx, corrupt,
    the wrong template, missing or extra columns, too many rows."""
    if upload is None:
        raise ExcelError("请选择要上传的 Excel 文件。")
    if upload.size == 0:
        raise ExcelError("上传的文件是空的。")
    if upload.size > settings.ZHTJ["EXCEL_MAX_BYTES"]:
        raise ExcelError(too_large_message())
    if not upload.name.lower().endswith(".xlsx"):
        raise ExcelError("只能上传 .xlsx 格式的 Excel 文件（请使用下载的模板，不要另存为 .xls 或 .csv）。")
    try:
        upload.seek(0)
        if not zipfile.is_zipfile(upload):
            raise ExcelError("文件不是有效的 .xlsx 文件，可能已损坏或只是改了扩展名。")
        upload.seek(0)
        _check_unzipped_size(upload)
        upload.seek(0)
        wb = load_workbook(upload, read_only=True, data_only=False)
        marker = wb[MARKER_SHEET]["A1"].value if MARKER_SHEET in wb.sheetnames else None
        ws = wb.worksheets[0]
        header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    except ExcelError:
        raise
    except _UNREADABLE:
        raise ExcelError(_UNREADABLE_MESSAGE) from None
    if marker in template.mixups:
        raise ExcelError(template.mixups[marker])
    if marker != template.marker:
        raise ExcelError(f"上传的表格不是“{template.title}”模板，请下载本页面提供的模板填写后上传。")
    header = [str(h).strip() if h is not None else "" for h in header]
    while header and header[-1] == "":
        header.pop()
    doubled = sorted({h for h in header if h and header.count(h) > 1}, key=header.index)
    if doubled:
        raise ExcelError("表格中有重复的列：" + "、".join(doubled) + "，请使用本页面下载的模板。")
    missing = [h for h in template.headers if h not in header]
    extra = [h for h in header if h and h not in template.headers and h != REASON_HEADER]
    if missing or extra:
        parts = []
        if missing:
            parts.append("缺少列：" + "、".join(missing))
        if extra:
            parts.append("多出列：" + "、".join(extra))
        raise ExcelError("表格列与模板不一致（" + "；".join(parts) + "），请使用本页面下载的模板。")
    return ws, header


@dataclass
class Row:
    number: int  # the spreadsheet row number, as the user sees it
    values: dict
    formula_in: list  # headers whose cell holds a formula
    numbers_in: list = field(default_factory=list)  # headers whose cell is a number, not text


def read_rows(upload, template):
    """Yield a Row per non-empty data row; raise ExcelError for the file as a whole."""
    ws, header = open_upload(upload, template)
    try:
        return _data_rows(ws, header, template)
    except _UNREADABLE:
        raise ExcelError(_UNREADABLE_MESSAGE) from None


def _data_rows(ws, header, template):
    rows = []
    for number, raw in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        cells = list(raw)[: len(header)]
        if all(_blank(v) for v in cells):
            continue
        if len(rows) >= template.max_rows:
            raise ExcelError(f"一次最多导入 {template.max_rows} 行，请分批上传。")
        values, formulas, numbers = {}, [], []
        for name, value in zip(header, cells, strict=False):
            if not name or name == REASON_HEADER:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                numbers.append(name)
            if _is_formula(value):
                formulas.append(name)
                if not isinstance(value, str):  # an array formula: keep its text for the error workbook
                    value = getattr(value, "text", None)
            values[name] = cell_text(value)
        rows.append(Row(number, values, formulas, numbers))
    return rows


def _is_formula(value):
    return isinstance(value, (ArrayFormula, DataTableFormula)) or (isinstance(value, str) and value.startswith("="))


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value):
    """A cell as clean text: numbers typed as floats lose their '.0' (Excel stores long
    digit strings as numbers), dates become ISO text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def safe_cell(value):
    """Neutralize formula injection in exports (SEC-05): text starting with = + - @ is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_response(filename, headers, rows, title="Sheet1"):
    """An export of any size, streamed while it is written (issue 17: the first bytes leave within
    a second whatever the number of rows): `StreamWriter` below, injection-safe cells."""
    response = StreamingHttpResponse(StreamWriter(title, headers, rows), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class _Chunks:
    """A write-only file for zipfile that hands its bytes out as they come (not seekable, so
    zipfile writes each member's sizes after its data)."""

    def __init__(self):
        self.parts, self.position = [], 0

    def write(self, data):
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self):
        return self.position

    def flush(self):
        pass

    def take(self):
        data, self.parts = b"".join(self.parts), []
        return data


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _workbook_xml(title):
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{xml_escape(title[:31], _QUOTE)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


_QUOTE = {'"': "&quot;"}


def _cell(value):
    """One cell of a row: numbers as numbers, everything else as an inline string (after
    `safe_cell`, and without the control characters XML can't hold)."""
    value = safe_cell(value)
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"<c><v>{value!r}</v></c>"
    if isinstance(value, datetime | date):
        value = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{xml_escape(text)}</t></is></c>'


class StreamWriter:
    """An .xlsx of one sheet written row by row into a zip that is handed out while it grows:
    the first bytes are ready before the first database row is read, and memory stays one
    chunk of rows whatever the size. Strings are inline (no shared-string table to keep)."""

    ROWS_PER_CHUNK = 500

    def __init__(self, title, headers, rows):
        self.title, self.headers, self.rows = title, headers, rows

    def __iter__(self):
        out = _Chunks()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
            zf.writestr("_rels/.rels", _ROOT_RELS)
            zf.writestr("xl/workbook.xml", _workbook_xml(self.title))
            zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            yield out.take()
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                batch = [self.headers]
                for row in self.rows:
                    batch.append(row)
                    if len(batch) >= self.ROWS_PER_CHUNK:
                        sheet.write(self._xml(batch))
                        batch = []
                        yield out.take()
                sheet.write(self._xml(batch) + b"</sheetData></worksheet>")
        yield out.take()

    @staticmethod
    def _xml(rows):
        return "".join("<row>" + "".join(_cell(v) for v in row) + "</row>" for row in rows).encode()


def column_reason(label, message):
    """One row's failure reason in an import: "列名：说明", always (BEY-03). A message that already
    opens with its column's name ("发展团员编号位数不对：应为…") drops it, its first "：" becoming "，"."""
    if message.startswith(label):
        message = message[len(label) :].lstrip("：").replace("：", "，", 1)
    return f"{label}：{message}"


def error_workbook_response(template, failed, filename):
    """The failed rows back in the template's shape, with a 失败原因 column (BEY-03)."""
    wb = template.workbook()
    ws = wb.worksheets[0]
    reason_col = len(template.columns) + 1
    ws.cell(row=1, column=reason_col, value=REASON_HEADER).font = Font(bold=True, color="C00000")
    ws.column_dimensions[get_column_letter(reason_col)].width = 60
    for r, (values, reason) in enumerate(failed, start=2):
        for c, header in enumerate(template.headers, start=1):
            ws.cell(row=r, column=c, value=safe_cell(values.get(header, "")))
        ws.cell(row=r, column=reason_col, value=reason)
    return workbook_response(wb, filename)
