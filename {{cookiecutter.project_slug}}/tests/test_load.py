"""Load: concurrent sessions changing filters against a real server, with zero errors.

Each session is a browser tab over the websocket (``faultkit.Tab``): it opens the page and
then, until the time is up, changes the range (periods, or dates without a period), the
view, the first dimension's filter and a control inside a fragment (the first ranking's
N, else a breakdown's view), like a user would. Every run must end with numbers on the
page and no exception, error, warning or toast; the server's memory is sampled throughout.

Both servers: ``streamlit run`` and the production mode (``python -m <package>.asgi``).

- Quick (CI): ``DASH_LOAD_SESSIONS=25`` x ``DASH_LOAD_SECONDS=10`` (the defaults).
- Full: ``DASH_LOAD_SECONDS=60 pytest tests/test_load.py -s`` (prints the figures).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import time

import pytest
from conftest import filled_database
from faultkit import RANGE_KEYS, Tab, fragment_widget
from sqlalchemy import create_engine

from {{ cookiecutter.package_name }} import queries
from {{ cookiecutter.package_name }}.bench import servers
from {{ cookiecutter.package_name }}.filters import mode_label
from {{ cookiecutter.package_name }}.model import MODEL

SESSIONS = int(os.environ.get("DASH_LOAD_SESSIONS", "25"))
SECONDS = float(os.environ.get("DASH_LOAD_SECONDS", "10"))
MAX_GROWTH_MB = float(os.environ.get("DASH_LOAD_MAX_GROWTH_MB", "200"))
KINDS = [servers.STREAMLIT_RUN]
if (servers.PROJECT_ROOT / servers.PACKAGE / "asgi.py").exists():
    KINDS.append(servers.PRODUCTION)
DIMENSION = MODEL.dimensions[0].name if MODEL.dimensions else None
FRAGMENT = fragment_widget()  # (key, option labels), or None


@pytest.fixture(scope="module")
def load_url(tmp_path_factory: pytest.TempPathFactory):
    with filled_database(tmp_path_factory.mktemp("load"), "load") as url:
        yield url


def _window(rng: random.Random, bounds: dict) -> dict:
    """A random range of up to 7 periods (or days) inside the data."""
    first, last = bounds["first"], bounds["last"]
    if MODEL.period:
        start = rng.randint(first, last)
        end = min(start + rng.randint(0, 6), last)
    else:  # dates travel as ISO strings
        start = first + dt.timedelta(days=rng.randint(0, (last - first).days))
        end = min(start + dt.timedelta(days=rng.randint(0, 6)), last)
        start, end = [start.isoformat()], [end.isoformat()]
    return dict(zip(RANGE_KEYS, (start, end), strict=True))


async def simulated_user(tab: Tab, n: int, until: float, bounds: dict, out: dict) -> None:
    """One user changing filters until ``until`` (tests/test_replicas.py runs it too)."""
    rng = random.Random(n)
    while time.monotonic() < until:
        action = rng.random()
        if action < 0.45:
            run = await tab.set_widgets(**_window(rng, bounds))
        elif action < 0.6 and DIMENSION:
            picked = rng.sample(bounds["names"], min(len(bounds["names"]), rng.randint(0, 2)))
            run = await tab.set_widgets(**{DIMENSION: picked})
        elif action < 0.75 and FRAGMENT:
            key, options = FRAGMENT
            run = await tab.set_fragment_widget(key, [rng.choice(options[:2])])
        elif action < 0.9:
            run = await tab.set_widgets(mode=[mode_label(rng.choice(MODEL.modes))])
        else:
            run = await tab.rerun()
        out["runs"] += 1
        out["ms"].append(run.ms)
        page = tab.page
        if page.exceptions or page.errors or page.warnings or page.toasts:
            shown = page.exceptions or page.errors or page.warnings or page.toasts
            out["errors"].append(f"session {n}: {shown}")
        elif action < 0.6 and not page.metrics:
            out["errors"].append(f"session {n}: no KPIs after a filter change")


async def _load(server: servers.Server, bounds: dict) -> dict:
    out: dict = {"runs": 0, "ms": [], "errors": [], "rss": []}
    tabs = [Tab(server.url) for _ in range(SESSIONS)]
    async with contextlib.AsyncExitStack() as stack:
        for tab in tabs:  # every session opens the page first (warm-up, not measured)
            await stack.enter_async_context(tab)
        await asyncio.gather(*(tab.open() for tab in tabs))
        out["rss_start"] = server.rss_mb()
        stop = asyncio.Event()

        async def sample() -> None:
            while not stop.is_set():
                out["rss"].append(server.rss_mb())
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        until = time.monotonic() + SECONDS
        await asyncio.gather(
            *(simulated_user(t, n, until, bounds, out) for n, t in enumerate(tabs))
        )
        stop.set()
        await sampler
    out["rss_end"] = server.rss_mb()
    return out


def filter_bounds(url: str) -> dict:
    """What a user can pick: the closed periods (or the days) of the data, and the names
    the first dimension's filter offers."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            status = queries.fetch_status(c)
            names = queries.fetch_members(c, DIMENSION)["name"] if DIMENSION else []
    finally:
        engine.dispose()
    if MODEL.period:  # the open period is the live view's
        last = status["latest_op"] - (1 if status["is_open"] else 0)
        first = status["min_op"]
    else:
        first, last = status["min_date"], status["max_date"]
    return {"first": first, "last": last, "names": sorted({str(n) for n in names})}


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_sessions_changing_filters(kind, load_url, capsys):
    bounds = filter_bounds(load_url)
    with servers.running(kind, load_url) as server:
        result = asyncio.run(_load(server, bounds))
        log = server.log.read_text()
    ms = sorted(result["ms"])
    peak = max(result["rss"] or [0.0])
    growth = result["rss_end"] - result["rss_start"]
    figures = (
        f"\n{kind}: {SESSIONS} sessions x {SECONDS:g} s: {result['runs']} runs, "
        f"{len(result['errors'])} errors, p50 {ms[len(ms) // 2]:.0f} ms, "
        f"p95 {ms[int(len(ms) * 0.95)]:.0f} ms; RSS start {result['rss_start']:.0f} MB, "
        f"peak {peak:.0f} MB, end {result['rss_end']:.0f} MB"
    )
    with capsys.disabled():
        print(figures)
    assert not result["errors"], "\n".join(result["errors"][:20])
    assert result["runs"] >= SESSIONS  # every session did change its filters
    assert "QueuePool limit" not in log and "Traceback" not in log, log[-3000:]
    assert growth < MAX_GROWTH_MB, figures
