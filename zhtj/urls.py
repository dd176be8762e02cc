from django.contrib import admin
from django.urls import include, path

from zhtj.core import views as core_views

admin.site.site_header = "智慧团建 运维后台"
admin.site.site_title = "智慧团建"
# The `ops` policy: the Django admin is for superusers only, not merely staff.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz/", core_views.healthz, name="healthz"),
    path("deadlines/", core_views.deadline_board, name="deadlines"),
    path("inbox/", core_views.inbox_page, name="inbox"),
    path("inbox/read/", core_views.mark_notifications_read, name="inbox_read"),
    path("inbox/sent/", core_views.sent_page, name="sent"),
    path("switch-org/", core_views.switch_org, name="switch_org"),
    path("batch/<str:token>/", core_views.batch_status, name="batch_status"),
    path("", include("members.urls_auth")),
    path("orgs/", include("orgs.urls")),
    path("members/", include("members.urls")),
    path("rectification/", include("rectification.urls")),
    path("incentives/", include("incentives.urls")),
    path("transfers/", include("transfers.urls")),
    path("ops/admin/", admin.site.urls),
]

handler400 = "zhtj.core.errors.bad_request"
handler403 = "zhtj.core.errors.permission_denied"
handler404 = "zhtj.core.errors.page_not_found"
handler500 = "zhtj.core.errors.server_error"
