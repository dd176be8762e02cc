"""公开团课 and 团员教育 (EDU-01 … EDU-03) on the `tree` fixture, and the seekable video (HTTP Range)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs import lectures
from orgs.models import LectureStudy, PublicLecture
from tests import factories as f
from tests.concurrency import at_once
from tests.members.archive_helpers import pdf_bytes
from tests.uploads import refused_page

MB = 1024 * 1024
pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent inserts need PostgreSQL")


def mp4_bytes(size=4096):
    """An ISO base media file: an `ftyp` box (brand mp42), then filler in an `mdat` box."""
    head = (24).to_bytes(4, "big") + b"ftypmp42" + b"\0\0\0\0" + b"mp42isom"
    mdat = (size - len(head)).to_bytes(4, "big") + b"mdat"
    body = bytes(range(256)) * (size // 256 + 1)
    return (head + mdat + body)[:size]


def webm_bytes():
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\0" * 200


@pytest.fixture(autouse=True)
def _fast(fast_hasher):
    pass


@pytest.fixture
def edu(tree):
    class E:
        pass

    e = E()
    e.tree = tree
    e.central_admin = f.admin_of(tree.central)
    e.province_admin = f.admin_of(tree.province)
    e.city_admin = f.admin_of(tree.city)
    e.branch_admin = f.admin_of(tree.branch_a)
    e.col_admin = f.admin_of(tree.col_a)
    e.uni_admin = f.admin_of(tree.uni)
    e.member_a = f.person("甲团员", branch=tree.branch_a, password="Zhtj-pass-2026")
    e.member_a2 = f.person("丙团员", branch=tree.branch_a, password="Zhtj-pass-2026")
    e.member_b = f.person("乙团员", branch=tree.branch_b, password="Zhtj-pass-2026")
    other_province = f.leadership("团江苏省委", tree.central, 2)
    e.outside = f.person("外省团员", branch=f.branch(other_province, "江苏团支部"), password="Zhtj-pass-2026")
    return e


def publish(org, by, **kw):
    kw.setdefault("title", "学习二十大精神")
    kw.setdefault("speaker", "王教授")
    if "link" not in kw and "video_upload" not in kw:
        kw["video_upload"] = SimpleUploadedFile("团课.mp4", mp4_bytes())
    return lectures.save(PublicLecture(), org=org, by=by, **kw)


# --- EDU-01: publishing -----------------------------------------------------------------------


def test_central_and_provincial_organs_publish_others_may_not(edu, login):
    """EDU-01 (decision): 团中央 and 省级团委 publish; a 市级团委 or a committee gets 403."""
    assert publish(edu.tree.central, edu.central_admin).publisher == edu.tree.central
    assert publish(edu.tree.province, edu.province_admin, link="https://example.org/v").link
    for admin, org in ((edu.city_admin, edu.tree.city), (edu.uni_admin, edu.tree.uni)):
        response = login(admin, org).post("/orgs/lectures/new/", {"title": "t", "speaker": "s", "link": "https://a.b/"})
        assert response.status_code == 403 and lectures.NOT_A_PUBLISHER in response.content.decode()
    assert PublicLecture.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("团课.mp4", mp4_bytes(), True),
        ("团课.webm", webm_bytes(), True),
        ("团课.mp4", b"GIF89a" + b"\0" * 100, False),
        ("团课.mp4", pdf_bytes(), False),
    ],
)
def test_video_is_checked_by_content(edu, login, name, content, ok):
    """EDU-01 / SEC-05: an MP4 (ftyp box) or WebM (EBML, DocType webm) is stored; anything else
    named .mp4 is refused with the reason on the form's page (303) and nothing is stored."""
    c = login(edu.central_admin, edu.tree.central)
    response = c.post(
        "/orgs/lectures/new/", {"title": "团课", "speaker": "讲者", "video": SimpleUploadedFile(name, content)}
    )
    assert PublicLecture.objects.exists() is ok
    if ok:
        assert response.status_code == 302
    else:
        html = refused_page(c, response)
        assert "不是 MP4 或 WebM 视频" in html and 'value="团课"' in html


def test_video_size_edge_at_the_default(edu):
    """EDU-01 / SEC-05: EDU_VIDEO_MAX_BYTES (500 MB) is refused from the upload's size, one byte over;
    exactly the limit passes the check."""
    limit = 500 * MB

    class Sized(SimpleUploadedFile):
        def __init__(self, size):
            super().__init__("大.mp4", mp4_bytes())
            self.size = size

    from zhtj.core.video import VideoRefused, check_video

    assert check_video(Sized(limit), max_bytes=limit, what="团课视频").kind == "mp4"
    with pytest.raises(VideoRefused, match="不能超过 500 MB"):
        check_video(Sized(limit + 1), max_bytes=limit, what="团课视频")
    with pytest.raises(lectures.LectureError, match="不能超过 500 MB"):
        publish(edu.tree.central, edu.central_admin, video_upload=Sized(limit + 1))


def test_video_or_link_exactly_one(edu):
    """EDU-01: a video file or a link — neither, or both, is refused."""
    with pytest.raises(lectures.LectureError, match="请上传团课视频"):
        lectures.save(PublicLecture(), org=edu.tree.central, by=edu.central_admin, title="t", speaker="s")
    with pytest.raises(lectures.LectureError, match="二选一"):
        publish(
            edu.tree.central,
            edu.central_admin,
            link="https://example.org/v",
            video_upload=SimpleUploadedFile("a.mp4", mp4_bytes()),
        )
    with pytest.raises(lectures.LectureError, match="http"):
        publish(edu.tree.central, edu.central_admin, link="javascript:alert(1)")


# --- EDU-01: watching ---------------------------------------------------------------------------


def test_members_see_lectures_from_above_only(edu, login):
    """EDU-01: 团中央's lecture reaches every member; a province's only the members below it."""
    publish(edu.tree.central, edu.central_admin, title="全国团课")
    publish(edu.tree.province, edu.province_admin, title="山东团课")
    assert set(lectures.for_person(edu.member_a).values_list("title", flat=True)) == {"全国团课", "山东团课"}
    assert set(lectures.for_person(edu.outside).values_list("title", flat=True)) == {"全国团课"}
    page = login(edu.outside).get("/orgs/me/lectures/").content.decode()
    assert "全国团课" in page and "山东团课" not in page


def test_watching_is_recorded_once(edu, login):
    """EDU-01: opening the lecture records the study; opening again adds nothing."""
    lecture = publish(edu.tree.province, edu.province_admin)
    c = login(edu.member_a)
    for _ in range(3):
        assert c.get(f"/orgs/me/lectures/{lecture.pk}/").status_code == 200
    assert LectureStudy.objects.filter(lecture=lecture, person=edu.member_a).count() == 1
    assert "已学习" in c.get("/orgs/me/lectures/").content.decode()
    assert login(edu.outside).get(f"/orgs/me/lectures/{lecture.pk}/").status_code == 404
    assert not LectureStudy.objects.filter(person=edu.outside).exists()


@pytest.mark.django_db(transaction=True)
@pg_only
def test_double_click_records_one_row(tree):
    """EDU-01: two openings at the same moment (a double click) leave one row (unique constraint)."""
    admin = f.admin_of(tree.central)
    member = f.person("双击", branch=tree.branch_a)
    lecture = publish(tree.central, admin)
    at_once(lectures.record_study, [(lecture, member), (lecture, member)])
    assert LectureStudy.objects.filter(lecture=lecture, person=member).count() == 1


# --- the seekable video (HTTP Range) -------------------------------------------------------------


@pytest.fixture
def video(edu, login):
    content = mp4_bytes(10_000)
    lecture = publish(edu.tree.central, edu.central_admin, video_upload=SimpleUploadedFile("v.mp4", content))
    return login(edu.member_a), f"/orgs/lectures/{lecture.pk}/video/", content


def _body(response):
    return b"".join(response.streaming_content)


def test_whole_video_says_it_accepts_ranges(video):
    """EDU-01: without Range the whole file, 200, Accept-Ranges: bytes, private."""
    c, url, content = video
    response = c.get(url)
    assert response.status_code == 200 and response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4" and _body(response) == content
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),  # the first byte
        ("bytes=0-99", 0, 99),
        ("bytes=9999-9999", 9999, 9999),  # the last byte
        ("bytes=9990-", 9990, 9999),  # open end
        ("bytes=9000-20000", 9000, 9999),  # end past the file: clipped
        ("bytes=-10", 9990, 9999),  # the last ten bytes
        ("bytes=-20000", 0, 9999),  # a suffix longer than the file: all of it
    ],
)
def test_range_requests_at_the_edges(video, header, start, end):
    """EDU-01: a satisfiable range is 206 with exactly those bytes and Content-Range."""
    c, url, content = video
    response = c.get(url, HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/10000"
    assert response["Content-Length"] == str(end - start + 1)
    assert _body(response) == content[start : end + 1]


@pytest.mark.parametrize(
    "header", ["bytes=10000-", "bytes=10000-10005", "bytes=5-2", "bytes=-0", "bytes=abc", "bytes=-"]
)
def test_bad_ranges_are_416(video, header):
    """EDU-01: a range starting at or past the end (10000 of 10000 bytes), reversed, empty or
    malformed is 416 with `Content-Range: bytes */size`."""
    c, url, _ = video
    response = c.get(url, HTTP_RANGE=header)
    assert response.status_code == 416 and response["Content-Range"] == "bytes */10000"


def test_other_units_and_several_ranges_get_the_whole_file(video):
    """EDU-01 (RFC 9110 §14.2): an unknown unit is ignored; several ranges are answered whole."""
    c, url, content = video
    for header in ("items=0-5", "bytes=0-5,10-20"):
        response = c.get(url, HTTP_RANGE=header)
        assert response.status_code == 200 and _body(response) == content


def test_video_is_scoped(edu, login):
    """SEC-01: a province's video is 404 for a member of another province and for an admin outside."""
    lecture = publish(edu.tree.province, edu.province_admin)
    url = f"/orgs/lectures/{lecture.pk}/video/"
    assert login(edu.outside).get(url).status_code == 404
    assert login(edu.member_a).get(url).status_code == 200
    assert login(edu.branch_admin, edu.tree.branch_a).get(url).status_code == 200


# --- EDU-02: who studied --------------------------------------------------------------------------


def test_branch_sees_which_members_studied(edu, login):
    """EDU-02: the branch's page lists its members with 已学习 / 未学习, and its own 团课 records."""
    lecture = publish(edu.tree.central, edu.central_admin)
    lectures.record_study(lecture, edu.member_a)
    c = login(edu.branch_admin, edu.tree.branch_a)
    html = c.get(f"/orgs/lectures/{lecture.pk}/").content.decode()
    rows = html[html.index('id="study-table"') :]
    assert "甲团员" in rows and "丙团员" in rows and "乙团员" not in rows
    assert rows.count("已学习") == 1
    assert "本支部团课记录" in c.get("/orgs/lectures/").content.decode()


def test_committee_sees_rate_per_direct_child(edu, login):
    """EDU-02: the university sees studied / members per college; drilling reaches the branch."""
    lecture = publish(edu.tree.central, edu.central_admin)
    lectures.record_study(lecture, edu.member_a)
    c = login(edu.uni_admin, edu.tree.uni)
    html = c.get(f"/orgs/lectures/{lecture.pk}/").content.decode()
    row_a = html[html.index("学院A团委") :][:200]
    row_b = html[html.index("学院B团委") :][:200]
    assert "1 / 2" in row_a and "50%" in row_a and "0 / 1" in row_b  # 甲, 丙 in A1; 乙 in B1
    drilled = c.get(f"/orgs/lectures/{lecture.pk}/", {"org": edu.tree.branch_a.pk}).content.decode()
    assert "甲团员" in drilled
    assert c.get(f"/orgs/lectures/{lecture.pk}/", {"org": edu.tree.city.pk}).status_code == 404


def test_rates_are_one_grouped_query(edu, django_assert_num_queries):
    """EDU-02: the rate of any number of children is one grouped query (on PostgreSQL two: the kept
    studied counts of the children, and their members grouped -- a university's children have no
    kept subtree figures)."""
    lecture = publish(edu.tree.central, edu.central_admin)
    for n in (2, 12):
        while edu.tree.uni.get_children().count() < n:
            f.OrgFactory(parent=edu.tree.uni, name=f"学院{edu.tree.uni.get_children().count()}团委")
        edu.tree.uni.refresh_from_db()
        children = list(edu.tree.uni.get_children())
        with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
            lectures.study_rates(lecture, edu.tree.uni, children)


def test_member_list_constant_queries(edu, login, settings):
    """EDU-02: the branch's member list pages with the same queries for 2 or 30 members."""
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 10}
    lecture = publish(edu.tree.central, edu.central_admin)
    c = login(edu.branch_admin, edu.tree.branch_a)
    url = f"/orgs/lectures/{lecture.pk}/?page=1"
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for i in range(30):
        f.person(f"新团员{i:02d}", branch=edu.tree.branch_a)
    with CaptureQueriesContext(connection) as many:
        c.get(url)
    assert len(many) <= len(few) + 1


# --- EDU-03 ----------------------------------------------------------------------------------------


def test_learning_site_opens_in_a_new_tab(edu, login, settings):
    """EDU-03: 团员教育 in the personal center's menu opens the learning site (a setting) in a new tab."""
    html = login(edu.member_a).get("/").content.decode()
    assert '<a class="nav-link py-1 ps-4" href="https://www.youth.cn/" target="_blank" rel="noopener">团员教育' in html
    settings.ZHTJ = {**settings.ZHTJ, "EDU_LEARNING_SITE_URL": "https://learn.example.org/"}
    assert (
        'href="https://learn.example.org/" target="_blank" rel="noopener"'
        in login(edu.member_a).get("/").content.decode()
    )
