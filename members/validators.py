from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's own, in Chinese: Django 5.2 changed the message's msgid and the zh_Hans catalogue
    lags behind, so the stock validator answers in English (SEC-06)."""

    def get_error_message(self):
        return f"密码长度太短，至少需要{self.min_length}个字符。"

    def get_help_text(self):
        return f"密码至少需要{self.min_length}个字符。"


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's own, addressing the user as 您 like every other page (its zh_Hans text says 你)."""

    def get_error_message(self):
        return "该密码过于常见，请换一个。"

    def get_help_text(self):
        return "您的密码不能是常见密码。"


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    """Django's own, addressing the user as 您."""

    def get_error_message(self):
        return "密码不能全是数字。"

    def get_help_text(self):
        return "您的密码不能全是数字。"


class NotInitialPasswordValidator:
    """The new password can't be the initial one, the ID number's last 8 characters (ROLE-06)."""

    def validate(self, password, user=None):
        id_number = getattr(user, "id_number", "") or ""
        if id_number and password.upper() == id_number[-8:].upper():
            raise ValidationError("新密码不能与初始密码（身份证号码后8位）相同。", code="initial_password")

    def get_help_text(self):
        return "新密码不能是身份证号码后8位。"
