"""Panels filled by higher apps on pages of lower ones (members and orgs can't import them).

An app registers `fn(request, person) -> (title, template, context)` or None for a slot:
"person" (the admin's person page, `{% person_panels person %}`) or any named place such as
"education_review" (the member's 三会·两制·一课 page, `{% slot_panels "education_review" user %}`).
"""

from collections import defaultdict

_panels = defaultdict(list)


def register(fn=None, *, slot="person"):
    def add(fn):
        _panels[slot].append(fn)
        return fn

    return add(fn) if fn is not None else add


def for_slot(slot, request, person):
    found = []
    for fn in _panels[slot]:
        panel = fn(request, person)
        if panel:
            found.append(panel)
    return found


def for_person(request, person):
    return for_slot("person", request, person)
