"""Measurements in a real server, through websocket clients that behave like browsers.

Each function gets a running server (``servers.running``) and drives ``BrowserSession``
tabs against it with asyncio: many tabs in one process, each waiting for its own
``script_finished`` exactly as a browser waits before it can draw the page.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import statistics
from collections.abc import Sequence

from ..i18n import t
from .servers import Server
from .wsclient import BrowserSession


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p50 = median of an odd sample)."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _ops_query(op_start: int, op_end: int) -> str:
    # The sidebar filters are bound to the URL (bind="query-params"): a link opens them.
    return f"op_start={op_start}&op_end={op_end}"


async def _warm_up(server: Server, keys: Sequence[tuple[int, int]]) -> None:
    async with BrowserSession(server.url) as tab:
        await tab.open()
        for op_start, op_end in keys:
            await tab.set_widgets(op_start=op_start, op_end=op_end)


def measure_fragment_vs_full(server: Server, repeats: int) -> dict[str, float]:
    """fragment_ms and full_ms: one fragment's rerun against the whole app's, warm cache.

    full: a rerun of the page with nothing changed (every loader cached). fragment: the
    "Top N" control inside the top-products fragment switches between two values (both
    cached after the first round), so only that fragment's code runs on the server.
    """

    async def run() -> dict[str, float]:
        async with BrowserSession(server.url) as tab:
            await tab.open()
            choices = itertools.cycle([[t("top_choice", n=5)], [t("top_choice", n=10)]])
            for _ in range(2):  # cache both choices first
                await tab.set_fragment_widget("top_n", next(choices))
            fragment = [(await tab.set_fragment_widget("top_n", next(choices))).ms]
            full = [(await tab.rerun()).ms]
            for _ in range(repeats - 1):  # interleaved, so drift hits both alike
                fragment.append((await tab.set_fragment_widget("top_n", next(choices))).ms)
                full.append((await tab.rerun()).ms)
        return {
            "fragment_ms": round(statistics.median(fragment), 1),
            "full_ms": round(statistics.median(full), 1),
        }

    return asyncio.run(run())


def measure_stampede(server: Server, sessions: int, key: tuple[int, int]) -> dict[str, float]:
    """stampede: ``sessions`` tabs open the same page at once, on a cold cache for it.

    The server has served one tab already (catalogue and status cached); then every
    tab opens a link to an operation range nobody has asked for. Without protection
    each tab would run the same queries; Streamlit's per-key lock in ``st.cache_data``
    makes one compute and the others wait. stampede_queries: SQL statements the server
    ran for all of them (read from /healthz before and after); compare it with
    queries_per_cold_run (one tab alone).
    """

    async def open_tab() -> float:
        async with BrowserSession(server.url, _ops_query(*key)) as tab:
            return (await tab.open()).ms

    async def run() -> list[float]:
        async with BrowserSession(server.url) as first:
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
    keys: Sequence[tuple[int, int]],
    samples: int,
    rounds: int = 2,
) -> dict[str, dict[str, dict[str, float]]]:
    """Interaction latency p50/p95 with 1, 10, 25, ... tabs changing filters at once,
    for each server: ``{kind: {"10": {"p50_ms": ..., "p95_ms": ..., "samples": ...}}}``.

    The filter keys are cached first (one tab visits each), so the numbers are about
    serving a page, not about the database. Then N tabs open the page; when all are
    open, each changes the operation range again and again, cycling through the
    keys, as fast as the server answers (a closed loop: a tab sends its next change
    when the previous page has arrived). Latency: from the change to script_finished.

    The servers take turns: for each session count, ``rounds`` turns each, one server
    after the other, so a slower moment of the machine hits every server alike. Each
    level collects about ``samples`` changes per server (at least 4 per tab).
    """

    async def tab_loop(
        tab: BrowserSession, start: int, interactions: int, ready: asyncio.Barrier
    ) -> list[float]:
        await tab.open()
        await ready.wait()
        cycle = itertools.islice(itertools.cycle(keys), start, start + interactions)
        return [(await tab.set_widgets(op_start=a, op_end=b)).ms for a, b in cycle]

    async def turn(server: Server, n: int, interactions: int) -> list[float]:
        tabs = [BrowserSession(server.url) for _ in range(n)]
        for tab in tabs:
            await tab.__aenter__()
        try:
            ready = asyncio.Barrier(n)
            per_tab = await asyncio.gather(
                *(tab_loop(t, i, interactions, ready) for i, t in enumerate(tabs))
            )
        finally:
            for tab in tabs:
                await tab.__aexit__()
        return [ms for times in per_tab for ms in times]

    for server in servers.values():
        asyncio.run(_warm_up(server, keys))
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
