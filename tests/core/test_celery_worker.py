"""A real Celery worker against Redis, seeing the job's effect in PostgreSQL (JOB-04, JOB-08)."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from orgs.models import AdminRegistrationCode
from tests import factories as f
from zhtj.core.models import JobRun
from zhtj.core.tasks import run_scheduled_job

ROOT = Path(__file__).resolve().parents[2]
needs_services = not (settings.REDIS_URL and connection.vendor == "postgresql")
pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        needs_services and os.environ.get("CI") != "true",
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (CI sets both)",
    ),
]


@pytest.fixture
def worker():
    if needs_services:
        pytest.fail("CI must run the worker test on PostgreSQL and Redis")
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "zhtj",
            "worker",
            "--pool=solo",
            "--loglevel=info",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_worker_expires_codes(tree, worker):
    """JOB-04 / JOB-08: the beat task, sent through Redis, runs in a separate worker process and
    its effect is visible in PostgreSQL."""
    admin = f.admin_of(tree.col_a)
    code = AdminRegistrationCode.objects.create(
        org=tree.branch_a, code="Zx9Yw8Vu", created_by=admin, expires_at=timezone.now() - timedelta(minutes=1)
    )
    result = run_scheduled_job.delay("expire_codes")
    summary = result.get(timeout=90)
    assert summary["registration_codes"] == 1
    code.refresh_from_db()
    assert code.expired
    deadline = time.time() + 10
    while not JobRun.objects.filter(via="celery").exists() and time.time() < deadline:
        time.sleep(0.2)
    assert JobRun.objects.get(via="celery").changed == 1
