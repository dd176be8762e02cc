"""Operations on people and posts that touch several rows (ORG-12, ROLE-07)."""

import hmac
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orgs.models import Organization
from zhtj.core import audit, change_review
from zhtj.core.workflow import WorkflowError

from .models import AdminChangeRequest, CadrePost, PasswordResetCode, Person


def grant_admin(post):
    """Give `post` a free admin slot of its org; the org row lock serializes two grants."""
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=post.org_id)
        post = CadrePost.objects.select_for_update().get(pk=post.pk)
        if post.ended_on is not None:
            raise WorkflowError("该团干部已离任，不能设为管理员。")
        if post.admin_slot is not None:
            return post
        free = CadrePost.objects.free_admin_slots(post.org_id)
        if not free:
            raise WorkflowError(admin_add_refusal(post.org_id, waiting_too=False))
        post.admin_slot = free[0]
        post.save()
    return post


def revoke_admin(post):
    with transaction.atomic():
        post = CadrePost.objects.select_for_update().get(pk=post.pk)
        if post.admin_slot is not None:
            post.admin_slot = None
            post.save()
    return post


def apply_admin_change(req, *, by=None):
    """同意 of a 管理员变更: the post gets a free admin slot or loses its own (ORG-12); with two admins
    already, `grant_admin` refuses and nothing is decided."""
    if req.action == AdminChangeRequest.Action.ADD:
        return grant_admin(req.post)
    return revoke_admin(req.post)


def decide_admin_change(req, action, *, by, acting, note="", seen=None):
    """The direct superior's 同意 / 不同意 (`change_review.decide`); who decides is the stored approver,
    checked on the locked row (SEC-04); `seen`: the state the page showed."""
    return change_review.decide(req, action, by=by, acting=acting, note=note, seen=seen, apply=apply_admin_change)


def admin_add_refusal(org_id, *, waiting_too=True):
    """ORG-12: why the org can't take one more admin now, or None. Its admins, plus (for a request
    of its own, `waiting_too`) the 添加管理员 requests already waiting for approval, reach
    ADMINS_PER_ORG: such a request would only fail at approval, so it is refused when filed, and
    the page offers no 添加管理员 button but this reason. Two queries whatever the counts (one
    without `waiting_too`)."""
    limit = settings.ZHTJ["ADMINS_PER_ORG"]
    admins = CadrePost.objects.admins().filter(org_id=org_id).count()
    # the waiting requests counted even when the admins alone are full: the page's SQL does not
    # depend on the data (issue 17)
    n = (
        AdminChangeRequest.objects.filter(
            filed_by_org_id=org_id, state=AdminChangeRequest.State.PENDING, action=AdminChangeRequest.Action.ADD
        ).count()
        if waiting_too
        else 0
    )
    if admins >= limit:
        return f"本组织已有{admins}名管理员，每个组织最多{limit}名管理员，请先撤销一名现任管理员。"
    if admins + n >= limit:
        return (
            f"本组织已有{admins}名管理员和{n}条待审批的添加管理员申请，每个组织最多{limit}名管理员，"
            "请等待上级审批结果。"
        )
    return None


def request_admin_change(post, action, by):
    """An org changing its own admins asks its direct superior (ORG-12). Refused when filed if it
    could not be applied (admins full, already an admin, …), decided on the org's locked row so
    two filings at once can't both take the last slot."""
    if post.org.parent_id is None:
        raise WorkflowError("团中央管理员变更请联系系统运维人员。")
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=post.org_id)
        post = CadrePost.objects.select_related("org").get(pk=post.pk)
        if action == AdminChangeRequest.Action.ADD and post.is_admin:
            raise WorkflowError("该团干部已是管理员。")
        if action == AdminChangeRequest.Action.REVOKE and not post.is_admin:
            raise WorkflowError("该团干部不是管理员。")
        if AdminChangeRequest.objects.filter(post=post, state=AdminChangeRequest.State.PENDING).exists():
            raise WorkflowError("该团干部已有一条待审批的管理员变更申请。")
        if action == AdminChangeRequest.Action.ADD and (refusal := admin_add_refusal(post.org_id)):
            raise WorkflowError(refusal)
        return change_review.file(
            AdminChangeRequest,
            one_open="该团干部已有一条待审批的管理员变更申请。",
            by=by,
            filed_by_org=post.org,
            approver=post.org.parent,
            post=post,
            action=action,
        )


# --- 重置密码验证码 (ROLE-07) -------------------------------------------------------------


def issue_reset_code(person, by):
    now = timezone.now()
    with transaction.atomic():
        # A new code replaces any older one still open.
        person.reset_codes.filter(used_at__isnull=True, expired=False).update(expired=True)
        code = PasswordResetCode.objects.create(
            person=person,
            code=PasswordResetCode.new_code(),
            created_by=by,
            expires_at=now + timedelta(hours=settings.ZHTJ["RESET_CODE_HOURS"]),
        )
        audit.record(person, "reset_code_issued", actor=by)
    return code


class ResetRefused(Exception):
    pass


RESET_REFUSED = "身份证号码或验证码不正确，或验证码已过期、已使用。请联系本组织或上级组织管理员重新生成验证码。"


def reset_password_with_code(id_number, code, new_password):
    """忘记密码: the ID number plus a valid code sets a new password. One message for every
    failure, so the form tells nothing about which part was wrong; each wrong guess is
    counted, and a code is burnt after RESET_CODE_MAX_TRIES of them."""
    with transaction.atomic():
        person = Person.objects.filter(id_number=id_number).first()
        current = None
        if person is not None:
            current = (
                person.reset_codes.select_for_update()
                .filter(used_at__isnull=True, expired=False)
                .order_by("-created_at")
                .first()
            )
        if current is None or not current.is_usable():
            raise ResetRefused(RESET_REFUSED)
        if not hmac.compare_digest(current.code, code.strip()):
            current.failed_attempts += 1
            current.save(update_fields=["failed_attempts"])
            guessed_wrong = True
        else:
            guessed_wrong = False
            current.used_at = timezone.now()
            current.save(update_fields=["used_at"])
            person.set_password(new_password)
            person.must_change_password = False
            person.save()
            audit.record(person, "password_reset_with_code", actor=person)
    if guessed_wrong:
        raise ResetRefused(RESET_REFUSED)
    return person
