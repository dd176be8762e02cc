"""The 团支部自检表 form (REC-01): one 好 / 一般 / 较差 choice per item, all required."""

from django import forms

from zhtj.core.forms import Form

from .choices import CHECK_ITEMS, Rating


class SelfCheckForm(Form):
    month = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, section, text in CHECK_ITEMS:
            self.fields[code] = forms.ChoiceField(
                label=text,
                choices=Rating.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "请选择该项的自检结果。", "invalid_choice": "请从“好、一般、较差”中选择。"},
            )
            self.fields[code].section = section

    def answers(self):
        return {code: self.cleaned_data[code] for code, _, _ in CHECK_ITEMS}

    def sections(self):
        """[(section, [bound fields])] for the template."""
        grouped = {}
        for code, section, _ in CHECK_ITEMS:
            grouped.setdefault(section, []).append(self[code])
        return list(grouped.items())
