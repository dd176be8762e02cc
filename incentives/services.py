"""Operations of 团内激励 that touch several rows: recording, deciding (one or a batch),
deleting, PDFs, and a member's whole record (TRF-08)."""

from collections import defaultdict
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from members.models import Person
from orgs.models import Organization
from zhtj.core import audit, batch, inbox, pdf
from zhtj.core.access import acting_org_or_404
from zhtj.core.models import AuditLog
from zhtj.core.params import fitting
from zhtj.core.workflow import AlreadyHandled, WorkflowError, by_system, perform, perform_many

from .choices import GRADES_NEEDING_DECISION, Grade, Kind, State
from .models import Development, Evaluation, Honor, IncentiveRecord, Joining


class BatchError(WorkflowError):
    """A batch refused as a whole; `failures` are (summary, reason) pairs."""

    def __init__(self, failures, handled=False):
        self.failures = failures
        names = "；".join(f"{summary}：{reason}" for summary, reason in failures)
        # 409 when an item was already handled (SEC-04); given to WorkflowError, whose __init__
        # sets the status (set before it, it was overwritten: every refused batch answered 400)
        super().__init__(
            f"批量审批未执行（全部或全不）：{len(failures)}项不能处理——{names}", status=409 if handled else 400
        )


# --- PDFs (INC-04, INC-11, SEC-05) ---------------------------------------------------------


def check_pdf(upload, label):
    """INC-04 / INC-11: the project's one PDF check (zhtj/core/pdf.py) with this app's size limit;
    a refusal is a WorkflowError naming the file that was expected."""
    try:
        pdf.check_pdf(upload, max_bytes=settings.ZHTJ["INC_PDF_MAX_BYTES"], what=label)
    except pdf.PdfRefused as exc:
        raise WorkflowError(f"{label}：{exc}") from None


# --- recording -----------------------------------------------------------------------------


def create_record(detail_model, *, kind, recorder, by, summary, person=None, grantor=None, **fields):
    """One record with its details in one transaction; its first state follows INC-13 / INC-09.
    `fields` may hold `recipients` (a list of people) for honors."""
    recipients = fields.pop("recipients", None)
    if any(f.name == "person" for f in detail_model._meta.fields):
        fields["person"] = person  # 评议 keeps its own person for the one-per-year constraint
    with transaction.atomic():
        base = dict(kind=kind, recorder=recorder, recorded_by=by, person=person, grantor=grantor, summary=summary[:200])
        first = IncentiveRecord(**base).initial_state()
        # The first state is given at construction: the protected FSM field can't be set later.
        record = IncentiveRecord.objects.create(**base, state=first, decided_by=by if first == State.APPROVED else None)
        detail = detail_model.objects.create(record=record, **fields)
        if recipients is not None:
            detail.recipients.set(recipients)
        if first == State.APPROVED:
            detail.on_effective(record)
        audit.record(record, "create", to_state=first, actor=by)
    return record


def record_joinings(people):
    """入团激励 of new members (INC-15), set-based (an import brings thousands): for each recording
    branch, one INSERT … SELECT of records from the people's own rows, one of their details, one of
    audit rows -- nothing per person in Python. The first state is `initial_state` (INC-13), asked
    once per branch. Returns the number of records."""
    by_branch = defaultdict(list)
    for person in people:
        by_branch[person.branch_id].append(person.pk)
    if not by_branch:
        return 0
    actor, acting_org_id = audit.current_actor()
    actor_id = actor.pk if actor else None
    now = timezone.now()
    record, joining, person, log = (m._meta.db_table for m in (IncentiveRecord, Joining, Person, AuditLog))
    content_type = ContentType.objects.get_for_model(IncentiveRecord).pk
    created = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for branch in Organization.objects.filter(pk__in=by_branch):
            first = IncentiveRecord(kind=Kind.JOINING, recorder=branch).initial_state()
            ids = by_branch[branch.pk]
            marks = ", ".join(["%s"] * len(ids))
            decided = "COALESCE(%s, p.id)" if first == State.APPROVED else "NULL"
            cursor.execute(
                f"INSERT INTO {record} (created_at, updated_at, kind, recorder_id, recorded_by_id, person_id, state,"
                " summary, superior_decision, reason, decided_by_id, first_approved_at, grantor_id, delegate_id)"
                f" SELECT %s, %s, %s, %s, COALESCE(%s, p.id), p.id, %s,"
                " substr('入团激励 ' || p.name || '：' || substr(CAST(p.joined_month AS TEXT), 1, 7) || '入团', 1, 200),"
                f" '', '', {decided}, NULL, NULL, NULL FROM {person} p WHERE p.id IN ({marks})",
                [
                    now,
                    now,
                    Kind.JOINING,
                    branch.pk,
                    actor_id,
                    first,
                    *([actor_id] if first == State.APPROVED else []),
                    *ids,
                ],
            )
            created += cursor.rowcount
            new = f"SELECT r.id FROM {record} r WHERE r.kind = %s AND r.person_id IN ({marks})"
            cursor.execute(
                f"INSERT INTO {joining} (record_id, joined_on, ceremony) SELECT r.id, p.joined_month, ''"
                f" FROM {record} r JOIN {person} p ON p.id = r.person_id WHERE r.id IN ({new})",
                [Kind.JOINING, *ids],
            )
            cursor.execute(
                f"INSERT INTO {log} (at, actor_id, acting_org_id, content_type_id, object_id, action, from_state,"
                " to_state, changes, note)"
                f" SELECT %s, COALESCE(%s, r.recorded_by_id), %s, %s, r.id, 'create', '', r.state, '{{}}', ''"
                f" FROM {record} r WHERE r.id IN ({new})",
                [now, actor_id, acting_org_id, content_type, Kind.JOINING, *ids],
            )
    return created


def record_grades(branch, year, people, grade, *, by, reason="", decision_file=None):
    """INC-02 … INC-04: write one grade for `people` of the branch (one by one or 批量团员教育评议).
    All or nothing: the INC-03 cap is checked on the whole batch with the branch row locked.
    A result the superior approved is final; a rejected one goes back to the superior."""
    if grade not in Grade.values:
        raise WorkflowError("请选择评议结果。")
    reason = (reason or "").strip()
    if grade == Grade.ABSENT and not reason:
        raise WorkflowError("选择“未参加评议”须注明原因。")
    limit = Evaluation._meta.get_field("absence_reason").max_length
    if grade == Grade.ABSENT and len(reason) > limit:
        raise WorkflowError(f"未参加评议原因不能超过{limit}字，当前为{len(reason)}字。")
    if grade in GRADES_NEEDING_DECISION and decision_file is None:
        raise WorkflowError(f"评议结果为{Grade(grade).label}须上传组织处置或纪律处分决定（PDF）。")
    if not people:
        raise WorkflowError("请先勾选团员。")
    if decision_file is not None:
        check_pdf(decision_file, "组织处置或纪律处分决定")
    if grade in GRADES_NEEDING_DECISION and len(people) > 1:
        raise WorkflowError(f"评议结果为{Grade(grade).label}须逐人记载并上传各自的处分决定。")
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=branch.pk)
        existing = {
            e.person_id: e
            for e in Evaluation.objects.select_for_update()
            .select_related("record")
            .filter(person__in=people, year=year)
        }
        for person in people:
            old = existing.get(person.pk)
            if old is not None and (old.record.state == State.APPROVED or old.record.first_approved_at):
                raise WorkflowError(f"{person.name}的{year}年度评议结果已通过上级认证，不能修改。")
        Evaluation.check_cap(branch, year, {p.pk: grade for p in people})
        for person in people:
            fields = {
                "grade": grade,
                "absence_reason": reason if grade == Grade.ABSENT else "",
                "decision_viewed_at": None,
            }
            old = existing.get(person.pk)
            summary = f"{year}年度团员教育评议 {person.name}：{Grade(grade).label}"
            if old is None:
                record = create_record(
                    Evaluation,
                    kind=Kind.EVALUATION,
                    recorder=branch,
                    by=by,
                    person=person,
                    summary=summary,
                    branch=branch,
                    year=year,
                    decision_file=decision_file if grade in GRADES_NEEDING_DECISION else "",
                    **fields,
                )
                continue
            for name, value in fields.items():
                setattr(old, name, value)
            old.branch = branch
            replaced = old.decision_file.name
            if grade in GRADES_NEEDING_DECISION:
                old.decision_file = decision_file
            elif old.decision_file:
                old.decision_file = ""
            old.save()
            if replaced != old.decision_file.name:
                forget_files(replaced)
            record = old.record
            IncentiveRecord.objects.filter(pk=record.pk).update(summary=summary, recorder=branch)
            if record.state == State.REJECTED:
                perform(record, "resubmit", guard=by_system, by=by, note="重新记载")
    return len(people)


# --- deciding (INC-13, INC-14, INC-09) -------------------------------------------------------


def authorize(acting, record):
    """Only the org the record now waits for may decide: the recorder's direct superior (a
    grand-parent gets 403, ROLE-03), or the granting org / its delegate. Out of scope → 404.
    The guard of decide(): `record` is the row locked by perform() (SEC-04, INC-09)."""
    if acting is None:
        raise Http404
    if acting.pk in record.approver_ids():
        return
    if not acting.contains(record.recorder):
        raise Http404
    if record.state == State.PENDING:
        raise PermissionDenied("隔级无法操作：只有直属上级团组织的管理员可以办理此事项。")
    raise PermissionDenied("您所在组织不是该事项的审批组织，无法操作。")


def check_reason(note):
    """审批意见 fits its column (SEC-06): a longer one is refused with the limit, not cut or a
    database error."""
    limit = IncentiveRecord._meta.get_field("reason").max_length
    if len(note or "") > limit:
        raise WorkflowError(f"审批意见不能超过{limit}字，当前为{len(note)}字。")


def decide(request, record, action, note="", seen=None, **changes):
    """Approve or reject one record (`seen`: the state the page showed it in); tells the
    recorder in its 操作中心."""
    if action not in ("approve", "reject"):
        raise WorkflowError("不支持的操作。")
    check_reason(note)
    acting = request.acting_org
    done = perform(
        record,
        action,
        guard=lambda locked: authorize(acting, locked),
        seen_state=seen,
        by=request.user,
        note=note,
        acting=acting,
        **changes,
    )
    verdict = {"approve": "已通过", "reject": "未通过"}[action]
    stage = "（待授予组织认证）" if done.state == State.GRANTOR else ""
    inbox.notify(
        org=done.recorder,
        kind=IncentiveRecord.inbox_kind,
        text=f"团内激励认证{verdict}{stage}：{done.summary}" + (f"（{note}）" if action == "reject" else ""),
    )
    return done


def decide_many(request, records, action, note="", seen=None):
    """批量审批, decision: ALL OR NONE. Every item is tried inside one transaction; if any can't
    be decided (not ours, already handled, INC-04 file unopened …) nothing is applied and the
    error names each bad item with its reason, so the admin fixes or unticks it and retries."""
    if not records:
        raise WorkflowError("请先勾选要审批的事项。")
    if action == "reject" and not (note or "").strip():
        raise WorkflowError("审批不通过须填写原因。")
    check_reason(note)  # once for the batch, not once per item
    failures, handled = [], False
    with transaction.atomic():
        for record in records:
            try:
                with transaction.atomic():
                    decide(request, record, action, note, seen=(seen or {}).get(record.pk))
            except (WorkflowError, AlreadyHandled, PermissionDenied, Http404) as exc:
                failures.append((record.summary, str(exc) or "不在您的审批范围内"))
                handled = handled or isinstance(exc, AlreadyHandled)
        if failures:
            transaction.set_rollback(True)
    if failures:
        raise BatchError(failures, handled)
    return len(records)


# The detail tables a transition's hooks read, per 上级认证 tab (a batch is one tab's records), in
# the one SELECT … FOR UPDATE of a chunk; every kind's when the kind is unknown.
DECIDE_RELATED = {
    Kind.JOINING: ("recorder", "joining"),
    Kind.EVALUATION: ("recorder", "evaluation", "evaluation__person"),
    Kind.HONOR: ("recorder", "honor"),
    Kind.OPPORTUNITY: ("recorder", "opportunity"),
    Kind.DEVELOPMENT: ("recorder", "development", "trackupdate", "trackupdate__development"),
}
ALL_RELATED = tuple(dict.fromkeys(name for names in DECIDE_RELATED.values() for name in names))


def check_batch(action, note):
    """What a batch's 审批结果 and 审批意见 must be before anything is tried (INC-14, SEC-06)."""
    if action not in ("approve", "reject"):
        raise WorkflowError("请选择审批结果。")
    if action == "reject" and not (note or "").strip():
        raise WorkflowError("审批不通过须填写原因。")
    check_reason(note)


@batch.register("incentives.certify")
def decide_set(job, progress):
    """上级认证 of the whole filtered set (issue 17): `perform_many` with `authorize` as the guard on
    each locked row (ROLE-03 / INC-09), the kind's own rules in the transition (INC-04 …), one
    audit row and one 操作中心 result for the recorder per item; refused items come back with
    their reasons and the rest are done."""
    org, actor, params = job["org"], job["actor"], job["params"]
    action, note = params["action"], params.get("note", "")
    verdict = {"approve": "已通过", "reject": "未通过"}[action]

    def after(rows):
        inbox.notify_many(
            {
                "org_id": row.recorder_id,
                "kind": IncentiveRecord.inbox_kind,
                "text": f"团内激励认证{verdict}{'（待授予组织认证）' if row.state == State.GRANTOR else ''}：{row.summary}"
                + (f"（{note}）" if action == "reject" else ""),
            }
            for row in rows
        )

    done, failures = perform_many(
        IncentiveRecord.objects.select_related(*DECIDE_RELATED.get(params.get("kind"), ALL_RELATED)),
        job["pks"],
        action,
        guard=partial(authorize, org),
        by=actor,
        note=note,
        acting=org,
        after=after,
        progress=progress,
    )
    return done, [(getattr(row, "summary", f"第{row}号事项"), reason) for row, reason in failures]


def delete_record(request, record):
    """INC-13 / INC-09: only the recording org, and only before the first approval."""
    acting = acting_org_or_404(request)
    if record.recorder_id != acting.pk:
        raise PermissionDenied("只有记载组织可以删除该记录。")
    with transaction.atomic():
        locked = IncentiveRecord.objects.select_for_update().get(pk=record.pk)
        if not locked.deletable:
            raise WorkflowError("上级已审批，不能删除。")
        audit.record(locked, "delete", from_state=locked.state, note=locked.summary, actor=request.user)
        files = [
            *Evaluation.objects.filter(record=locked).values_list("decision_file", flat=True),
            *Development.objects.filter(record=locked).values_list("form_file", flat=True),
        ]
        locked.delete()
        forget_files(*files)


def forget_files(*names):
    """Delete stored files no record points at any more, once that change has committed: a
    rollback keeps them, and a storage hiccup then is logged, not a 500 (the change stands)."""
    for name in filter(None, names):
        transaction.on_commit(_deleting(name), robust=True)


def _deleting(name):
    """The commit hook deleting `name`: a function, not a partial -- Django logs a failed robust
    hook by its __qualname__, which a partial lacks (the log line itself raised, after the commit)."""

    def delete_stored_file():
        default_storage.delete(name)

    return delete_stored_file


def delegate_approval(request, record, org):
    """授权审批团组织 (INC-09): the granting org names a sub-org to approve in its stead."""
    acting = acting_org_or_404(request)
    if record.grantor_id != acting.pk:
        raise PermissionDenied("只有授予组织可以授权审批团组织。")
    if org is not None and (org.pk == acting.pk or not acting.contains(org)):
        raise WorkflowError("授权审批团组织须为本组织的下级组织。")
    with transaction.atomic():
        locked = IncentiveRecord.objects.select_for_update().get(pk=record.pk)
        if locked.state == State.APPROVED or locked.state == State.REJECTED:
            raise WorkflowError("该荣誉已审批完毕，无需授权。")
        locked.delegate = org
        locked.save(update_fields=["delegate", "updated_at"])
        audit.record(locked, "delegate", note=org.name if org else "取消授权", actor=request.user)
    return locked


def mark_decision_viewed(request, evaluation):
    """INC-04: the direct superior opened the decision file; recorded once, then approving works."""
    acting = getattr(request, "acting_org", None)
    if acting is not None and evaluation.record.recorder.parent_id == acting.pk and not evaluation.decision_viewed_at:
        Evaluation.objects.filter(pk=evaluation.pk).update(decision_viewed_at=timezone.now())
        audit.record(evaluation.record, "view_decision", actor=request.user)


# --- a member's record (TRF-08) ----------------------------------------------------------------


def records_of(person):
    """Every incentive record of `person`, all five kinds, wherever they were recorded: records
    point at the person, so a transfer moves nothing (TRF-08). One query."""
    # the honors by their recipient rows (`any_of`: an index scan per arm), not an OR over a join and DISTINCT,
    # which read every record of the country (2 s at 2,000,000 people)
    honored = Honor.recipients.through.objects.filter(person=person).values("honor_id")
    return (
        IncentiveRecord.objects.filter(Q(person=person) | Q(pk__any_of=honored))
        .exclude(kind=Kind.TRACK_UPDATE)
        .select_related("recorder", "grantor", "evaluation", "honor", "development", "joining", "opportunity")
        .order_by("kind", "-created_at", "-pk")
    )


# --- 发展激励 and 推优 tracking (INC-10 … INC-12) -------------------------------------------


def record_development(
    org, people, *, by, dev_kind, recommended_on, note="", category="", status="", confirmed_on=None, form_file=None
):
    """One record per person. 推优入党 needs 推优类别 and 当前状态; 确定时间 only when confirmed
    (INC-11); the 推优表 must be a real PDF. All or nothing."""
    from django.core.files.base import ContentFile

    from .choices import DevelopmentKind, PartyCategory, TrackStatus

    if dev_kind not in DevelopmentKind.values:
        raise WorkflowError("请选择发展激励类型。")
    if not people:
        raise WorkflowError("请先搜索并添加人员。")
    note = fitting(note, Development._meta.get_field("note").max_length, "备注", WorkflowError)
    party = dev_kind == DevelopmentKind.PARTY
    if party:
        if category not in PartyCategory.values:
            raise WorkflowError("请选择推优类别。")
        if status not in (TrackStatus.UNCONFIRMED, TrackStatus.CONFIRMED):
            raise WorkflowError("请选择当前状态（已确定 / 未确定）。")
        if status == TrackStatus.UNCONFIRMED and confirmed_on:
            raise WorkflowError("尚未被党组织确定的，不能填写确定时间。")
        if status == TrackStatus.CONFIRMED and not confirmed_on:
            raise WorkflowError("已被党组织确定的，须填写确定时间。")
        if confirmed_on and confirmed_on < recommended_on:
            raise WorkflowError("确定时间不能早于推荐时间。")
        check_party_applications(people, recommended_on)
    data = None
    if form_file is not None:
        if not party:
            raise WorkflowError("只有推优入党记载需要上传推优表。")
        check_pdf(form_file, "推优表")
        data = form_file.read()
    label = DevelopmentKind(dev_kind).label
    records = []
    with transaction.atomic():
        for person in people:
            fields = {"dev_kind": dev_kind, "recommended_on": recommended_on, "note": note}
            if party:
                fields |= {"category": category, "track": category, "status": status, "confirmed_on": confirmed_on}
                if data is not None:
                    fields["form_file"] = ContentFile(data, name="tuiyou.pdf")
            records.append(
                create_record(
                    Development,
                    kind=Kind.DEVELOPMENT,
                    recorder=org,
                    by=by,
                    person=person,
                    summary=f"{label} {person.name}" + (f"：{PartyCategory(category).label}" if party else ""),
                    **fields,
                )
            )
    return records


def check_party_applications(people, recommended_on):
    """INC-11: 申请入党时间 is the member's 递交入党申请书时间 (团员信息, a month), synced, not typed:
    without it there is nothing to recommend, and the 推优 can't come before the application."""
    missing = [p.name for p in people if p.party_application_date is None]
    if missing:
        raise WorkflowError(
            f"{'、'.join(missing)}的团员信息中没有递交入党申请书时间，申请入党时间无法同步："
            "请先在团员信息中填写，再记载推优入党。"
        )
    for p in people:
        if recommended_on < p.party_application_date.replace(day=1):
            raise WorkflowError(f"推荐时间不能早于{p.name}的申请入党时间（{p.party_application_date:%Y-%m}）。")


def request_track_update(request, development, new_status, step_date):
    """更新状态 (INC-12): a pending TrackUpdate for the acting org's direct superior; only when the
    yearly prompt is due, one open update at a time, only an allowed next state with its date."""
    from .choices import TrackStatus
    from .models import Development, TrackUpdate
    from .tracking import check_update

    org = acting_org_or_404(request)
    with transaction.atomic():
        dev = (
            Development.objects.select_for_update(of=("self",))
            .select_related("record", "record__person")
            .get(pk=development.pk)
        )
        if not dev.update_due:
            raise WorkflowError(
                f"尚未到更新时间：上次更新于{dev.last_step_on:%Y-%m-%d}，满1年后系统提示更新状态。"
                if dev.last_step_on
                else "推优记录尚未通过上级认证，暂不能更新状态。"
            )
        if TrackUpdate.objects.filter(development=dev, record__state=State.PENDING).exists():
            raise WorkflowError("已有一条状态更新等待上级审核，请勿重复提交。")
        keep = check_update(dev, new_status, step_date)
        person = dev.record.person
        return create_record(
            TrackUpdate,
            kind=Kind.TRACK_UPDATE,
            recorder=org,
            by=request.user,
            person=person,
            summary=f"推优入党 {person.name}：{dev.get_status_display()} → {TrackStatus(new_status).label}",
            development=dev,
            new_status=new_status,
            step_date=keep,
        )


# --- honors (INC-07 … INC-09), 入团 / 机会 (INC-15) ---------------------------------------------


def record_honor(
    org, *, by, honor_type, title, grantor, grantor_name, awarded_month, recipients=(), org_recipient=None
):
    from .choices import COLLECTIVE_TITLES, PERSONAL_TITLES, HonorTitle, HonorType
    from .models import Honor

    limit = settings.ZHTJ["INC_HONOR_MAX_RECIPIENTS"]
    grantor_name = fitting(
        grantor_name, Honor._meta.get_field("grantor_name").max_length, "授予组织名称", WorkflowError
    )
    if honor_type == HonorType.PERSONAL:
        if not recipients:
            raise WorkflowError("请搜索并添加荣誉获得者。")
        if len(recipients) > limit:
            raise WorkflowError(f"每次最多添加{limit}名荣誉获得者，当前为{len(recipients)}名。")
        if title not in PERSONAL_TITLES:
            raise WorkflowError("请选择个人所获荣誉。")
        subject = "、".join(p.name for p in recipients)
    elif honor_type == HonorType.COLLECTIVE:
        if org_recipient is None:
            raise WorkflowError("请选择获得荣誉的团组织。")
        if title not in COLLECTIVE_TITLES:
            raise WorkflowError("请选择集体所获荣誉。")
        subject = org_recipient.name
    else:
        raise WorkflowError("荣誉类型无效。")
    if not grantor_name:
        raise WorkflowError("请填写授予组织名称。")
    if grantor is None:
        raise WorkflowError("请选择授予组织在系统内的名称。")
    return create_record(
        Honor,
        kind=Kind.HONOR,
        recorder=org,
        by=by,
        grantor=grantor,
        summary=f"{HonorTitle(title).label} {subject}",
        honor_type=honor_type,
        title=title,
        grantor_name=grantor_name,
        awarded_month=awarded_month,
        recipients=list(recipients) if honor_type == HonorType.PERSONAL else None,
        org_recipient=org_recipient,
    )
