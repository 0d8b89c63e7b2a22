"""Measurements in a real server, through websocket clients that behave like browsers.

Each function gets a running server (``servers.running``) and drives ``BrowserSession``
tabs against it with asyncio: many tabs in one process, each waiting for its own
``script_finished`` exactly as a browser waits before it can draw the page. The widgets
they change come from the model: the period (or date) range in the sidebar (keys.py), and
a control inside a section's fragment (``fragment_widget``).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import statistics
from collections.abc import Sequence

from ..i18n import t
from ..model import MODEL
from ..modeling import Breakdown, Ranking
from . import keys
from .servers import Server
from .wsclient import BrowserSession


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p50 = median of an odd sample)."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def tab(server: Server, window: keys.Window | None = None) -> BrowserSession:
    """A tab opening the page in the bench's mode (and on ``window``, when given): the
    sidebar filters are bound to the URL (bind="query-params"), so a link opens them."""
    return BrowserSession(server.url, keys.query_string(window))


def fragment_widget() -> tuple[str, list[list[str]]] | None:
    """A widget inside a section's fragment, and two of its values as the browser sends
    them (the labels shown): the first ranking's N, else the first breakdown's view."""
    for section in MODEL.page.sections:
        if isinstance(section, Ranking) and len(section.sizes) >= 2:
            return section.size_key, [[t("top_choice", n=n)] for n in section.sizes[:2]]
    for section in MODEL.page.sections:
        if isinstance(section, Breakdown):
            from ..sections.breakdown import VIEWS  # the labels of the table/chart switch

            return section.view_key, [[f"{icon} {t('view_' + v)}"] for v, icon in VIEWS.items()]
    return None


async def _warm_up(server: Server, windows: Sequence[keys.Window]) -> None:
    async with tab(server) as browser:
        await browser.open()
        for window in windows:
            await browser.set_widgets(**keys.widget_values(window))


def measure_fragment_vs_full(server: Server, repeats: int) -> dict[str, float | None]:
    """fragment_ms and full_ms: one fragment's rerun against the whole app's, warm cache.

    full: a rerun of the page with nothing changed (every loader cached). fragment: a
    control inside a section's fragment (fragment_widget()) switches between two values
    (both cached after the first round), so only that fragment's code runs on the server.
    A page with no such control has no fragment_ms (None).
    """
    widget = fragment_widget()

    async def run() -> dict[str, float | None]:
        async with tab(server) as browser:
            await browser.open()
            if widget is not None:
                key, values = widget
                choices = itertools.cycle(values)
                for _ in range(2):  # cache both choices first
                    await browser.set_fragment_widget(key, next(choices))
            fragment: list[float] = []
            full: list[float] = []
            for _ in range(repeats):  # interleaved, so drift hits both alike
                if widget is not None:
                    fragment.append((await browser.set_fragment_widget(key, next(choices))).ms)
                full.append((await browser.rerun()).ms)
        return {
            "fragment_ms": round(statistics.median(fragment), 1) if fragment else None,
            "full_ms": round(statistics.median(full), 1),
        }

    return asyncio.run(run())


def measure_stampede(server: Server, sessions: int, window: keys.Window) -> dict[str, float]:
    """stampede: ``sessions`` tabs open the same page at once, on a cold cache for it.

    The server has served one tab already (filter options and status cached); then every
    tab opens a link to a period (or date) range nobody has asked for. Without protection
    each tab would run the same queries; Streamlit's per-key lock in ``st.cache_data``
    makes one compute and the others wait. stampede_queries: SQL statements the server
    ran for all of them (read from /healthz before and after); compare it with
    queries_per_cold_run (one tab alone).
    """

    async def open_tab() -> float:
        async with tab(server, window) as browser:
            return (await browser.open()).ms

    async def run() -> list[float]:
        async with tab(server) as first:
            await first.open()
        before = server.counters()["sql_statements"]
        times = await asyncio.gather(*(open_tab() for _ in range(sessions)))
        return [server.counters()["sql_statements"] - before, *times]

    queries, *times = asyncio.run(run())
    return {
        "stampede_sessions": sessions,
        "stampede_queries": int(queries),
        "stampede_p50_ms": round(percentile(times, 50), 1),
        "stampede_max_ms": round(max(times), 1),
    }


def measure_latency(
    servers: dict[str, Server],
    session_counts: Sequence[int],
    windows: Sequence[keys.Window],
    samples: int,
    rounds: int = 2,
) -> dict[str, dict[str, dict[str, float]]]:
    """Interaction latency p50/p95 with 1, 10, 25, ... tabs changing filters at once,
    for each server: ``{kind: {"10": {"p50_ms": ..., "p95_ms": ..., "samples": ...}}}``.

    The filter keys are cached first (one tab visits each), so the numbers are about
    serving a page, not about the database. Then N tabs open the page; when all are
    open, each changes the period (or date) range again and again, cycling through the
    keys, as fast as the server answers (a closed loop: a tab sends its next change
    when the previous page has arrived). Latency: from the change to script_finished.

    The servers take turns: for each session count, ``rounds`` turns each, one server
    after the other, so a slower moment of the machine hits every server alike. Each
    level collects about ``samples`` changes per server (at least 4 per tab).
    """

    async def tab_loop(
        browser: BrowserSession, start: int, interactions: int, ready: asyncio.Barrier
    ) -> list[float]:
        await browser.open()
        await ready.wait()
        cycle = itertools.islice(itertools.cycle(windows), start, start + interactions)
        return [(await browser.set_widgets(**keys.widget_values(w))).ms for w in cycle]

    async def turn(server: Server, n: int, interactions: int) -> list[float]:
        tabs = [tab(server) for _ in range(n)]
        for browser in tabs:
            await browser.__aenter__()
        try:
            ready = asyncio.Barrier(n)
            per_tab = await asyncio.gather(
                *(tab_loop(b, i, interactions, ready) for i, b in enumerate(tabs))
            )
        finally:
            for browser in tabs:
                await browser.__aexit__()
        return [ms for times in per_tab for ms in times]

    for server in servers.values():
        asyncio.run(_warm_up(server, windows))
    times: dict[str, dict[int, list[float]]] = {kind: {} for kind in servers}
    for n in session_counts:
        per_tab = max(math.ceil(4 / rounds), math.ceil(samples / (n * rounds)))
        for _ in range(rounds):
            for kind, server in servers.items():
                times[kind].setdefault(n, []).extend(asyncio.run(turn(server, n, per_tab)))
    return {
        kind: {
            str(n): {
                "p50_ms": round(percentile(values, 50), 1),
                "p95_ms": round(percentile(values, 95), 1),
                "samples": len(values),
            }
            for n, values in levels.items()
        }
        for kind, levels in times.items()
    }
