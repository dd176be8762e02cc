"""zhtj/core/params.py: text typed by users fits its column or is refused with the limit (SEC-06)."""

import pytest

from zhtj.core.params import fitting


class Refused(Exception):
    pass


def test_fitting_trims_and_keeps_text_within_the_limit():
    assert fitting("  团日活动 ", 4, "主题", Refused) == "团日活动"
    assert fitting(None, 4, "主题", Refused) == ""


def test_fitting_refuses_longer_text_with_the_limit_and_the_length():
    with pytest.raises(Refused, match="主题不能超过4字，当前为5字。"):
        fitting("团日活动会", 4, "主题", Refused)
