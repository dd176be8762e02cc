"""Build filled-in import workbooks for tests and the benchmark."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile

from members import importing
from zhtj.core.excel import XLSX_TYPE


def good_row(id_number, name="李明", **over):
    gender = "男" if int(id_number[16]) % 2 else "女"
    row = {
        "姓名": name,
        "性别": gender,
        "身份证号码": id_number,
        "民族": "汉族",
        "学历": "大学本科",
        "职业": "学生",
        "在读状况（学生填写）": "本科在读",
        "政治面貌": "共青团员",
        "入团时间": "2015-05",
        "手机号码": "13812345678",
        "是否递交入党申请书": "否",
        "是否成为注册志愿者": "否",
    }
    row.update(over)
    return row


def workbook_bytes(kind, rows, raw_cells=None):
    """rows: dicts header → value; raw_cells: {(row, col): value} written as-is afterwards."""
    wb = importing.template(kind).workbook()
    ws = wb.worksheets[0]
    headers = importing.template(kind).headers
    for r, row in enumerate(rows, start=2):
        for header, value in row.items():
            ws.cell(row=r, column=headers.index(header) + 1, value=value)
    for (r, c), value in (raw_cells or {}).items():
        ws.cell(row=r, column=c, value=value)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(kind, rows, name="people.xlsx", **kw):
    return SimpleUploadedFile(name, workbook_bytes(kind, rows, **kw), content_type=XLSX_TYPE)
