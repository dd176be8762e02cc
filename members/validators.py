from django.core.exceptions import ValidationError


class NotInitialPasswordValidator:
    """The new password can't be the initial one, the ID number's last 8 characters (ROLE-06)."""

    def validate(self, password, user=None):
        id_number = getattr(user, "id_number", "") or ""
        if id_number and password.upper() == id_number[-8:].upper():
            raise ValidationError("新密码不能与初始密码（身份证号码后8位）相同。", code="initial_password")

    def get_help_text(self):
        return "新密码不能是身份证号码后8位。"
