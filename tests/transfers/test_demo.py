"""transfers.demo adds transfers in several states to the seed_demo tree, idempotently."""

import io

from django.core.management import call_command

from transfers import demo
from transfers.models import Transfer


def test_demo_seed_is_idempotent(db, fast_hasher):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    demo.seed(out)
    states = sorted(Transfer.objects.values_list("state", flat=True))
    assert len(set(states)) >= 3, out.getvalue()
    demo.seed(io.StringIO())
    assert sorted(Transfer.objects.values_list("state", flat=True)) == states
