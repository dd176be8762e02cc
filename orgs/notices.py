"""工作通知 rules (NTC-01 … NTC-04): who publishes, who receives, reads, read rates, reminders.

The audience is computed at read time (see orgs/models_notice.py): `received_q(org)` is the one
definition of "this notice reaches this org", used by the receiving list, the home card, the
unread count and the detail page; `audience_q(notice)` is the same rule seen from the notice (the
orgs it reaches), used by the read rates and the reminder. Both are MPTT range conditions.
"""

import logging
from datetime import timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from zhtj.core import audit, documents, tree
from zhtj.core.models import Notification
from zhtj.core.params import fitting
from zhtj.core.tree import subtree_q

from .choices import AUDIENCE_GROUPS, NOTICE_PUBLISHERS, audience_group_of
from .models import Organization
from .models_notice import TITLE_MAX_LENGTH, Notice, NoticeAttachment, NoticeRead, NoticeReadCount

log = logging.getLogger("zhtj.notices")

INBOX_KIND = "work_notice"
NOT_A_PUBLISHER = "工作通知由团的领导机关、团委、团工委发布。"
NOT_THE_PUBLISHER = "只有发布该通知的组织可以修改、撤回或提醒，上级组织可以查看。"
WHAT = "通知附件"


class NoticeError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def may_publish(org):
    """NTC-01: 团的领导机关, 团委 and 团工委 publish (not 团总支, not branches)."""
    return org is not None and org.category in NOTICE_PUBLISHERS


def require_publisher(org):
    if not may_publish(org):
        raise PermissionDenied(NOT_A_PUBLISHER)


def require_own(org, notice):
    if org is None or org.pk != notice.publisher_id:
        raise PermissionDenied(NOT_THE_PUBLISHER)


# --- who receives (read time) ----------------------------------------------------------------


def received_q(org, ancestors=None):
    """Q on Notice: published (not withdrawn) by an ancestor of `org` whose audience takes `org` in:
    its kind (or every kind) and its depth below that ancestor (or every level). `ancestors` is
    [(pk, level)] when the caller has them; otherwise one query."""
    if ancestors is None:
        ancestors = tree.ancestors(org)
    if not ancestors:
        return None
    by_level = reduce(
        or_,
        (
            Q(publisher_id=pk) & (Q(audience_levels="") | Q(audience_levels__contains=f",{org.level - level},"))
            for pk, level in ancestors
        ),
    )
    group = audience_group_of(org.category)
    return by_level & (Q(audience_groups="") | Q(audience_groups__contains=f",{group},")) & Q(withdrawn_at__isnull=True)


def received_by(org):
    q = received_q(org)
    return Notice.objects.none() if q is None else Notice.objects.filter(q)


def read_by(org):
    """An Exists: the notice has been opened for `org`."""
    return Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), org=org))


def inbox_of(org):
    """The receiving list: newest first, each with `is_read` for the org."""
    return received_by(org).annotate(is_read=read_by(org)).order_by("-published_at", "-pk")


def unread_count(org):
    return received_by(org).exclude(read_by(org)).count()


def visible_to(org):
    """What an admin of `org` may open: what it receives, and what its subtree published (ROLE-02)."""
    q = subtree_q(org, "publisher")
    received = received_q(org)
    return Notice.objects.filter(q | received if received is not None else q)


def is_received(notice, org):
    q = received_q(org)
    return q is not None and Notice.objects.filter(q, pk=notice.pk).exists()


def mark_read(notice, org, person):
    """NTC-02: the first opening for `org` writes its one row; later ones (and a double click, or two
    admins at once) change nothing. The first one also adds 1 to the `NoticeReadCount` of every org
    on the path from `org` up to (not including) the publisher, in the same transaction: the read
    figures of 阅读情况 stay live without counting reads over a subtree."""
    read, counts = NoticeRead._meta.db_table, NoticeReadCount._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {read} (notice_id, org_id, person_id, read_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (notice_id, org_id) DO NOTHING RETURNING id",
            [notice.pk, org.pk, getattr(person, "pk", None), timezone.now()],
        )
        if cursor.fetchone() is None:
            return  # read before: nothing changes
        level = notice.publisher.level
        path = [pk for pk, depth in tree.ancestors(org, include_self=True) if depth > level]
        if path:
            cursor.execute(
                f"INSERT INTO {counts} (notice_id, org_id, reads) VALUES "
                + ", ".join(["(%s, %s, 1)"] * len(path))
                + f" ON CONFLICT (notice_id, org_id) DO UPDATE SET reads = {counts}.reads + 1",
                [v for pk in path for v in (notice.pk, pk)],
            )


# --- the audience seen from the notice --------------------------------------------------------


def audience_q(notice, via=""):
    """Q on Organization (or, with `via`, on a model pointing at one): the orgs the notice reaches."""
    publisher = notice.publisher
    prefix = f"{via}__" if via else ""
    q = subtree_q(publisher, via) & ~Q(**{f"{prefix}pk": publisher.pk})
    if notice.groups:
        categories = sorted(set().union(*(AUDIENCE_GROUPS[g][1] for g in notice.groups if g in AUDIENCE_GROUPS)))
        q &= Q(**{f"{prefix}category__in": categories})
    if notice.levels:
        q &= Q(**{f"{prefix}level__in": [publisher.level + d for d in notice.levels]})
    return q


def read_rates(notice, scope, children):
    """NTC-03: for each of `children` (direct children of `scope`, a page of them), the orgs of its
    subtree the notice reaches (`total`) and how many of them have read it (`read`), set on each
    child. Never one query per child: a notice to every org needs no query for the totals (an MPTT
    subtree holds (rght - lft + 1) / 2 orgs); otherwise one grouped query, and one for the reads.
    Siblings in tree order are contiguous, so the page's children are one range (`tree.span_q`)."""
    children = sorted(children, key=tree.key)
    totals, reads = {}, {}
    if children:
        span = tree.span_q(children[0], children[-1])
        sizes = [tree.size(c) for c in children]
        if notice.groups or notice.levels or None in sizes:
            totals = dict(
                Organization.objects.filter(audience_q(notice), span)
                .annotate(unit=tree.unit_case(children))
                .order_by()
                .values_list("unit")
                .annotate(n=Count("pk"))
            )
        else:
            totals = {c.pk: n for c, n in zip(children, sizes, strict=True)}
        reads = dict(
            NoticeReadCount.objects.filter(notice=notice, org__in=[c.pk for c in children]).values_list("org", "reads")
        )
    for child in children:
        child.total, child.read = totals.get(child.pk, 0), reads.get(child.pk, 0)
        child.rate = round(100 * child.read / child.total) if child.total else None
    return children


def own_status(notice, scope):
    """(reached, read) of the drilled-into org itself."""
    if scope.pk == notice.publisher_id:
        return False, False
    reached = Organization.objects.filter(audience_q(notice), pk=scope.pk).exists()
    return reached, reached and NoticeRead.objects.filter(notice=notice, org=scope).exists()


def unread_orgs(notice, scope):
    """The orgs in `scope`'s subtree the notice reaches that have not read it."""
    return Organization.objects.filter(audience_q(notice), subtree_q(scope)).exclude(
        Exists(NoticeRead.objects.filter(notice=notice, org=OuterRef("pk")))
    )


def remind(notice, scope, *, by):
    """NTC-03: a 操作中心 notification to every unread org of `scope`'s subtree: ONE INSERT … SELECT
    whatever their number. At most one reminder per notice in NTC_REMIND_INTERVAL_HOURS, decided on
    the locked notice row (two clicks send one)."""
    hours = settings.ZHTJ["NTC_REMIND_INTERVAL_HOURS"]
    now = timezone.now()
    with transaction.atomic():
        locked = Notice.objects.select_for_update().select_related("publisher").get(pk=notice.pk)
        if locked.is_withdrawn:
            raise NoticeError("该通知已撤回，不能提醒。", status=409)
        if locked.reminded_at and locked.reminded_at > now - timedelta(hours=hours):
            raise NoticeError(
                f"该通知已于{timezone.localtime(locked.reminded_at):%Y-%m-%d %H:%M}提醒过，{hours}小时内只能提醒一次。",
                status=409,
            )
        sql, params = unread_orgs(locked, scope).order_by().values("pk").query.sql_with_params()
        text = f"{locked.publisher.name}提醒：请及时查阅工作通知《{locked.title}》。"[:300]
        link = reverse("orgs:notice", args=[locked.pk])
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Notification._meta.db_table}"
                " (recipient_org_id, recipient_person_id, kind, text, link, created_at, read_at)"
                f" SELECT o.id, NULL, %s, %s, %s, %s, NULL FROM {Organization._meta.db_table} o WHERE o.id IN ({sql})",
                [INBOX_KIND, text, link, now, *params],
            )
            sent = cursor.rowcount
        locked.reminded_at = now
        locked.save(update_fields=["reminded_at"])
        audit.record(locked, "remind", note=f"{scope.name}：{sent}个未读组织", actor=by)
    return sent


# --- publishing, editing, withdrawing ---------------------------------------------------------


def clean_fields(title, body, groups, levels):
    title = fitting((title or "").strip(), TITLE_MAX_LENGTH, "标题", NoticeError)
    body = fitting((body or "").strip(), settings.ZHTJ["NTC_BODY_MAX_LENGTH"], "正文", NoticeError)
    if not title:
        raise NoticeError("请填写通知标题。")
    if not body:
        raise NoticeError("请填写通知正文。")
    if any(g not in AUDIENCE_GROUPS for g in groups):
        raise NoticeError("接收组织类别无效，请从列表中选择。")
    most = settings.ZHTJ["NTC_AUDIENCE_LEVELS"]
    try:
        levels = [int(v) for v in levels]
    except (TypeError, ValueError):
        raise NoticeError("接收组织层级无效，请从列表中选择。") from None
    if any(not 1 <= v <= most for v in levels):
        raise NoticeError("接收组织层级无效，请从列表中选择。")
    return title, body, groups, levels


def check_uploads(uploads, already=0):
    """SEC-05: every attachment checked by content before anything is stored."""
    most = settings.ZHTJ["NTC_ATTACHMENTS_MAX"]
    if already + len(uploads) > most:
        raise NoticeError(f"每条通知最多{most}个附件，当前为{already + len(uploads)}个。")
    checked = []
    for upload in uploads:
        try:
            checked.append(
                documents.check_document(
                    upload,
                    max_bytes=settings.ZHTJ["NTC_ATTACHMENT_MAX_BYTES"],
                    max_unzipped_bytes=settings.ZHTJ["NTC_ATTACHMENT_MAX_UNZIPPED_BYTES"],
                    what=WHAT,
                )
            )
        except documents.pdf.PdfRefused as exc:
            raise NoticeError(str(exc)) from None
    return checked


def _store(notice, uploads, checked, stored):
    """Each file, then its row; `stored` collects the names written, so that the caller removes
    them again when the transaction fails."""
    for upload, found in zip(uploads, checked, strict=True):
        attachment = NoticeAttachment(
            notice=notice, kind=found.kind, original_name=found.original_name[:200], size=found.size
        )
        attachment.file.save(found.original_name, upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()


def _delete_later(names):
    def delete():
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:  # pragma: no cover -- logged, the row is gone anyway
                log.warning("could not delete %s", name)

    transaction.on_commit(delete)


def publish(org, *, by, title, body, groups=(), levels=(), uploads=()):
    require_publisher(org)
    title, body, groups, levels = clean_fields(title, body, groups, levels)
    checked = check_uploads(uploads)
    stored = []
    try:
        with transaction.atomic():
            notice = Notice(publisher=org, title=title, body=body, created_by=by)
            notice.set_audience(groups, levels)
            notice.save()
            _store(notice, uploads, checked, stored)
    except Exception:
        _remove_now(stored)
        raise
    return notice


def _remove_now(names):
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover
            log.warning("could not delete %s", name)


def edit(notice, org, *, by, title, body, groups=(), levels=(), uploads=(), remove=()):
    """NTC-04: the publisher edits; field changes are kept by HistoryMixin, attachments by an audit row."""
    require_own(org, notice)
    title, body, groups, levels = clean_fields(title, body, groups, levels)
    stored = []
    try:
        with transaction.atomic():
            locked = Notice.objects.select_for_update().get(pk=notice.pk)
            if locked.is_withdrawn:
                raise NoticeError("该通知已撤回，不能修改。", status=409)
            gone = list(locked.attachments.filter(pk__in=remove))
            checked = check_uploads(uploads, already=locked.attachments.count() - len(gone))
            locked.title, locked.body = title, body
            locked.set_audience(groups, levels)
            locked.save()
            if gone:
                names = [a.original_name for a in gone]
                NoticeAttachment.objects.filter(pk__in=[a.pk for a in gone]).delete()
                _delete_later([a.file.name for a in gone])
                audit.record(locked, "attachments_removed", changes={"附件": [names, None]}, actor=by)
            _store(locked, uploads, checked, stored)
            if uploads:
                names = [u.name for u in uploads]
                audit.record(locked, "attachments_added", changes={"附件": [None, names]}, actor=by)
    except Exception:
        _remove_now(stored)
        raise
    return locked


def withdraw(notice, org, *, by):
    """NTC-04: 撤回 — receivers no longer see it; the publisher keeps it (marked 已撤回) and its history."""
    require_own(org, notice)
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.is_withdrawn:
            raise NoticeError("该通知已撤回。", status=409)
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["withdrawn_at"])
        audit.record(locked, "withdraw", actor=by)
    return locked
