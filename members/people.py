"""Operations on people (MEM-06, MEM-09, MEM-10, MEM-11): entering one person, editing,
deactivating, 删除申请, age-out. The rules themselves are in validation.py."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from orgs.choices import LeadershipLevel
from orgs.graduation import province_of
from orgs.models import Organization
from zhtj.core import audit, batch, change_review
from zhtj.core.models import AuditLog
from zhtj.core.params import fitting
from zhtj.core.workflow import WorkflowError

from .choices import VerificationStatus
from .hashers import initial_password_hash
from .models import CadrePost, Person
from .models_people import DeletionRequest
from .validation import ID_TAKEN, student_nature_problem


class EntryRefused(Exception):
    """The entry can't be done; the message says why, in Chinese."""


TAKEN = ID_TAKEN
RACED = "该人员（身份证号码或发展团员编号）刚刚已被其他管理员录入，请刷新后查看，未重复录入。"
ONE_OPEN = "该人员已有一条待审批的删除申请。"


def new_person(clean, branch=None):
    """An unsaved Person from `check_person`'s clean values, on the initial password
    (ROLE-06) with the cheap initial-password hash (members/hashers.py), 未认证 (MEM-10)."""
    person = Person(branch=branch, verification_status=VerificationStatus.UNVERIFIED, **clean)
    person.password = initial_password_hash(person.id_number)
    person.must_change_password = True
    return person


def enter_member(clean, branch, post_clean=None):
    """录入团员团干部 / 录入下级支部成员: a new member of `branch`, and their post there
    when entered as a cadre. One transaction; the unique ID number (and 发展团员编号) decides a race."""
    try:
        with transaction.atomic():
            if Person.objects.filter(id_number=clean["id_number"]).exists():
                raise EntryRefused(TAKEN)
            person = new_person(clean, branch)
            person.save()
            if post_clean:
                CadrePost.objects.create(person=person, org=branch, **post_clean)
    except IntegrityError:
        raise EntryRefused(RACED) from None
    return person


def enter_own_cadre(clean, org, post_clean):
    """录入本级团干部: a cadre post in `org`. A person already in the system (same ID
    number and name) gets the post without their record being touched (seed 003 FAQ:
    someone registered may be entered in another org as a cadre)."""
    try:
        with transaction.atomic():
            person = Person.objects.select_for_update().filter(id_number=clean["id_number"]).first()
            if person is None:
                person = new_person(clean)
                person.save()
            elif person.name != clean["name"]:
                raise EntryRefused("该身份证号码已在系统中，但姓名与系统中的不一致，请核对。")
            elif not person.is_active:
                raise EntryRefused("该人员已被删除（停用），不能录入为团干部。")
            elif problem := student_nature_problem(person.occupation, post_clean["nature"]):
                raise EntryRefused(problem)  # CAD-05, by the stored 职业 of someone already registered
            if CadrePost.objects.active().filter(person=person, org=org).exists():
                raise EntryRefused(f"{person.name}已是本组织的团干部。")
            post = CadrePost.objects.create(person=person, org=org, **post_clean)
    except IntegrityError:
        raise EntryRefused(RACED) from None
    return post


def update_person(person, clean, fields):
    """Save the `fields` of `clean` on `person` (already checked); HistoryMixin keeps the
    before/after, Person.save resets verification when name or ID changed (MEM-10). A number
    or ID taken by someone else in the meantime is refused by the unique indexes."""
    try:
        with transaction.atomic():
            person = Person.objects.select_for_update().get(pk=person.pk)
            for name in fields:
                setattr(person, name, clean[name])
            if "id_number" in fields:
                person.birth_date = clean["birth_date"]
            person.save()
    except IntegrityError:
        raise EntryRefused(RACED) from None
    return person


# --- who may edit a person (ROLE-08, MEM-04; seed 003 FAQ: 本组织或者直属上级管理员皆可) -----------


def person_orgs(person):
    """The orgs a person is edited from: the branch, or (not a member) the orgs of active posts."""
    if person.branch_id:
        return [person.branch]
    return [p.org for p in CadrePost.objects.active().filter(person=person).select_related("org")]


def may_edit(acting, person, orgs=None):
    """Personal fields: the person's branch (or post org) or its direct superior. A list passes
    `orgs` it already holds, so its rows cost no query."""
    return any(acting.pk in (o.pk, o.parent_id) for o in (person_orgs(person) if orgs is None else orgs))


def may_edit_identity(acting):
    """姓名, 性别, 身份证号码: only a provincial committee (省级团委) admin in scope (ROLE-08)."""
    return acting.is_leadership and acting.leadership_level == LeadershipLevel.PROVINCE


def may_open_edit(acting, person, orgs=None):
    """The 编辑 button: a 省级团委 admin in scope, or an admin who may edit the personal fields."""
    return may_edit_identity(acting) or may_edit(acting, person, orgs)


def deactivate(person, by=None, note=""):
    """A deleted person (MEM-09): can't log in, leaves the branch, posts end. The row stays."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    today = timezone.localdate()
    for post in CadrePost.objects.active().filter(person=person).select_for_update():
        post.admin_slot = None
        post.ended_on = today
        post.save()
    person.is_active = False
    person.branch = None
    person.save()
    audit.record(person, "deactivate", note=note, actor=by)
    return person


def apply_deletion(req, *, by=None):
    """同意 of a 删除人员申请: the person is deactivated (MEM-09)."""
    deactivate(req.person, by=by, note=f"删除人员申请已同意：{req.explanation}")


def decide_deletion(req, action, *, by, acting, note="", seen=None):
    """The 省级团委's 同意 / 不同意 (`change_review.decide`); 同意 deactivates the person in the same
    transaction. Who decides is checked on the locked row (SEC-04), `seen` is the state the page showed."""
    return change_review.decide(req, action, by=by, acting=acting, note=note, seen=seen, apply=apply_deletion)


# Refusals of a 删除人员申请 that apps above this one know of (fn(person) -> message or None),
# checked when it is filed, on the person's locked row: transfers adds "an open transfer".
deletion_refusals = []


def deletion_refusal(person):
    """Why a 删除人员申请 for `person` would be refused now (the checks above), or None: the person
    page offers the form only when None."""
    return next(filter(None, (check(person) for check in deletion_refusals)), None)


def request_deletion(person, org, by, explanation):
    """File a 删除人员申请 (MEM-09, BEY-02) for the nearest ancestor 省级团委 to decide."""
    explanation = fitting(
        explanation, DeletionRequest._meta.get_field("explanation").max_length, "删除原因", WorkflowError
    )
    if not explanation:
        raise WorkflowError("请填写删除原因。")
    if not person.is_active:
        raise WorkflowError("该人员已被删除（停用）。")
    anchor = person.branch or org
    approver = anchor if anchor.leadership_level == LeadershipLevel.PROVINCE else province_of(anchor)
    if approver is None:
        raise WorkflowError("未找到上级省级团委，无法提交删除申请。")
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)  # two admins at once take turns
        if DeletionRequest.objects.filter(person=person, state=DeletionRequest.State.PENDING).exists():
            raise WorkflowError(ONE_OPEN)
        if refusal := deletion_refusal(person):
            raise WorkflowError(refusal)
        # the partial unique index decides, should the lock ever be bypassed
        return change_review.file(
            DeletionRequest,
            one_open=ONE_OPEN,
            by=by,
            person=person,
            filed_by_org=org,
            approver=approver,
            explanation=explanation,
        )


# --- MEM-11 超龄 --------------------------------------------------------------------------------


def age_out_born_by(day):
    """Born on or before this date → 28 (AGE_OUT_YEARS) or older on `day`."""
    years = settings.ZHTJ["AGE_OUT_YEARS"]
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def confirm_scope(org):
    """Branches whose 超龄 members `org` may confirm (MEM-11): itself and its direct sub-orgs."""
    return Organization.objects.filter(Q(pk=org.pk) | Q(parent_id=org.pk), is_branch_kind=True)


def confirm_leaving(person_ids, branch_qs, by):
    """The branch confirms its flagged members leave the league (MEM-11): set-based, one
    transaction; only flagged, still-member people of `branch_qs` (the admin's scope). Returns
    (number confirmed, [(label, reason)] of the others)."""
    today = timezone.localdate()
    with transaction.atomic():
        people = list(
            Person.objects.select_for_update(of=("self",))
            .filter(pk__in=person_ids, aged_out_on__isnull=False, left_league_on__isnull=True, branch__in=branch_qs)
            .only("pk", "branch_id")
        )
        Person.objects.filter(pk__in=[p.pk for p in people]).update(left_league_on=today, branch=None)
        # the two rows a person's save() and audit.record() wrote, for the whole set in one INSERT
        actor, org_id = audit.current_actor()
        content_type = ContentType.objects.get_for_model(Person)
        logs = []
        for p in people:
            common = {"actor": by or actor, "acting_org_id": org_id, "content_type": content_type, "object_id": p.pk}
            changes = {"branch_id": [p.branch_id, None], "left_league_on": [None, today.isoformat()]}
            logs += [AuditLog(action="update", changes=changes, **common)]
            logs += [AuditLog(action="age_out_confirmed", note="超龄离团", **common)]
        AuditLog.objects.bulk_create(logs)
    done = {p.pk for p in people}
    refused = [
        (name, "已确认离团，无需重复确认。" if left else "不在您的确认范围内（只有本支部或直属上级组织可以确认）。")
        for name, left in Person.objects.filter(pk__in=set(person_ids) - done)
        .order_by("pk")
        .values_list("name", "left_league_on")
    ]
    return len(people), refused


@batch.register("members.aged_out")
def confirm_set(job, progress):
    """超龄团员 确认离团 of the whole filtered set (issue 17): `confirm_leaving` per chunk of
    `BATCH_CHUNK`, each its own transaction, the scope decided on the locked rows."""
    scope, size, pks = confirm_scope(job["org"]), settings.ZHTJ["BATCH_CHUNK"], job["pks"]
    done, refused = 0, []
    for start in range(0, len(pks), size):
        n, why = confirm_leaving(pks[start : start + size], scope, job["actor"])
        done, refused = done + n, refused + why
        progress(min(start + size, len(pks)), len(pks))
    return done, refused
