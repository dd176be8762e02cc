"""Outside services some tests need (a browser, a streaming standby, PgBouncer, PostgreSQL's tools)."""

import os

import pytest


def unavailable(reason):
    """Skip locally, fail under CI=true: CI cannot pass by not running what needs the service."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: these tests must run, not be skipped)", pytrace=False)
    pytest.skip(reason)
