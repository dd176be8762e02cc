"""Login, logout, 修改密码 and 忘记密码 (ROLE-06, ROLE-07, ROLE-09, SEC-02)."""

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhtj.core.access import MEMBER, PUBLIC, access

from .forms import ForgotPasswordForm, IdNumberLoginForm, PasswordChange
from .services import ResetRefused, reset_password_with_code


class LoginView(auth_views.LoginView):
    form_class = IdNumberLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        # A person on the initial password is sent to 修改密码, whose page says why.
        if not self.request.user.must_change_password:
            messages.success(self.request, f"欢迎，{self.request.user.name}。")
        return response


login_view = access(PUBLIC)(LoginView.as_view())


@require_POST
@access(PUBLIC)
def logout_view(request):
    return auth_views.LogoutView.as_view()(request)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChange
    template_name = "registration/password_change.html"

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form):
        form.user.must_change_password = False
        form.save()
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, "密码已修改。")
        return redirect("home")


password_change = access(MEMBER)(PasswordChangeView.as_view())


@access(PUBLIC)
def forgot_password(request):
    # An empty POST is still a submission: bound, so it answers with the required-field messages.
    form = ForgotPasswordForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reset_password_with_code(
                    form.cleaned_data["id_number"], form.cleaned_data["code"], form.cleaned_data["new_password1"]
                )
            except ResetRefused as exc:
                form.add_error(None, str(exc))
            else:
                # The admin vouched for this person with the code: lift any login lockout too.
                axes_reset(username=form.cleaned_data["id_number"])
                messages.success(request, "密码已重置，请使用新密码登录。")
                return redirect("login")
        status = 400
    return render(request, "registration/forgot_password.html", {"form": form}, status=status)
