"""身份认证 (MEM-10): a pluggable verifier, run in bulk by a background task.

A verifier is a callable `verify(people) -> {pk: True/False}` where `people` is a list of
(pk, id_number, name). ZHTJ["ID_VERIFIER"] names it by dotted path; the default checks
what can be checked offline (GB 11643 checksum, name format). A real 公民身份核验 service
is an adapter with the same signature. Results are written set-based: one UPDATE for
the passed, one for the failed.
"""

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from zhtj.core.idnumber import normalize_id_number
from zhtj.core.names import PERSON_NAME

from .choices import VerificationStatus


def default_verifier(people):
    results = {}
    for pk, id_number, name in people:
        try:
            ok = normalize_id_number(id_number) == id_number
        except Exception:  # noqa: BLE001 -- any refusal of the number is a failed check
            ok = False
        results[pk] = ok and bool(PERSON_NAME.fullmatch(name or ""))
    return results


def verifier():
    return import_string(settings.ZHTJ["ID_VERIFIER"])


def verify(pks):
    """Verify the people `pks`; returns (passed, failed) counts."""
    from .models import Person

    people = list(Person.objects.filter(pk__in=pks).values_list("pk", "id_number", "name"))
    results = verifier()(people)
    checked = {pk for pk, _id, _name in people}
    passed = [pk for pk, ok in results.items() if ok and pk in checked]
    failed = [pk for pk, ok in results.items() if not ok and pk in checked]
    with transaction.atomic():
        n_passed = Person.objects.filter(pk__in=passed).update(verification_status=VerificationStatus.PASSED)
        n_failed = Person.objects.filter(pk__in=failed).update(verification_status=VerificationStatus.FAILED)
    return n_passed, n_failed
