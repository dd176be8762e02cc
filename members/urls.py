from django.urls import path

from . import (
    views,
    views_admin,
    views_archive,
    views_cadres,
    views_entry,
    views_graduates,
    views_import,
    views_join,
    views_people,
    views_register,
    views_stats,
)

app_name = "members"
urlpatterns = [
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/reset-code/", views.reset_code, name="reset_code"),
    path("my-org/", views.my_org, name="my_org"),
]
urlpatterns += [
    path("admin-change/", views_admin.admin_change, name="admin_change"),
    path("admin-change/org/<int:org_pk>/", views_admin.admin_change, name="admin_change_sub"),
    path("admin-change/requests/<int:pk>/", views_admin.admin_request, name="admin_request"),
]
urlpatterns += views_register.urlpatterns
urlpatterns += views_stats.urlpatterns
urlpatterns += views_entry.urlpatterns
urlpatterns += views_import.urlpatterns
urlpatterns += views_people.urlpatterns
urlpatterns += views_cadres.urlpatterns
urlpatterns += views_graduates.urlpatterns
urlpatterns += views_archive.urlpatterns
urlpatterns += views_join.urlpatterns
