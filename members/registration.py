"""团员团干部注册 (REG-01 … REG-03): finding the branch, filing an application, the branch's decision,
the applicant's status look-up, the branch's own link.

The applicant fills the entry form (members.forms_people.PersonForm: MEM-01 … MEM-05 through
validation.check_person, the one code path of every entry); the application keeps what was typed.
同意 runs the same form again on those values and then `people.enter_member`, exactly as 录入团员团干部
does (initial password, people_created → 入团激励, audit), inside the transaction that holds the
application's row lock: who may act and whether it is still pending are decided on the locked row
(SEC-07), so two admins at once create one person and the second gets 409 已被处理.
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from orgs.models import Organization
from zhtj.core import audit, inbox
from zhtj.core.idnumber import normalize_id_number
from zhtj.core.params import fitting
from zhtj.core.workflow import AlreadyHandled, perform

from .forms_people import PersonForm
from .models_registration import SelfRegistration
from .people import EntryRefused, enter_member
from .validation import ID_TAKEN

State = SelfRegistration.State
TOKEN_SALT = "zhtj.members.join"
NOT_THIS_BRANCH = "只有申请加入的团支部的管理员可以审批，上级组织可以查看。"
ALREADY_IN_SYSTEM = (
    "该身份证号码已在系统中，无需注册。如需转到其他团支部，请登录后在“关系转接”中办理组织关系转接；"
    "如忘记密码或信息有误，请联系所在团组织的管理员。"
)
NOT_FOUND = (
    "未找到该团支部：请填写完整、准确的团支部全称（与系统中的组织全称一致），或使用团支部提供的注册链接、二维码。"
)


class RegistrationError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


# --- finding the branch (REG-01, REG-03) ---------------------------------------------------------


def open_branches():
    # REG-01 (decision): special-unit pools are filled by provincial approval only (TRF-09)
    return Organization.objects.branches()


def find_branch(full_name):
    """The branch whose 组织全称 is exactly `full_name` (spaces around it ignored), or None."""
    found = list(open_branches().filter(full_name=(full_name or "").strip())[:2])
    return found[0] if len(found) == 1 else None


def branch_token(branch):
    """The branch's own registration link (REG-03): its id, signed, so links can't be guessed."""
    return signing.Signer(salt=TOKEN_SALT).sign(str(branch.pk))


def branch_from_token(token):
    try:
        pk = int(signing.Signer(salt=TOKEN_SALT).unsign(token or ""))
    except (signing.BadSignature, ValueError):
        return None
    return open_branches().filter(pk=pk).first()


# --- the application ---------------------------------------------------------------------------------


class RegistrationForm(PersonForm):
    """The entry form of 录入团员团干部 for the chosen branch; only the refusal of an ID number already
    in the system says where to go instead (REG-01)."""

    def clean(self):
        data = super().clean()
        if ID_TAKEN in self.errors.get("id_number", []):
            self.errors["id_number"] = self.error_class([ALREADY_IN_SYSTEM])
        return data

    def typed(self):
        """What the applicant typed, field by field: the values the approval checks again."""
        return {name: self.data.get(name, "") for name in self.fields}


def apply(form, branch):
    """File a valid RegistrationForm as a pending application (one per ID number)."""
    clean = form.person_clean
    try:
        with transaction.atomic():
            reg = SelfRegistration.objects.create(
                branch=branch,
                id_number=clean["id_number"],
                name=clean["name"],
                as_cadre=form.cadre,
                values=form.typed(),
            )
            audit.record(reg, "submit", to_state=reg.state)
    except IntegrityError:
        raise RegistrationError(
            "该身份证号码已有一条待审批的注册申请，请耐心等待团支部审批，可在“查询审批结果”中查看。", status=409
        ) from None
    return reg


def recheck(reg):
    """The application's values through the entry form again (MEM-01 … MEM-05 as of today)."""
    form = PersonForm(reg.values, org=reg.branch, cadre=reg.as_cadre)
    form.is_valid()
    return form


def typed_rows(reg, form):
    """(label, value as shown) of each field the applicant filled; choices by their labels."""
    rows = []
    for name, field in form.fields.items():
        value = reg.values.get(name, "")
        if value in ("", None):
            continue
        choices = dict(getattr(field, "choices", ()) or ())
        rows.append((field.label, choices.get(value, value) if choices else value))
    return rows


def _guard(org):
    """Only the application's branch decides it (SEC-07), on the locked row (SEC-04)."""

    def guard(locked):
        if org is None or org.pk != locked.branch_id:
            raise PermissionDenied(NOT_THIS_BRANCH)

    return guard


def _locked(reg, org, seen):
    """The application's row, locked, still pending as the page showed it, and the acting org its
    branch: the checks perform() makes again, made before 同意 enters the member."""
    locked = SelfRegistration.objects.select_for_update().select_related("branch").get(pk=reg.pk)
    if locked.state != State.PENDING or (seen is not None and seen != locked.state):
        raise AlreadyHandled(locked)
    _guard(org)(locked)
    return locked


def approve(reg, org, *, by, seen=None):
    """同意 (REG-02): the member is created exactly as 录入 creates one. WorkflowError (409) when the
    application was handled meanwhile; RegistrationError when its values no longer pass the rules."""
    with transaction.atomic():
        locked = _locked(reg, org, seen)
        form = recheck(locked)
        if not form.is_valid():
            problems = "；".join(str(e) for errors in form.errors.values() for e in errors)
            raise RegistrationError(f"申请信息不符合录入规则：{problems}。请选择“不同意”并说明原因。", status=409)
        try:
            person = enter_member(form.person_clean, locked.branch, form.post_clean if locked.as_cadre else None)
        except EntryRefused as exc:
            raise RegistrationError(str(exc), status=409) from None
        locked = perform(locked, "approve", guard=_guard(org), seen_state=seen, by=by, person=person)
        inbox.notify(
            person=person,
            kind=SelfRegistration.inbox_kind,
            text=f"您注册到{locked.branch.name}的申请已通过，欢迎使用智慧团建。",
            link=reverse("members:my_org"),
        )
    return locked


def reject(reg, org, *, by, reason, seen=None):
    """不同意 (REG-02): a reason is required; the applicant reads it on the status page."""
    reason = fitting((reason or "").strip(), settings.ZHTJ["REG_REASON_MAX_LENGTH"], "不同意原因", RegistrationError)
    if not reason:
        raise RegistrationError("不同意时请填写原因，申请人可凭身份证号码查询。")
    return perform(reg, "reject", guard=_guard(org), seen_state=seen, by=by, note=reason)


def decide(reg, org, *, by, decision, reason="", seen=None):
    if decision == "approve":
        return approve(reg, org, by=by, seen=seen)
    if decision == "reject":
        return reject(reg, org, by=by, reason=reason, seen=seen)
    raise RegistrationError("不支持的操作，请重新提交。")


def status_of(id_number, name):
    """The newest application of this ID number and name, or None (REG-02: state and reason only)."""
    try:
        id_number = normalize_id_number(id_number)
    except ValidationError:  # a malformed number matches nothing
        return None
    return (
        SelfRegistration.objects.filter(id_number=id_number, name=(name or "").strip())
        .order_by("-created_at", "-pk")
        .first()
    )
