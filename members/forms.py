from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError

from zhtj.core.forms import ChineseMessages, Form
from zhtj.core.idnumber import normalize_id_number


class IdNumberLoginForm(ChineseMessages, AuthenticationForm):
    """Login with the 身份证号码 (ROLE-06, MEM-02). The failure message never says which part was wrong."""

    username = forms.CharField(
        label="身份证号码", max_length=32, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid_login": "身份证号码或密码错误。连续多次错误将暂时锁定登录。",
        "inactive": "该账号已停用，请联系所在组织管理员。",
    }

    def clean_username(self):
        return normalize_id_number(self.cleaned_data.get("username"))


class ForgotPasswordForm(Form):
    """忘记密码: ID number + 重置密码验证码 + a new password (ROLE-07)."""

    id_number = forms.CharField(label="身份证号码", max_length=32)
    code = forms.CharField(label="重置密码验证码", max_length=16)
    new_password1 = forms.CharField(label="新密码", strip=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="确认新密码", strip=False, widget=forms.PasswordInput)

    def clean_id_number(self):
        return normalize_id_number(self.cleaned_data.get("id_number"))

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 and p2 and p1 != p2:
            raise ValidationError("两次输入的新密码不一致。")
        if p1 and data.get("id_number"):

            class _Who:  # the validators need the ID number, not the person (who may not exist)
                id_number = data["id_number"]

            password_validation.validate_password(p1, _Who)
        return data


class PasswordChange(ChineseMessages, PasswordChangeForm):
    """修改密码 (ROLE-06): Django's form with the project's messages."""

    error_messages = {
        "password_incorrect": "旧密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致，请重新输入。",
    }
