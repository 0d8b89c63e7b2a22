"""Several production processes behind HAProxy, sharing one Redis, on this machine.

The topology of compose.yaml without containers: N ``python -m <package>.asgi`` processes
on free ports, one HAProxy started from the project's own deploy/haproxy.cfg (only its
addresses changed: see ``local_config``), and the Redis in ``REDIS_URL``. Used by
tests/test_replicas.py and ``bench --replicas``. HAProxy comes from the system's packages
(Debian: ``apt-get install haproxy``).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookies
import itertools
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import keys, live, servers
from .wsclient import BrowserSession

HAPROXY_CONFIG = servers.PROJECT_ROOT / "deploy" / "haproxy.cfg"
REPLICA_HEADER = "x-dashboard-replica"  # set by the proxy: which replica answered
STARTUP_TIMEOUT_SECONDS = 30


def haproxy() -> str | None:
    """The haproxy program, or None when it is not installed."""
    return shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if os.access(p, os.X_OK)),
        None,
    )


def local_config(text: str, port: int, backends: list[str]) -> str:
    """deploy/haproxy.cfg for this machine: it listens on 127.0.0.1:<port>, its servers are
    ``backends`` ("127.0.0.1:<port>") instead of Docker's DNS names; every other line
    (timeouts, the sticky cookie, the checks) is the shipped one."""
    out, in_resolvers = [], False
    for line in text.splitlines():
        words = line.split()
        if line.startswith("resolvers "):
            in_resolvers = True  # Docker's DNS: not here
            continue
        if in_resolvers and (not line.strip() or line.startswith((" ", "\t"))):
            in_resolvers = bool(line.strip())
            continue
        in_resolvers = False
        if words[:1] == ["bind"]:
            line = f"    bind 127.0.0.1:{port}"
        elif words[:1] == ["server-template"]:
            out += [f"    server app{n} {address}" for n, address in enumerate(backends, 1)]
            continue
        out.append(line)
    return "\n".join(out) + "\n"


@dataclass
class Proxy:
    url: str
    process: subprocess.Popen
    log: Path


@contextlib.contextmanager
def proxy(backends: list[servers.Server]) -> Iterator[Proxy]:
    """HAProxy in front of ``backends``, ready when it answers through to a replica."""
    program = haproxy()
    if program is None:
        raise RuntimeError("haproxy is not installed (Debian: apt-get install haproxy)")
    port = servers.free_port()
    addresses = [server.url.removeprefix("http://") for server in backends]
    folder = Path(tempfile.mkdtemp(prefix="bench-proxy-"))
    config = folder / "haproxy.cfg"
    config.write_text(local_config(HAPROXY_CONFIG.read_text(), port, addresses))
    log = folder / "haproxy.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [program, "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    running = Proxy(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(running)
        yield running
    finally:
        servers.stop(process, grace=10)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(running: Proxy) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"haproxy exited at start:\n{running.log.read_text()[-3000:]}")
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
            if get(running.url + "/_stcore/health").status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"haproxy did not answer in {STARTUP_TIMEOUT_SECONDS} s")


@dataclass
class Answer:
    status: int
    replica: str | None  # the proxy's X-Dashboard-Replica header
    cookie: str | None  # the sticky cookie it set ("name=value"), if it set one


def get(url: str, cookie: str | None = None) -> Answer:
    """One GET, as a browser would send it (with the sticky cookie once it has one)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        jar = http.cookies.SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        set_cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
        return Answer(response.status, response.headers.get(REPLICA_HEADER), set_cookie or None)


@contextlib.contextmanager
def replicas(count: int, database_url: str, env: dict | None = None) -> Iterator[list]:
    """``count`` production servers on one database (and the Redis of REDIS_URL)."""
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(servers.running(servers.PRODUCTION, database_url, env))
            for _ in range(count)
        ]


# --- The benchmark: `bench --replicas` -------------------------------------------------


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


async def _closed_loop(url: str, sessions: int, windows: list, seconds: float) -> dict:
    """``sessions`` tabs, each changing its range as soon as the last page arrived,
    for ``seconds``: interactions per second and their latency."""
    tabs = [BrowserSession(url, keys.query_string()) for _ in range(sessions)]
    for browser in tabs:
        await browser.__aenter__()
    try:
        await asyncio.gather(*(browser.open() for browser in tabs))
        until = time.monotonic() + seconds

        async def loop(n: int, browser: BrowserSession) -> list[float]:
            times = []
            for window in itertools.islice(itertools.cycle(windows), n, None):
                if time.monotonic() >= until:
                    return times
                times.append((await browser.set_widgets(**keys.widget_values(window))).ms)
            return times

        started, cpu = time.monotonic(), time.process_time()
        per_tab = await asyncio.gather(*(loop(n, b) for n, b in enumerate(tabs)))
        wall, cpu = time.monotonic() - started, time.process_time() - cpu
    finally:
        for browser in tabs:
            await browser.__aexit__()
    return {"ms": [ms for times in per_tab for ms in times], "wall": wall, "cpu": cpu}


def measure_throughput(
    database_url: str, windows: list, sessions: int, seconds: float, rounds: int, env: dict
) -> dict:
    """1 production process against 2 behind the proxy, side by side, taking turns:
    ``sessions`` tabs in a closed loop over cached ``windows`` (warmed on every process
    first), ``rounds`` turns each. The load generator is this process: its CPU share of
    the machine is reported, as is each deployment's server CPU."""
    names = ("1 process", "2 processes behind the proxy")
    samples = {name: {"ms": [], "wall": 0.0, "cpu": 0.0, "server_cpu": 0.0} for name in names}
    with (
        replicas(1, database_url, env) as single,
        replicas(2, database_url, env) as pair,
        proxy(pair) as front,
    ):
        for server in [*single, *pair]:
            asyncio.run(live._warm_up(server, windows))
        targets = {names[0]: (single[0].url, single), names[1]: (front.url, pair)}
        for _ in range(rounds):
            for name, (url, backends) in targets.items():
                before = sum(cpu_seconds(s.process.pid) for s in backends)
                run = asyncio.run(_closed_loop(url, sessions, windows, seconds))
                after = sum(cpu_seconds(s.process.pid) for s in backends)
                for field in ("ms", "wall", "cpu"):
                    samples[name][field] += run[field]
                samples[name]["server_cpu"] += after - before
    cores = os.cpu_count() or 1
    out = {}
    for name, got in samples.items():
        out[name] = {
            "interactions_per_s": round(len(got["ms"]) / got["wall"], 1),
            "p50_ms": round(live.percentile(got["ms"], 50), 1),
            "p95_ms": round(live.percentile(got["ms"], 95), 1),
            "samples": len(got["ms"]),
            "load_generator_cpu_pct": round(100 * got["cpu"] / (got["wall"] * cores), 1),
            "servers_cpu_pct": round(100 * got["server_cpu"] / (got["wall"] * cores), 1),
        }
    return {"sessions": sessions, "seconds_per_turn": seconds, "rounds": rounds, **out}


def measure_new_key_statements(database_url: str, window, env: dict) -> dict:
    """SQL statements for one new key across 3 replicas, with and without the shared
    level: each replica serves a first tab (its catalogue and default view), then all
    three open ``window`` at the same moment."""

    async def together(backends: list) -> int:
        for server in backends:
            async with live.tab(server) as first:
                await first.open()
        before = sum(server.counters()["sql_statements"] for server in backends)

        async def open_window(server) -> None:
            async with live.tab(server, window) as browser:
                await browser.open()

        await asyncio.gather(*(open_window(server) for server in backends))
        return sum(server.counters()["sql_statements"] for server in backends) - before

    async def alone(server) -> int:
        async with live.tab(server) as first:
            await first.open()
        before = server.counters()["sql_statements"]
        async with live.tab(server, window) as browser:
            await browser.open()
        return server.counters()["sql_statements"] - before

    off = {**env, "DASHBOARD_SHARED_CACHE": "none"}
    with replicas(1, database_url, off) as (single,):
        cold = asyncio.run(alone(single))
    with replicas(3, database_url, env) as three:
        shared_level = asyncio.run(together(three))
    with replicas(3, database_url, off) as three:
        without = asyncio.run(together(three))
    return {
        "queries_per_cold_run": cold,
        "three_replicas_shared": shared_level,
        "three_replicas_without_shared": without,
    }
