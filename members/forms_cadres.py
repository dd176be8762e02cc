"""Forms of 团干部管理: 职务变更 (CAD-01), 移除团干部 (CAD-02), 团干部培训 (CAD-03), with the
definitions of CAD-05 as help text."""

import re
from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhtj.core.forms import Form, ModelForm

from .choices import NATURE_HELP, PostNature, PostTitle, RemovalDestination
from .models_cadres import CadreTraining

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
EARLIEST = date(1950, 1, 1)


class MonthInput(forms.TextInput):
    input_type = "month"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kw):
        super().__init__(format="%Y-%m-%d", **kw)


class MonthField(forms.CharField):
    """'2024-09' → date(2024, 9, 1); not in the future, not before 1950."""

    widget = MonthInput

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        match = _MONTH.match(text)
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValidationError("任现职年月格式不正确，请按“2024-09”的格式填写年和月。")
        value = date(int(match[1]), int(match[2]), 1)
        if value < EARLIEST or value > timezone.localdate().replace(day=1):
            raise ValidationError(f"任现职年月须在 {EARLIEST.year} 年 1 月至当前月份之间。")
        return value


class PostChangeForm(Form):
    title = forms.ChoiceField(label="新职务（团内现任职务）", choices=PostTitle.choices)
    nature = forms.ChoiceField(label="团干部性质", choices=PostNature.choices, help_text=NATURE_HELP)
    started_on = MonthField(label="任现职年月")


class RemovalForm(Form):
    destination = forms.ChoiceField(label="移除去向", choices=[("", "请选择")] + RemovalDestination.choices)
    destination_other = forms.CharField(
        label="具体去向（选择“其他”时必填）", required=False, max_length=settings.ZHTJ["REMOVAL_OTHER_MAX_LENGTH"]
    )

    def clean(self):
        data = super().clean()
        other = data.get("destination_other")  # None when the field itself was refused
        if data.get("destination") == RemovalDestination.OTHER and other is not None and not other.strip():
            self.add_error("destination_other", "选择“其他”去向时，请填写具体去向。")
        return data


class TrainingForm(ModelForm):
    class Meta:
        model = CadreTraining
        fields = ("name", "start_on", "end_on", "organizer", "hours")
        widgets = {"start_on": DateInput(), "end_on": DateInput()}
        error_messages = {
            "start_on": {"invalid": "开始日期格式不正确，请按“2025-03-01”的格式填写。"},
            "end_on": {"invalid": "结束日期格式不正确，请按“2025-03-01”的格式填写。"},
            "hours": {"invalid": "学时须为数字，最多一位小数。", "max_decimal_places": "学时最多一位小数。"},
        }

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        limit = settings.ZHTJ["TRAINING_MAX_HOURS"]
        if hours is not None and not 0 < hours <= limit:
            raise ValidationError(f"学时须大于 0 且不超过 {limit}。")
        return hours

    def clean(self):
        data = super().clean()
        start, end = data.get("start_on"), data.get("end_on")
        today = timezone.localdate()
        if start and start.year < EARLIEST.year:
            self.add_error("start_on", f"开始日期不能早于 {EARLIEST.year} 年。")
        if start and start > today:
            self.add_error("start_on", "开始日期不能晚于今天：请录入已参加的培训。")
        if start and end and end < start:
            self.add_error("end_on", "结束日期不能早于开始日期。")
        return data
