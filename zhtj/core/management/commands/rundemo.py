"""`manage.py rundemo [addr:port]`: the demo as production runs it — a Celery worker (with beat)
beside the web server, so imports run in the background and their progress bars move.

Without REDIS_URL the worker is reached through kombu's filesystem transport (settings.DEMO_DIR).
runserver's autoreloader runs this command again in its child process (RUN_MAIN=true): only the
outer process, which lives as long as the server, starts and stops the worker."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def worker_command():
    """The worker of the demo: one process working one task at a time (SQLite has one writer)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "zhtj",
        "worker",
        "--beat",
        f"--schedule={settings.DEMO_DIR / 'beat-schedule'}",
        "--pool=solo",
        "--loglevel=info",
        "--without-gossip",
        "--without-mingle",
    ]


class Command(BaseCommand):
    help = "运行演示：Web 服务器与 Celery 后台任务进程（含定时任务）一起启动。"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, addrport, **options):
        if os.environ.get("RUN_MAIN") == "true":  # the autoreloader's child: the server only
            call_command("runserver", addrport)
            return
        worker = subprocess.Popen(worker_command(), cwd=settings.BASE_DIR)
        self.stdout.write(f"后台任务进程已启动（pid {worker.pid}）。")
        try:
            call_command("runserver", addrport)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
