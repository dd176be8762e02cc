"""公开团课 rules (EDU-01, EDU-02): who publishes, who watches, recording a study once, who studied.

The audience of a lecture is computed at read time: members whose branch lies below its publisher
(团中央: everyone). People are reached through the user model (orgs doesn't import members).
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q
from django.utils import timezone

from zhtj.core import audit, headcount, pdf, tree, video
from zhtj.core.params import fitting
from zhtj.core.tree import subtree_q

from .models_lecture import TITLE_MAX_LENGTH, LectureStudy, LectureStudyCount, PublicLecture

log = logging.getLogger("zhtj.lectures")

NOT_A_PUBLISHER = "公开团课由团中央和省级团委发布。"
NOT_THE_PUBLISHER = "只有发布该团课的组织可以修改或撤回，其他组织可以查看。"


class LectureError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def may_publish(org):
    """EDU-01 (decision): 团中央 and provincial organs (EDU_PUBLISHER_MAX_LEVEL)."""
    return (
        org is not None
        and org.is_leadership
        and org.leadership_level is not None
        and org.leadership_level <= settings.ZHTJ["EDU_PUBLISHER_MAX_LEVEL"]
    )


def require_publisher(org):
    if not may_publish(org):
        raise PermissionDenied(NOT_A_PUBLISHER)


def require_own(org, lecture):
    if org is None or org.pk != lecture.publisher_id:
        raise PermissionDenied(NOT_THE_PUBLISHER)


# --- who sees what -------------------------------------------------------------------------------


def for_person(person):
    """EDU-01: the lectures a member may watch: published (not withdrawn) by an org above their
    branch; without a branch, 团中央's (the roots')."""
    live = PublicLecture.objects.filter(withdrawn_at__isnull=True)
    if person.branch_id is None:
        return live.filter(publisher__parent__isnull=True)
    return live.filter(publisher__in=[pk for pk, _ in tree.ancestors(person.branch)])


def visible_to(org):
    """What an admin of `org` may open: lectures from above it (for its members) and from its subtree."""
    above = [pk for pk, _ in tree.ancestors(org, include_self=True)]
    return PublicLecture.objects.filter(Q(publisher__in=above, withdrawn_at__isnull=True) | subtree_q(org, "publisher"))


def studied_by(person):
    return Exists(LectureStudy.objects.filter(lecture=OuterRef("pk"), person=person))


def record_study(lecture, person):
    """EDU-01: one row per member and lecture; a double click or a second tab adds nothing."""
    LectureStudy.objects.bulk_create([LectureStudy(lecture=lecture, person=person)], ignore_conflicts=True)


# --- EDU-02: who studied -------------------------------------------------------------------------


def audience_people(lecture):
    """Members the lecture reaches: people whose 团组织关系 lies below the publisher (a deleted or
    departed person has none: MEM-09, MEM-11)."""
    return get_user_model().objects.filter(subtree_q(lecture.publisher, "branch"))


def branch_members(lecture, branch):
    """EDU-02 at a branch: its members, each with `studied` (paginate the result)."""
    studied = Exists(LectureStudy.objects.filter(lecture=lecture, person=OuterRef("pk")))
    return audience_people(lecture).filter(branch=branch).annotate(studied=studied).order_by("name", "pk")


def study_rates(lecture, scope, children):
    """EDU-02 for a committee: members studied / members, per direct child of `scope` (a page of
    them), set on each child as `member_count`, `studied_count`, `rate`. Live either way (STAT-03):
    on PostgreSQL the studied figures are the kept `LectureStudyCount` rows of the children (one
    query), their members the kept subtree figures where there are some (the top levels:
    `core.headcount`), else one grouped count over the children's range (siblings in tree order
    are one range, `tree.span_q`) -- at 团中央 the live way joined every member of the country with
    their study (4.3 s at 2,000,000). Elsewhere (SQLite) `_live_rates`."""
    children = sorted(children, key=tree.key)
    if connection.vendor != "postgresql":
        figures = _live_rates(lecture, children)
    else:
        # whose figures are each child's: its own when it lies below the publisher, the
        # publisher's when it holds the publisher (the audience is the publisher's subtree)
        basis = {}
        for c in children:
            if tree.contains(lecture.publisher, c):
                basis[c.pk] = c
            elif tree.contains(c, lecture.publisher):
                basis[c.pk] = lecture.publisher
        orgs = sorted({o.pk: o for o in basis.values()}.values(), key=tree.key)
        members = headcount.kept_members(orgs) if orgs else {}
        if len(members) < len(orgs):
            members.update(_members_per_child(orgs))
        studied = dict(
            LectureStudyCount.objects.filter(lecture=lecture, org__in=[o.pk for o in orgs]).values_list(
                "org", "studied"
            )
            if orgs
            else []
        )
        figures = {pk: {"members": members.get(o.pk, 0), "studied": studied.get(o.pk, 0)} for pk, o in basis.items()}
    for child in children:
        row = figures.get(child.pk, {})
        child.member_count, child.studied_count = row.get("members", 0), row.get("studied", 0)
        child.rate = round(100 * child.studied_count / child.member_count) if child.member_count else None
    return children


def _members_per_child(orgs):
    """{org pk: members of its subtree} for consecutive siblings `orgs` (in tree order): one
    grouped count over their range."""
    rows = (
        get_user_model()
        .objects.filter(tree.span_q(orgs[0], orgs[-1], "branch"))
        .annotate(unit=tree.unit_case(orgs, "branch"))
        .order_by()
        .values("unit")
    )
    return {row["unit"]: row["n"] for row in rows.annotate(n=Count("pk"))}


def _live_rates(lecture, children):
    """{child pk: {members, studied}} in ONE grouped query: the members of the children's range
    joined with their study of this lecture (a filtered LEFT JOIN: at most one row each, unique
    constraint), no lookup per person."""
    if not children:
        return {}
    rows = (
        audience_people(lecture)
        .filter(tree.span_q(children[0], children[-1], "branch"))
        .annotate(
            unit=tree.unit_case(children, "branch"),
            this=FilteredRelation("lecture_studies", condition=Q(lecture_studies__lecture=lecture)),
        )
        .order_by()
        .values("unit")
        .annotate(members=Count("pk"), studied=Count("this__pk"))
    )
    return {row["unit"]: row for row in rows}


# --- publishing ----------------------------------------------------------------------------------


def _clean(title, speaker, description, link):
    title = fitting((title or "").strip(), TITLE_MAX_LENGTH, "团课名称", LectureError)
    speaker = fitting((speaker or "").strip(), 50, "主讲人", LectureError)
    description = fitting((description or "").strip(), 2000, "简介", LectureError)
    link = fitting((link or "").strip(), 500, "视频链接", LectureError)
    if not title:
        raise LectureError("请填写团课名称。")
    if not speaker:
        raise LectureError("请填写主讲人。")
    if link and urlsplit(link).scheme not in ("http", "https"):
        raise LectureError("视频链接应为以 http:// 或 https:// 开头的网址。")
    return title, speaker, description, link


def _check_files(video_upload, slides_upload):
    cfg = settings.ZHTJ
    try:
        checked_video = (
            video.check_video(video_upload, max_bytes=cfg["EDU_VIDEO_MAX_BYTES"], what="团课视频")
            if video_upload
            else None
        )
        checked_slides = (
            pdf.check_pdf(slides_upload, max_bytes=cfg["EDU_SLIDES_MAX_BYTES"], what="课件", default_name="课件.pdf")
            if slides_upload
            else None
        )
    except pdf.PdfRefused as exc:
        raise LectureError(str(exc)) from None
    return checked_video, checked_slides


def _remove(names):
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover -- logged; the row is gone anyway
            log.warning("could not delete %s", name)


def save(
    lecture,
    *,
    org,
    by,
    title,
    speaker,
    description="",
    link="",
    video_upload=None,
    slides_upload=None,
    drop_slides=False,
):
    """Publish (lecture.pk None) or edit one lecture: a video file or a link, exactly one (EDU-01).
    Files are checked by content before anything is stored; a failure removes what was written."""
    creating = lecture.pk is None
    if creating:
        require_publisher(org)
    else:
        require_own(org, lecture)
    title, speaker, description, link = _clean(title, speaker, description, link)
    checked_video, checked_slides = _check_files(video_upload, slides_upload)
    has_video = checked_video is not None or (bool(lecture.video) and not link)
    if link and checked_video is not None:
        raise LectureError("视频文件和视频链接只能二选一。")
    if not link and not has_video:
        raise LectureError("请上传团课视频（MP4 或 WebM），或填写视频链接。")
    stored, replaced = [], []
    try:
        with transaction.atomic():
            if not creating:
                lecture = PublicLecture.objects.select_for_update().get(pk=lecture.pk)
                if lecture.is_withdrawn:
                    raise LectureError("该团课已撤回，不能修改。", status=409)
            else:
                lecture.publisher, lecture.created_by = org, by
            lecture.title, lecture.speaker, lecture.description = title, speaker, description
            if checked_video is not None:
                if lecture.video:
                    replaced.append(lecture.video.name)
                lecture.video.save(checked_video.original_name, video_upload, save=False)
                stored.append(lecture.video.name)
                lecture.video_kind, lecture.video_size = checked_video.kind, checked_video.size
            lecture.link = link
            if link and lecture.video:  # a link replaces the file
                replaced.append(lecture.video.name)
                lecture.video, lecture.video_kind, lecture.video_size = "", "", None
            if checked_slides is not None:
                if lecture.slides:
                    replaced.append(lecture.slides.name)
                lecture.slides.save(checked_slides.original_name, slides_upload, save=False)
                stored.append(lecture.slides.name)
                lecture.slides_name = checked_slides.original_name[:200]
            elif drop_slides and lecture.slides:
                replaced.append(lecture.slides.name)
                lecture.slides, lecture.slides_name = "", ""
            lecture.save()
            transaction.on_commit(lambda: _remove(replaced))
    except Exception:
        _remove(stored)
        raise
    return lecture


def withdraw(lecture, org, *, by):
    require_own(org, lecture)
    with transaction.atomic():
        locked = PublicLecture.objects.select_for_update().get(pk=lecture.pk)
        if locked.is_withdrawn:
            raise LectureError("该团课已撤回。", status=409)
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["withdrawn_at"])
        audit.record(locked, "withdraw", actor=by)
    return locked
