from django.urls import path

from . import (
    views,
    views_codes,
    views_create,
    views_graduation,
    views_info,
    views_lectures,
    views_life,
    views_notices,
    views_progress,
)

app_name = "orgs"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("children/", views.children, name="children"),
    path("<int:pk>/", views.detail, name="detail"),
]
# Each feature keeps its routes beside its views.
for feature in (
    views_create,
    views_codes,
    views_info,
    views_progress,
    views_graduation,
    views_life,
    views_notices,
    views_lectures,
):
    urlpatterns += feature.urlpatterns
