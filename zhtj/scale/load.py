"""Requests per second under gunicorn on loopback: 团员列表 beside a trivial view (the floor).

gunicorn serves the project with the same database; a logged-in admin's session cookie goes with
every request to both URLs, so the floor pays the same session, login and middleware costs and
the ratio measures what the page itself costs. The clients are threads of this process with a
new connection per request (gunicorn's sync workers close each connection).
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.db import connection
from django.urls import reverse

from .logins import client_for

ROUNDS = 5


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_cookie(org):
    return f"{settings.SESSION_COOKIE_NAME}={client_for(org).session.session_key}"


def _database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until_serving(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn 未能启动")


def _hammer(port, path, cookie, seconds, concurrency):
    """Requests per second of `concurrency` clients for `seconds`; every answer must be a 200."""
    done = [0] * concurrency
    bad = []
    stop = time.monotonic() + seconds

    def client(i):
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers={"Cookie": cookie, "Connection": "close"})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                bad.append(response.status)
                return
            done[i] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if bad:
        raise RuntimeError(f"{path} 返回了 {bad[0]}")
    return sum(done) / (time.monotonic() - started)


def throughput(org, *, seconds=10, concurrency=8, workers=None, log=print):
    workers = workers or (os.cpu_count() or 1) * 2 + 1
    port = free_port()
    env = os.environ | {"DATABASE_URL": _database_url(), "ZHTJ_DEBUG": "0"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "zhtj.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    try:
        wait_until_serving(port)
        cookie = _session_cookie(org)
        page = reverse("members:list")
        floor = reverse("healthz")
        for path in (floor, page):  # warm every worker up
            _hammer(port, path, cookie, 1, concurrency)
        # alternating rounds, so a drift of the machine (another process, the CPU's clock) weighs
        # on both sides alike
        rounds = max(1, min(ROUNDS, seconds))
        ours, base = [], []
        for _ in range(rounds):
            base.append(_hammer(port, floor, cookie, seconds / rounds, concurrency))
            ours.append(_hammer(port, page, cookie, seconds / rounds, concurrency))
        ours, base = statistics.mean(ours), statistics.mean(base)
        log(f"  团员列表 {ours:.0f} 次/秒，空视图 {base:.0f} 次/秒")
        return {
            "workers": workers,
            "concurrency": concurrency,
            "seconds": seconds,
            "ours_rps": ours,
            "floor_rps": base,
            "ratio": ours / base if base else 0,
        }
    finally:
        server.terminate()
        server.wait(10)
