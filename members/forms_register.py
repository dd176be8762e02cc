"""管理员注册 (ORG-09, MEM-02, MEM-03): the forms and the one transaction that registers.

Step 1 (CodeForm): the registrant states the org (its 组织全称 or 简称, as the superior
handed it out with the code) and the code; the code must be usable and belong to that
org. Step 2 (RegisterForm) repeats both as hidden fields, so everything is checked
again on the final post, and adds 团内职务, the personal info and the password.
"""

import re

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from orgs import codes
from zhtj.core import audit
from zhtj.core.forms import Form
from zhtj.core.idnumber import birth_date_of, normalize_id_number
from zhtj.core.names import person_name_problem
from zhtj.core.workflow import WorkflowError

from .choices import PostTitle
from .models import CadrePost, Person
from .rules import in_xinjiang, joining_age_problem, parse_year_month
from .services import grant_admin

ALREADY_REGISTERED = "该身份证号码已注册，请直接登录；如需成为管理员，请由本组织通过管理员变更办理"
MOBILE = re.compile(r"1[3-9]\d{9}")


def admins_full_message():
    n = settings.ZHTJ["ADMINS_PER_ORG"]
    return (
        f"该组织已有{n}名管理员，不能再通过管理员注册添加管理员。"
        "如需更换管理员，请由本组织或上级组织通过管理员变更办理。"
    )


def admins_full(org):
    return CadrePost.objects.admins().filter(org=org).count() >= settings.ZHTJ["ADMINS_PER_ORG"]


class RegistrationRefused(Exception):
    """Refused inside the registration transaction (the state changed since the form was
    checked); the message is for the user."""


class MonthInput(forms.TextInput):
    input_type = "month"


class TelInput(forms.TextInput):
    input_type = "tel"


class CodeForm(Form):
    org_name = forms.CharField(
        label="注册的团组织",
        max_length=300,
        help_text="填写上级组织下发注册码时提供的组织全称或组织简称。",
        error_messages={"required": "请填写要注册的团组织名称。", "max_length": "组织名称过长。"},
    )
    code = forms.CharField(
        label="管理员注册码",
        max_length=32,
        help_text="8位数字和字母组合，区分大小写，有效期20天，仅限一人使用。",
        error_messages={"required": "请填写管理员注册码。", "max_length": codes.FORMAT},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = None
        self.fields[
            "code"
        ].help_text = (
            f"8位数字和字母组合，区分大小写，有效期{settings.ZHTJ['REGISTRATION_CODE_DAYS']}天，仅限一人使用。"
        )

    def clean_code(self):
        try:
            return codes.clean_code_text(self.cleaned_data["code"])
        except codes.CodeRefused as exc:
            raise ValidationError(str(exc), code="format") from None

    def clean(self):
        data = super().clean()
        text, org_name = data.get("code"), data.get("org_name")
        if not text or not org_name:
            return data
        try:
            code = codes.usable_for(text, org_name)
        except codes.CodeRefused as exc:
            field = "org_name" if str(exc) == codes.OTHER_ORG else "code"
            self.add_error(field, str(exc))
            return data
        if admins_full(code.org):
            self.add_error(None, admins_full_message())
            return data
        self.org = code.org
        return data

    @property
    def back_to_step1(self):
        """The org/code part failed: the registrant must correct it on step 1."""
        return self.is_bound and self.org is None


class RegisterForm(CodeForm):
    title = forms.ChoiceField(
        label="团内职务",
        choices=[("", "请选择团内职务")] + PostTitle.choices,
        error_messages={"required": "请选择团内职务。", "invalid_choice": "请从列表中选择团内职务。"},
    )
    id_number = forms.CharField(label="身份证号码", max_length=32, error_messages={"required": "请输入身份证号码。"})
    name = forms.CharField(
        label="姓名", max_length=50, error_messages={"required": "请填写姓名。", "max_length": "姓名不能超过50个字符。"}
    )
    mobile = forms.CharField(
        label="手机号码", max_length=20, widget=TelInput, error_messages={"required": "请填写手机号码。"}
    )
    joined_month = forms.CharField(
        label="入团年月",
        max_length=20,
        widget=MonthInput,
        help_text="格式如 2015-05。入团时须年满13周岁（2017年以前入团的须年满12周岁；新疆地区均须年满13周岁）。",
        error_messages={"required": "请填写入团年月。"},
    )
    password1 = forms.CharField(
        label="登录密码",
        strip=False,
        widget=forms.PasswordInput,
        help_text=password_validation.password_validators_help_text_html(),
        error_messages={"required": "请设置登录密码。"},
    )
    password2 = forms.CharField(
        label="确认登录密码",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "请再次输入登录密码。"},
    )

    def clean_id_number(self):
        value = normalize_id_number(self.cleaned_data.get("id_number"))
        if Person.objects.filter(id_number=value).exists():
            raise ValidationError(ALREADY_REGISTERED, code="registered")
        return value

    def clean_name(self):
        value = " ".join(self.cleaned_data["name"].split())
        if problem := person_name_problem(value):  # MEM-01, as for everyone entered or imported
            raise ValidationError(problem)
        return value

    def clean_mobile(self):
        value = self.cleaned_data["mobile"].strip().replace(" ", "").replace("-", "")
        if not MOBILE.fullmatch(value):
            raise ValidationError("手机号码应为11位中国大陆手机号码（以1开头）。", code="invalid")
        return value

    def clean_joined_month(self):
        return parse_year_month(self.cleaned_data.get("joined_month"))

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "两次输入的密码不一致。")
        elif p1 and data.get("id_number"):

            class _Who:  # the validators need the ID number; the person doesn't exist yet
                id_number = data["id_number"]

            try:
                password_validation.validate_password(p1, _Who)
            except ValidationError as exc:
                self.add_error("password1", exc)
        joined, id_number = data.get("joined_month"), data.get("id_number")
        if self.org is not None and joined and id_number:
            problem = joining_age_problem(birth_date_of(id_number), joined, in_xinjiang(self.org))
            if problem:
                self.add_error("joined_month", problem)
        return data

    def save(self):
        data = self.cleaned_data
        return register_admin(
            org=self.org,
            org_name=data["org_name"],
            code_text=data["code"],
            title=data["title"],
            id_number=data["id_number"],
            name=data["name"],
            mobile=data["mobile"],
            joined_month=data["joined_month"],
            password=data["password1"],
        )


def register_admin(*, org, org_name, code_text, title, id_number, name, mobile, password, joined_month=None):
    """One transaction: lock the code row and check it again, create the person (in the org
    if it is branch-kind), the cadre post, the admin slot, and mark the code used. Any
    refusal rolls everything back and leaves the code unused."""
    try:
        with transaction.atomic():
            code = codes.usable_for(code_text, org_name, lock=True)
            if code.org_id != org.pk:
                raise codes.CodeRefused(codes.OTHER_ORG)
            if Person.objects.filter(id_number=id_number).exists():
                raise RegistrationRefused(ALREADY_REGISTERED)
            person = Person.objects.create_user(
                id_number,
                password=password,
                name=name,
                mobile=mobile,
                joined_month=joined_month,
                branch=org if org.is_branch_kind else None,
            )
            post = CadrePost.objects.create(person=person, org=org, title=title)
            try:
                grant_admin(post)
            except WorkflowError:
                raise RegistrationRefused(admins_full_message()) from None
            codes.consume(code, person)
            audit.record(person, "admin_registered", note=f"通过管理员注册码注册为{org.name}管理员", actor=person)
    except codes.CodeRefused as exc:
        raise RegistrationRefused(str(exc)) from None
    except IntegrityError:
        # Someone registered the same ID number (or took the last admin slot) a moment ago.
        if Person.objects.filter(id_number=id_number).exists():
            raise RegistrationRefused(ALREADY_REGISTERED) from None
        raise RegistrationRefused(admins_full_message()) from None
    return person
