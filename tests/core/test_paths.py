"""zhtj.core.paths: the cached one-id links equal reverse()."""

from django.urls import reverse

from zhtj.core.paths import path_for


def test_path_for_equals_reverse():
    for name in ("members:detail", "members:edit", "members:reset_code", "transfers:detail"):
        for pk in (1, 42, 1234567890):
            assert path_for(name, pk) == reverse(name, args=[pk])


def test_non_integer_ids_fall_back_to_reverse():
    assert path_for("members:detail", "7") == reverse("members:detail", args=["7"])
