import uuid

from django import template
from django.http import QueryDict
from django.middleware.csrf import get_token
from django.utils.html import format_html

from ..middleware import ONCE_FIELD
from ..paths import path_for as _path_for
from ..workflow import SEEN_STATE

register = template.Library()


@register.simple_tag
def path_for(name, pk):
    """{% path_for 'members:detail' p.pk %}: the {% url %} of a one-id URL, for rows of long lists
    (zhtj/core/paths.py)."""
    return _path_for(name, pk)


@register.simple_tag(takes_context=True)
def left_menu(context):
    """{% left_menu %}: the base layout's menu (`menu` of the shell context), its HTML kept per
    process (zhtj/core/navigation.py menu_html)."""
    from ..navigation import menu_html

    return menu_html(context.get("menu") or [], context["request"].path)


@register.simple_tag
def history_rows(history):
    """{% history_rows history as rows %}: audit rows with their referenced names loaded (one
    query per referenced model for the list, zhtj/core/audit.py with_names)."""
    from ..audit import with_names

    return with_names(history or ())


def guard_inputs(csrf_token):
    """The hidden inputs of {% form_guard %}: the CSRF token and a one-time submit token (BEY-06).
    For rows rendered in Python (members/tables.py) as well as for templates."""
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}"><input type="hidden" name="{}" value="{}">',
        csrf_token,
        ONCE_FIELD,
        uuid.uuid4().hex,
    )


@register.simple_tag(takes_context=True)
def form_guard(context, obj=None):
    """CSRF token plus a one-time submit token (BEY-06). Every POST form uses this. A form acting
    on a workflow item names it, `{% form_guard item %}`, and posts the state it was rendered in
    (SEC-04: a step taken meanwhile is then 409, never a second step)."""
    # The context's token is masked once per page; get_token() would mask a new one per form (32
    # random characters each: measurable on a list with a form in every row).
    inputs = guard_inputs(context.get("csrf_token") or get_token(context["request"]))
    if obj is None:
        return inputs
    return inputs + seen_state_input(obj)


@register.simple_tag
def seen_state_input(obj):
    """The hidden `seen_state` of a form acting on one workflow item (SEC-04)."""
    return format_html('<input type="hidden" name="{}" value="{}">', SEEN_STATE, obj.state)


@register.simple_tag
def row_seen_state(obj, form=""):
    """The state a row of a batch form was rendered in, `seen_state_<pk>` (SEC-04); `form` names
    the form when the row sits outside it."""
    if form:
        return format_html(
            '<input type="hidden" name="{}_{}" value="{}" form="{}">', SEEN_STATE, obj.pk, obj.state, form
        )
    return format_html('<input type="hidden" name="{}_{}" value="{}">', SEEN_STATE, obj.pk, obj.state)


@register.simple_tag(takes_context=True)
def person_panels(context, person):
    """The panels higher apps registered for a person's page (zhtj.core.panels)."""
    return slot_panels(context, "person", person)


@register.simple_tag(takes_context=True)
def slot_panels(context, slot, person):
    """The panels higher apps registered for a named place on a page (zhtj.core.panels)."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from .. import panels

    request = context["request"]
    html = [
        render_to_string(template, {"panel_title": title, **extra}, request=request)
        for title, template, extra in panels.for_slot(slot, request, person)
    ]
    return mark_safe("".join(html))


@register.simple_tag(takes_context=True)
def table_rows(context, table, rows):
    """{% table_rows table page %}: the <tr>s of a list rendered by a Python table (an app's
    tables.py), with the page's CSRF token for the row forms."""
    token = context.get("csrf_token") or get_token(context["request"])
    return table(rows, str(token))


@register.filter
def input_value(field):
    """What a bound field's <input value> holds, by its widget's own rule (Django's): nothing for
    None or "", every other value as text — a stored 0 shows as 0. A date input holds ISO
    (YYYY-MM-DD) whatever the locale writes dates as: the browser shows nothing for anything else."""
    widget = field.field.widget
    value = field.value()
    if getattr(widget, "input_type", None) == "date" and hasattr(value, "isoformat"):
        return value.isoformat()
    value = widget.format_value(value)
    return "" if value is None else value


@register.inclusion_tag("includes/pager.html", takes_context=True)
def pager(context, page, anchor=""):
    """上一页 / 下一页 and the total of a `core.pagination.paginate` page; the links keep the
    request's other query parameters (the list's filters)."""
    request = context.get("request")
    param = getattr(page, "param", "page")

    def url(number):
        query = request.GET.copy() if request is not None else QueryDict(mutable=True)
        query[param] = number
        return f"?{query.urlencode()}{anchor}"

    return {
        "page": page,
        "noun": getattr(page, "noun", "条"),
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }
