"""The shared cache level (shared.py) against a real Redis: values as data, one SQL run per
new key across processes, refresh across processes, and a Redis that fails.

Needs a Redis: ``TEST_REDIS_URL`` (default redis://127.0.0.1:6379/15; conftest.py). Each
test works under a key prefix of its own. Processes are production servers
(``python -m {{ cookiecutter.package_name }}.asgi``) driven over the websocket like a browser.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import pickle
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
import redis
import streamlit as st
from conftest import ANCHOR, TEST_ROWS, add_fact_row, unavailable
from faultkit import RANGE_KEYS, Tab

from {{ cookiecutter.package_name }} import data, shared, stats
from {{ cookiecutter.package_name }}.bench import replicas, servers
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.queries import Filters
from {{ cookiecutter.package_name }}.synthetic import periods_for


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(
            f"No Redis at {os.environ['REDIS_URL']} ({exc}): start one (redis-server) or set "
            "TEST_REDIS_URL=redis://host:port/db"
        )
    return client


@pytest.fixture
def own_prefix(monkeypatch: pytest.MonkeyPatch) -> str:
    """A key prefix for this test only (servers it starts inherit it)."""
    prefix, where = f"{shared.prefix()}-{uuid.uuid4().hex[:8]}", os.environ["REDIS_URL"]
    monkeypatch.setenv("REDIS_KEY_PREFIX", prefix)
    shared.reset()
    yield prefix
    shared.reset()
    client = redis.Redis.from_url(where)
    for key in client.scan_iter(f"*{prefix}:*", count=1000):
        client.delete(key)


@pytest.fixture
def live_redis(own_prefix: str) -> redis.Redis:
    return _redis_or_skip()


def window(back: int, length: int) -> Filters:
    """A closed range ``length`` long, ``back`` periods (or days) before the newest."""
    if MODEL.period:
        last = periods_for(TEST_ROWS) - back
        return Filters("ops", op_start=max(1, last - length + 1), op_end=last)
    last = ANCHOR - dt.timedelta(days=back)
    return Filters("dates", date_start=last - dt.timedelta(days=length - 1), date_end=last)


def clear_first_level() -> None:
    """This process's caches only: Redis keeps its values."""
    st.cache_data.clear()


def every_historical_value(f: Filters) -> dict:
    values = {"totals": data.load_totals(f).value, "status": data.load_status().value}
    for section in MODEL.page.sections:
        values[section.key] = data.load_section(f, section).value
    if MODEL.page.detail:
        values["detail_page"] = data.load_detail_page(f, 25).value
        values["detail_count"] = data.load_detail_count(f).value
    return values


def same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    else:
        assert a == b and type(a) is type(b)


# --- In this process ---------------------------------------------------------------------


def test_every_historical_value_comes_back_from_redis_as_it_left(use_database, live_redis):
    f = window(2, 5)
    computed = every_historical_value(f)
    for value in computed.values():
        same(shared.decode(shared.encode(value)), value)
    assert shared.counts()["misses"] >= len(computed)
    clear_first_level()
    before = stats.total()["sql_statements"]
    served = every_historical_value(f)
    assert stats.total()["sql_statements"] == before  # all of it from Redis
    assert shared.counts()["hits"] >= len(computed)
    for name, value in computed.items():
        same(served[name], value)
    payloads = [live_redis.get(k) for k in live_redis.scan_iter(f"{shared.namespace()}:*")]
    bodies = [p.partition(b"|")[2] for p in payloads if p and b"|" in p]
    assert bodies and all(b.startswith((shared.ARROW, shared.JSON)) for b in bodies)
    assert not any(b.startswith(b"\x80") for b in bodies)  # never a pickle


def test_a_value_someone_else_wrote_is_ignored_recomputed_and_never_run(
    use_database, live_redis, tmp_path: Path, caplog
):
    f = window(3, 4)
    good = data.load_totals(f).value
    key = shared.key("totals", (data._within_scope(f).cache_key(),))
    assert live_redis.get(key) is not None

    marker = tmp_path / "ran"

    class Payload:  # what an attacker who can write Redis would store
        def __reduce__(self):
            return (Path.touch, (marker,))

    metadata = b'{"ct": 9999999999.0, "v": 2}|'
    hostile = [
        metadata + pickle.dumps(Payload()),
        metadata + shared.ARROW + b"not arrow at all",
        metadata + shared.JSON + b"{not json",
        b"no metadata at all",
        b'{"ct": "soon"}|' + shared.JSON + b"1",
    ]
    caplog.set_level(logging.WARNING, logger=shared.__name__)
    rejected = shared.counts()["rejected"]
    for value in hostile:
        clear_first_level()
        live_redis.set(key, value)
        before = stats.total()["sql_statements"]
        assert data.load_totals(f).value == good
        assert stats.total()["sql_statements"] > before  # recomputed from SQL
        assert live_redis.get(key).partition(b"|")[2].startswith(shared.JSON)  # repaired
    assert not marker.exists()
    # Once each, though dogpile reads a key twice on a miss (before its lock and in it).
    assert shared.counts()["rejected"] == rejected + len(hostile)
    assert caplog.text.count("not valid data") == len(hostile)


def test_a_value_past_the_size_bound_stays_in_this_process(
    use_database, live_redis, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(shared, "MAX_VALUE_BYTES", 1)
    section = MODEL.page.sections[0]
    data.load_section(window(1, 2), section)
    stored = [k.decode() for k in live_redis.scan_iter(f"{shared.namespace()}:*")]
    assert not [k for k in stored if ":breakdown:" in k or ":series:" in k]


def test_every_key_expires(use_database, live_redis):
    data.load_totals(window(1, 3))
    keys = [k for k in live_redis.scan_iter(f"{shared.namespace()}:*") if b"generation" not in k]
    assert keys
    assert all(0 < live_redis.ttl(k) <= shared.EXPIRY_SECONDS for k in keys)


def test_a_dead_redis_costs_no_error_one_log_line_and_comes_back(
    use_database, own_prefix, monkeypatch: pytest.MonkeyPatch, caplog
):
    live_url = os.environ["REDIS_URL"]
    _redis_or_skip()
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{servers.free_port()}/0")  # nobody
    monkeypatch.setattr(shared, "RETRY_SECONDS", 0.3)
    shared.reset()
    caplog.set_level(logging.WARNING, logger=shared.__name__)
    for back in range(1, 4):  # every loader still answers, from SQL
        loaded = data.load_totals(window(back, 1))
        assert not loaded.stale and loaded.error is None
        data.follow_shared_refresh()
        time.sleep(0.35)  # past RETRY_SECONDS: the next call tries Redis again
    lines = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(lines) == 1, caplog.text  # one line for the outage, not one per request
    assert shared.counts()["state"].startswith("down")

    # Redis answers again (the same process, now pointed at a live one).
    monkeypatch.setenv("REDIS_URL", live_url)
    shared._region = shared._client = None  # a new pool on the next use; health remembers
    time.sleep(0.35)
    clear_first_level()
    data.load_totals(window(1, 2))
    clear_first_level()
    data.load_totals(window(1, 2))
    assert shared.counts()["hits"] >= 1  # shared hits resume
    assert shared.counts()["state"] == "ok"
    assert any("answers again" in r.getMessage() for r in caplog.records)


def test_the_row_scope_is_part_of_every_shared_key(use_database, live_redis):
    dimension = MODEL.row_scope or MODEL.dimensions[0].name
    values = list(data.load_members(dimension).value["value"])[:2]
    f = window(1, 3)
    keys = {
        shared.key("totals", (f.restricted(dimension, (value,)).cache_key(),)) for value in values
    }
    keys.add(shared.key("totals", (f.cache_key(),)))
    assert len(keys) == len(values) + 1


# --- Across processes (production servers, a browser tab each) ----------------------------


def _range_widgets(f: Filters) -> dict:
    if MODEL.period:
        return dict(zip(RANGE_KEYS, (f.op_start, f.op_end), strict=True))
    dates = ([f.date_start.isoformat()], [f.date_end.isoformat()])
    return dict(zip(RANGE_KEYS, dates, strict=True))


async def _opened(server_urls: list[str]) -> list[Tab]:
    """A tab per server, opened (so each process has its catalogue and first view)."""
    tabs = [Tab(url) for url in server_urls]
    for tab in tabs:
        await tab.__aenter__()
    await asyncio.gather(*(tab.open() for tab in tabs))
    return tabs


async def _switch(tabs: list[Tab], f: Filters) -> None:
    """Every tab changes its range to ``f`` at the same moment."""
    await asyncio.gather(*(tab.set_widgets(**_range_widgets(f)) for tab in tabs))
    for tab in tabs:
        assert tab.page.clean and tab.page.metrics, tab.page


def _sql(server: servers.Server) -> int:
    return server.counters()["sql_statements"]


def test_two_processes_warm_a_new_filter_with_one_cold_runs_sql(database_url, live_redis):
    async def scenario(a, b, alone) -> tuple[int, int]:
        tabs = await _opened([a.url, b.url, alone.url])
        try:
            new = window(4, 3)  # no tab has seen it
            before = [_sql(s) for s in (a, b, alone)]
            await _switch(tabs[:2], new)  # a and b at the same moment
            shared_run = _sql(a) - before[0] + _sql(b) - before[1]
            await _switch(tabs[2:], new)  # one process without the shared level
            return shared_run, _sql(alone) - before[2]
        finally:
            for tab in tabs:
                await tab.__aexit__(None, None, None)

    with (
        replicas.replicas(2, database_url) as (a, b),
        servers.running(servers.PRODUCTION, database_url, {"DASHBOARD_SHARED_CACHE": "none"}) as c,
    ):
        shared_run, cold_run = asyncio.run(scenario(a, b, c))
        assert b.counters()["shared_cache"]["state"] == "ok"
    assert cold_run > 0
    assert shared_run == cold_run  # one SQL execution per new key, whoever asked first


def test_refresh_on_one_process_shows_fresh_data_on_the_other(fault_url, live_redis):
    async def scenario(a, b) -> None:
        tab_a, tab_b = await _opened([a.url, b.url])
        try:
            await _switch([tab_a, tab_b], window(0, 1))  # the newest period (or day)
            before = tab_b.page.metric_values
            add_fact_row(fault_url)  # the data changed under every cache
            await tab_b.rerun()
            assert tab_b.page.metric_values == before  # B serves its cache: still the old
            await tab_a.click("admin_refresh")  # "Refresh data" on A (an open dashboard)
            await tab_b.rerun()  # B's next run
            assert tab_b.page.metric_values != before
        finally:
            for tab in (tab_a, tab_b):
                await tab.__aexit__(None, None, None)

    with replicas.replicas(2, fault_url) as (a, b):
        asyncio.run(scenario(a, b))
