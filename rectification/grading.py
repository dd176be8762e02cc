"""对标定级: who takes part (GRD-02), self-rating (GRD-03), the superior's review and its lock
(GRD-04, JOB-05), 不予定级 into key rectification (GRD-05), messages and progress (GRD-07)."""

from datetime import date, datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from orgs.models import Organization
from zhtj.core import audit, batch, inbox
from zhtj.core.access import check_direct_superior
from zhtj.core.workflow import WorkflowError, by_system, perform, perform_many

from . import services
from .calendar import is_locked, lock_moment, lock_text
from .choices import GRADING_CATEGORIES, GrdState, Level
from .models import GradingRecord
from .services import RecError


def grading_year(today=None):
    return (today or timezone.localdate()).year


def founded_by(year):
    """GRD-02: orgs founded after this day (October 1 by default, the seed's "成立 6 个月以内 …
    10 月 1 日之后") are out of this year's scope."""
    month, day = settings.ZHTJ["GRD_FOUNDED_BY"]
    return date(year, month, day)


def in_scope_q(year):
    cutoff = timezone.make_aware(datetime.combine(founded_by(year), time.max))
    return Q(category__in=GRADING_CATEGORIES, created_at__lte=cutoff)


def check_in_scope(org, year):
    if org.category not in GRADING_CATEGORIES:
        raise RecError(
            f"“{org.get_category_display()}”不纳入对标定级范围：对标定级由团支部、团总支和毕业生团组织开展，"
            "流动团员团支部、待接转团支部及团委、团工委不参与。",
            status=403,
        )
    if not Organization.objects.filter(pk=org.pk).filter(in_scope_q(year)).exists():
        raise RecError(
            f"新成立的团(总)支部（{year}年{services.md(founded_by(year))}之后成立）不纳入{year}年对标定级范围。",
            status=403,
        )


def record_of(org, year):
    return GradingRecord.objects.filter(org=org, year=year).first()


def parse_level(raw):
    if raw not in Level.values:
        raise RecError("请从下拉菜单中选择定级结果。")
    return raw


def rate(org, raw_level, *, by):
    """提交 a self-rating: the first creates the year's record, later ones are changes (GRD-03)."""
    year = grading_year()
    check_in_scope(org, year)
    level = parse_level(raw_level)
    if is_locked(year):  # (decision) a rating the superior could no longer review is refused
        raise RecError(f"{year}年度对标定级已于{lock_text(year)}锁定，不能再提交自评。", status=409)
    with transaction.atomic():
        record = GradingRecord.objects.select_for_update().filter(org=org, year=year).first()
        if record is None:
            try:
                with transaction.atomic():
                    record = GradingRecord.objects.create(org=org, year=year, self_level=level, self_by=by)
            except IntegrityError:  # SEC-04: the org's other admin rated at the same moment
                raise RecError("本组织的自评刚由其他管理员提交，请刷新页面后查看。", status=409) from None
            audit.record(record, "rate", to_state=record.state, note=Level(level).label, actor=by)
        else:
            try:
                # the org's own record, read under lock just above: no one else's rating to decide
                record = perform(record, "rate", guard=by_system, by=by, note=Level(level).label, level=level)
            except WorkflowError as exc:
                raise RecError(str(exc), status=409) from None
    return record


def review(acting, ids, raw_level, *, by, seen=None):
    """复核团(总)支部自评结果 for the ticked direct sub 团(总)支部, all or nothing (GRD-04, GRD-05).
    Each record is decided on its locked row (SEC-04); `seen` maps an org's pk to the state of its
    record as the page showed it: a record re-rated or reviewed meanwhile is AlreadyHandled."""
    level = parse_level(raw_level)
    if not ids:
        raise RecError("请勾选需要复核的团(总)支部。")
    year = grading_year()
    with transaction.atomic():
        orgs = list(Organization.objects.subtree_of(acting).filter(pk__in=ids))
        if len(orgs) != len(set(ids)):
            raise RecError("所选组织不存在或不在本组织管辖范围内。", status=404)
        if any(o.parent_id != acting.pk for o in orgs):
            raise RecError("隔级无法操作：只有直属上级团委可以复核团(总)支部自评结果。", status=403)
        wrong = [o.name for o in orgs if o.category not in GRADING_CATEGORIES]
        if wrong:
            raise RecError(f"团委、团工委等不参与对标定级复核：{'、'.join(wrong)}。")
        records = {r.org_id: r for r in GradingRecord.objects.filter(org__in=orgs, year=year)}
        missing = [o.name for o in orgs if o.pk not in records]
        if missing:
            raise RecError(f"以下团(总)支部尚未提交自评，暂不能复核：{'、'.join(missing)}。", status=409)
        for org in orgs:
            try:
                perform(
                    records[org.pk],
                    "review",
                    guard=lambda locked: check_direct_superior(acting, locked.org),
                    seen_state=(seen or {}).get(org.pk),
                    by=by,
                    note=Level(level).label,
                    level=level,
                )
            except WorkflowError as exc:
                raise RecError(str(exc), status=409) from None
            if level == Level.NONE:
                services.make_key_by_grading(org, year, by=by)
            inbox.notify_many([review_notice(org, year, level)])
    return len(orgs)


def review_notice(org, year, level):
    """The reviewed org's 操作中心 result (one review or a batch)."""
    text = f"上级团委已复核本组织{year}年对标定级自评结果：{Level(level).label}"
    if level == Level.NONE:
        text += "。本组织已列入重点整顿，线下完成整改后请重新自评"
    return {
        "org_id": org.pk,
        "kind": GradingRecord.inbox_kind,
        "text": text + "。",
        "link": reverse("rectification:grading_self"),
    }


def pending_reviews(acting, year, self_level=""):
    """The records the acting committee has still to review this year (GRD-04): its direct sub
    团(总)支部's self-ratings, optionally of one 自评结果 (the list's filter)."""
    orgs = Organization.objects.filter(parent=acting, category__in=GRADING_CATEGORIES).filter(in_scope_q(year))
    records = GradingRecord.objects.filter(year=year, state=GrdState.PENDING, org__in=orgs)
    return records.filter(self_level=self_level) if self_level else records


def _check_reviewable(acting, record):
    """The guard of a batch review on the locked row: the direct superior (ROLE-03), a 团(总)支部."""
    check_direct_superior(acting, record.org)
    if record.org.category not in GRADING_CATEGORIES:
        raise WorkflowError("团委、团工委等不参与对标定级复核。")


@batch.register("rectification.grading")
def review_set(job, progress):
    """复核 of the whole filtered set at one level (issue 17): `perform_many` with the direct-superior
    rule as the guard of each locked row, the lock moment checked by the transition (GRD-04), one
    audit row and one result per org; 不予定级 puts each org into key rectification (GRD-05)."""
    acting, by, level = job["org"], job["actor"], job["params"]["level"]

    def after(records):
        inbox.notify_many(review_notice(r.org, r.year, level) for r in records)
        if level == Level.NONE:
            for r in records:
                services.make_key_by_grading(r.org, r.year, by=by)

    done, failures = perform_many(
        GradingRecord.objects.select_related("org"),
        job["pks"],
        "review",
        guard=lambda locked: _check_reviewable(acting, locked),
        by=by,
        note=Level(level).label,
        level=level,
        after=after,
        progress=progress,
    )
    return done, [(getattr(r, "org", f"第{r}号自评"), reason) for r, reason in failures]


def review_rows(acting, year):
    """Direct sub 团(总)支部 of `acting` with their record: one query."""
    rec = GradingRecord.objects.filter(org=OuterRef("pk"), year=year)
    return (
        Organization.objects.filter(parent=acting)
        .filter(in_scope_q(year))
        .annotate(
            g_id=Subquery(rec.values("pk")[:1]),
            g_state=Subquery(rec.values("state")[:1]),
            g_self=Subquery(rec.values("self_level")[:1]),
            g_review=Subquery(rec.values("review_level")[:1]),
            g_red=Subquery(rec.values("resubmitted")[:1]),
            g_changes=Subquery(rec.values("changes")[:1]),
        )
        .order_by("tree_id", "lft")
    )


def review_progress(acting, year):
    """GRD-07: how many direct sub 团(总)支部 take part, have self-rated, have been reviewed."""
    figures = Organization.objects.filter(parent=acting).aggregate(
        total=Count("pk", filter=in_scope_q(year), distinct=True),
        submitted=Count(
            "grading_records", filter=Q(grading_records__year=year) & Q(category__in=GRADING_CATEGORIES), distinct=True
        ),
        reviewed=Count(
            "grading_records",
            filter=Q(grading_records__year=year, grading_records__state__in=[GrdState.REVIEWED, GrdState.LOCKED])
            & Q(category__in=GRADING_CATEGORIES),
            distinct=True,
        ),
    )
    return figures


def lock(moment):
    """JOB-05: once a year's lock instant has passed, its reviewed records lock. One UPDATE."""
    local = timezone.localtime(moment)
    year = local.year if moment >= lock_moment(local.year) else local.year - 1
    changed = GradingRecord.objects.filter(year__lte=year, state=GrdState.REVIEWED).update(
        state=GrdState.LOCKED, updated_at=timezone.now()
    )
    return {"changed": changed, "year": year}
