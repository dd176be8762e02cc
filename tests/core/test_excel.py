"""zhtj/core/excel.py called directly: the upload checks word for word, at their edges, the rows
read back cell by cell, the template, the streamed export and the error workbook (SEC-05, SEC-06,
BEY-03). No database: these run in a second, so the module's mutation run can afford them."""

import dataclasses
import zipfile
from datetime import date, datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from zhtj.core import excel
from zhtj.core.excel import Column, ExcelError, Template

MB = 1024 * 1024

TEMPLATE = Template(
    marker="people-v1",
    title="团员信息导入模板（测试用的一个很长的标题名称）",
    columns=[
        Column("姓名", required=True, width=12),
        Column("性别", required=True, choices=("男", "女")),
        Column("身份证号码", width=24),
        Column("备注"),
    ],
    instructions=["第一行说明", "第二行说明"],
    max_rows=3,
    mixups={"cadres-v1": "这是团干部导入模板，请在团干部页面上传。"},
    text_columns=("身份证号码",),
)


def xlsx(rows, marker="people-v1", header=None, name="people.xlsx"):
    """An upload: the template's first row (or `header`), then `rows` (lists of cells)."""
    wb = Workbook()
    ws = wb.active
    ws.append(TEMPLATE.headers if header is None else header)
    for row in rows:
        ws.append(row)
    if marker is not None:
        wb.create_sheet(excel.MARKER_SHEET)["A1"] = marker
    buf = BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=excel.XLSX_TYPE)


def refusal(upload, template=TEMPLATE):
    with pytest.raises(ExcelError) as caught:
        excel.read_rows(upload, template)
    return str(caught.value)


def test_file_refusals_word_for_word():
    """SEC-05/SEC-06: each refusal of the file as a whole says which."""
    assert refusal(None) == "请选择要上传的 Excel 文件。"
    assert refusal(SimpleUploadedFile("a.xlsx", b"")) == "上传的文件是空的。"
    assert refusal(SimpleUploadedFile("a.xls", b"x")) == (
        "只能上传 .xlsx 格式的 Excel 文件（请使用下载的模板，不要另存为 .xls 或 .csv）。"
    )
    assert (
        refusal(SimpleUploadedFile("a.xlsx", b"not a zip")) == "文件不是有效的 .xlsx 文件，可能已损坏或只是改了扩展名。"
    )
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "a zip, not a workbook")
    assert (
        refusal(SimpleUploadedFile("a.xlsx", buf.getvalue())) == "文件无法读取，可能已损坏，请重新下载模板填写后上传。"
    )
    # The extension is read case-blind.
    assert excel.read_rows(xlsx([["李明", "男"]], name="PEOPLE.XLSX"), TEMPLATE)[0].values["姓名"] == "李明"


def test_size_limit_at_its_edge():
    """SEC-05: EXCEL_MAX_BYTES (10 MB) itself passes the size check, one byte more is refused."""
    assert excel.too_large_message() == "文件过大：不能超过 10 MB。"
    assert refusal(SimpleUploadedFile("a.xlsx", b"x" * (10 * MB + 1))) == "文件过大：不能超过 10 MB。"
    # exactly 10 MB gets past the size check, to the next one
    assert (
        refusal(SimpleUploadedFile("a.xlsx", b"x" * (10 * MB)))
        == "文件不是有效的 .xlsx 文件，可能已损坏或只是改了扩展名。"
    )


def test_unzipped_limit_at_its_edge(monkeypatch):
    """SEC-05: a workbook declaring EXCEL_MAX_UNZIPPED_BYTES (50 MB) unzipped is read, one byte more refused."""
    monkeypatch.setattr(excel, "unzipped_size", lambda upload: 50 * MB)
    assert excel.read_rows(xlsx([["李明", "男"]]), TEMPLATE)[0].number == 2
    monkeypatch.setattr(excel, "unzipped_size", lambda upload: 50 * MB + 1)
    assert refusal(xlsx([["李明", "男"]])) == (
        "文件内容过大：解压后超过 50 MB。请删除表格中多余的空行、空列和格式，或分批上传。"
    )


def test_the_sizes_read_are_the_uploads(monkeypatch):
    """SEC-05: the unzipped size is read from the start of the upload, after is_zipfile moved it."""
    seen = []

    def size(upload):
        seen.append(upload.tell())
        return 1

    monkeypatch.setattr(excel, "unzipped_size", size)
    excel.read_rows(xlsx([["李明", "男"]]), TEMPLATE)
    assert seen == [0]


def test_wrong_template_and_mixups():
    """MEM-06: a known sibling template gets its own words; any other workbook names the template."""
    assert refusal(xlsx([], marker="cadres-v1")) == "这是团干部导入模板，请在团干部页面上传。"
    wrong = "上传的表格不是“团员信息导入模板（测试用的一个很长的标题名称）”模板，请下载本页面提供的模板填写后上传。"
    assert refusal(xlsx([], marker="other-v1")) == wrong
    assert refusal(xlsx([], marker=None)) == wrong


def test_columns_checked_against_the_template():
    """SEC-06: doubled, missing and extra columns, each named in order; 失败原因 and trailing blanks pass."""
    assert refusal(xlsx([], header=["姓名", "性别", "姓名", "身份证号码", "性别", "备注"])) == (
        "表格中有重复的列：姓名、性别，请使用本页面下载的模板。"
    )
    assert refusal(xlsx([], header=["姓名", "备注"])) == (
        "表格列与模板不一致（缺少列：性别、身份证号码），请使用本页面下载的模板。"
    )
    assert refusal(xlsx([], header=[*TEMPLATE.headers, "电话", "住址"])) == (
        "表格列与模板不一致（多出列：电话、住址），请使用本页面下载的模板。"
    )
    assert refusal(xlsx([], header=["姓名", "性别", "身份证号码", "电话"])) == (
        "表格列与模板不一致（缺少列：备注；多出列：电话），请使用本页面下载的模板。"
    )
    ws, header = excel.open_upload(
        xlsx([], header=[" 姓名 ", "性别", None, "身份证号码", "备注", "失败原因", None, " "]), TEMPLATE
    )
    assert header == ["姓名", "性别", "", "身份证号码", "备注", "失败原因"]


def test_rows_read_cell_by_cell():
    """BEY-03: each non-blank row with its spreadsheet number, cells as clean text, formulas and numbers noted."""
    upload = xlsx(
        [
            [" 李明 ", "男", 13812345678.0, "=1+1"],
            [None, "  ", None, None],
            ["王芳", "女", 13812345678, 1.5],
            ["赵强", True, datetime(2020, 1, 2), date(2021, 3, 4)],
            ["钱伟", False, datetime(2020, 1, 2, 3, 4, 5), None, "多出的格"],
        ],
        header=[*TEMPLATE.headers, None],
    )
    rows = excel.read_rows(upload, dataclasses.replace(TEMPLATE, max_rows=4))
    assert [r.number for r in rows] == [2, 4, 5, 6]
    assert rows[0].values == {"姓名": "李明", "性别": "男", "身份证号码": "13812345678", "备注": "=1+1"}
    assert rows[0].formula_in == ["备注"]
    assert rows[0].numbers_in == ["身份证号码"]
    assert rows[1].values == {"姓名": "王芳", "性别": "女", "身份证号码": "13812345678", "备注": "1.5"}
    assert rows[1].numbers_in == ["身份证号码", "备注"]
    assert rows[1].formula_in == []
    assert rows[2].values == {"姓名": "赵强", "性别": "是", "身份证号码": "2020-01-02", "备注": "2021-03-04"}
    assert rows[2].numbers_in == []
    assert rows[3].values == {"姓名": "钱伟", "性别": "否", "身份证号码": "2020-01-02T03:04:05", "备注": ""}


def test_reason_column_and_unnamed_columns_are_not_read():
    """BEY-03: a re-uploaded error workbook's 失败原因 is ignored, as a column without a header."""
    upload = xlsx([["李明", "男", "1", "x", "旧原因", "无名"]], header=[*TEMPLATE.headers, "失败原因", None, "备注2"])
    with pytest.raises(ExcelError):
        excel.read_rows(upload, TEMPLATE)  # 备注2 is extra
    upload = xlsx([["李明", "男", "=A1", "x", "=B1"]], header=[*TEMPLATE.headers, "失败原因"])
    (row,) = excel.read_rows(upload, TEMPLATE)
    assert row.values == {"姓名": "李明", "性别": "男", "身份证号码": "=A1", "备注": "x"}
    assert row.formula_in == ["身份证号码"]
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", None, "性别", "身份证号码", "备注"])
    ws.append([1, 2, "男", None, None])
    wb.create_sheet(excel.MARKER_SHEET)["A1"] = "people-v1"
    buf = BytesIO()
    wb.save(buf)
    (row,) = excel.read_rows(SimpleUploadedFile("a.xlsx", buf.getvalue()), TEMPLATE)
    assert row.values == {"姓名": "1", "性别": "男", "身份证号码": "", "备注": ""}
    assert row.numbers_in == ["姓名"]


def test_array_formula_keeps_its_text():
    """SEC-05: an array formula is noted as a formula and kept as its text for the error workbook."""
    wb = Workbook()
    ws = wb.active
    ws.append(TEMPLATE.headers)
    ws.append(["李明", "男"])
    ws["C2"] = ArrayFormula("C2", "=SUM(A1:A2)")
    wb.create_sheet(excel.MARKER_SHEET)["A1"] = "people-v1"
    buf = BytesIO()
    wb.save(buf)
    (row,) = excel.read_rows(SimpleUploadedFile("a.xlsx", buf.getvalue()), TEMPLATE)
    assert row.formula_in == ["身份证号码"]
    assert row.values["身份证号码"] == "=SUM(A1:A2)"


def test_row_limit_at_its_edge():
    """BEY-03: max_rows non-blank rows are read (blank ones don't count), one more is refused."""
    rows = [["甲", "男"], [None, None], ["乙", "男"], ["丙", "男"]]
    assert [r.number for r in excel.read_rows(xlsx(rows), TEMPLATE)] == [2, 4, 5]
    assert refusal(xlsx([*rows, ["丁", "男"]])) == "一次最多导入 3 行，请分批上传。"


def test_cell_text():
    assert excel.cell_text(None) == ""
    assert excel.cell_text(True) == "是"
    assert excel.cell_text(False) == "否"
    assert excel.cell_text(13812345678.0) == "13812345678"
    assert excel.cell_text(2.5) == "2.5"
    assert excel.cell_text(7) == "7"
    assert excel.cell_text(datetime(2020, 1, 2)) == "2020-01-02"
    assert excel.cell_text(datetime(2020, 1, 2, 0, 0, 1)) == "2020-01-02T00:00:01"
    assert excel.cell_text(date(2020, 1, 2)) == "2020-01-02"
    assert excel.cell_text("  甲 ") == "甲"


def test_safe_cell():
    """SEC-05: text starting = + - @ tab or CR is quoted in exports; anything else is left."""
    for text in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert excel.safe_cell(text) == "'" + text
    for value in ["a=1", "", "x-1", 5, -5, None]:
        assert excel.safe_cell(value) == value


def test_column_reason():
    """BEY-03: a row's reason is always "列名：说明", the column's name not said twice."""
    assert excel.column_reason("姓名", "不能为空") == "姓名：不能为空"
    assert excel.column_reason("发展团员编号", "发展团员编号位数不对：应为12位") == "发展团员编号：位数不对，应为12位"
    assert excel.column_reason("发展团员编号", "发展团员编号：：有误：重复") == "发展团员编号：有误，重复"
    assert excel.column_reason("入团时间", "格式：年-月：例如") == "入团时间：格式：年-月：例如"


def test_template_workbook():
    """BEY-03: the template's sheet, its required headers in red, dropdowns from the hidden marker sheet."""
    wb = TEMPLATE.workbook()
    assert wb.sheetnames == ["团员信息导入模板（测试用的一个很长的标题名称）"[:31], "填写说明", "_zhtj"]
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == TEMPLATE.headers
    assert [(c.font.b, c.font.color.rgb if c.font.color else None) for c in ws[1]] == [
        (True, "00C00000"),
        (True, "00C00000"),
        (True, None),
        (True, None),
    ]
    assert {c.fill.fgColor.rgb for c in ws[1]} == {"00F2F2F2"}
    assert {c.fill.fill_type for c in ws[1]} == {"solid"}
    assert [ws.column_dimensions[k].width for k in "ABCD"] == [12, 20, 24, 20]
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list"
    assert dv.formula1 == "=_zhtj!$B$2:$B$3"
    assert str(dv.sqref) == "B2:B4"
    assert dv.allow_blank is False
    assert dv.showErrorMessage is True
    assert (dv.errorTitle, dv.error) == ("输入有误", "请从下拉列表中选择性别")
    assert ws.column_dimensions["C"].number_format == "@"
    assert ws.column_dimensions["A"].number_format == "General"
    assert ws.freeze_panes == "A2"
    notes = wb["填写说明"]
    assert notes.column_dimensions["A"].width == 100
    assert [(c.value, c.alignment.wrap_text) for (c,) in notes.iter_rows()] == [
        ("第一行说明", True),
        ("第二行说明", True),
    ]
    marker = wb["_zhtj"]
    assert marker.sheet_state == "hidden"
    assert [[c for c in row] for row in marker.iter_rows(values_only=True)] == [
        ["people-v1", None],
        [None, "男"],
        [None, "女"],
    ]


def test_optional_choices_allow_blank():
    template = Template(marker="m", title="t", columns=[Column("甲"), Column("乙", choices=("x",))], max_rows=10)
    (dv,) = template.workbook().worksheets[0].data_validations.dataValidation
    assert dv.allow_blank is True
    assert dv.formula1 == "=_zhtj!$B$2:$B$2"
    assert str(dv.sqref) == "B2:B11"


def test_template_response_round_trips():
    """BEY-03: the downloaded template is read back as the template, with no rows."""
    response = TEMPLATE.response("模板.xlsx")
    assert response["Content-Type"] == excel.XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert "%E6%A8%A1%E6%9D%BF.xlsx" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert excel.read_rows(SimpleUploadedFile("t.xlsx", body), TEMPLATE) == []


def streamed(headers, rows, title="Sheet1"):
    response = excel.export_response("导出.xlsx", headers, rows, title=title)
    chunks = list(response.streaming_content)
    return response, chunks, load_workbook(BytesIO(b"".join(chunks)))


def test_export_streams_a_readable_workbook():
    """SEC-05: the export's cells come back as written, text that starts like a formula quoted."""
    rows = [
        ["李明", 3, 2.5, True, None, ""],
        ["=cmd()", -1, False, date(2020, 1, 2), datetime(2020, 1, 2, 3, 4, 5), "a<b>&\x01c"],
    ]
    response, chunks, wb = streamed(["姓名", "数", "小数", "是否", "空", "文本"], rows, title='名单"<一>"' + "长" * 40)
    assert response["Content-Type"] == excel.XLSX_TYPE
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%AF%BC%E5%87%BA.xlsx"
    ws = wb.worksheets[0]
    assert ws.title == ('名单"<一>"' + "长" * 40)[:31]
    assert [list(r) for r in ws.iter_rows(values_only=True)] == [
        ["姓名", "数", "小数", "是否", "空", "文本"],
        ["李明", 3, 2.5, True, None, None],
        ["'=cmd()", -1, False, "2020-01-02", "2020-01-02 03:04:05", "a<b>&c"],
    ]


def test_cell_xml():
    assert excel._cell(None) == "<c/>"
    assert excel._cell("") == "<c/>"
    assert excel._cell(True) == '<c t="b"><v>1</v></c>'
    assert excel._cell(False) == '<c t="b"><v>0</v></c>'
    assert excel._cell(0) == "<c><v>0</v></c>"
    assert excel._cell(0.1) == "<c><v>0.1</v></c>"
    assert (
        excel._cell(datetime(2020, 1, 2, 3, 4))
        == '<c t="inlineStr"><is><t xml:space="preserve">2020-01-02 03:04:00</t></is></c>'
    )
    assert excel._cell(date(2020, 1, 2)) == '<c t="inlineStr"><is><t xml:space="preserve">2020-01-02</t></is></c>'
    assert excel._cell("-a&\x02") == '<c t="inlineStr"><is><t xml:space="preserve">\'-a&amp;</t></is></c>'


@pytest.mark.parametrize(("count", "chunks"), [(0, 2), (498, 2), (499, 3), (998, 3), (999, 4)])
def test_export_hands_out_a_chunk_per_500_rows(count, chunks):
    """Issue 17: the first bytes go before any row is read; then one chunk per 500 rows (header included)."""
    read = []

    def rows():
        for i in range(count):
            read.append(i)
            yield [i]

    iterator = iter(excel.StreamWriter("表", ["号"], rows()))
    first = next(iterator)
    assert first.startswith(b"PK") and read == []
    rest = list(iterator)
    assert 1 + len(rest) == chunks
    wb = load_workbook(BytesIO(first + b"".join(rest)))
    values = [r[0] for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert values == ["号", *range(count)]


def test_error_workbook():
    """BEY-03: the failed rows in the template's shape, each with its reason, cells made safe."""
    response = excel.error_workbook_response(
        TEMPLATE,
        [({"姓名": "=李明", "性别": "男"}, "身份证号码：不能为空"), ({"备注": "x"}, "姓名：不能为空")],
        "失败.xlsx",
    )
    assert "%E5%A4%B1%E8%B4%A5.xlsx" in response["Content-Disposition"]
    wb = load_workbook(BytesIO(b"".join(response.streaming_content)))
    ws = wb.worksheets[0]
    assert [list(r) for r in ws.iter_rows(values_only=True)] == [
        [*TEMPLATE.headers, "失败原因"],
        ["'=李明", "男", None, None, "身份证号码：不能为空"],
        [None, None, None, "x", "姓名：不能为空"],
    ]
    assert (ws["E1"].font.b, ws["E1"].font.color.rgb) == (True, "00C00000")
    assert ws.column_dimensions["E"].width == 60
    assert wb["_zhtj"]["A1"].value == "people-v1"


# Killing the survivors of the first mutation run (docs/testing.md).


def test_upload_is_read_in_read_only_mode():
    """SEC-05: the upload is read streaming (read-only), not loaded whole into memory."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    ws, header = excel.open_upload(xlsx([["李明", "男"]]), TEMPLATE)
    assert isinstance(ws, ReadOnlyWorksheet)
    assert header == TEMPLATE.headers


def test_an_empty_first_sheet_lacks_every_column():
    """SEC-06: a workbook whose data sheet is empty is refused by its columns, not a server error."""
    assert refusal(xlsx([], header=[])) == (
        "表格列与模板不一致（缺少列：姓名、性别、身份证号码、备注），请使用本页面下载的模板。"
    )


def test_doubled_columns_named_in_the_sheets_order():
    """SEC-06: the doubled columns are named as they stand in the sheet, not sorted."""
    assert refusal(xlsx([], header=["性别", "姓名", "性别", "姓名", "身份证号码", "备注"])) == (
        "表格中有重复的列：性别、姓名，请使用本页面下载的模板。"
    )


def test_a_sheet_broken_below_its_header_is_refused_while_reading():
    """SEC-06: read-only mode parses the rows lazily: a break below the header is the same refusal."""
    data = xlsx([["李明", "男"], ["王芳", "女"]]).read()
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b'<row r="3"', b'<row r="3" <<')
            dst.writestr(info, body)
    upload = SimpleUploadedFile("a.xlsx", out.getvalue())
    assert excel.open_upload(upload, TEMPLATE)[1] == TEMPLATE.headers
    assert refusal(upload) == "文件无法读取，可能已损坏，请重新下载模板填写后上传。"


def test_a_data_table_formula_is_a_formula_without_text():
    """SEC-05: a data-table formula (no text of its own) is noted as a formula, kept as empty."""
    from openpyxl.worksheet.formula import DataTableFormula

    wb = Workbook()
    ws = wb.active
    ws.append(TEMPLATE.headers)
    ws.append(["李明", "男"])
    ws["D2"] = DataTableFormula(ref="D2")
    wb.create_sheet(excel.MARKER_SHEET)["A1"] = "people-v1"
    buf = BytesIO()
    wb.save(buf)
    (row,) = excel.read_rows(SimpleUploadedFile("a.xlsx", buf.getvalue()), TEMPLATE)
    assert row.formula_in == ["备注"]
    assert row.values["备注"] == ""


def test_sheet_title_cut_at_31_characters():
    """BEY-03: Excel's limit for a sheet's name is 31 characters."""
    template = Template(marker="m", title="长" * 40, columns=[Column("甲")])
    assert template.workbook().sheetnames[0] == "长" * 31


def test_workbook_response_is_the_whole_file():
    """BEY-03: a template or error workbook is sent from its first byte, typed as .xlsx whatever its name."""
    response = excel.workbook_response(TEMPLATE.workbook(), "download")
    assert response["Content-Type"] == excel.XLSX_TYPE
    assert b"".join(response.streaming_content).startswith(b"PK\x03\x04")


def test_column_reason_edges():
    """BEY-03: only the first "：" after the name becomes "，"; a message may go on with a letter."""
    assert excel.column_reason("发展团员编号", "发展团员编号：有误：重复：再试") == "发展团员编号：有误，重复：再试"
    assert excel.column_reason("身份证号码", "身份证号码X位置不对：应为末位") == "身份证号码：X位置不对，应为末位"


def test_export_default_sheet_name():
    response = excel.export_response("导出.xlsx", ["甲"], [])
    assert load_workbook(BytesIO(b"".join(response.streaming_content))).sheetnames == ["Sheet1"]


def test_export_zip_is_exact():
    """Issue 17 / SEC-05: the streamed export is a well-formed, compressed .xlsx: its parts, the sheet's
    XML as written, a zip64 header on the sheet (its size is unknown while it streams), the
    central directory where its end record says."""
    import struct

    _, chunks, _ = streamed(["姓名", "数"], [["李明", 1], [None, "x"]], title="名单")
    data = b"".join(chunks)
    with zipfile.ZipFile(BytesIO(data)) as zf:
        assert zf.namelist() == [
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet1.xml",
        ]
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}
        assert zf.read("xl/worksheets/sheet1.xml").decode() == (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row><c t="inlineStr"><is><t xml:space="preserve">姓名</t></is></c>'
            '<c t="inlineStr"><is><t xml:space="preserve">数</t></is></c></row>'
            '<row><c t="inlineStr"><is><t xml:space="preserve">李明</t></is></c><c><v>1</v></c></row>'
            '<row><c/><c t="inlineStr"><is><t xml:space="preserve">x</t></is></c></row>'
            "</sheetData></worksheet>"
        )
        assert zf.read("xl/workbook.xml").decode().startswith('<?xml version="1.0" encoding="UTF-8"')
        sheet = zf.getinfo("xl/worksheets/sheet1.xml")
    # the sheet's local header: version needed 4.5 (zip64), and a zip64 extra field (id 1)
    signature, version = struct.unpack("<4sH", data[sheet.header_offset : sheet.header_offset + 6])
    assert (signature, version) == (b"PK\x03\x04", 45)
    name_length, extra_length = struct.unpack("<HH", data[sheet.header_offset + 26 : sheet.header_offset + 30])
    extra = data[sheet.header_offset + 30 + name_length : sheet.header_offset + 30 + name_length + extra_length]
    assert struct.unpack("<H", extra[:2]) == (1,)
    # the end record's offset of the central directory is where it is (no reader's correction needed)
    end = data.rindex(b"PK\x05\x06")
    (directory,) = struct.unpack("<I", data[end + 16 : end + 20])
    assert data[directory : directory + 4] == b"PK\x01\x02"
