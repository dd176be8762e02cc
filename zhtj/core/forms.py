"""Every form field speaks the project's Chinese (SEC-06): which field, the limit, what to do.

Django's own messages ("这个字段是必填项。", "确保该变量包含不超过 100 字符", "选择一个有效的选项",
"确认总共不超过 6 个数字" …) name neither the field nor the way out. `ChineseMessages`, the first
base of every form of the project (`Form`, `ModelForm`, and the auth forms in members/forms.py),
replaces each message still at Django's default with one built from the field's label, just
before the form is cleaned -- after any __init__ has added or changed its fields. A message a
form sets itself is kept. `tests/core/test_form_messages.py` walks every form class.
"""

from django import forms
from django.core import validators

# Codes raised by the validators Django attaches to fields (max_length, min_value …): a field maps a
# code to its own message only when its error_messages has the code.
VALIDATOR_DEFAULTS = {
    "max_length": validators.MaxLengthValidator.message,
    "min_length": validators.MinLengthValidator.message,
    "max_value": validators.MaxValueValidator.message,
    "min_value": validators.MinValueValidator.message,
    "step_size": validators.StepValueValidator.message,
    "max_digits": validators.DecimalValidator.messages["max_digits"],
    "max_decimal_places": validators.DecimalValidator.messages["max_decimal_places"],
    "max_whole_digits": validators.DecimalValidator.messages["max_whole_digits"],
    "null_characters_not_allowed": validators.ProhibitNullCharactersValidator.message,
}
CHOOSING = (forms.ChoiceField, forms.ModelChoiceField, forms.BooleanField, forms.NullBooleanField)


def django_defaults(field):
    """The messages Django itself gives `field` (its classes' defaults and its validators')."""
    defaults = dict(VALIDATOR_DEFAULTS)
    for cls in reversed(type(field).__mro__):
        if cls.__module__.startswith("django."):
            defaults.update(getattr(cls, "default_error_messages", {}))
    return defaults


def _invalid(field, label):
    if isinstance(field, forms.IntegerField):
        return f"{label}须为整数，请重新填写。"
    if isinstance(field, (forms.DecimalField, forms.FloatField)):
        return f"{label}须为数字，请重新填写。"
    if isinstance(field, forms.DateTimeField):
        return f"{label}格式不正确，请按“2025-03-01 09:00”的格式填写。"
    if isinstance(field, forms.DateField):
        return f"{label}格式不正确，请按“2025-03-01”的格式填写。"
    if isinstance(field, forms.EmailField):
        return f"{label}格式不正确，请填写如 name@example.com 的电子邮箱。"
    if isinstance(field, forms.FileField):
        return f"上传的{label}无效，请重新选择文件。"
    return f"{label}格式不正确，请检查后重新填写。"


def our_messages(field, label):
    """The project's wording for every code a field of this kind may raise. %-placeholders are
    filled by Django from the error's params (limit_value, show_value, max, value, pk), so in the
    messages of codes raised with params a "%" of the label is doubled (`p`)."""
    label = str(label)
    p = label.replace("%", "%%")
    if field.widget.is_hidden:  # nothing the user typed: the page is stale or was tampered with
        stale = "页面数据不完整或已过期，请刷新页面后重新提交。"
        return dict.fromkeys([*django_defaults(field), "required"], stale)
    if isinstance(field, forms.FileField):
        required = f"请选择要上传的{label}。"
        too_long = f"{p}的文件名过长（不能超过%(max)d个字符），请改短文件名后重新上传。"
    else:
        required = f"请选择{label}。" if isinstance(field, CHOOSING) else f"请填写{label}。"
        too_long = f"{p}不能超过%(limit_value)d个字（现为%(show_value)d个字），请删减后重新提交。"
    return {
        "required": required,
        "invalid": _invalid(field, label),
        "max_length": too_long,
        "min_length": f"{p}至少%(limit_value)d个字（现为%(show_value)d个字），请补充后重新提交。",
        "invalid_choice": f"{p}的选项无效，请从列表中重新选择。",
        "invalid_list": f"{label}的选择无效，请重新选择。",
        "invalid_pk_value": f"{p}的选项无效，请刷新页面后重新选择。",
        "min_value": f"{p}不能小于%(limit_value)s，请重新填写。",
        "max_value": f"{p}不能大于%(limit_value)s，请重新填写。",
        "step_size": f"{p}须为%(limit_value)s的整数倍，请重新填写。",
        "max_digits": f"{p}最多%(max)s位数字，请重新填写。",
        "max_decimal_places": f"{p}最多%(max)s位小数，请重新填写。",
        "max_whole_digits": f"{p}的整数部分最多%(max)s位，请重新填写。",
        "null_characters_not_allowed": f"{label}含有无效的空字符，请删除后重新提交。",
        "empty": f"上传的{label}是空文件，请重新选择。",
        "missing": f"没有收到{label}，请重新选择文件。",
        "contradiction": f"{label}：请选择新文件或勾选清除，不能同时进行。",
        "invalid_image": f"上传的{label}不是有效的图片，请重新选择。",
    }


def _codes_with_own_validator_messages(field):
    """Codes whose validator on this field carries a message of the project (RegexValidator(…,
    "学校标识码应为10位数字。", code="invalid")): a field-level message would override it."""
    return {
        v.code
        for v in field.validators
        if getattr(v, "code", None) and getattr(v, "message", None) is not VALIDATOR_DEFAULTS.get(v.code)
    }


def use_our_messages(field, name):
    """Replace each of `field`'s messages that is still Django's default by ours."""
    defaults = django_defaults(field)
    own_validators = _codes_with_own_validator_messages(field)
    for code, message in our_messages(field, field.label or name).items():
        current = field.error_messages.get(code)
        if current is None:
            # Not a code of the field: it can only come from a validator (max_length, min_value …).
            if code not in VALIDATOR_DEFAULTS or code in own_validators:
                continue
        elif current is not defaults.get(code):
            continue  # the form's own wording
        field.error_messages[code] = message


class ChineseMessages:
    """First base of every form: fields get the project's messages before cleaning."""

    def full_clean(self):
        for name, field in self.fields.items():
            use_our_messages(field, name)
        super().full_clean()


class Form(ChineseMessages, forms.Form):
    pass


class ModelForm(ChineseMessages, forms.ModelForm):
    pass
