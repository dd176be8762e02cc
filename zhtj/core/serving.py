"""Stored files other than PDFs (those go through `pdf.pdf_response`) served through views only
(SEC-01): after the view's permission check, never from a public media URL. `serve_file` answers HTTP Range requests (RFC 9110 §14), so a video can
be seeked: one range gives 206 Partial Content with Content-Range, a range that can't be
satisfied (or is malformed) gives 416 with `Content-Range: bytes */size`; every answer says
`Accept-Ranges: bytes`. Several ranges at once are answered with the whole file (allowed by the
RFC; players ask for one)."""

import re
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse

CHUNK = 64 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class BadRange(Exception):
    pass


def parse_range(header, size):
    """(start, end) inclusive for a single `bytes=` range, None for no (or a multi-) range;
    BadRange when it is malformed or can't be satisfied."""
    header = (header or "").strip()
    if not header:
        return None
    if not header.startswith("bytes="):
        return None  # a unit we don't know: ignored (RFC 9110 §14.2)
    if "," in header:
        return None
    match = RANGE.match(header.replace(" ", ""))
    if not match or match.groups() == ("", ""):
        raise BadRange
    first, last = match.groups()
    if first == "":  # the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise BadRange
        return max(size - n, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise BadRange
    return start, min(end, size - 1)


def _disposition(filename, as_attachment):
    kind = "attachment" if as_attachment else "inline"
    return f"{kind}; filename*=UTF-8''{quote(filename)}"


def _private(response):
    # as pdf.pdf_response does for PDFs: the file runs in no origin of ours, never cached or sniffed
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Accept-Ranges"] = "bytes"
    return response


def serve_file(request, field_file, *, content_type, filename, as_attachment=False):
    """The file of `field_file` (a FileField value) to a request already allowed to see it."""
    try:
        handle = field_file.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    size = field_file.size
    try:
        span = parse_range(request.headers.get("Range"), size)
    except BadRange:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _private(response)
    if span is None:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Disposition"] = _disposition(filename, as_attachment)
        return _private(response)
    start, end = span
    length = end - start + 1

    def body():
        try:
            handle.seek(start)
            left = length
            while left > 0:
                chunk = handle.read(min(CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk
        finally:
            handle.close()

    response = StreamingHttpResponse(body(), status=206, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = _disposition(filename, as_attachment)
    return _private(response)
