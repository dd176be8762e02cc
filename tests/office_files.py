"""Real Office files for upload tests, made here: 2007+ formats as zip containers with their main
part, the older ones as OLE compound files (a minimal writer: header, one FAT sector, one directory
sector, the stream in regular sectors), and `exactly(n, make)` to hit a size limit to the byte."""

import io
import struct
import zipfile

from openpyxl import Workbook

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
MAIN_PART = {"docx": "word/document.xml", "pptx": "ppt/presentation.xml", "xlsx": "xl/workbook.xml"}


def ooxml_bytes(kind="docx", pad=0, macro=False):
    """A zip-based Office file; `pad` bytes of stored filler make it as large as a test needs."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr(MAIN_PART[kind], "<document/>")
        if macro:
            z.writestr("word/vbaProject.bin", b"\0" * 64)
        if pad:
            z.writestr("docProps/filler.bin", b" " * pad)
    return buf.getvalue()


def xlsx_bytes():
    wb = Workbook()
    wb.active["A1"] = "附件"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not office")
    return buf.getvalue()


FREE, END, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _dir_entry(name, kind, start, size, child=FREE):
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)  # name length, type, colour black
        + struct.pack("<III", FREE, FREE, child)  # left, right, child
        + b"\0" * 16  # CLSID
        + struct.pack("<I", 0)  # state bits
        + b"\0" * 16  # times
        + struct.pack("<IQ", start, size)
    )


def ole_bytes(stream="WordDocument", size=4096):
    """An OLE compound file holding one stream of `size` (≥ 4096, so no mini stream) bytes."""
    data_sectors = -(-size // 512)
    # sector 0: FAT, sector 1: directory, sectors 2..: the stream
    fat = [FAT_SECTOR, END] + [i + 1 for i in range(2, 2 + data_sectors - 1)] + [END]
    fat += [FREE] * (128 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)  # minor, major version, byte order, sector shifts
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
    )
    header += struct.pack("<I", 0) + struct.pack("<I", FREE) * 108  # DIFAT: sector 0 is the FAT
    directory = _dir_entry("Root Entry", 5, END, 0, child=1) + _dir_entry(stream, 2, 2, size)
    directory = directory.ljust(512, b"\0")
    body = (b"x" * size).ljust(data_sectors * 512, b"\0")
    return header + b"".join(struct.pack("<I", v) for v in fat) + directory + body


def exactly(n, make):
    """`make(pad)` grown to exactly n bytes (its size grows one for one with pad)."""
    base = len(make(1)) - 1
    content = make(n - base)
    assert len(content) == n
    return content
