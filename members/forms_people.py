"""The person forms: entry (MEM-06), admin edit (ROLE-08), the member's own edit (ME-01).

The fields only carry text and choices; `clean()` hands them to validation.check_person
(and check_post for a cadre), where every MEM rule lives. Django's own "required"
is off, so each missing field gets the rules' own message, once."""

from django import forms

from zhtj.core.forms import Form

from .choices import (
    AppointmentMethod,
    DutyStatus,
    Education,
    Ethnicity,
    Gender,
    Occupation,
    PoliticalStatus,
    PostNature,
    PostTitle,
    StudyStatus,
)
from .models import Person
from .validation import IDENTITY_FIELDS, Context, check_person, check_post

YES_NO = [("", "请选择"), ("1", "是"), ("0", "否")]
MONTH_HELP = "格式：2015-05"


def _select(label, choices):
    # A value off the list (a tampered form) gets the words the rules use for an import row.
    invalid = f"{label}“%(value)s”无效，请从列表中选择。"
    return forms.ChoiceField(
        label=label, choices=[("", "请选择"), *choices], required=False, error_messages={"invalid_choice": invalid}
    )


def _month(label):
    return forms.CharField(
        label=label,
        required=False,
        max_length=20,
        help_text=MONTH_HELP,
        widget=forms.TextInput(attrs={"placeholder": "2015-05"}),
    )


def _flag(value):
    return {"1": True, "0": False}.get(value)


def _flag_initial(value):
    return {True: "1", False: "0"}.get(value, "")


class PersonForm(Form):
    """MEM-01's personal fields; `cadre` adds the post fields (required), `identity=False`
    shows name/gender/ID read-only (ROLE-08: only a provincial admin edits them)."""

    name = forms.CharField(label="姓名", max_length=30, required=False)
    gender = _select("性别", Gender.choices)
    id_number = forms.CharField(label="身份证号码", max_length=32, required=False)
    ethnicity = _select("民族", Ethnicity.choices)
    education = _select("学历", Education.choices)
    occupation = _select("职业", Occupation.choices)
    study_status = _select("在读状况（学生填写）", StudyStatus.choices)
    occupation_detail = forms.CharField(label="具体职业（非学生填写）", max_length=50, required=False)
    political_status = _select("政治面貌", PoliticalStatus.choices)
    joined_month = _month("入团时间")
    development_number = forms.CharField(
        label="发展团员编号",
        max_length=20,
        required=False,
        help_text="12位数字，前四位为入团年份；2017年1月1日及以后入团的必填（新疆地区2016年起），见《入团志愿书》首页。",
    )
    party_joined_month = _month("入党时间")
    mobile = forms.CharField(label="手机号码", max_length=20, required=False)
    party_application_submitted = forms.ChoiceField(
        label="是否递交入党申请书", choices=YES_NO, required=False, help_text="未满18周岁的可不填。"
    )
    party_application_date = _month("递交入党申请书时间")
    is_volunteer = forms.ChoiceField(
        label="是否成为注册志愿者",
        choices=YES_NO,
        required=False,
        help_text="团干部要做团员和青年的表率，都应率先成为注册志愿者；尚未注册的可下载“志愿者打卡器”APP进行注册。",
    )
    volunteer_since = _month("成为注册志愿者时间")

    REQUIRED = {
        "name",
        "gender",
        "id_number",
        "ethnicity",
        "education",
        "occupation",
        "political_status",
        "joined_month",
        "mobile",
        "is_volunteer",
    }
    POST_FIELDS = ("title", "started_on", "appointment_method", "nature", "is_party_committee_member", "duty_status")

    def __init__(self, *args, org=None, cadre=False, instance=None, identity=True, existing_ok=False, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(instance)
        super().__init__(*args, **kwargs)
        self.org, self.cadre, self.instance, self.identity = org, cadre, instance, identity
        # 录入本级团干部: a person already in the system is fine (they only get the post).
        self.existing_ok = existing_ok
        if cadre:
            self.fields["title"] = _select("团内现任职务", PostTitle.choices)
            self.fields["started_on"] = _month("任现职年月")
            self.fields["appointment_method"] = _select("任现职方式", AppointmentMethod.choices)
            self.fields["nature"] = _select("团干部性质", PostNature.choices)
            self.fields["nature"].help_text = (
                "专职：在单独设置的团的组织机构中有正式编制（或岗位设置）、以团的工作为主要任务；"
                "挂职：明确挂任一定职务、一般脱离原单位且挂职时间不少于1年；"
                "兼职：日常有自己的主要学业或职业、不以团的工作为主要任务。学生团干部均按兼职录入。"
            )
            self.fields["is_party_committee_member"] = forms.ChoiceField(
                label="是否同级党(工)委(党支部)委员", choices=YES_NO, required=False
            )
            self.fields["duty_status"] = _select("在岗状态", DutyStatus.choices)
        if not identity:
            for name in IDENTITY_FIELDS:
                self.fields[name].disabled = True
        self.person_clean, self.post_clean = {}, {}

    @staticmethod
    def initial_for(person):
        from .choices import Occupation as Occ

        data = {
            name: getattr(person, name)
            for name in (
                "name",
                "gender",
                "id_number",
                "ethnicity",
                "education",
                "occupation",
                "political_status",
                "development_number",
                "mobile",
            )
        }
        if person.occupation == Occ.STUDENT:
            data["study_status"] = person.occupation_detail
        else:
            data["occupation_detail"] = person.occupation_detail
        for name in ("joined_month", "party_joined_month", "party_application_date", "volunteer_since"):
            value = getattr(person, name)
            data[name] = f"{value:%Y-%m}" if value else ""
        data["party_application_submitted"] = _flag_initial(person.party_application_submitted)
        data["is_volunteer"] = _flag_initial(person.is_volunteer)
        return data

    @property
    def required_names(self):
        names = set(self.REQUIRED)
        if self.cadre:
            names |= set(self.POST_FIELDS)
        return names

    def clean(self):
        data = super().clean()
        values = dict(data)
        if not self.identity:
            for name in IDENTITY_FIELDS:
                values[name] = getattr(self.instance, name)
        for name in ("party_application_submitted", "is_volunteer", "is_party_committee_member"):
            values[name] = _flag(values.get(name))
        ctx = Context.build(self.org, [values])
        instance = self.instance
        if self.existing_ok and instance is None and ctx.id_owners:
            instance = Person(pk=next(iter(ctx.id_owners.values())))
        self.person_clean, errors = check_person(values, ctx, instance=instance)
        if self.cadre:
            self.post_clean, post_errors = check_post(values, ctx)
            errors |= post_errors
        for name, message in errors.items():
            if name in self.errors:  # the field itself refused the value: one message is enough
                continue
            self.add_error(name if name in self.fields else None, message)
        return data


class EditableFields:
    """Which fields an editor may save (ROLE-08): identity fields only for a provincial admin."""

    PERSONAL = (
        "ethnicity",
        "education",
        "occupation",
        "occupation_detail",
        "political_status",
        "joined_month",
        "development_number",
        "party_joined_month",
        "mobile",
        "party_application_submitted",
        "party_application_date",
        "is_volunteer",
        "volunteer_since",
    )

    @classmethod
    def for_editor(cls, identity):
        return cls.PERSONAL + (IDENTITY_FIELDS if identity else ())


class DeletionRequestForm(Form):
    explanation = forms.CharField(
        label="删除原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "请填写删除原因。",
            "max_length": "删除原因不能超过%(limit_value)d字，当前为%(show_value)d字。",
        },
    )


class VerifyForm(Form):
    ids = forms.CharField(required=False)
