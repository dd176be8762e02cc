"""操作中心 kinds of this app (OPC-01): 管理员变更, 删除人员申请, 团员团干部注册审批, and the e-archive's
two (ARC-03, ARC-06)."""

from zhtj.core import inbox, sent
from zhtj.core.paths import path_for

from .models import AdminChangeRequest
from .models_archive import SELF_VERIFYING_CATEGORIES, ArchiveChangeRequest, MemberArchive
from .models_people import DeletionRequest
from .models_registration import SelfRegistration


def _approves_archives(org):
    # the uploaders' 上级团委 (ARC-02, ROLE-03): a 团的领导机关/团委/团工委, never a 团总支
    return org.category in SELF_VERIFYING_CATEGORIES


inbox.declare(
    inbox.Kind(
        AdminChangeRequest.inbox_kind,
        "管理员变更",
        # requests of the acting org's direct sub-orgs: only the direct superior decides (ORG-12)
        pending=lambda org: AdminChangeRequest.objects.filter(
            state=AdminChangeRequest.State.PENDING, approver=org
        ).select_related("filed_by_org", "post__person"),
        title=lambda r: f"{r.filed_by_org.name}申请{r.get_action_display()}：{r.post.person.name}",
        url="members:admin_request",
        can_have=lambda org: not org.is_branch_kind,
    ),
    inbox.Kind(
        DeletionRequest.inbox_kind,
        "删除人员申请",
        # waiting for the acting 省级团委 (MEM-09, BEY-02)
        pending=lambda org: DeletionRequest.objects.filter(
            state=DeletionRequest.State.PENDING, approver=org
        ).select_related("person", "filed_by_org"),
        title=lambda r: f"{r.filed_by_org.name}申请删除人员：{r.person.name}",
        url="members:deletion_decide",
        can_have=lambda org: org.is_province,
    ),
    inbox.Kind(
        SelfRegistration.inbox_kind,
        "团员团干部注册审批",
        # applications to the acting branch (REG-02): only the branch decides
        pending=lambda org: SelfRegistration.objects.filter(state=SelfRegistration.State.PENDING, branch=org),
        title=lambda r: f"{r.name}申请注册到本团支部",
        url="members:join_approval",
        can_have=lambda org: org.is_branch_kind,
    ),
    inbox.Kind(
        MemberArchive.inbox_kind,
        "团员电子档案审批",
        # archives waiting for the acting org as the uploaders' 上级团委 (ARC-02, ROLE-03)
        pending=lambda org: MemberArchive.objects.filter(
            state=MemberArchive.State.PENDING, approver_org=org
        ).select_related("person", "uploaded_by_org"),
        title=lambda a: f"{a.uploaded_by_org.name}上传的团员电子档案：{a.person.name}",
        url="members:archive_review",
        can_have=_approves_archives,
    ),
    inbox.Kind(
        ArchiveChangeRequest.inbox_kind,
        "团员电子档案变更申请",
        pending=lambda org: ArchiveChangeRequest.objects.filter(
            state=ArchiveChangeRequest.State.PENDING, approver=org
        ).select_related("archive__person", "filed_by_org"),
        title=lambda r: f"{r.filed_by_org.name}申请变更{r.archive.person.name}的电子档案",
        url="members:archive_change_review",
        can_have=_approves_archives,
    ),
)


@sent.register("admin_change_sent", "管理员变更")
class SentAdminChanges:
    @staticmethod
    def filed(request):
        """ORG-12: the acting org's own 管理员变更 waiting for its direct superior."""
        pending = AdminChangeRequest.objects.filter(
            filed_by_org=request.acting_org, state=AdminChangeRequest.State.PENDING
        )
        return inbox.newest_first(pending.select_related("post__person"))

    @staticmethod
    def describe(obj):
        return sent.Line(
            f"{obj.get_action_display()}：{obj.post.person.name}",
            obj.get_state_display(),
            path_for("members:admin_request", obj.pk),
            obj.created_at,
            sent.withdraw_request(obj),
        )


@sent.register("deletion_sent", "删除人员申请")
class SentDeletions:
    @staticmethod
    def filed(request):
        """MEM-09: deletion requests the acting org filed, waiting for the province."""
        pending = DeletionRequest.objects.filter(filed_by_org=request.acting_org, state=DeletionRequest.State.PENDING)
        return inbox.newest_first(pending.select_related("person"))

    @staticmethod
    def describe(obj):
        return sent.Line(
            f"删除人员：{obj.person.name}",
            obj.get_state_display(),
            path_for("members:deletion_decide", obj.pk),
            obj.created_at,
            sent.withdraw_request(obj),
        )


@sent.register("archive_sent", "团员电子档案审批")
class SentArchives:
    @staticmethod
    def filed(request):
        """ARC-02: archives the acting org uploaded, waiting for the 上级团委's approval."""
        return inbox.newest_first(
            MemberArchive.objects.filter(
                uploaded_by_org=request.acting_org, state=MemberArchive.State.PENDING
            ).select_related("person")
        )

    @staticmethod
    def describe(obj):
        return sent.Line(
            f"{obj.person.name}的团员电子档案",
            obj.get_state_display(),
            path_for("members:archive_person", obj.person_id),
            obj.created_at,
        )


@sent.register("archive_change_sent", "团员电子档案变更申请")
class SentArchiveChanges:
    @staticmethod
    def filed(request):
        pending = ArchiveChangeRequest.objects.filter(
            filed_by_org=request.acting_org, state=ArchiveChangeRequest.State.PENDING
        ).select_related("archive__person")
        return inbox.newest_first(pending)

    @staticmethod
    def describe(obj):
        return sent.Line(
            f"{obj.archive.person.name}的团员电子档案变更",
            obj.get_state_display(),
            path_for("members:archive_change_review", obj.pk),
            obj.created_at,
            sent.withdraw_request(obj),
        )
