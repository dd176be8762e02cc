"""身份认证 (MEM-10): 批量认证 through a pluggable verifier, as a background task."""

import pytest
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


sent_batches = []


def count_sent(people):
    sent_batches.append(len(people))
    return dict.fromkeys((pk for pk, _id, _name in people), True)


@pytest.mark.parametrize("unverified, sent, more", [(10_000, 10_000, False), (10_001, 10_000, True)])
def test_batch_verify_sends_at_most_the_batch_and_says_when_more_remain(
    tree, login, fast_hasher, settings, unverified, sent, more
):
    """MEM-10: 批量认证 sends at most VERIFY_BATCH_MAX (10,000) people per click, at its edge; when
    more remain 未认证 the message says so, so the next click sends them (nothing silently left)."""
    settings.ZHTJ = settings.ZHTJ | {"ID_VERIFIER": "tests.members.test_verification.count_sent"}
    template = f.person("张三", branch=tree.branch_a)
    fields = {k: v for k, v in template.__dict__.items() if not k.startswith("_") and k not in ("id", "id_number")}
    Person.objects.bulk_create(
        [Person(**fields, id_number=f.new_id_number()) for _ in range(unverified - 1)], batch_size=2000
    )
    sent_batches.clear()
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    response = client.post(reverse("members:verify"), follow=True)
    shown = " ".join(str(m) for m in response.context["messages"])
    assert sent_batches == [sent]
    assert Person.objects.filter(branch=tree.branch_a, verification_status="unverified").count() == unverified - sent
    assert f"已提交{sent}人的身份认证" in shown
    assert ("其余未认证人员请在本批完成后再次点击" in shown) is more


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
