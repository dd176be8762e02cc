"""Requests per second under gunicorn on loopback: 团员列表 beside a trivial view (the floor).

gunicorn serves the project with the same database; a logged-in admin's session cookie goes with
every request to both URLs, so the floor pays the same session, login and middleware costs and
the ratio measures what the page itself costs. The clients are threads of this process with a
new connection per request (gunicorn's sync workers close each connection).
"""

import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

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


@contextmanager
def serving(workers):
    """gunicorn serving the project on a free loopback port, with this process's database."""
    port = free_port()
    env = os.environ | {"DATABASE_URL": _database_url(), "ZHTJ_DEBUG": "0"}
    command = [sys.executable, "-m", "gunicorn", "zhtj.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "--log-level", "warning"], env=env, cwd=settings.BASE_DIR)
    try:
        wait_until_serving(port)
        yield port
    finally:
        server.terminate()
        server.wait(10)


def throughput(org, *, seconds=10, concurrency=8, workers=None, log=print):
    workers = workers or (os.cpu_count() or 1) * 2 + 1
    with serving(workers) as port:
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


# --- the mixed load (issue 17.4) -------------------------------------------------------------------


@dataclass
class Hit:
    role: str
    key: str
    ms: float
    status: int  # 0: no answer (refused, reset, timed out)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else 0.0


def _users(pages, port, seconds, clients, think, seed):
    """`clients` users for `seconds`, each opening a random page of `pages` ((role, key, path,
    cookie)), reading it whole, then thinking `think` seconds on average before the next."""
    hits, lock = [], threading.Lock()
    stop = time.monotonic() + seconds

    def user(i):
        rng = random.Random(seed + i)
        time.sleep(rng.uniform(0, think))  # users don't all arrive in the same millisecond
        while time.monotonic() < stop:
            role, key, path, cookie = rng.choice(pages)
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers={"Cookie": cookie, "Connection": "close"})
                response = conn.getresponse()
                response.read()
                conn.close()
                status = response.status
            except OSError:
                status = 0
            hit = Hit(role, key, (time.perf_counter() - start) * 1000, status)
            with lock:
                hits.append(hit)
            time.sleep(rng.uniform(0.5, 1.5) * think)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return hits


def figures(hits, seconds):
    ms = [h.ms for h in hits]
    return {
        "requests": len(hits),
        "errors": sum(1 for h in hits if h.status != 200),
        "rps": len(hits) / seconds,
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
    }


def mixed_load(*, seconds=60, clients=50, workers=4, think=1.0, only=None, seed=1, log=print):
    """Issue 17.4: `clients` users of the crawl's roles on the crawl's pages against `workers`
    gunicorn workers for `seconds`, then the same users on the trivial view (/healthz/) for the
    same time: p50/p95/p99, requests per second and errors of each, and the slowest pages."""
    from .crawl import Discovery

    discovery = Discovery(only=only, log=lambda *a: None)
    discovery.run()
    pages = [(v.role, v.key, v.url, discovery.cookies[v.role]) for v in discovery.visits if v.status == 200]
    log(f"  {len(pages)} 个页面，{len({p[0] for p in pages})} 种角色")
    with serving(workers) as port:
        _users(pages, port, min(seconds, 5), min(clients, 10), 0.1, seed)  # every worker warm
        load = _users(pages, port, seconds, clients, think, seed)
        floor_pages = [(role, "空视图", reverse("healthz"), cookie) for role, cookie in discovery.cookies.items()]
        floor = _users(floor_pages, port, seconds, clients, think, seed)
    by_page = defaultdict(list)
    for h in load:
        by_page[(h.role, h.key)].append(h.ms)
    slowest = sorted(by_page.items(), key=lambda item: -percentile(item[1], 95))[:10]
    result = {
        "seconds": seconds,
        "clients": clients,
        "workers": workers,
        "think": think,
        "pages": len(pages),
        "roles": sorted({role for role, *_ in pages}),
        "load": figures(load, seconds),
        "floor": figures(floor, seconds),
        "slowest": [(role, key, len(ms), percentile(ms, 95)) for (role, key), ms in slowest],
        "failed": sorted({(h.role, h.key, h.status) for h in load if h.status != 200}),
    }
    for name in ("load", "floor"):
        f = result[name]
        log(f"  {name}: {f['requests']} 次，{f['errors']} 次出错，p95 {f['p95']:.0f} ms，{f['rps']:.1f} 次/秒")
    return result


LOAD_START = "<!-- benchmark_load:start -->"
LOAD_END = "<!-- benchmark_load:end -->"
P95_TARGET_MS = 500


def saturation(result):
    """Whether the server kept up: the users ask for about clients / (think + the floor's p50)
    pages a second; served much less than that, the pages' CPU is the bottleneck, not waiting."""
    asked = result["clients"] / (result["think"] + result["floor"]["p50"] / 1000)
    served = result["load"]["rps"]
    if served >= 0.9 * asked:
        return f"服务器跟得上：用户每秒约请求 {asked:.0f} 次，实际 {served:.1f} 次。"
    return (
        f"服务器已饱和：用户每秒约请求 {asked:.0f} 次，只服务了 {served:.1f} 次（空视图 {result['floor']['rps']:.1f} 次），"
        f"排队使 p95 远高于单页的中位数；本机 {os.cpu_count()} 核同时跑着 {result['workers']} 个进程、客户端和数据库。"
    )


def load_section(result, when, commit, data, loadavg):
    row = "| {} | {requests} | {errors} | {rps:.1f} | {p50:.0f} ms | {p95:.0f} ms | {p99:.0f} ms |"
    load, floor = result["load"], result["floor"]
    met = load["errors"] == 0 and load["p95"] <= P95_TARGET_MS
    lines = [
        LOAD_START,
        "## 并发负载（issue 17.4）",
        "",
        f"测于 {when}，提交 {commit}；{data}；开始时系统负载 {loadavg}。gunicorn {result['workers']} 个同步进程，"
        f"{result['clients']} 个并发用户（本机回环），各持七种角色之一的登录会话，从全菜单巡检找到的 {result['pages']} 个页面中"
        f"随机打开一页、读完，再平均停顿 {result['think']:g} 秒（0.5–1.5 倍），持续 {result['seconds']} 秒；"
        f"随后同样的用户以同样的节奏只打开空视图（/healthz/），作为底线。目标：p95 ≤ {P95_TARGET_MS} ms，零错误 —— "
        + ("达标。" if met else "**未达标**。"),
        "",
        "| 负载 | 请求数 | 错误 | 次/秒 | p50 | p95 | p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        row.format("巡检页面混合", **load),
        row.format("空视图（底线）", **floor),
        "",
        saturation(result),
        "",
        "p95 最慢的页面：",
        "",
        "| 角色 | 页面 | 请求数 | p95 |",
        "| --- | --- | ---: | ---: |",
        *(f"| {role} | {key} | {n} | {p95:.0f} ms |" for role, key, n, p95 in result["slowest"]),
    ]
    if result["failed"]:
        lines += [
            "",
            "出错的页面："
            + "；".join(f"{role} {key}（{status or '无应答'}）" for role, key, status in result["failed"]),
        ]
    lines += [
        "",
        "运行：`python manage.py benchmark --load --write`（`--clients`、`--load-seconds`、`--think`）。",
        LOAD_END,
    ]
    return "\n".join(lines)
