"""身份认证 (MEM-10): 批量认证 through a pluggable verifier, as a background task."""

from django.urls import reverse

from members.models import Person
from tests import factories as f


def always_fail(people):
    return {pk: False for pk, _id, _name in people}


def test_batch_verify_default_verifier(tree, login, fast_hasher):
    """MEM-10: unverified people in scope are checked (checksum + name format); others untouched."""
    good = f.person("张三", branch=tree.branch_a)
    odd = f.person("X", branch=tree.branch_a)  # a name the default verifier refuses
    outside = f.person("李四", branch=tree.branch_b)
    client = login(f.admin_of(tree.col_a), tree.col_a)
    assert client.post(reverse("members:verify")).status_code == 302
    status = dict(Person.objects.values_list("pk", "verification_status"))
    assert status[good.pk] == "passed" and status[odd.pk] == "failed" and status[outside.pk] == "unverified"


def test_verifier_is_pluggable_and_selection_respected(tree, login, fast_hasher, settings):
    """MEM-10: ZHTJ["ID_VERIFIER"] names the verifier; only the ticked people are sent."""
    settings.ZHTJ = settings.ZHTJ | {"ID_VERIFIER": "tests.members.test_verification.always_fail"}
    a = f.person("张三", branch=tree.branch_a)
    b = f.person("李四", branch=tree.branch_a)
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    client.post(reverse("members:verify"), {"ids": [str(a.pk), "junk"]})
    assert Person.objects.get(pk=a.pk).verification_status == "failed"
    assert Person.objects.get(pk=b.pk).verification_status == "unverified"


def test_editing_name_resets_status(tree, fast_hasher):
    """MEM-10: a verified person whose name or ID number changes is 未认证 again."""
    p = f.person("张三", branch=tree.branch_a, verification_status="passed")
    p = Person.objects.get(pk=p.pk)
    p.mobile = "13800000000"
    p.save()
    assert Person.objects.get(pk=p.pk).verification_status == "passed"
    p.name = "张叁"
    p.save()
    assert Person.objects.get(pk=p.pk).verification_status == "unverified"
