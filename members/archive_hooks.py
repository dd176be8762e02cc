"""The e-archive in 操作中心 (ARC-03, ARC-06) and the login prompt (ARC-04, OPC-03)."""

from django.urls import reverse

from zhtj.core import inbox, prompts
from zhtj.core.paths import path_for

from .archives import lacks_verification_q
from .models import Person
from .models_archive import ArchiveChangeRequest, MemberArchive


@inbox.register(MemberArchive.inbox_kind, "团员电子档案审批")
class ArchiveReviewProvider:
    @staticmethod
    def pending(request):
        """Archives waiting for the acting org as the uploaders' 上级团委 (ARC-02, ROLE-03)."""
        return inbox.newest_first(
            MemberArchive.objects.filter(
                state=MemberArchive.State.PENDING, approver_org=request.acting_org
            ).select_related("person", "uploaded_by_org"),
            "created_at",
        )

    @staticmethod
    def describe(obj):
        return (
            f"{obj.uploaded_by_org.name}上传的团员电子档案：{obj.person.name}",
            path_for("members:archive_review", obj.pk),
        )


@inbox.register(ArchiveChangeRequest.inbox_kind, "团员电子档案变更申请")
class ArchiveChangeProvider:
    @staticmethod
    def pending(request):
        return inbox.newest_first(
            ArchiveChangeRequest.objects.filter(
                state=ArchiveChangeRequest.State.PENDING, approver_org=request.acting_org
            ).select_related("archive__person", "org"),
            "created_at",
        )

    @staticmethod
    def describe(obj):
        return (
            f"{obj.org.name}申请变更{obj.archive.person.name}的电子档案",
            path_for("members:archive_change_review", obj.pk),
        )


@prompts.register
def members_not_verified(request):
    """ARC-04: while any 2020+ member of the subtree lacks 已认证 -- one EXISTS query."""
    org = getattr(request, "acting_org", None)
    if org is None:
        return ()
    if not Person.objects.in_branches_of(org).filter(lacks_verification_q()).exists():
        return ()
    return (prompts.Prompt("组织内有团员身份尚未认证", reverse("members:archives") + "?status=todo"),)
