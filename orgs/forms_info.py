"""本组织信息 (ORG-06, ORG-07) and the key-domain answers (ORG-14): the forms and their saving.

The fields a user may never change (组织简称, 组织全称, 组织类别; 单位所属行业类别 and
学校标识码 once filled; key-domain answers once given) are simply not fields of these
forms, so a tampered POST carrying them is ignored. Saving re-reads the org under a row
lock and refuses (WorkflowError → 409) when another admin filled a frozen field meanwhile.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import transaction
from django.utils import timezone

from zhtj.core.forms import Form
from zhtj.core.idnumber import normalize_id_number
from zhtj.core.names import person_name_problem
from zhtj.core.workflow import WorkflowError

from .choices import SCHOOL_INDUSTRIES, EnterpriseLevel, Industry, OrgCategory
from .completeness import STAFFING_FIELDS, key_domain_missing, required_fields
from .models import Organization

# 固定电话 (区号-号码[-分机]), 11-digit mobile, or a 400 number.
PHONE_RE = r"^(?:0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|1[3-9]\d{9}|400-?\d{3}-?\d{4})$"
MOBILE_RE = r"^1[3-9]\d{9}$"
SCHOOL_CODE_RE = r"^\d{10}$"  # 教育部 学校标识码: 10 digits

phone_validator = RegexValidator(
    PHONE_RE, "联系电话格式不正确：请填写固定电话（如 0532-86981234）或11位手机号码。", code="invalid"
)
mobile_validator = RegexValidator(MOBILE_RE, "手机号码格式不正确：应为以1开头的11位数字。", code="invalid")
school_code_validator = RegexValidator(SCHOOL_CODE_RE, "学校标识码应为10位数字。", code="invalid")

# The org fields this form may write, besides industry and school_code (first entry only).
EDITABLE_FIELDS = (
    "phone",
    "email",
    *STAFFING_FIELDS,
    "secretary_name",
    "secretary_id_number",
    "secretary_mobile",
    "youth_count",
    "party_recommended_count",
)


def _label(field):
    return Organization._meta.get_field(field).verbose_name


class CountField(forms.IntegerField):
    """A whole number; a value of only spaces counts as blank (so a required one says "请填写")."""

    def to_python(self, value):
        return super().to_python(value.strip() if isinstance(value, str) else value)


def count_field(field, *, required, min_value=0, max_value, hint=""):
    label = _label(field)
    return CountField(
        label=label,
        required=required,
        min_value=min_value,
        max_value=max_value,
        help_text=hint,
        error_messages={
            "required": f"请填写{label}{'，没有须填“0”' if min_value == 0 else ''}。",
            "invalid": f"{label}须为整数。",
            "min_value": f"{label}不能小于{min_value}。",
            "max_value": f"{label}不能超过{max_value}。",
        },
    )


def text_field(field, *, required, max_length, validators=(), hint=""):
    label = _label(field)
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        validators=list(validators),
        help_text=hint,
        error_messages={"required": f"请填写{label}。", "max_length": f"{label}不能超过{max_length}个字符。"},
    )


def industry_editable(org):
    """ORG-06: the org's own admin picks the industry once; after that it is frozen."""
    return not org.industry and org.category != OrgCategory.LEADERSHIP


def school_code_editable(org):
    """学校标识码: entered once by a school-domain committee (团委/团工委/团总支)."""
    if org.school_code or not org.is_committee_kind:
        return False
    return industry_editable(org) or org.industry in SCHOOL_INDUSTRIES


class OrgInfoForm(Form):
    """The acting org's own info, with the red-marked fields of its category (ORG-07)."""

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        limits = settings.ZHTJ
        required = set(required_fields(org.category))
        fields = {}
        if industry_editable(org):
            fields["industry"] = forms.ChoiceField(
                label=_label("industry"),
                choices=[("", "请选择")] + list(Industry.choices),
                help_text="单位所属行业类别填写后不可修改，请仔细核对。",
                error_messages={
                    "required": "请选择单位所属行业类别。",
                    "invalid_choice": "请从列表中选择单位所属行业类别。",
                },
            )
        if school_code_editable(org):
            fields["school_code"] = text_field(
                "school_code",
                required=False,
                max_length=10,
                validators=[school_code_validator],
                hint="仅学校本级团委填写教育部颁发的10位学校标识码，院系团委、年级团总支请勿填写；填写后不可修改。",
            )
        fields["phone"] = text_field("phone", required="phone" in required, max_length=32, validators=[phone_validator])
        fields["email"] = forms.EmailField(
            label=_label("email"),
            required="email" in required,
            max_length=254,
            error_messages={"required": "请填写电子邮箱。", "invalid": "电子邮箱格式不正确。"},
        )
        if not org.is_branch_kind:
            for field in STAFFING_FIELDS:
                fields[field] = count_field(
                    field, required=True, max_value=limits["ORG_STAFFING_MAX"], hint="请如实填写，没有须填“0”。"
                )
        fields["secretary_name"] = text_field("secretary_name", required=True, max_length=50)
        fields["secretary_id_number"] = text_field("secretary_id_number", required=True, max_length=18)
        fields["secretary_mobile"] = text_field(
            "secretary_mobile", required=True, max_length=11, validators=[mobile_validator]
        )
        fields["youth_count"] = count_field(
            "youth_count",
            required=False,
            max_value=limits["ORG_YOUTH_COUNT_MAX"],
            hint=f"不能超过{limits['ORG_YOUTH_COUNT_MAX']}",
        )
        fields["party_recommended_count"] = count_field(
            "party_recommended_count",
            required=False,
            max_value=limits["ORG_PARTY_RECOMMENDED_MAX"],
            hint=f"不能超过{limits['ORG_PARTY_RECOMMENDED_MAX']}",
        )
        self.fields.update(fields)
        if not self.is_bound:
            self.initial = {name: getattr(org, name) for name in self.fields}

    def clean_secretary_name(self):
        value = self.cleaned_data["secretary_name"]
        if problem := person_name_problem(value, "书记姓名"):  # MEM-01's rule for any person's name
            raise ValidationError(problem)
        return value

    def clean_secretary_id_number(self):
        value = self.cleaned_data["secretary_id_number"]
        try:
            return normalize_id_number(value)
        except ValidationError as exc:
            raise ValidationError(f"书记身份证号码不正确：{exc.messages[0]}") from None

    def clean(self):
        data = super().clean()
        code = data.get("school_code")
        if code:
            industry = data.get("industry", self.org.industry)
            if industry not in SCHOOL_INDUSTRIES:
                self.add_error(
                    "school_code", "只有学校领域（单位所属行业类别为各类院校、学校）的组织可以填写学校标识码。"
                )
            elif Organization.objects.filter(school_code=code).exclude(pk=self.org.pk).exists():
                self.add_error("school_code", "该学校标识码已被其他组织使用，请核对。")
        return data

    def save(self):
        """Write the form to the org in one transaction; the first save freezes the industry (ORG-06)."""
        data = self.cleaned_data
        with transaction.atomic():
            org = Organization.objects.select_for_update().get(pk=self.org.pk)
            changed = [f for f in EDITABLE_FIELDS if f in data]
            for field in changed:
                setattr(org, field, data[field])
            if "industry" in data:
                if org.industry and org.industry != data["industry"]:
                    raise WorkflowError("单位所属行业类别已由本组织其他管理员填写，不可修改，请刷新页面后核对。")
                org.industry = data["industry"]
                changed.append("industry")
            if data.get("school_code"):
                if org.school_code and org.school_code != data["school_code"]:
                    raise WorkflowError("学校标识码已由本组织其他管理员填写，不可修改，请刷新页面后核对。")
                org.school_code = data["school_code"]
                changed.append("school_code")
            if org.info_submitted_at is None:
                org.info_submitted_at = timezone.now()
                changed.append("info_submitted_at")
            org.save(update_fields=changed)
        return org


class KeyDomainForm(Form):
    """ORG-14: the key-domain answers the org still owes; answered ones are not fields."""

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        missing = key_domain_missing(org)
        if "student_count" in missing:
            self.fields["student_count"] = count_field(
                "student_count",
                required=True,
                min_value=1,
                max_value=settings.ZHTJ["STUDENT_COUNT_MAX"],
                hint="全日制在校学生总数（含本专科生、研究生）。提交后不可修改。",
            )
        if "enterprise_level" in missing:
            self.fields["enterprise_level"] = forms.ChoiceField(
                label=_label("enterprise_level"),
                choices=[("", "请选择")] + list(EnterpriseLevel.choices),
                help_text="提交后不可修改。",
                error_messages={"required": "请选择企业层级。", "invalid_choice": "请从列表中选择企业层级。"},
            )
        if "enterprise_location" in missing:
            self.fields["enterprise_location"] = text_field(
                "enterprise_location",
                required=True,
                max_length=100,
                hint="企业所在的省、市、县（区），如：山东省青岛市黄岛区。提交后不可修改。",
            )

    def save(self):
        """Record the answers and freeze them (key_domain_submitted_at)."""
        with transaction.atomic():
            org = Organization.objects.select_for_update().get(pk=self.org.pk)
            still_missing = set(key_domain_missing(org))
            if not set(self.cleaned_data) <= still_missing:
                raise WorkflowError("重点领域信息已由本组织其他管理员提交，不可修改，请刷新页面后核对。")
            for field, value in self.cleaned_data.items():
                setattr(org, field, value)
            org.key_domain_submitted_at = timezone.now()
            org.save(update_fields=[*self.cleaned_data, "key_domain_submitted_at"])
        return org


def key_domain_answers(org):
    """The key-domain answers already given, as (label, shown value) pairs."""
    shown = []
    for field in ("student_count", "enterprise_level", "enterprise_location"):
        value = getattr(org, field)
        if value in (None, ""):
            continue
        if field == "enterprise_level" and value in EnterpriseLevel.values:
            value = EnterpriseLevel(value).label
        shown.append((_label(field), value))
    return shown
