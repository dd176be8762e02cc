from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("children/", views.children, name="children"),
    path("<int:pk>/", views.detail, name="detail"),
]
