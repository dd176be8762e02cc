"""Post/redirect/get after a refused upload (BEY-06, SEC-06): every view that takes a file answers a
refused one with 303 to a GET page showing the Chinese reason, so reloading never posts the file
again; nothing is stored. The walk covers every view that declares `upload_limit`."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from incentives.choices import DevelopmentKind, Grade, PartyCategory, TrackStatus
from incentives.models import Development, Evaluation
from members.models import Person
from members.models_archive import MemberArchive
from orgs import lectures, notices
from orgs.models import Organization
from orgs.models_lecture import PublicLecture
from orgs.models_notice import Notice, NoticeAttachment
from tests import factories as f

NOT_A_PDF = SimpleUploadedFile("决定.pdf", b"\xff\xd8\xff\xe0 a renamed picture", content_type="application/pdf")


def upload_views():
    """namespace:name of every URL whose view declares an upload limit."""

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and hasattr(p.callback, "upload_limit_setting"):
                yield f"{namespace}:{p.name}" if namespace else p.name

    return set(walk(get_resolver().url_patterns, None))


def _member(tree, joined=date(2018, 5, 1)):
    return f.person(
        "王小明",
        branch=tree.branch_a,
        joined_month=joined,
        party_application_submitted=True,
        party_application_date=date(2020, 3, 1),
    )


def member_import(tree):
    count = Person.objects.filter(branch=tree.branch_a).count()
    return (
        tree.branch_a,
        reverse("members:import", args=["members"]),
        {"file": SimpleUploadedFile("团员.xlsx", b"not a zip")},
        "导入失败",
        lambda: Person.objects.filter(branch=tree.branch_a).count() == count,
    )


def archive_upload(tree):
    person = _member(tree, joined=date(2024, 5, 1))  # ARC-01: joined in 2020 or later
    return (
        tree.branch_a,
        reverse("members:archive_upload", args=[person.pk]),
        {"file": NOT_A_PDF},
        "文件不是 PDF 格式",
        lambda: not MemberArchive.objects.exists(),
    )


def create_batch(tree):
    count = Organization.objects.count()
    return (
        tree.uni,
        reverse("orgs:create_batch"),
        {"file": SimpleUploadedFile("下级组织.csv", b"a,b")},
        "只能上传 .xlsx 格式",
        lambda: Organization.objects.count() == count,
    )


def notice_new(tree):
    return (
        tree.uni,
        reverse("orgs:notice_new"),
        {"title": "通知", "body": "正文", "attachments": SimpleUploadedFile("程序.exe", b"MZ" + b"\0" * 500)},
        "格式不支持",
        lambda: not Notice.objects.exists() and not NoticeAttachment.objects.exists(),
    )


def notice_edit(tree):
    notice = notices.publish(tree.uni, by=f.admin_of(tree.uni, "另一管理员"), title="原标题", body="正文")
    return (
        tree.uni,
        reverse("orgs:notice_edit", args=[notice.pk]),
        {"title": "新标题", "body": "正文", "attachments": SimpleUploadedFile("程序.exe", b"MZ" + b"\0" * 500)},
        "格式不支持",
        lambda: Notice.objects.get().title == "原标题" and not NoticeAttachment.objects.exists(),
    )


def _bad_video():
    return SimpleUploadedFile("团课.mp4", b"\0" * 4096)


def lecture_new(tree):
    return (
        tree.central,
        reverse("orgs:lecture_publish"),
        {"title": "团课", "speaker": "讲者", "video": _bad_video()},
        "不是 MP4 或 WebM 视频",
        lambda: not PublicLecture.objects.exists(),
    )


def lecture_edit(tree):
    lecture = lectures.save(
        PublicLecture(),
        org=tree.central,
        by=f.admin_of(tree.central, "另一管理员"),
        title="团课",
        speaker="讲者",
        link="https://example.org/v",
    )
    return (
        tree.central,
        reverse("orgs:lecture_edit", args=[lecture.pk]),
        {"title": "新团课", "speaker": "讲者", "video": _bad_video()},
        "不是 MP4 或 WebM 视频",
        lambda: PublicLecture.objects.get().title == "团课" and not PublicLecture.objects.get().video,
    )


def evaluation_record(tree):
    person = _member(tree)
    year = timezone.localdate().year
    return (
        tree.branch_a,
        reverse("incentives:evaluation_record"),
        {"year": year, "person": [person.pk], "grade": Grade.UNQUALIFIED, "decision_file": NOT_A_PDF},
        "文件不是 PDF 格式",
        lambda: not Evaluation.objects.exists(),
    )


def development_new(tree):
    person = _member(tree)
    day = (timezone.localdate() - timedelta(days=30)).isoformat()
    return (
        tree.branch_a,
        reverse("incentives:development_new"),
        {
            "dev_kind": DevelopmentKind.PARTY,
            "person": [person.pk],
            "recommended_on": day,
            "category": PartyCategory.ACTIVIST,
            "status": TrackStatus.CONFIRMED,
            "confirmed_on": day,
            "form_file": NOT_A_PDF,
        },
        "文件不是 PDF 格式",
        lambda: not Development.objects.exists(),
    )


CASES = {
    "members:import": member_import,
    "members:archive_upload": archive_upload,
    "orgs:create_batch": create_batch,
    "orgs:notice_new": notice_new,
    "orgs:notice_edit": notice_edit,
    "orgs:lecture_publish": lecture_new,
    "orgs:lecture_edit": lecture_edit,
    "incentives:evaluation_record": evaluation_record,
    "incentives:development_new": development_new,
}


def test_every_upload_view_is_walked():
    """A new view taking a file must join the walk below."""
    assert upload_views() == set(CASES)


@pytest.mark.parametrize("view", sorted(CASES))
def test_a_refused_upload_redirects_to_a_page_showing_why(tree, login, fast_hasher, view):
    org, url, data, reason, nothing_stored = CASES[view](tree)
    for upload in data.values():
        if hasattr(upload, "seek"):
            upload.seek(0)
    client = login(f.admin_of(org, "管理员"), org)
    response = client.post(url, data)
    assert response.status_code == 303, response.status_code
    assert nothing_stored()
    page = client.get(response["Location"])
    assert page.status_code == 200 and reason in page.content.decode()
    # a reload shows the page again and stores nothing: the file is not posted twice
    again = client.get(response["Location"])
    assert again.status_code == 200 and reason not in again.content.decode()
    assert nothing_stored()
