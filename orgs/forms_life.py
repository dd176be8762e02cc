"""Forms of 组织生活 (ORG-18): 会议发布, 团课上传, 活动发布 — one form, labelled by kind."""

from django import forms
from django.contrib.auth import get_user_model

from zhtj.core.forms import ModelForm

from .choices import MEETING_KINDS, LifeKind
from .life import date_bounds, duplicate_message
from .models_life import CONTENT_MAX_LENGTH, TOPIC_MAX_LENGTH, LifeRecord

# (topic label, date label) per kind, in the seed's words.
LABELS = {
    LifeKind.LECTURE: ("团课名称", "授课时间"),
    LifeKind.ACTIVITY: ("活动名称", "活动时间"),
}
MEETING_LABELS = ("会议主题", "会议时间")


class ParticipantsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        return person.name

    def _check_values(self, value):
        # A tampered id too large for the database column is refused here, not by a 500.
        for pk in value:
            if not str(pk).isdigit() or len(str(pk)) > 12:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class LifeRecordForm(ModelForm):
    """A record of `branch`. Participants are chosen from the branch's own members: the
    field's queryset is the rule (ORG-18), so anyone else is refused with a clear message."""

    kind = forms.ChoiceField(label="会议类型", choices=[(k.value, k.label) for k in MEETING_KINDS])

    class Meta:
        model = LifeRecord
        fields = ["kind", "date", "topic", "place", "lecturer", "content", "participants"]

    def __init__(self, *args, branch, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.branch = branch
        self.group = "meeting" if kind in MEETING_KINDS else kind
        topic_label, date_label = LABELS.get(kind, MEETING_LABELS)
        if self.group != "meeting":
            # 团课 and 团日活动 have a fixed kind; only 会议发布 chooses among the 三会.
            del self.fields["kind"]
            self.instance.kind = kind
        if self.group != LifeKind.LECTURE:
            del self.fields["lecturer"]
        else:
            self.fields["lecturer"].required = True
            del self.fields["place"]
        if "place" in self.fields:
            self.fields["place"].required = True
            self.fields["place"].label = "活动地点" if kind == LifeKind.ACTIVITY else "会议地点"
        self.fields["topic"].label = topic_label
        self.fields["topic"].max_length = TOPIC_MAX_LENGTH
        self.fields["date"].label = date_label
        self.fields["date"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["content"].widget = forms.Textarea(attrs={"rows": 4, "maxlength": CONTENT_MAX_LENGTH})
        self.fields["content"].label = "主要内容"
        self.fields["participants"] = ParticipantsField(
            label="参加人员" if self.group != "meeting" else "参会人员",
            queryset=self._choosable(branch),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "invalid_choice": "所选参加人员（编号%(value)s）不是本团支部的团员，只能从本支部团员中选择。",
                "invalid_pk_value": "参加人员“%(pk)s”无效，请从本支部团员中勾选。",
            },
        )
        for name, field in self.fields.items():
            field.error_messages.setdefault("required", f"请填写{field.label}。")
            field.error_messages["required"] = f"请填写{field.label}。"
            if name == "date":
                field.error_messages["invalid"] = "日期格式不正确，请按 年-月-日 填写。"

    def _choosable(self, branch):
        """The branch's members, plus anyone already recorded (a participant who has since
        transferred out stays on the record when it is edited)."""
        people = get_user_model().objects.filter(branch=branch)
        if self.instance.pk:
            people = people | get_user_model().objects.filter(life_records=self.instance)
        return people.distinct().order_by("name")

    def clean_topic(self):
        topic = self.cleaned_data["topic"].strip()
        if not topic:
            raise forms.ValidationError(f"请填写{self.fields['topic'].label}。")
        return topic

    def clean_date(self):
        value = self.cleaned_data["date"]
        earliest, latest = date_bounds()
        if value > latest:
            raise forms.ValidationError(f"日期不能晚于{latest:%Y-%m-%d}。")
        if value < earliest:
            raise forms.ValidationError(f"日期不能早于{earliest:%Y-%m-%d}。")
        return value

    def clean(self):
        data = super().clean()
        kind = data.get("kind", self.instance.kind if self.group != "meeting" else None)
        if kind and data.get("date") and data.get("topic"):
            same = LifeRecord.objects.filter(
                branch=self.branch, kind=kind, date=data["date"], topic=data["topic"]
            ).exclude(pk=self.instance.pk)
            if same.exists():
                record = LifeRecord(kind=kind, date=data["date"], topic=data["topic"])
                raise forms.ValidationError(duplicate_message(record))
        return data

    def validate_unique(self):
        """The natural key is checked in clean() with the branch; the constraint backs it up."""
