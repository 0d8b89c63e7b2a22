"""History at scale: what a cold page costs over a week, a month, a year and the whole
history, read from the raw rows and through the rollups (rollups.py); the first and the
last detail page (keyset pagination); building the rollups, all and incrementally.

A cold page here is every query of the overview for a view nobody has cached: the KPIs
and their comparison and each section, straight through queries.py (no Streamlit).
Rolled-up pages are the median of three runs; the raw page is run once (at 1M rows a year
of it takes seconds).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from typing import Any

from sqlalchemy import URL, Connection, bindparam

from .. import data, db, queries, rollups
from ..model import MODEL

SPANS = (7, 30, 365)  # periods (or days) ending at the last closed one; then "all"
REPEATS = 3


def _ms(run, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def cold_page(c: Connection, f: queries.Filters, found) -> None:
    """Every query of the overview for ``f`` (``found``: the rollups, or None: raw rows)."""
    queries.fetch_totals(c, f, rollups=found)
    for section in MODEL.page.sections:
        _name, fetch, _cached, extra = data.section_call(section)
        fetch(c, f, *extra, rollups=found)


def views(status: dict) -> dict[str, queries.Filters]:
    """The last 7, 30 and 365 closed periods (or days), and the whole history."""
    if MODEL.period is not None:
        last = status["latest_op"] - 1 if status["is_open"] else status["latest_op"]
        first = status["min_op"]
        out = {
            str(n): queries.Filters(queries.OPS, op_start=max(first, last - n + 1), op_end=last)
            for n in SPANS
        }
        out["all"] = queries.Filters(queries.OPS, op_start=first, op_end=last)
        return out
    last, first = status["max_date"] - dt.timedelta(days=1), status["min_date"]

    def days(n: int) -> queries.Filters:
        start = max(first, last - dt.timedelta(days=n - 1))
        return queries.Filters(queries.DATES, date_start=start, date_end=last)

    out = {str(n): days(n) for n in SPANS}
    out["all"] = queries.Filters(queries.DATES, date_start=first, date_end=last)
    return out


def _step_back(app_store, found: rollups.Rollups) -> None:
    """Forget the newest period of the rollups, as if it had closed after the build."""
    cubes, watermark = found.current()
    last = rollups._part_value(watermark)
    previous = watermark - 1
    with app_store.begin() as s:
        for table in cubes.values():
            s.execute(table.delete().where(table.c.part >= bindparam("last", last)))
        s.execute(
            rollups.catalogue.update()
            .where(rollups.catalogue.c.source == bindparam("s", found.source))
            .values(watermark=previous)
        )


def measure_scale(url: URL, say: Any) -> dict[str, Any]:
    """rollup_build_s, rollup_incremental_s, cold_range_ms and deep_page_ms."""
    engine = db.make_engine(url, read_only=True)
    app_store = db.make_engine(db.resolve_store_url())
    try:
        say("Rollups: a full build, then one newly closed period ...")
        built = rollups.build(engine, app_store, rebuild=True)
        found = rollups.Rollups(app_store, url)
        _step_back(app_store, found)
        again = rollups.build(engine, app_store)
        out: dict[str, Any] = {
            "rollup_build_s": round(built.seconds, 2),
            "rollup_rows": built.cells,
            "rollup_incremental_s": round(again.seconds, 2),
            "rollup_incremental_parts": again.parts,
        }
        say("Cold pages over 7, 30, 365 periods and the whole history, raw and rolled up ...")
        cold: dict[str, dict[str, float]] = {}
        with engine.connect() as c:
            status = queries.fetch_status(c)
            for name, f in views(status).items():
                cold[name] = {  # the raw page once: it is the slow path being replaced
                    "raw": _ms(lambda f=f: cold_page(c, f, None), repeats=1),
                    "rollup": _ms(lambda f=f: cold_page(c, f, found)),
                }
            if MODEL.page.detail:
                every = views(status)["all"]
                size = MODEL.page.detail.size
                first = _ms(lambda: queries.fetch_detail_page(c, every, size))
                last = _ms(lambda: queries.fetch_detail_page(c, every, size, (queries.LAST, ())))
                rows = queries.fetch_detail_count(c, every)
                week = _ms(lambda: queries.fetch_detail_page(c, views(status)["7"], size))
                out["deep_page_ms"] = {"first": first, "last": last, "rows": rows, "week": week}
        out["cold_range_ms"] = cold
        return out
    finally:
        engine.dispose()
        app_store.dispose()


def scale_targets(r: dict[str, Any], backend: str) -> dict[str, tuple]:
    """The issue's targets for history at scale (value, bound, met, why)."""
    cold = r["cold_range_ms"]
    week, year = cold["7"]["rollup"], cold["365"]["rollup"]
    # At 1M rows: 300 ms on SQLite, 500 ms on MySQL; at 10M (5M or more) 500 ms on SQLite.
    limit = 300 if backend == "sqlite" and r["rows"] < 5_000_000 else 500
    big = r["rows"] >= 1_000_000
    out = {
        "cold 365-day page <= 3 x cold 7-day page (rollups)": (
            round(year / week, 2) if week else None,
            "<= 3",
            week > 0 and year <= 3 * week,
            "the year view read raw rows the rollups should have covered",
        ),
        f"cold 365-day page <= {limit} ms (rollups, at {r['rows']:,} rows)": (
            year,
            f"<= {limit}" if big else f"<= {limit} (not judged below 1M rows)",
            year <= limit or not big,
            "the rollup cells of a year are too many for this machine",
        ),
    }
    deep = r.get("deep_page_ms")
    if deep:
        out["last detail page <= 2 x first detail page"] = (
            round(deep["last"] / deep["first"], 2) if deep["first"] else None,
            "<= 2",
            deep["last"] <= 2 * max(deep["first"], 1.0),
            "the last page walks past the rows before it",
        )
    fill = r["bench_database"]
    if fill["fill"] == "filled" and r["rows"] == 1_000_000:
        total = round(fill["fill_seconds"] + r["rollup_build_s"], 1)
        out["filling 1M rows including rollups <= 60 s"] = (
            total,
            "<= 60",
            total <= 60,
            "the fill or the rollup build is slow on this machine",
        )
    out["incremental rollup after one closed period <= 2 s"] = (
        r["rollup_incremental_s"],
        "<= 2",
        r["rollup_incremental_s"] <= 2,
        "an incremental build re-reads more than the new period",
    )
    return out


def with_raw_ratio(cold: dict[str, dict[str, float]]) -> dict[str, float | None]:
    """raw / rollup per range: how much the rollups save."""
    return {
        name: round(v["raw"] / v["rollup"], 1) if v["rollup"] else None for name, v in cold.items()
    }
