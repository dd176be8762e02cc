"""Forms of 创建下级组织 (ORG-04, ORG-05, ORG-08)."""

from django import forms

from zhtj.core.excel import ExcelError, read_rows
from zhtj.core.forms import Form

from .choices import OrgCategory
from .naming import category_problem, creatable_categories, full_name_problem, short_name_problem
from .services import suggest_full_name
from .suborgs import batch_template


class SingleCreateForm(Form):
    """单个创建: category and short name; the 组织全称 is suggested and corrected before saving.

    An empty 组织全称 is not an error: the form is valid but `needs_full_name_check` is
    set and the suggestion filled in, so the view shows it for checking (ORG-05)."""

    # A CharField with a Select, not a ChoiceField: a category the parent may not create gets
    # the rule's own message (category_problem) instead of Django's generic "not a valid choice".
    category = forms.CharField(label="组织类别", widget=forms.Select, error_messages={"required": "请选择组织类别。"})
    name = forms.CharField(label="组织简称", max_length=100, error_messages={"required": "请填写组织简称。"})
    full_name = forms.CharField(label="组织全称", max_length=300, required=False)

    def __init__(self, parent, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent
        allowed = creatable_categories(parent)
        self.fields["category"].widget.choices = [(c, OrgCategory(c).label) for c in allowed]
        if OrgCategory.BRANCH in allowed:
            self.fields["category"].initial = OrgCategory.BRANCH
        self.needs_full_name_check = False
        self.suggestion = ""

    def clean_category(self):
        category = self.cleaned_data["category"]
        problem = category_problem(self.parent, category)
        if problem:
            raise forms.ValidationError(problem)
        return category

    def clean(self):
        data = super().clean()
        name, category = data.get("name"), data.get("category")
        if not name or not category:
            return data
        taken = set(self.parent.children.filter(name=name).values_list("name", flat=True))
        problem = short_name_problem(name, category, taken)
        if problem:
            self.add_error("name", problem)
            return data
        self.suggestion = suggest_full_name(self.parent, name)
        if not data.get("full_name"):
            self.needs_full_name_check = True
            data["full_name"] = self.suggestion
            return data
        problem = full_name_problem(data["full_name"])
        if problem:
            self.add_error("full_name", problem)
        return data


class BatchUploadForm(Form):
    """批量创建: the filled-in template; the file as a whole is checked here (ORG-08, SEC-05)."""

    file = forms.FileField(
        label="Excel 文件",
        error_messages={"required": "请选择要上传的 Excel 文件。", "empty": "上传的文件是空的。"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            rows = read_rows(upload, batch_template())
        except ExcelError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not rows:
            raise forms.ValidationError("表格中没有要创建的组织，请在模板中填写组织简称和组织类别后再上传。")
        self.rows = rows
        return upload
