"""工作通知 (NTC-01 … NTC-04): notices down the tree, their attachments and who has read them.

Imported at the end of orgs/models.py so the models belong to the orgs app.

**(decision) The audience is computed at read time.** A notice stores its publisher and its
audience (kinds of org, levels below the publisher); nothing is written per receiving org when it
is published. A receiving org's list is the notices of its ancestors (one range condition on the
MPTT tree) whose audience takes it in. A read is one row per (notice, org), written the first time
an admin of that org opens it. So publishing to the whole country is one INSERT, whatever its size.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from zhtj.core.audit import HistoryMixin

from .choices import AUDIENCE_GROUPS, level_label

TITLE_MAX_LENGTH = 100


def notice_upload_to(instance, filename):
    """A path nobody can guess; served only through orgs:notice_attachment (SEC-01)."""
    return f"notices/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.kind}"


def _pack(values):
    """[a, b] -> ",a,b," (so one LIKE finds a value); [] -> "" (everyone)."""
    return f",{','.join(str(v) for v in values)}," if values else ""


def _unpack(text):
    return [v for v in (text or "").strip(",").split(",") if v]


class Notice(HistoryMixin, models.Model):
    publisher = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="published_notices", verbose_name="发布组织"
    )
    title = models.CharField("标题", max_length=TITLE_MAX_LENGTH)
    body = models.TextField("正文")
    # ",branch,committee," — the audience groups (orgs.choices.AUDIENCE_GROUPS); "" = every kind
    audience_groups = models.CharField("接收组织类别", max_length=120, blank=True)
    # ",1,2," — levels below the publisher (1 = its direct children); "" = every level
    audience_levels = models.CharField("接收组织层级", max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="发布人"
    )
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    reminded_at = models.DateTimeField("最近提醒时间", null=True, blank=True)

    history_fields = ("title", "body", "audience_groups", "audience_levels")

    class Meta:
        verbose_name = "工作通知"
        verbose_name_plural = "工作通知"
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["publisher", "published_at"], name="notice_publisher_date")]

    def __str__(self):
        return self.title

    @property
    def groups(self):
        return _unpack(self.audience_groups)

    @property
    def levels(self):
        return [int(v) for v in _unpack(self.audience_levels)]

    def set_audience(self, groups, levels):
        self.audience_groups = _pack([g for g in AUDIENCE_GROUPS if g in set(groups)])
        self.audience_levels = _pack(sorted({int(v) for v in levels}))

    @property
    def audience_label(self):
        kinds = "、".join(AUDIENCE_GROUPS[g][0] for g in self.groups if g in AUDIENCE_GROUPS) or "全部类别"
        levels = "、".join(level_label(d) for d in self.levels) or "全部层级"
        if not self.groups and not self.levels:
            return "全部下级组织"
        return f"{kinds}；{levels}"

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments", verbose_name="工作通知")
    kind = models.CharField("格式", max_length=8)  # a key of zhtj.core.documents.KINDS
    file = models.FileField("附件", upload_to=notice_upload_to, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "工作通知附件"
        verbose_name_plural = "工作通知附件"
        ordering = ["pk"]

    def __str__(self):
        return self.original_name


class NoticeRead(models.Model):
    """NTC-02: the notice has been opened by an admin of `org` (one row per notice and org)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="notice_reads")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "工作通知阅读记录"
        verbose_name_plural = "工作通知阅读记录"
        constraints = [models.UniqueConstraint(fields=["notice", "org"], name="notice_read_once_per_org")]

    def __str__(self):
        return f"{self.org_id} 已读 {self.notice_id}"


class NoticeReadCount(models.Model):
    """NTC-03's read figures, kept live: how many orgs of `org`'s subtree (itself included) have read
    the notice. One row per (notice, org) for every org on a reader's path below the publisher,
    incremented in the transaction that writes the reader's `NoticeRead` (`notices.mark_read`), so
    阅读情况 reads one row per child instead of counting reads over the subtree's range."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    reads = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "工作通知阅读计数"
        verbose_name_plural = "工作通知阅读计数"
        constraints = [models.UniqueConstraint(fields=["notice", "org"], name="notice_read_count_once")]

    def __str__(self):
        return f"{self.notice_id} @ {self.org_id}: {self.reads}"
