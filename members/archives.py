"""团员电子档案: who needs one, THE 已认证 rule (ARC-05, STAT-02), and the operations
(upload, replace, change request) that keep storage and rows in step.

`archive_verified_q()` is the one place that says whether a person counts as 已认证:
transfers refuse anyone outside it (TRF-07, via `transfer_refusal`) and new-member
statistics count only people inside it (STAT-02). Nobody else re-derives it.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from zhtj.core import audit, batch, change_review, inbox
from zhtj.core.params import fitting
from zhtj.core.workflow import WorkflowError, perform, perform_many

from .archive_files import check_pdf
from .models import CadrePost, Person
from .models_archive import ArchiveChangeRequest, MemberArchive, archive_upload_to, superior_committee


def required_from():
    """ARC-01: the first join month that needs an e-archive (2020-01 by default)."""
    return date(settings.ZHTJ["ARCHIVE_REQUIRED_FROM_YEAR"], 1, 1)


def needs_archive_q(prefix=""):
    """ARC-01: members (a 团组织关系 in a branch) who joined in 2020 or later."""
    return Q(**{f"{prefix}branch__isnull": False, f"{prefix}joined_month__gte": required_from()})


def joined_needs_archive(joined_month):
    """ARC-01 for a join month in hand (a member just entered or imported into a branch), no query."""
    return joined_month is not None and joined_month >= required_from()


def entry_notice(count):
    """Seed FAQ (i): after entering new members, tell the admin their e-archives are due."""
    return (
        f"其中{count}名为{required_from().year}年及以后入团的新发展团员，请在“团员电子数据库”上传其电子版"
        f"《入团志愿书》（入团后{settings.ZHTJ['ARCHIVE_DUE_DAYS']}日内），完成团员身份认证。"
    )


def archive_verified_q(prefix=""):
    """ARC-05 / STAT-02 / TRF-07, THE rule: a person counts as 已认证 when no e-archive is
    required of them (joined before 2020, or no join month known) or theirs is approved.
    `prefix` lets other models filter through a relation, e.g. "person__"."""
    return (
        Q(**{f"{prefix}joined_month__isnull": True})
        | Q(**{f"{prefix}joined_month__lt": required_from()})
        | Q(**{f"{prefix}archive__state": MemberArchive.State.VERIFIED})
    )


def lacks_verification_q(prefix=""):
    """2020+ members not (yet) 已认证: what the ARC-04 login prompt looks for."""
    return needs_archive_q(prefix) & ~archive_verified_q(prefix)


def is_archive_verified(person):
    return Person.objects.filter(pk=person.pk).filter(archive_verified_q()).exists()


def _refusal_message(person):
    return (
        f"{person.name}为{required_from().year}年及以后入团的新发展团员，团员身份尚未认证"
        "（电子版《入团志愿书》未上传或未通过审批），完成团员身份认证后才能办理团组织关系转接。"
    )


def transfer_refusal(person):
    """ARC-05 / TRF-07: why `person` can't be put into a transfer now, or None if they can."""
    return None if is_archive_verified(person) else _refusal_message(person)


def transfer_refusals(people):
    """ARC-05 for a batch (批量接转): {pk: message} for every person of the queryset `people` who
    can't be transferred -- one query, whatever the batch size."""
    return {p.pk: _refusal_message(p) for p in people.filter(~archive_verified_q()).only("pk", "name")}


# --- who may do what ----------------------------------------------------------------------


def uploads_for_branch(acting_org, branch):
    """Seed FAQ (v): the member's 团支部 and its direct superior upload (no query)."""
    return branch is not None and acting_org.pk in (branch.pk, branch.parent_id)


def may_upload(acting_org, person):
    """上传档案 / 替换档案 / 提出修改申请: `uploads_for_branch`, or a committee for its own cadres
    (本级团干部电子数据库)."""
    return (
        uploads_for_branch(acting_org, person.branch)
        or CadrePost.objects.active().filter(person=person, org=acting_org).exists()
    )


def require_upload_right(acting_org, person):
    """`may_upload`, or 403 (隔级无法操作) for anyone else in scope."""
    if not may_upload(acting_org, person):
        raise PermissionDenied("隔级无法操作：只有团员所在团支部及其直属上级组织的管理员可以上传电子档案。")


def needs_archive(person):
    return Person.objects.filter(pk=person.pk).filter(needs_archive_q()).exists()


def require_needs_archive(person):
    if not needs_archive(person):
        raise WorkflowError(f"{person.name}不是{required_from().year}年及以后入团的团员，无需上传电子档案。")


def require_approver(acting_org, obj):
    """ROLE-03: only the stored approver org (the uploader's 上级团委) decides; other ancestors view."""
    if obj.approver_org_id != acting_org.pk:
        raise PermissionDenied("隔级无法操作：只有上传组织的上级团委（审批组织）管理员可以审批。")


# --- operations -----------------------------------------------------------------------------


def _store(upload):
    return default_storage.save(archive_upload_to(None, upload.name), upload)


def _upload_fields(checked, name, by, org):
    return {
        "name": name,
        "original_name": checked.original_name,
        "size": checked.size,
        "pages": checked.pages,
        "by": by,
        "org": org,
    }


def upload_archive(person, upload, *, by, org):
    """上传档案: check the file, store it, create the row; on any failure nothing is left."""
    require_needs_archive(person)
    checked = check_pdf(upload)
    name = _store(upload)
    try:
        with transaction.atomic():
            archive = MemberArchive(person=person, state=MemberArchive.state_after_upload(org))
            archive.set_upload(**_upload_fields(checked, name, by, org))
            archive.save()
            audit.record(archive, "upload", to_state=archive.state, note=checked.original_name, actor=by)
    except IntegrityError:
        default_storage.delete(name)
        raise WorkflowError(f"{person.name}已有电子档案，请刷新页面后使用“替换档案”。") from None
    except BaseException:
        default_storage.delete(name)
        raise
    return archive


def require_replaceable(archive):
    """替换档案 only after 认证不通过 or an approved change request (ARC-06), said plainly; the
    transition checks it again under the row lock."""
    if archive.may_replace():
        return
    if archive.state == MemberArchive.State.PENDING:
        raise WorkflowError("该团员的电子档案正在等待审批，审批前不能替换。")
    raise WorkflowError("该团员的电子档案已认证。如需变更，请先提出修改申请，经上级团委审批同意后再替换档案。")


def replace_archive(archive, upload, *, by, org):
    """替换档案 after 认证不通过, or after an approved change request (ARC-06)."""
    require_replaceable(archive)
    checked = check_pdf(upload)
    old_name = archive.file.name
    name = _store(upload)
    try:
        archive = perform(
            archive,
            "replace",
            guard=lambda locked: require_upload_right(org, locked.person),  # the person as now, in the lock
            by=by,
            note="替换档案",
            upload=_upload_fields(checked, name, by, org),
        )
    except BaseException:
        default_storage.delete(name)
        raise
    # The new archive stands even if the old file can't be deleted now (it is logged, not a 500).
    transaction.on_commit(lambda: default_storage.delete(old_name), robust=True)
    return archive


def request_change(archive, explanation, *, by, org):
    """ARC-06: ask the superior committee to allow replacing an approved archive."""
    explanation = fitting(
        explanation, ArchiveChangeRequest._meta.get_field("explanation").max_length, "变更理由", WorkflowError
    )
    if not explanation:
        raise WorkflowError("请填写变更理由。")
    if archive.state != MemberArchive.State.VERIFIED:
        raise WorkflowError("只有已认证的电子档案需要提出变更申请；认证不通过的档案可直接替换。")
    approver = superior_committee(org)
    if approver is None:
        raise WorkflowError("本组织没有上级团委，无法提出变更申请。")
    return change_review.file(
        ArchiveChangeRequest,
        one_open="该团员的电子档案已有未处理完的变更申请。",
        by=by,
        archive=archive,
        filed_by_org=org,
        approver=approver,
        explanation=explanation,
    )


def decide_change(req, decision, *, by, acting, note="", seen=None):
    """ARC-06: the 上级团委's 同意 / 不同意 of a change request (`change_review.decide`). 同意 changes
    nothing yet: it allows one 替换档案, which completes the request."""
    return change_review.decide(req, decision, by=by, acting=acting, note=note, seen=seen)


# --- 批量审批 (issue 17) ------------------------------------------------------------------------


def check_decision(decision, note):
    """What a 同意 / 不同意 of one archive or of a batch must carry before anything is tried (ARC-03)."""
    if decision not in ("approve", "reject"):
        raise WorkflowError("请选择“同意”或“不同意”。")
    note = fitting(note, 200, "理由", WorkflowError)
    if decision == "reject" and not note:
        raise WorkflowError("不同意时须填写理由。")
    return note


def decision_notice(archive, decision, note):
    """The uploader's 操作中心 result of a decided archive (one or a batch)."""
    verdict = "已同意" if decision == "approve" else f"不同意（理由：{note}）"
    return {
        "org_id": archive.uploaded_by_org_id,
        "kind": archive.inbox_kind,
        "text": f"{archive.person.name}的团员电子档案审批：{verdict}",
        "link": reverse("members:archive_person", args=[archive.person_id]),
    }


@batch.register("members.archives")
def decide_set(job, progress):
    """下级团员电子档案审批 of a set (the ticked or the whole filtered one): `perform_many` with
    ROLE-03 (only the stored approver org) as the guard on each locked row, one audit row and one
    result for the uploading org each; refused items come back with their reasons."""
    acting, params = job["org"], job["params"]
    decision, note = params["action"], params.get("note", "")
    done, failures = perform_many(
        MemberArchive.objects.select_related("person"),
        job["pks"],
        decision,
        guard=lambda locked: require_approver(acting, locked),
        by=job["actor"],
        note=note,
        after=lambda rows: inbox.notify_many(decision_notice(a, decision, note) for a in rows),
        progress=progress,
    )
    return done, [(getattr(a, "person", f"第{a}号电子档案"), reason) for a, reason in failures]
