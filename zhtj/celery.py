"""The Celery app. Without REDIS_URL tasks run eagerly in-process (settings)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhtj.settings")

app = Celery("zhtj")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_unsafe_start(**kwargs):
    """SEC-08: a production worker without a real SECRET_KEY, DATABASE_URL or REDIS_URL doesn't start."""
    from zhtj.core.checks import refuse_unsafe_start

    refuse_unsafe_start()
