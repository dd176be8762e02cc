"""Requests per second under gunicorn on loopback: 团员列表 beside a trivial view (the floor).

gunicorn serves the project with the same database; a logged-in admin's session cookie goes with
every request to both URLs, so the floor pays the same session, login and middleware costs and
the ratio measures what the page itself costs. The clients are threads of this process with a
new connection per request (gunicorn's sync workers close each connection).
"""

import asyncio
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


@dataclass
class Served:
    port: int
    pid: int  # gunicorn's master; its workers are its children


@contextmanager
def serving(workers):
    """gunicorn serving the project on a free loopback port, with this process's database."""
    port = free_port()
    env = os.environ | {"DATABASE_URL": _database_url(), "ZHTJ_DEBUG": "0"}
    command = [sys.executable, "-m", "gunicorn", "zhtj.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "--log-level", "warning"], env=env, cwd=settings.BASE_DIR)
    try:
        wait_until_serving(port)
        yield Served(port, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(30)  # a loaded machine: the workers finish their requests first
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def throughput(org, *, seconds=10, concurrency=8, workers=None, log=print):
    workers = workers or (os.cpu_count() or 1) * 2 + 1
    with serving(workers) as served:
        port = served.port
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
#
# The users are coroutines of one asyncio loop in this process, not threads: the load generator
# shares the machine's cores with gunicorn and PostgreSQL, and a thread per user (with the GIL
# handed between fifty of them) costs the server CPU and adds its own delay to every timing. The
# CPU the client, the server and the database each used is measured and reported beside the
# figures (`CpuMeter`), with what the rest of the machine used meanwhile.

PROBE_SECONDS = 1.0  # during the mixed load, one more request to the trivial view this often


@dataclass
class Hit:
    role: str
    key: str
    ms: float
    status: int  # 0: no answer (refused, reset, timed out)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else 0.0


async def _get(port, path, cookie, timeout=30):
    """One GET on a new connection, read whole: its HTTP status, 0 without an answer."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"

    async def exchange():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(request.encode("ascii"))
            await writer.drain()
            answer = await reader.read()
        finally:
            writer.close()
        return int(answer[9:12]) if answer.startswith(b"HTTP/") else 0

    try:
        return await asyncio.wait_for(exchange(), timeout)
    except (OSError, ValueError):  # a timeout is an OSError
        return 0


async def _user(port, pages, stop, think, rng, hits):
    await asyncio.sleep(rng.uniform(0, think))  # users don't all arrive in the same millisecond
    while time.monotonic() < stop:
        role, key, path, cookie = rng.choice(pages)
        start = time.perf_counter()
        status = await _get(port, path, cookie)
        hits.append(Hit(role, key, (time.perf_counter() - start) * 1000, status))
        await asyncio.sleep(rng.uniform(0.5, 1.5) * think)


async def _probe(port, path, cookie, stop, every, hits):
    """The trivial view, once every `every` seconds on a schedule of its own: what a request that
    costs nothing waits for while the users load the server (the queue, not the page)."""
    while time.monotonic() < stop:
        start = time.perf_counter()
        status = await _get(port, path, cookie)
        hits.append(Hit("", "空视图", (time.perf_counter() - start) * 1000, status))
        await asyncio.sleep(max(0.0, every - (time.perf_counter() - start)))


def _users(pages, port, seconds, clients, think, seed, probe=None):
    """`clients` users for `seconds`, each opening a random page of `pages` ((role, key, path,
    cookie)), reading it whole, then thinking `think` seconds on average (0.5–1.5×) before the
    next. `probe`: (path, cookie) of the trivial view, asked once a PROBE_SECONDS meanwhile.
    Returns the users' hits and the probe's."""
    hits, probed = [], []

    async def run():
        stop = time.monotonic() + seconds
        tasks = [_user(port, pages, stop, think, random.Random(seed + i), hits) for i in range(clients)]
        if probe:
            tasks.append(_probe(port, *probe, stop, PROBE_SECONDS, probed))
        await asyncio.gather(*tasks)

    asyncio.run(run())
    return hits, probed


def _cpu_seconds(pid):
    """User + system CPU seconds of process `pid` so far (Linux /proc), None if unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy():
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat; None elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            jiffies = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    idle = jiffies[3] + jiffies[4]  # idle + iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(jiffies[:8]) - idle) / tick, sum(jiffies[:8]) / tick


class CpuMeter:
    """CPU used during a phase by the gunicorn workers, the database backends serving them, this
    process (the client), and the whole machine (the rest is other processes). Backends come and
    go (connections are recycled after CONN_MAX_AGE), so they are sampled every half second."""

    def __init__(self, server_pid):
        self.server_pid = server_pid

    def _server_pids(self):
        try:
            with open(f"/proc/{self.server_pid}/task/{self.server_pid}/children", encoding="ascii") as f:
                return [self.server_pid, *map(int, f.read().split())]
        except OSError:
            return [self.server_pid]

    def _backend_pids(self):
        from django.db import connections

        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in cursor.fetchall()]

    def _sample(self, seen, pids):
        for pid in pids:
            cpu = _cpu_seconds(pid)
            if cpu is not None:
                first, _ = seen.get(pid, (cpu, cpu))
                seen[pid] = (first, cpu)

    @contextmanager
    def measure(self, into):
        servers, backends, done = {}, {}, threading.Event()

        def sample():
            from django.db import connections

            try:
                while True:
                    self._sample(servers, self._server_pids())
                    self._sample(backends, self._backend_pids())
                    if done.wait(0.5):
                        return
            finally:
                connections.close_all()  # this thread's own connection

        machine, client, started = _machine_busy(), time.process_time(), time.monotonic()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield into
        finally:
            done.set()
            sampler.join()
            client = time.process_time() - client
            after = _machine_busy()
            into.update(server=_used(servers), database=_used(backends), client=client, wall=time.monotonic() - started)
            if machine and after:
                into["machine"] = after[0] - machine[0]
                into["capacity"] = after[1] - machine[1]


def _used(seen):
    return sum(last - first for first, last in seen.values())


def figures(hits, seconds, cpu=None):
    ms = [h.ms for h in hits]
    found = {
        "requests": len(hits),
        "errors": sum(1 for h in hits if h.status != 200),
        "rps": len(hits) / seconds,
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
    }
    if cpu:
        found["cpu"] = cpu
    return found


def mixed_load(*, seconds=60, clients=50, workers=4, think=1.0, only=None, seed=1, log=print):
    """Issue 17.4: `clients` users of the crawl's roles on the crawl's pages against `workers`
    gunicorn workers for `seconds`, with the trivial view probed meanwhile; then the same users on
    the trivial view (/healthz/) alone for the same time: p50/p95/p99, requests per second asked
    and served, errors, the CPU each side used, and the slowest pages."""
    from .crawl import Discovery

    discovery = Discovery(only=only, log=lambda *a: None)
    discovery.run()
    pages = [(v.role, v.key, v.url, discovery.cookies[v.role]) for v in discovery.visits if v.status == 200]
    log(f"  {len(pages)} 个页面，{len({p[0] for p in pages})} 种角色")
    healthz = reverse("healthz")
    floor_pages = [(role, "空视图", healthz, cookie) for role, cookie in discovery.cookies.items()]
    load_cpu, floor_cpu = {}, {}
    with serving(workers) as server:
        meter = CpuMeter(server.pid)
        _users(pages, server.port, min(seconds, 5), min(clients, 10), 0.1, seed)  # every worker warm
        with meter.measure(load_cpu):
            load, probed = _users(pages, server.port, seconds, clients, think, seed, probe=floor_pages[0][2:])
        with meter.measure(floor_cpu):
            floor, _ = _users(floor_pages, server.port, seconds, clients, think, seed)
    by_page = defaultdict(list)
    for h in load:
        by_page[(h.role, h.key)].append(h.ms)
    slowest = sorted(by_page.items(), key=lambda item: -percentile(item[1], 95))[:10]
    result = {
        "seconds": seconds,
        "clients": clients,
        "workers": workers,
        "think": think,
        "asked_rps": clients / think if think else 0.0,
        "pages": len(pages),
        "roles": sorted({role for role, *_ in pages}),
        "load": figures(load, seconds, load_cpu),
        "probe": figures(probed, seconds),
        "floor": figures(floor, seconds, floor_cpu),
        "slowest": [(role, key, len(ms), percentile(ms, 95)) for (role, key), ms in slowest],
        "failed": sorted({(h.role, h.key, h.status) for h in load + probed if h.status != 200}),
    }
    for name in ("load", "probe", "floor"):
        f = result[name]
        log(
            f"  {name}: {f['requests']} 次，{f['errors']} 次出错，{f['rps']:.1f} 次/秒，"
            f"p50 {f['p50']:.0f} ms，p95 {f['p95']:.0f} ms，p99 {f['p99']:.0f} ms"
        )
        if f.get("cpu"):
            log("    " + cpu_sentence(f))
    return result


LOAD_START = "<!-- benchmark_load:start -->"
LOAD_END = "<!-- benchmark_load:end -->"
P95_TARGET_MS = 500


def saturation(result):
    """Whether the server kept up. The users ask `asked_rps` pages a second if every answer were
    instant; waiting for answers they ask fewer (a closed loop), about clients / (think + the
    floor's p50) at the least: served much less than that, the server is the bottleneck."""
    asked = result["asked_rps"]
    could = result["clients"] / (result["think"] + result["floor"]["p50"] / 1000)
    served = result["load"]["rps"]
    if served >= 0.9 * could:
        return f"服务器跟得上：用户每秒请求约 {asked:.0f} 次（应答瞬时时），实际服务 {served:.1f} 次。"
    return (
        f"服务器已饱和：用户每秒请求约 {asked:.0f} 次（应答瞬时时；等应答的用户至少也会请求约 {could:.0f} 次），"
        f"只服务了 {served:.1f} 次（空视图 {result['floor']['rps']:.1f} 次），排队使 p95 远高于单页的中位数。"
    )


def cpu_sentence(figures):
    """The CPU of a phase, per request and in cores: gunicorn, PostgreSQL's backends, the client,
    and what the rest of the machine used meanwhile (other processes: another session's tests)."""
    cpu, n = figures["cpu"], max(1, figures["requests"])
    wall = max(cpu["wall"], 1e-9)
    ours = cpu["server"] + cpu["database"] + cpu["client"]
    text = (
        f"每次请求的 CPU：gunicorn {cpu['server'] / n * 1000:.1f} ms、数据库 {cpu['database'] / n * 1000:.1f} ms、"
        f"客户端 {cpu['client'] / n * 1000:.1f} ms；三者共用 {ours / wall:.2f} 核"
    )
    if "machine" in cpu:
        others = max(0.0, cpu["machine"] - ours)
        cores = cpu["capacity"] / wall
        text += f"，同时其他进程用了 {others / wall:.2f} 核（本机 {cores:.0f} 核，整机忙 {cpu['machine'] / cpu['capacity']:.0%}）"
    return text + "。"


def load_section(result, when, commit, data, loadavg):
    row = "| {} | {requests} | {errors} | {rps:.1f} | {p50:.0f} ms | {p95:.0f} ms | {p99:.0f} ms |"
    load, floor, probe = result["load"], result["floor"], result["probe"]
    met = load["errors"] == 0 and load["p95"] <= P95_TARGET_MS
    lines = [
        LOAD_START,
        "## 并发负载（issue 17.4）",
        "",
        f"测于 {when}，提交 {commit}；{data}；开始时系统负载 {loadavg}。gunicorn {result['workers']} 个同步进程，"
        f"{result['clients']} 个并发用户（本机回环），各持七种角色之一的登录会话，从全菜单巡检找到的 {result['pages']} 个页面中"
        f"随机打开一页、读完，再平均停顿 {result['think']:g} 秒（0.5–1.5 倍），持续 {result['seconds']} 秒："
        f"请求速率为每秒约 {result['asked_rps']:.0f} 次（应答瞬时时）。其间另有一个探针每 {PROBE_SECONDS:g} 秒打开一次空视图"
        "（/healthz/），量的是排队；随后同样的用户以同样的节奏只打开空视图，作为底线。客户端是本进程里的一个 asyncio 循环"
        f"（不是每用户一个线程），它用的 CPU 与服务器、数据库的一并列出。目标：p95 ≤ {P95_TARGET_MS} ms，零错误 —— "
        + ("达标。" if met else "**未达标**。"),
        "",
        "| 负载 | 请求数 | 错误 | 次/秒 | p50 | p95 | p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        row.format("巡检页面混合", **load),
        row.format("其间的空视图（探针）", **probe),
        row.format("空视图（底线）", **floor),
        "",
        saturation(result),
    ]
    for name, figures_ in (("巡检页面混合", load), ("空视图（底线）", floor)):
        if figures_.get("cpu"):
            lines += ["", f"{name}：{cpu_sentence(figures_)}"]
    lines += [
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
