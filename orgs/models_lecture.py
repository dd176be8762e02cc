"""公开团课 (EDU-01, EDU-02): lectures published by 团中央 and provincial organs, and who studied them.

Imported at the end of orgs/models.py so the models belong to the orgs app. Like 工作通知, a
lecture's audience is computed at read time: the members whose branch lies below its publisher.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from zhtj.core.audit import HistoryMixin

TITLE_MAX_LENGTH = 100


def lecture_upload_to(instance, filename):
    """A path nobody can guess; served only through orgs:lecture_video / orgs:lecture_slides (SEC-01)."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"lectures/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class PublicLecture(HistoryMixin, models.Model):
    publisher = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="public_lectures", verbose_name="发布组织"
    )
    title = models.CharField("团课名称", max_length=TITLE_MAX_LENGTH)
    speaker = models.CharField("主讲人", max_length=50)
    description = models.TextField("简介", max_length=2000, blank=True)
    video = models.FileField("视频", upload_to=lecture_upload_to, max_length=200, blank=True)
    video_kind = models.CharField("视频格式", max_length=8, blank=True)  # a key of zhtj.core.video.KINDS
    video_size = models.PositiveBigIntegerField("视频大小", null=True, blank=True)
    link = models.URLField("视频链接", max_length=500, blank=True)
    slides = models.FileField("课件（PDF）", upload_to=lecture_upload_to, max_length=200, blank=True)
    slides_name = models.CharField("课件文件名", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="发布人"
    )
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    history_fields = ("title", "speaker", "description", "link", "video_size", "slides_name")

    class Meta:
        verbose_name = "公开团课"
        verbose_name_plural = "公开团课"
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["publisher", "published_at"], name="lecture_publisher_date")]
        constraints = [
            # EDU-01: a video file or a link, exactly one.
            models.CheckConstraint(
                name="lecture_video_xor_link",
                condition=(Q(video="") & ~Q(link="")) | (~Q(video="") & Q(link="")),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None


class LectureStudy(models.Model):
    """EDU-01: a member watched a lecture; one row per member and lecture, whatever the clicks."""

    lecture = models.ForeignKey(PublicLecture, on_delete=models.CASCADE, related_name="studies")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lecture_studies")
    studied_at = models.DateTimeField("学习时间", default=timezone.now)

    class Meta:
        verbose_name = "公开团课学习记录"
        verbose_name_plural = "公开团课学习记录"
        constraints = [models.UniqueConstraint(fields=["lecture", "person"], name="lecture_studied_once")]

    def __str__(self):
        return f"{self.person_id} 学习 {self.lecture_id}"


class LectureStudyCount(models.Model):
    """EDU-02's studied figures, kept live: how many members of `org`'s subtree (itself included)
    studied the lecture -- members there now: a member's studies move with them (a transfer, an
    import, a deletion clearing the branch). One row per (lecture, org) for every org on a
    studying member's path up the tree, kept by database triggers in the transaction of the
    study and of the move (orgs/migrations/0014), so 学习情况 reads one row per direct child
    instead of joining the subtree's members with their studies (4.3 s at 团中央 with 2,000,000
    members). PostgreSQL only: SQLite counts live (orgs/lectures.py)."""

    lecture = models.ForeignKey(PublicLecture, on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    studied = models.IntegerField(default=0)

    class Meta:
        verbose_name = "公开团课学习人数"
        verbose_name_plural = "公开团课学习人数"
        constraints = [models.UniqueConstraint(fields=["lecture", "org"], name="lecture_study_count_once")]

    def __str__(self):
        return f"{self.lecture_id} @ {self.org_id}: {self.studied}"
