"""The transfer rules (TRF-02 … TRF-13) and the actions; views stay thin.

Every rule lives here once: `check_new` is what any new transfer passes (one open transfer,
TRF-06, TRF-07, TRF-09, TRF-13), `may_act` who may handle a step (ROLE-03 style: the branch
or its direct superior), `complete` the atomic move (TRF-08).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from members.archives import transfer_refusal, transfer_refusals
from members.choices import Occupation
from members.models import DeletionRequest, Person
from orgs.choices import COMMITTEE_KINDS, SCHOOL_INDUSTRIES, Industry, OrgCategory
from orgs.graduation import province_of
from zhtj.core import audit, inbox
from zhtj.core.workflow import WorkflowError, perform

from .choices import OPEN_STATES, Destination, Kind, Reason, State
from .models import Transfer, stays_graduate

TOWNSHIP_INDUSTRIES = frozenset({Industry.TOWNSHIP, Industry.STREET})
EMPLOYED_OCCUPATIONS = frozenset(
    {
        Occupation.PARTY_GOVERNMENT,
        Occupation.PUBLIC_INSTITUTION,
        Occupation.STATE_ENTERPRISE,
        Occupation.PRIVATE_ENTERPRISE,
        Occupation.SOCIAL_ORGANIZATION,
        Occupation.MIGRANT_WORKER,
        Occupation.MILITARY,
    }
)


class TransferError(Exception):
    """A refused transfer; the message is for the user, in Chinese."""


def _text(value, field):
    """`value` stripped, refused with a clear message when longer than the column (SEC-06: a
    crafted form must not reach the database as a 500)."""
    value = (value or "").strip()
    f = Transfer._meta.get_field(field)
    if len(value) > f.max_length:
        raise TransferError(f"{f.verbose_name}不能超过{f.max_length}个字。")
    return value


# --- rules on the way ----------------------------------------------------------------------


def has_open_transfer(person):
    return Transfer.objects.filter(person=person, state__in=OPEN_STATES).exists()


def _is_township(org):
    """A 乡镇/街道 org, or a 流动团员团支部/学社衔接临时团支部 (they sit under one or a county)."""
    return org.industry in TOWNSHIP_INDUSTRIES or org.category in (OrgCategory.FLOATING, OrgCategory.SCHOOL_SOCIETY)


def check_target(target, from_branch):
    """Target-side rules every transfer shares (TRF-03, TRF-06)."""
    if target.category == OrgCategory.LEADERSHIP:
        raise TransferError("团的领导机关不能接收团员组织关系，请选择团委/团工委/团总支或团支部。")
    if target.pk == from_branch.pk:
        raise TransferError("转入组织不能与转出团支部相同。")
    province = province_of(target)
    if (
        province is not None
        and province.name in settings.ZHTJ["TRF_BRANCH_ONLY_PROVINCES"]
        and not target.is_branch_kind
    ):
        raise TransferError(f"转往{province.name}所辖团组织的，须选择具体的团支部，不能选择团委/团工委/团总支。")


def school_of(org):
    """The school `org` belongs to: its topmost school-domain org at or above it, below the
    leadership organs; None outside the school domain."""
    return (
        org.get_ancestors(include_self=True)
        .filter(industry__in=SCHOOL_INDUSTRIES)
        .exclude(category=OrgCategory.LEADERSHIP)
        .order_by("level")
        .first()
    )


def _at_own_school(person, target):
    """TRF-09: study abroad and delayed graduation keep the member in their own school."""
    school = school_of(person.branch)
    return school is not None and school.contains(target)


def check_destination(person, target, destination, reason):
    """TRF-09 (学社衔接 destination types) and TRF-13 (退学)."""
    if reason == Reason.DROP_OUT and not _is_township(target):
        raise TransferError("退学学生的团组织关系应转回户籍所在地的乡镇街道团组织。")
    if reason == Reason.GRADUATION and not destination:
        # the destination type is the channel (seed FAQ: 不能…选择“未就业”渠道): without it no rule applies
        raise TransferError("毕业（学社衔接）转接请选择毕业去向。")
    if not destination:
        return
    school = target.industry in SCHOOL_INDUSTRIES
    if destination == Destination.KEEP_AT_SCHOOL:
        raise TransferError("尚未落实就业去向的毕业生可在原学校保留团组织关系不超过6个月，无需办理转接。")
    if destination == Destination.UNEMPLOYED and person.occupation in EMPLOYED_OCCUPATIONS:
        raise TransferError("已落实工作单位的毕业生不能选择“未就业”将团组织关系转往户籍地，请转至工作单位团组织。")
    allowed = {
        Destination.EMPLOYED: (not school, "已就业的毕业生应转至工作单位团组织或其所在地的乡镇街道团组织。"),
        Destination.FURTHER_STUDY: (school, "升学的毕业生应转至录取学校的团组织，不得转回户籍所在地。"),
        Destination.MILITARY: (
            target.category == OrgCategory.SPECIAL_UNIT_POOL,
            "参军入伍或到涉密单位工作的毕业生应转入省级团委的特殊单位专属库。",
        ),
        Destination.UNEMPLOYED: (
            target.category in (OrgCategory.FLOATING, OrgCategory.SCHOOL_SOCIETY),
            "未就业的毕业生应转至居住地乡镇街道的流动团员团支部（或学社衔接临时团支部）。",
        ),
        Destination.STUDY_ABROAD: (
            target.category == OrgCategory.ABROAD and _at_own_school(person, target),
            "出国（境）学习研究的毕业生团组织关系保留在原就读学校，应转入本校的出国(境)学习研究团员团支部。",
        ),
        Destination.WORK_ABROAD: (not school, "出国（境）工作的毕业生应转至派出单位团组织或居住地乡镇街道团组织。"),
        Destination.DELAYED: (
            target.category == OrgCategory.DELAYED_GRADUATION and _at_own_school(person, target),
            "延迟毕业的团员应转入本校的延迟毕业团组织。",
        ),
    }
    ok, message = allowed[destination]
    if not ok:
        raise TransferError(message)


PENDING_DELETION = "{name}有待审批的删除人员申请，不能办理组织关系转接。"


def pending_deletion(person):
    return DeletionRequest.objects.filter(person=person, state=DeletionRequest.State.PENDING).exists()


def deletion_refusal(person):
    """MEM-09, refused early: a person in an open transfer can't be filed for deletion (the transfer
    would move a deleted person); members asks this through `people.deletion_refusals`."""
    if has_open_transfer(person):
        return f"{person.name}有正在办理的组织关系转接，请待转接办结或撤销后再申请删除。"
    return None


def check_person(person):
    if person.branch_id is None:
        raise TransferError(f"{person.name}没有团组织关系，不能办理转接。")
    if has_open_transfer(person):
        raise TransferError(f"{person.name}已有正在办理的组织关系转接，请等待办结或撤销后再申请。")
    if pending_deletion(person):  # refused now, not by a deletion approved under the moving member
        raise TransferError(PENDING_DELETION.format(name=person.name))
    refusal = transfer_refusal(person)  # TRF-07 / ARC-05: the one home of the rule
    if refusal:
        raise TransferError(refusal)


# --- starting a transfer -----------------------------------------------------------------


def start(person, target, *, kind, by, reason, initiator_org=None, destination="", school_name="", school_address=""):
    """Open one transfer (TRF-02/03/04). The initiator's own side is already satisfied."""
    if reason not in Reason.values:
        raise TransferError("请选择转接原因。")
    if destination and destination not in Destination.values:
        raise TransferError("请选择有效的毕业去向。")
    try:
        with transaction.atomic():
            # The person's row stays locked until the transfer is written: a batch move (which
            # locks the same rows) or a completion can't slip in between the checks and the
            # insert, and the branch checked is the current one (TRF-12).
            locked = Person.objects.select_for_update().get(pk=person.pk)
            if locked.branch_id != person.branch_id:
                raise TransferError(f"{person.name}的团组织关系已变动，请刷新后重试。")
            check_person(locked)
            check_target(target, locked.branch)
            check_destination(locked, target, destination, reason)
            first = State.RECEIVING if kind == Kind.OUTBOUND else State.SENDING
            t = Transfer(
                kind=kind,
                person=locked,
                from_branch_id=locked.branch_id,
                target=target,
                initiator_org=initiator_org,
                requested_by=by,
                reason=reason,
                is_graduate=bool(destination) or reason == Reason.GRADUATION or locked.is_graduate,
                destination=destination,
                school_name=school_name,
                school_address=school_address,
                state=first,
            )
            t.save()
            audit.record(t, "submit", to_state=first, actor=by)
            _notify_step(t)
    except IntegrityError:
        raise TransferError(f"{person.name}已有正在办理的组织关系转接，请等待办结或撤销后再申请。") from None
    return t


def way_refusal(acting, way):
    """TRF-01 / TRF-05: why `acting` can't start a transfer this way ("in", "out", "batch"), or
    None. The page offers a tab only when this is None, and the actions ask it too."""
    if way == "in" and acting.category == OrgCategory.LEADERSHIP:
        return "团的领导机关不能办理转入。"
    if way == "batch" and acting.category not in COMMITTEE_KINDS:
        return "只有团委/团工委/团总支可以办理组织关系批量转接。"
    return None


def start_inbound(acting, person, *, by, reason, destination=""):
    """TRF-01/02: the receiving org (not a leadership organ) asks for a member."""
    if refusal := way_refusal(acting, "in"):
        raise TransferError(refusal)
    return start(person, acting, kind=Kind.INBOUND, by=by, reason=reason, initiator_org=acting, destination=destination)


def start_outbound(acting, people, target, *, by, reason, destination=""):
    """TRF-03: the member's branch or a superior sends one or more members; all or nothing."""
    made = []
    with transaction.atomic():
        for person in people:
            if not acting.contains(person.branch):
                raise TransferError(f"{person.name}不在本组织管辖范围内。")
            made.append(
                start(
                    person,
                    target,
                    kind=Kind.OUTBOUND,
                    by=by,
                    reason=reason,
                    initiator_org=acting,
                    destination=destination,
                )
            )
    return made


def start_by_member(person, target, *, reason, destination="", school_name="", school_address=""):
    """TRF-04: 团组织关系转交申请表; a school target needs the new school's name and address."""
    school_name, school_address = _text(school_name, "school_name"), _text(school_address, "school_address")
    if target.industry in SCHOOL_INDUSTRIES and not (school_name and school_address):
        raise TransferError("转往学校团组织的，请填写新学校名称和地址。")
    return start(
        person,
        target,
        kind=Kind.MEMBER,
        by=person,
        reason=reason,
        destination=destination,
        school_name=school_name,
        school_address=school_address,
    )


# --- batch (TRF-05) ---------------------------------------------------------------------------


def batch(acting, source, target, person_ids, *, by, reason):
    """组织关系批量转接: committees only, both branches in scope, ≤ limit people, no approval.
    Returns (moved count, {pk: refusal}); refused members are listed, the rest move at once."""
    if refusal := way_refusal(acting, "batch"):
        raise TransferError(refusal)
    for org in (source, target):
        if not (org.is_branch_kind and acting.contains(org) and org.pk != acting.pk):
            raise TransferError("转出、转入团支部须为本组织下级的团支部。")
    if source.pk == target.pk:
        raise TransferError("转入团支部不能与转出团支部相同。")
    if reason not in Reason.values:
        raise TransferError("请选择转出原因。")
    limit = settings.ZHTJ["TRF_BATCH_MAX"]
    ids = sorted(set(person_ids))
    if not ids:
        raise TransferError("请选择转出的团员。")
    if len(ids) > limit:
        raise TransferError(f"一次最多转出{limit}人，请分批办理。")
    with transaction.atomic():
        people = Person.objects.filter(pk__in=ids, branch=source)
        if len(people.select_for_update().values_list("pk", flat=True)) != len(ids):
            raise TransferError("所选团员不在转出团支部中，请刷新后重试。")
        refused = transfer_refusals(people)  # not locked: its outer join can't take FOR UPDATE
        for pk in Transfer.objects.filter(person_id__in=ids, state__in=OPEN_STATES).values_list("person_id", flat=True):
            refused[pk] = "已有正在办理的组织关系转接。"
        waiting = people.filter(deletion_requests__state=DeletionRequest.State.PENDING)
        for pk, name in waiting.values_list("pk", "name"):
            refused[pk] = PENDING_DELETION.format(name=name)
        movers = [pk for pk in ids if pk not in refused]
        now = timezone.now()
        rows = Transfer.objects.bulk_create(
            [
                Transfer(
                    kind=Kind.BATCH,
                    person_id=pk,
                    from_branch=source,
                    target=target,
                    to_branch=target,
                    initiator_org=acting,
                    requested_by=by,
                    reason=reason,
                    state=State.COMPLETED,
                    completed_at=now,
                )
                for pk in movers
            ]
        )
        Person.objects.filter(pk__in=movers).update(branch=target, is_graduate=stays_graduate(target))
        for t in rows:
            audit.record(t, "batch", to_state=State.COMPLETED, actor=by)
    return len(movers), refused


# --- who may act, and the actions -------------------------------------------------------------


def pending_q(org):
    """The open steps `org` may handle (TRF-02/03/04, ROLE-03): one Q, one query for any list.
    Sub-org conditions go through `any_of` so each arm is an index scan (zhtj/core/lookups.py)."""
    from orgs.models import Organization

    subs = Organization.objects.filter(parent=org).values("pk")
    q = (
        Q(state=State.SENDING, from_branch=org)
        | Q(state=State.SENDING, from_branch__any_of=subs)
        | Q(state=State.RECEIVING, target__any_of=subs.filter(is_branch_kind=True))
        | Q(state=State.ALLOCATING, target=org)
    )
    # a committee, or a branch receiving for itself -- but never the 特殊单位专属库, whose intake
    # its provincial committee approves (the arm above, as the pool's parent)
    if org.category != OrgCategory.SPECIAL_UNIT_POOL:
        q |= Q(state=State.RECEIVING, target=org)
    return q


def may_act(org, t):
    """Whether `org` may take the open step of `t` as the database holds it now. Called on the
    row locked by perform() (the decision); elsewhere only to show or hide the buttons."""
    return org is not None and Transfer.objects.filter(pk=t.pk).filter(pending_q(org)).exists()


def _guard(request_org, action, by):
    """Who may take `action`, decided on the locked row inside perform() (SEC-04, TRF-12)."""

    def guard(locked):
        if action == "withdraw":
            mine = (
                locked.requested_by_id == by.pk
                if locked.kind == Kind.MEMBER
                else request_org is not None and locked.initiator_org_id == request_org.pk
            )
            if not mine:
                raise PermissionDenied("只有发起方可以撤销。")
        elif not may_act(request_org, locked):
            raise PermissionDenied("隔级无法操作：只有转出/转入团支部或其直属上级团组织的管理员可以审批此环节。")

    return guard


def act(request_org, t, action, *, by, note="", branch=None, seen_state=None):
    """approve / reject / allocate by an entitled admin; withdraw by the initiator. `seen_state`:
    the state the acting page showed (a step taken meanwhile is AlreadyHandled, 409)."""
    if action not in ("approve", "reject", "allocate", "withdraw"):
        raise WorkflowError("不支持的操作。")
    note = _text(note, "decision_note")
    if action == "reject" and not note:
        raise TransferError("拒绝时请填写理由。")
    kwargs = {}
    if action == "allocate":
        if branch is None or not branch.is_branch_kind or not t.target.contains(branch):
            raise TransferError("请选择本组织下级的团支部。")
        kwargs["branch"] = branch
    done = perform(t, action, guard=_guard(request_org, action, by), seen_state=seen_state, by=by, note=note, **kwargs)
    _notify_step(done)
    return done


def _notify_step(t):
    """OPC-01 / TRF-04: progress in the member's 操作中心, results to the initiating org."""
    text = f"组织关系转接（{t.from_branch.name} → {t.target.name}）：{t.get_state_display()}"
    if t.decision_note:
        text += f"（{t.decision_note}）"
    inbox.notify(person=t.person, kind=Transfer.inbox_kind, text=text, link="/transfers/my/")
    if t.initiator_org_id and t.state not in OPEN_STATES:
        inbox.notify(org=t.initiator_org, kind=Transfer.inbox_kind, text=f"{t.person.name}的" + text)
