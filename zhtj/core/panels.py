"""Panels on a person's page, filled by higher apps (members can't import them).

An app registers `fn(request, person) -> (title, template, context)` or None; the
members' person page renders every registered panel with `{% person_panels person %}`.
"""

_panels = []


def register(fn):
    _panels.append(fn)
    return fn


def for_person(request, person):
    found = []
    for fn in _panels:
        panel = fn(request, person)
        if panel:
            found.append(panel)
    return found
