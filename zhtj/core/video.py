"""The check of an uploaded video (SEC-05, EDU-01): told by its first bytes, never by its name.

MP4 (and the ISO base media files browsers play: .mp4 / .m4v) starts with a box whose type is
`ftyp` at offset 4; WebM is an EBML file (1A 45 DF A3) whose header names the DocType "webm".
"""

from dataclasses import dataclass

from .pdf import PdfRefused, too_large_message

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
HEAD_BYTES = 64
# kind -> MIME type
KINDS = {"mp4": "video/mp4", "webm": "video/webm"}


class VideoRefused(PdfRefused):
    """The file can't be used; the message says why, in Chinese."""


@dataclass(frozen=True)
class CheckedVideo:
    kind: str
    original_name: str
    size: int

    @property
    def content_type(self):
        return KINDS[self.kind]


def video_kind(head):
    """ "mp4", "webm" or None for the first bytes of a file."""
    if len(head) >= 12 and head[4:8] == b"ftyp" and int.from_bytes(head[:4], "big") >= 8:
        return "mp4"
    if head.startswith(EBML_MAGIC) and b"webm" in head[:HEAD_BYTES]:
        return "webm"
    return None


def check_video(upload, *, max_bytes, what):
    if upload is None:
        raise VideoRefused(f"请选择要上传的{what}。")
    size = upload.size or 0
    if size == 0:
        raise VideoRefused("上传的文件是空的，请重新选择文件。")
    if size > max_bytes:
        raise VideoRefused(too_large_message(what, max_bytes))
    upload.seek(0)
    kind = video_kind(upload.read(HEAD_BYTES))
    upload.seek(0)
    if kind is None:
        raise VideoRefused(f"文件不是 MP4 或 WebM 视频（可能是其他文件改了扩展名），请上传 MP4 或 WebM 格式的{what}。")
    return CheckedVideo(kind, upload.name or f"video.{kind}", size)
