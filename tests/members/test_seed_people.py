"""seed_demo fills the MEM-01 fields and adds people with problems for the prompts."""

from io import StringIO

from django.core.management import call_command
from django.db.models import BooleanField, ExpressionWrapper

from members.completeness import person_complete_q
from members.models import Person
from members.validation import bad_development_numbers


def test_seed_demo_people_look_real(db):
    """MEM-01 / MEM-04 / MEM-08: demo members have their fields; one bad number, one incomplete."""
    call_command("seed_demo", stdout=StringIO())
    members = Person.objects.filter(branch__isnull=False).annotate(
        ok=ExpressionWrapper(person_complete_q(), output_field=BooleanField())
    )
    assert members.filter(ok=True).count() >= 40
    assert list(members.filter(ok=False).values_list("name", flat=True)) == ["沈佳琪"]
    assert list(bad_development_numbers(members).values_list("name", flat=True)) == ["蒋浩宇"]
    before = list(Person.objects.order_by("pk").values_list("pk", "development_number", "ethnicity"))
    call_command("seed_demo", stdout=StringIO())
    assert list(Person.objects.order_by("pk").values_list("pk", "development_number", "ethnicity")) == before
