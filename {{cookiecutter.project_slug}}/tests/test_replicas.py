"""Replicas: production processes behind HAProxy (deploy/haproxy.cfg), sharing one Redis.

- 3 replicas behind the proxy, ``DASH_REPLICA_SESSIONS`` (25) websocket sessions changing
  filters for ``DASH_REPLICA_SECONDS`` (30): no errors, and every session stays on the
  replica the proxy's cookie names (its page, its websocket and its later requests).
- Redis stopped in the middle of a load and started again: no error on any page, one log
  line per replica for the outage, and values are shared again once it answers.

Needs ``haproxy`` (Debian: apt-get install haproxy) for the first, ``redis-server`` for
the second (the test starts its own, so it can stop it), and TEST_REDIS_URL (conftest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import shutil
import subprocess
import time
import uuid

import pytest
import redis
from conftest import filled_database, unavailable
from faultkit import RANGE_KEYS, Tab
from test_load import DIMENSION, filter_bounds, simulated_user

from {{ cookiecutter.package_name }}.bench import replicas, servers
from {{ cookiecutter.package_name }}.model import MODEL

SESSIONS = int(os.environ.get("DASH_REPLICA_SESSIONS", "25"))
SECONDS = float(os.environ.get("DASH_REPLICA_SECONDS", "30"))


@pytest.fixture(scope="module")
def replica_url(tmp_path_factory: pytest.TempPathFactory):
    with filled_database(tmp_path_factory.mktemp("replicas"), "replicas") as url:
        yield url


@pytest.fixture
def own_prefix(monkeypatch: pytest.MonkeyPatch) -> str:
    """Keys of this test only (the servers inherit the prefix)."""
    prefix = f"replicas-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("REDIS_KEY_PREFIX", prefix)
    return prefix


def _live_redis() -> None:
    try:
        redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        unavailable(f"No Redis at {os.environ['REDIS_URL']} ({exc}): set TEST_REDIS_URL")


async def _sticky_user(proxy_url: str, n: int, until: float, bounds: dict, out: dict) -> None:
    """One browser: the page (the proxy sets its cookie), then the websocket and, now
    and then, another request, all with the cookie; every answer names its replica."""
    first = await asyncio.to_thread(replicas.get, proxy_url + "/")
    assert first.cookie, "the proxy set no sticky cookie"
    seen = out["replicas"].setdefault(n, set())
    seen.add(first.replica)
    async with Tab(proxy_url, headers={"Cookie": first.cookie}) as tab:
        seen.add(tab.response_headers.get(replicas.REPLICA_HEADER))
        await tab.open()
        while time.monotonic() < until:
            await simulated_user(tab, n, min(until, time.monotonic() + 5), bounds, out)
            again = await asyncio.to_thread(
                replicas.get, proxy_url + "/_stcore/health", first.cookie
            )
            seen.add(again.replica)


def test_three_replicas_behind_the_proxy_keep_every_session_on_one(
    replica_url, own_prefix, monkeypatch
):
    if replicas.haproxy() is None:
        unavailable("haproxy is not installed (Debian: apt-get install haproxy)")
    _live_redis()
    bounds = filter_bounds(replica_url)
    out: dict = {"runs": 0, "ms": [], "errors": [], "replicas": {}}

    async def load(proxy_url: str) -> None:
        until = time.monotonic() + SECONDS
        await asyncio.gather(
            *(_sticky_user(proxy_url, n, until, bounds, out) for n in range(SESSIONS))
        )

    with replicas.replicas(3, replica_url) as backends, replicas.proxy(backends) as proxy:
        asyncio.run(load(proxy.url))
        counters = [server.counters() for server in backends]
        logs = [server.log.read_text() for server in backends]
    moved = {n: seen for n, seen in out["replicas"].items() if len(seen) != 1 or None in seen}
    used = {replica for seen in out["replicas"].values() for replica in seen}
    print(
        f"\n3 replicas behind the proxy: {SESSIONS} sessions x {SECONDS:g} s, {out['runs']} "
        f"runs, {len(out['errors'])} errors, sessions per replica "
        f"{sorted(sum(r in seen for seen in out['replicas'].values()) for r in used)}, "
        f"shared hits {[c['shared_cache']['hits'] for c in counters]}"
    )
    assert not out["errors"], "\n".join(out["errors"][:20])
    assert not moved, f"sessions that changed replica: {moved}"
    assert len(used) == 3  # the proxy spread the sessions
    assert out["runs"] >= SESSIONS
    assert sum(c["shared_cache"]["hits"] for c in counters) > 0  # they did share
    assert all("Traceback" not in log for log in logs), logs


# --- Redis stopped in the middle of a load ------------------------------------------------


class RedisServer:
    """A redis-server of the test's own on a free port, to stop and start at will."""

    def __init__(self) -> None:
        self.program = shutil.which("redis-server")
        self.port = servers.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.program,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        for _ in range(100):
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def test_redis_stopped_mid_load_costs_no_errors_and_sharing_resumes(
    replica_url, own_prefix, monkeypatch
):
    own = RedisServer()
    if own.program is None:
        unavailable("redis-server is not installed (Debian: apt-get install redis-server)")
    own.start()
    monkeypatch.setenv("REDIS_URL", own.url)
    bounds = filter_bounds(replica_url)
    out: dict = {"runs": 0, "ms": [], "errors": []}
    seconds = max(12.0, SECONDS / 2)

    async def load(urls: list[str]) -> None:
        tabs = [Tab(urls[n % len(urls)]) for n in range(10)]
        async with contextlib.AsyncExitStack() as stack:
            for tab in tabs:
                await stack.enter_async_context(tab)
            await asyncio.gather(*(tab.open() for tab in tabs))
            until = time.monotonic() + seconds

            async def outage() -> None:
                await asyncio.sleep(seconds / 4)
                own.stop()  # Redis gone mid-load
                await asyncio.sleep(seconds / 3)
                await asyncio.to_thread(own.start)  # and back (empty)

            await asyncio.gather(
                outage(), *(simulated_user(t, n, until, bounds, out) for n, t in enumerate(tabs))
            )

    try:
        with replicas.replicas(2, replica_url) as backends:
            asyncio.run(load([server.url for server in backends]))
            time.sleep(6)  # past RETRY_SECONDS: every replica tries Redis again
            hits_before = sum(server.counters()["shared_cache"]["hits"] for server in backends)
            asyncio.run(_each_opens_the_same_new_view([s.url for s in backends], bounds))
            counters = [server.counters()["shared_cache"] for server in backends]
            logs = [server.log.read_text() for server in backends]
    finally:
        own.stop()
    assert not out["errors"], "\n".join(out["errors"][:20])
    assert out["runs"] >= 10
    for log in logs:  # one line when the outage starts, one when it ends (per replica)
        assert log.count("Shared cache at") <= 2 and "unavailable" in log, log[-2000:]
        assert "Traceback" not in log, log[-3000:]
    assert all(c["errors"] > 0 for c in counters), counters  # each one met the outage
    assert all(c["state"] == "ok" for c in counters), counters
    assert sum(c["hits"] for c in counters) > hits_before  # shared hits resume


async def _each_opens_the_same_new_view(urls: list[str], bounds: dict) -> None:
    """One replica computes a view nobody asked for yet, then the other opens it:
    three of the first filter's names (simulated users pick at most two), else a range of
    10 periods or days (they pick at most 7)."""
    if DIMENSION and len(bounds["names"]) >= 3:
        unseen = {DIMENSION: bounds["names"][:3]}
    elif MODEL.period:
        unseen = dict(zip(RANGE_KEYS, (bounds["last"] - 9, bounds["last"]), strict=True))
    else:
        first = (bounds["last"] - dt.timedelta(days=9)).isoformat()
        unseen = dict(zip(RANGE_KEYS, ([first], [bounds["last"].isoformat()]), strict=True))
    for url in urls:
        async with Tab(url) as tab:
            await tab.open()
            await tab.set_widgets(**unseen)
            assert tab.page.clean and tab.page.metrics, tab.page
