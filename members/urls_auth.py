from django.urls import path

from . import views_auth

urlpatterns = [
    path("login/", views_auth.login_view, name="login"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("password/change/", views_auth.password_change, name="password_change"),
    path("password/forgot/", views_auth.forgot_password, name="forgot_password"),
]
