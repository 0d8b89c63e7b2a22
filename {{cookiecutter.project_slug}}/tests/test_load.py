"""Load: concurrent sessions changing filters against a real server, with zero errors.

Each session is a browser tab over the websocket (``faultkit.Tab``): it opens the page and
then, until the time is up, changes the operation range, the view, the categories and
the Top-N control (a fragment), like a user would. Every run must end with numbers on the
page and no exception, error, warning or toast; the server's memory is sampled throughout.

Both servers: ``streamlit run`` and the production mode (``python -m <package>.asgi``).

- Quick (CI): ``DASH_LOAD_SESSIONS=25`` x ``DASH_LOAD_SECONDS=10`` (the defaults).
- Full: ``DASH_LOAD_SECONDS=60 pytest tests/test_load.py -s`` (prints the figures).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time

import pytest
from faultkit import Tab, fault_database
from sqlalchemy import create_engine, text

from {{ cookiecutter.package_name }}.bench import servers
from {{ cookiecutter.package_name }}.i18n import t

SESSIONS = int(os.environ.get("DASH_LOAD_SESSIONS", "25"))
SECONDS = float(os.environ.get("DASH_LOAD_SECONDS", "10"))
MAX_GROWTH_MB = float(os.environ.get("DASH_LOAD_MAX_GROWTH_MB", "200"))
KINDS = [servers.STREAMLIT_RUN]
if (servers.PROJECT_ROOT / servers.PACKAGE / "asgi.py").exists():
    KINDS.append(servers.PRODUCTION)


@pytest.fixture(scope="module")
def load_url(tmp_path_factory: pytest.TempPathFactory):
    with fault_database(tmp_path_factory.mktemp("load")) as url:
        yield url


async def _user(tab: Tab, n: int, until: float, bounds: dict, out: dict) -> None:
    rng = random.Random(n)
    while time.monotonic() < until:
        action = rng.random()
        if action < 0.45:
            start = rng.randint(bounds["min_op"], bounds["max_op"])
            end = min(start + rng.randint(0, 6), bounds["max_op"])
            run = await tab.set_widgets(op_start=start, op_end=end)
        elif action < 0.6:
            picked = rng.sample(bounds["categories"], rng.randint(0, 2))
            run = await tab.set_widgets(categories=picked)
        elif action < 0.75:
            top = rng.choice([t("top_choice", n=5), t("top_choice", n=10)])
            run = await tab.set_fragment_widget("top_n", [top])
        elif action < 0.9:
            mode = rng.choice([t("mode_ops"), t("mode_dates"), t("mode_realtime")])
            run = await tab.set_widgets(mode=[mode])
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
        await asyncio.gather(*(_user(t, n, until, bounds, out) for n, t in enumerate(tabs)))
        stop.set()
        await sampler
    out["rss_end"] = server.rss_mb()
    return out


def _bounds(url: str) -> dict:
    """Operation ids and category names of the database (what a user can pick)."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            lo, hi = c.execute(text("SELECT MIN(op_id), MAX(op_id) FROM operations")).one()
            names = c.execute(text("SELECT name FROM categories ORDER BY name")).scalars()
            return {"min_op": lo, "max_op": hi - 1, "categories": list(names)}
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_sessions_changing_filters(kind, load_url, capsys):
    bounds = _bounds(load_url)
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
