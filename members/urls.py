from django.urls import path

from . import views, views_admin, views_archive, views_register

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("cadres/", views.cadre_list, name="cadres"),
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
urlpatterns += views_archive.urlpatterns
