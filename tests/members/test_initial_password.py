"""ROLE-06 / MEM-07: imported people get a cheap hash of the public initial password; the
first login re-hashes it with Argon2 and the forced change sets an Argon2 password."""

from django.urls import reverse

from members.hashers import initial_password_hash
from members.models import Person
from members.people import new_person
from tests import factories as f
from zhtj.core.idnumber import birth_date_of, gender_of


def test_initial_password_hash_is_cheap_and_upgraded_at_login(tree, client):
    id_number = f.new_id_number()
    assert initial_password_hash(id_number).startswith("pbkdf2_initial$1$")
    clean = {
        "name": "测试",
        "id_number": id_number,
        "gender": gender_of(id_number),
        "birth_date": birth_date_of(id_number),
    }
    person = new_person(clean, tree.branch_a)
    person.save()
    assert person.password.startswith("pbkdf2_initial$") and person.must_change_password
    r = client.post(reverse("login"), {"username": id_number, "password": "wrong-pass"})
    assert r.status_code == 400
    r = client.post(reverse("login"), {"username": id_number, "password": id_number[-8:]})
    assert r.status_code == 302
    person = Person.objects.get(pk=person.pk)
    assert person.password.startswith("argon2")  # re-hashed by the preferred hasher at first login
    assert client.get(reverse("members:list")).url == reverse("password_change")  # forced change first
