"""操作中心 providers of this app (OPC-01)."""

from zhtj.core import inbox
from zhtj.core.paths import path_for

from .models import AdminChangeRequest


@inbox.register("admin_change", "管理员变更")
class AdminChangeProvider:
    @staticmethod
    def pending(request):
        """Requests of the acting org's direct sub-orgs: only the direct superior decides."""
        return inbox.newest_first(
            AdminChangeRequest.objects.filter(
                state=AdminChangeRequest.State.PENDING, org__parent=request.acting_org
            ).select_related("org", "post__person"),
            "created_at",
        )

    @staticmethod
    def describe(obj):
        return (
            f"{obj.org.name}申请{obj.get_action_display()}：{obj.post.person.name}",
            path_for("members:admin_request", obj.pk),
        )


@inbox.register("person_deletion", "删除人员申请")
class DeletionProvider:
    @staticmethod
    def pending(request):
        """删除申请 waiting for the acting 省级团委 (MEM-09, BEY-02)."""
        from .models_people import DeletionRequest

        return inbox.newest_first(
            DeletionRequest.objects.filter(
                state=DeletionRequest.State.PENDING, approver=request.acting_org
            ).select_related("person", "org"),
            "created_at",
        )

    @staticmethod
    def describe(obj):
        return (f"{obj.org.name}申请删除人员：{obj.person.name}", path_for("members:deletion_decide", obj.pk))


@inbox.register("self_registration", "团员团干部注册审批")
class SelfRegistrationProvider:
    @staticmethod
    def pending(request):
        """Applications to the acting branch (REG-02): only the branch decides."""
        from .models_registration import SelfRegistration

        return inbox.newest_first(
            SelfRegistration.objects.filter(state=SelfRegistration.State.PENDING, branch=request.acting_org),
            "created_at",
        )

    @staticmethod
    def describe(obj):
        return (f"{obj.name}申请注册到本团支部", path_for("members:join_approval", obj.pk))
