"""Playwright's `expect` for the browser test modules: `from .pw import expect`.

Without the playwright package a module importing this is skipped as a whole -- except under
CI=true, where the import error is raised, so CI cannot pass by not running the browser tests
(the same rule as the `browser` fixture in conftest.py)."""

import os

import pytest

try:
    from playwright.sync_api import expect
except ImportError:
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("the playwright Python package is not installed", allow_module_level=True)

__all__ = ["expect"]
