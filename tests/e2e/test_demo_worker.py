"""`make demo` shows what production does: a real Celery worker beside the web server, with no
Redis server (kombu's filesystem transport), so an import's progress bar moves (issue 21).

The demo is run as `make demo` runs it — `migrate`, `seed_demo`, `rundemo` — in fresh processes
with no DATABASE_URL / REDIS_URL (a SQLite file and ZHTJ_DEMO_DIR in a temporary folder). A
branch admin imports 3,000 members in Chromium; the progress bar must show a value between 0%
and 100% on its way to done, and the people must be stored by the worker, not by the request."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from members.management.commands.benchmark_import import build_file
from tests.services import unavailable

from .conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from .pw import expect

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BRANCH_ADMIN = "370211200503010068"  # seed_demo's 团支部管理员, initial password its last 8 characters
PASSWORD = "Tuan-demo-2026!"
ROWS = 3000


def _demo_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHTJ_", "DATABASE_", "REDIS_"))}
    return env | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ZHTJ_DEMO_DIR": str(tmp_path / "demo"),
        # 600 steps of 5 rows, not 3 of 1,000: the writing outlasts the page's 1 s poll even on a fast machine
        "ZHTJ_MEMBER_IMPORT_CHUNK": "5",
    }


def _manage(env, *args, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo(tmp_path):
    """The demo's three steps in fresh processes; yields the server's URL."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests")
    env = _demo_env(tmp_path)
    _manage(env, "migrate", "--noinput", capture_output=True)
    _manage(env, "seed_demo", capture_output=True)
    port = _free_port()
    log = open(tmp_path / "rundemo.log", "w")  # noqa: SIM115 -- open while the server runs
    server = subprocess.Popen(
        [sys.executable, "manage.py", "rundemo", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.3)
    try:
        yield f"http://127.0.0.1:{port}", env, tmp_path
    finally:
        os.killpg(server.pid, 2)  # Ctrl-C, as a user stops the demo: the server stops the worker
        try:
            server.wait(timeout=30)
        finally:
            log.close()


def test_demo_import_progress_moves(demo):
    """Issue 21: `make demo` runs a real worker without Redis; an import's bar shows 0% < p < 100%."""
    from playwright.sync_api import sync_playwright

    url, env, tmp_path = demo
    data = build_file(ROWS, region="370211", number_base=50_000_000)
    seen = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(base_url=url)
        page.set_default_timeout(TIMEOUT_MS)
        page.goto("/login/")
        page.get_by_label("身份证号码").fill(BRANCH_ADMIN)
        page.get_by_label("密码", exact=True).fill(BRANCH_ADMIN[-8:])
        page.get_by_role("button", name="登录").click()
        # First login: the initial password must be changed (MEM).
        page.locator("#id_old_password").fill(BRANCH_ADMIN[-8:])
        page.locator("#id_new_password1").fill(PASSWORD)
        page.locator("#id_new_password2").fill(PASSWORD)
        page.get_by_role("button", name="提交").click()
        expect(page).to_have_title(re.compile("^组织首页"))
        page.goto("/members/import/members/")
        page.get_by_label("Excel 文件").set_input_files(
            files=[{"name": "团员.xlsx", "mimeType": "application/octet-stream", "buffer": data}]
        )
        page.get_by_role("button", name="上传并校验").click()
        expect(page.locator("#count-created")).to_have_text(str(ROWS), timeout=120_000)
        page.get_by_role("button", name=re.compile("^确认导入")).click()
        progress = page.locator("#import-progress")
        deadline = time.time() + 180
        while time.time() < deadline:
            state = progress.get_attribute("data-state")
            seen.append((state, int(page.locator("#import-progress .progress-bar").get_attribute("data-progress"))))
            if state in ("done", "failed"):
                break
            time.sleep(0.2)
        expect(page.locator("#import-summary")).to_contain_text(f"已导入 {ROWS} 人")
        browser.close()
    assert seen[-1] == ("done", 100), seen
    moving = sorted({percent for _state, percent in seen if 0 < percent < 100})
    assert moving, f"the bar never moved between 0 and 100: {seen}"
    # The worker did the writing: the task ran in its process (its log), the request only queued it.
    assert "members.tasks.run_import" in (tmp_path / "rundemo.log").read_text()
