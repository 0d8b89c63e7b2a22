"""``python -m <package> bench``: every measurement, in one run, on one database.

Order of the run (each step is one function in inprocess.py, live.py or memory.py):

1. in process (AppTest): first run, warm, floor, cold, naive;
2. both servers, side by side: stampede and fragment against full rerun on the production
   server, then latency on both, taking turns (the same clients, the same keys);
3. a child process: memory after N distinct filter keys.

Then the targets are checked and the result printed as a table (or JSON with --json)
and drawn as a PNG chart. The database: ``data/bench-<rows>.db``, synthetic rows made from
model.py (synthetic.py), unless --url names another (see bench_database).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import URL, func, make_url, select, text

from .. import auth, db, queries, {% if cookiecutter.shared_cache == "redis" %}settings, {% endif %}store, synthetic
from ..model import MODEL
from . import inprocess, keys, live, memory, {% if cookiecutter.shared_cache == "redis" %}replicas, {% endif %}report, scale, servers

FULL_ROWS = 1_000_000
LATENCY_KEYS = 4  # filter keys the latency test cycles through (cached first)
QUICK_ROWS = 40_000  # 13 synthetic periods (or days): enough distinct filter keys


@dataclass(frozen=True)
class Plan:
    """How much of everything to measure (full or --quick)."""

    repeats: int  # runs per in-process median
    cold_keys: int
    naive_repeats: int
    stampede_sessions: int
    session_counts: tuple[int, ...]
    samples_per_level: int  # latency samples per session count (at least 4 per tab)
    memory_keys: int
    span: int = 7  # periods (or days) per filter window (the dashboard's default view)
{%- if cookiecutter.shared_cache == "redis" %}
    replica_load: tuple[int, float, int] = (25, 20.0, 2)  # sessions, seconds per turn, turns
{%- endif %}


FULL = Plan(11, 5, 3, 20, (1, 10, 25), 60, 500)
QUICK = Plan(3, 2, 1, 20, (1, 3), 6, 20, span=2{% if cookiecutter.shared_cache == "redis" %}, replica_load=(5, 3.0, 1){% endif %})


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=f"python -m {db.PACKAGE} bench",
        description="Benchmark the dashboard: cached against the render floor and a naive "
        "version, fragments, a stampede, latency under concurrent sessions for "
        "`streamlit run` and the production server, and memory. Without --url it runs on "
        "data/bench-<rows>.db, synthetic rows made from model.py (filled on first use).",
    )
    parser.add_argument("--quick", action="store_true", help="small data, few sessions")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="only history at scale: cold ranges raw against rollups, deep pages, rollup builds",
    )
{%- if cookiecutter.shared_cache == "redis" %}
    parser.add_argument(
        "--replicas",
        action="store_true",
        help="only replicas: 1 process against 2 behind HAProxy at 25 sessions, and SQL "
        "statements per new key across 3 replicas with and without the shared cache (Redis)",
    )
{%- endif %}
    parser.add_argument(
        "--rows", type=int, help=f"fact rows ({MODEL.fact.name}) in the scratch database"
    )
    parser.add_argument("--url", help="measure this database instead of the scratch file")
    parser.add_argument(
        "--seed",
        action="store_true",
        help="fill the database with synthetic rows first (never over someone else's tables)",
    )
    parser.add_argument("--drop", action="store_true", help="drop the --url database after (MySQL)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--chart", type=Path, default=db.PROJECT_ROOT / "data" / "bench-latency.png"
    )
    return parser.parse_args(argv)


# --- The database ----------------------------------------------------------------------


def bench_file(rows: int) -> Path:
    """The scratch SQLite file of the bench: never the project's own database."""
    return db.PROJECT_ROOT / "data" / f"bench-{rows}.db"


@contextlib.contextmanager
def bench_database(args: argparse.Namespace, say: Any) -> Iterator[tuple[URL, dict]]:
    """The database to measure, and how it got its rows: ``{"where", "fill",
    "fill_seconds"}`` with fill "filled", "reused" or "as found".

    Without --url: ``data/bench-<rows>.db``, synthetic rows from model.py (synthetic.py),
    filled on first use and reused after. With --url: that database as it is, or filled
    with synthetic rows first (--seed); synthetic.fill() refuses someone else's tables.
    """
    rows = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    if args.url:
        url, fill_it = make_url(args.url), args.seed
    else:
        path = bench_file(rows)
        path.parent.mkdir(parents=True, exist_ok=True)
        url = make_url(f"sqlite:///{path}")
        fill_it = args.seed or not _filled(url, rows)
        if fill_it:
            _forget_stale(url)
    info: dict[str, Any] = {"where": db.describe(url), "fill": "as found", "fill_seconds": None}
    if fill_it:
        say(f"Bench database {db.describe(url)}: {rows:,} synthetic rows of {MODEL.fact.name}")
        db.dialect_module(url).ensure_database(url)
        engine = db.make_engine(url)
        try:
            filled = synthetic.fill(engine, rows, progress=say)
        finally:
            engine.dispose()
        info |= {"fill": "filled", "fill_seconds": round(filled.seconds, 1)}
    elif not args.url:
        say(f"Bench database {db.describe(url)}: reused (filled on an earlier run)")
        info["fill"] = "reused"
    try:
        yield url, info
    finally:
        if args.drop and not db.dialect_module(url).EMBEDDED:
            _drop_database(url)


def _filled(url: URL, rows: int) -> bool:
    """The scratch file holds the model's tables, the bench's own, with ``rows`` fact rows
    (a fill cut short, or a model.py changed since, is filled again)."""
    if not Path(url.database).exists():
        return False
    engine = db.make_engine(url, read_only=True)
    try:
        found = store.survey(engine, store.schemas_of(engine, MODEL.tables))
        if not all(store.name_in(engine, table) in found.owned for table in MODEL.tables):
            return False
        with engine.connect() as c:
            return c.execute(select(func.count()).select_from(MODEL.fact)).scalar() == rows
    finally:
        engine.dispose()


def _forget_stale(url: URL) -> None:
    """Delete the scratch file when everything in it is the project's (by the register),
    e.g. tables of an earlier model.py: synthetic.fill() would refuse a changed table as
    someone else's. A file holding anything else is left for fill() to refuse."""
    path = Path(url.database)
    if not path.exists():
        return
    engine = db.make_engine(url, read_only=True)
    try:
        found = store.survey(engine)
    finally:
        engine.dispose()
    if found.tables <= found.registered | {store.register.name}:
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.wal")):
            stale.unlink(missing_ok=True)


def _drop_database(url: URL) -> None:
    """DROP DATABASE, only when everything in it is the project's own (--drop)."""
    engine = db.make_engine(url, read_only=True)
    try:
        found = store.survey(engine)
    finally:
        engine.dispose()
    if found.foreign:
        raise store.NotOurs(
            f"--drop left {db.describe(url)} in place: it holds tables the dashboard did not "
            f"create ({', '.join(found.foreign[:8])})."
        )
    db.dialect_module(url).drop_database(url)


def describe_database(url: URL) -> tuple[int, str, dict]:
    """(fact rows, version of the server, status: the period and date bounds)."""
    engine = db.make_engine(url, read_only=True)
    try:
        with engine.connect() as c:
            rows = c.execute(select(func.count()).select_from(MODEL.fact)).scalar()
            if url.get_backend_name() == "sqlite":
                version = "SQLite " + sqlite3.sqlite_version
            else:
                version = str(c.execute(text("SELECT VERSION()")).scalar())
            status = queries.fetch_status(c)
    finally:
        engine.dispose()
    return int(rows or 0), version, status


# --- One run of everything -------------------------------------------------------------


def run(args: argparse.Namespace, say: Any) -> dict[str, Any]:
    """The benchmark measures the dashboard, not the sign-in page: its in-process runs and
    the servers it starts go without sign-in (restored after).{% if cookiecutter.shared_cache == "redis" %} Without --replicas they go
    without the shared level too.{% endif %}"""
    saved, signed_in = os.environ.get("DASHBOARD_AUTH"), auth.SIGN_IN
    os.environ["DASHBOARD_AUTH"], auth.SIGN_IN = "none", False
{%- if cookiecutter.shared_cache == "redis" %}
    # One process at a time, as measured before the shared level existed: its cold runs
    # must not read values an earlier run left in Redis (--replicas measures that level).
    saved_shared, shared_setting = os.environ.get("DASHBOARD_SHARED_CACHE"), settings.SHARED_CACHE
    if not args.replicas:
        os.environ["DASHBOARD_SHARED_CACHE"] = settings.SHARED_CACHE = "none"
{%- endif %}
    try:
        return _run(args, say)
    finally:
        _restore_env("DASHBOARD_AUTH", saved)
        auth.SIGN_IN = signed_in
{%- if cookiecutter.shared_cache == "redis" %}
        _restore_env("DASHBOARD_SHARED_CACHE", saved_shared)
        settings.SHARED_CACHE = shared_setting
{%- endif %}


def _run(args: argparse.Namespace, say: Any) -> dict[str, Any]:
    plan = QUICK if args.quick else FULL
    with bench_database(args, say) as (url, bench_db):
        database_url = url.render_as_string(hide_password=False)
        rows, version, status = describe_database(url)
        # Distinct windows: the cold runs, the stampede and the latency test each get
        # keys that no earlier step has cached.
        windows = keys.windows(status, plan.span, plan.cold_keys + 1 + LATENCY_KEYS)
        cold_keys, stampede_key = windows[: plan.cold_keys], windows[plan.cold_keys]
        latency_keys = windows[plan.cold_keys + 1 :]
        result: dict[str, Any] = {"quick": args.quick, "rows": rows, "fact": MODEL.fact.name}
        result["bench_database"] = bench_db
        result["filter_window"] = {"mode": keys.MODE, "keys": [keys.START, keys.END]}
        result["environment"] = environment(url, version)
        result["server_settings"] = server_settings()
{%- if cookiecutter.shared_cache == "redis" %}
        if args.replicas:
            result["replicas"] = measure_replicas(database_url, status, plan, say)
            result["targets"] = _judged(replica_targets(result["replicas"]))
            return result
{%- endif %}

        result.update(scale.measure_scale(url, say))  # builds the rollups the app reads
        if args.scale:
            result["ratios"] = {"raw_over_rollup": scale.with_raw_ratio(result["cold_range_ms"])}
            result["targets"] = _judged(scale.scale_targets(result, url.get_backend_name()))
            return result

        say("In process: first, warm, floor, cold and naive runs ...")
        saved = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = database_url
        try:
            with inprocess.InProcessApp() as app:
                result.update(inprocess.measure_first_run(app))
                result.update(inprocess.measure_warm_and_floor(app, plan.repeats))
                result.update(inprocess.measure_cold(app, cold_keys))
                result.update(inprocess.measure_naive(app, plan.naive_repeats))
        finally:
            _restore_env("DATABASE_URL", saved)

        say("Servers (production and streamlit run, side by side) ...")
        with contextlib.ExitStack() as stack:
            running = {
                kind: stack.enter_context(servers.running(kind, database_url))
                for kind in servers.KINDS
            }
            production = running[servers.PRODUCTION]
            result.update(live.measure_stampede(production, plan.stampede_sessions, stampede_key))
            result.update(live.measure_fragment_vs_full(production, plan.repeats))
            latency = live.measure_latency(
                running, plan.session_counts, latency_keys, plan.samples_per_level
            )
            result["server_rss_mb"] = {kind: server.rss_mb() for kind, server in running.items()}
        result["latency"] = latency

        say(f"Memory: {plan.memory_keys} distinct filter keys in a fresh process ...")
        result["memory"] = memory.measure_memory(
            database_url, keys.distinct_keys(status, plan.memory_keys)
        )
    result["ratios"] = ratios(result)
    result["targets"] = targets(result)
    return result


{% if cookiecutter.shared_cache == "redis" -%}
def measure_replicas(database_url: str, status: dict, plan: Plan, say: Any) -> dict[str, Any]:
    """Replicas behind the proxy (bench/replicas.py), under a key prefix of their own."""
    import redis

    from .. import shared

    try:
        redis.Redis.from_url(shared.url(), socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        message = f"No Redis at {shared.url()} ({exc}): start one or set REDIS_URL."
        raise ValueError(message) from None
    if replicas.haproxy() is None:
        raise ValueError("haproxy is not installed (Debian: apt-get install haproxy).")
    env = {"REDIS_KEY_PREFIX": f"bench-{os.getpid()}-{int(time.time())}"}
    windows = keys.windows(status, plan.span, LATENCY_KEYS + 1)
    sessions, seconds, rounds = plan.replica_load
    say(f"Replicas: 1 process against 2 behind the proxy, {sessions} sessions ...")
    out = replicas.measure_throughput(database_url, windows[1:], sessions, seconds, rounds, env)
    say("Replicas: SQL statements for one new key across 3 replicas ...")
    out |= replicas.measure_new_key_statements(database_url, windows[0], env)
    return out


def replica_targets(r: dict[str, Any]) -> dict[str, tuple]:
    one, two = r["1 process"], r["2 processes behind the proxy"]
    speedup = _div(two["interactions_per_s"], one["interactions_per_s"])
    p50 = _div(two["p50_ms"], one["p50_ms"])
    cold, n = r["queries_per_cold_run"], r["sessions"]
    return {
        f"2 behind the proxy >= 1.5 x interactions/s of 1 process ({n} sessions)": (
            speedup,
            ">= 1.5",
            (speedup or 0) >= 1.5,
            f"the load generator took {two['load_generator_cpu_pct']} % of the machine's CPU",
        ),
        f"2 behind the proxy p50 <= 0.7 x 1 process ({n} sessions)": (
            p50,
            "<= 0.7",
            (p50 or 9) <= 0.7,
            "the processes share the machine's cores with the load generator",
        ),
        "new key across 3 replicas: SQL statements = one cold run's": (
            r["three_replicas_shared"],
            f"= {cold}",
            r["three_replicas_shared"] == cold,
            "a replica ran a query another one had already stored",
        ),
        "without the shared level: 3 x one cold run's": (
            r["three_replicas_without_shared"],
            f"= {3 * cold}",
            r["three_replicas_without_shared"] == 3 * cold,
            "the replicas do not each run their own queries",
        ),
    }


{% endif -%}
def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def environment(url: URL, db_version: str) -> dict[str, Any]:
    names = ("streamlit", "pandas", "sqlalchemy", "uvicorn", "websockets")
    versions = {"python": platform.python_version()}
    versions.update({name: metadata.version(name) for name in names})
    return {
        "database": f"{url.get_backend_name()} ({db_version})",
        "backend": url.get_backend_name(),
        "versions": versions,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(terse=True),
    }


def server_settings() -> dict[str, dict[str, Any]]:
    """The settings that differ between the two servers (defaults against asgi.py)."""
    from streamlit import config

    from .. import asgi

    defaults = {k: config._config_options_template[k].default_val for k in asgi.PRODUCTION_OPTIONS}
    speed = ("runner.postScriptGC", "server.fileWatcherType")
    return {
        servers.STREAMLIT_RUN: {k: defaults[k] for k in speed} | {"gc.freeze": False},
        servers.PRODUCTION: {k: asgi.PRODUCTION_OPTIONS[k] for k in speed}
        | {"gc.freeze": True, "TCP_NODELAY": True},
    }


# --- Ratios and targets ----------------------------------------------------------------


def _div(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def ratios(r: dict[str, Any]) -> dict[str, float | None]:
    prod, dev = r["latency"][servers.PRODUCTION], r["latency"][servers.STREAMLIT_RUN]
    level = "10" if "10" in prod else max(prod, key=int)  # quick mode has no 10 sessions
    return {
        "warm_over_floor": _div(r["warm_ms"], r["floor_ms"]),
        "naive_over_warm": _div(r["naive_ms"], r["warm_ms"]),
        "cold_over_warm": _div(r["cold_ms"], r["warm_ms"]),
        "full_over_fragment": _div(r["full_ms"], r["fragment_ms"]),
        "production_over_streamlit_run_p50": _div(prod[level]["p50_ms"], dev[level]["p50_ms"]),
        "latency_sessions_compared": int(level),
        "raw_over_rollup": scale.with_raw_ratio(r["cold_range_ms"]),
    }


def targets(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The issue's targets, each with its value, the bound and whether it was met."""
    q = r["ratios"]
    n = q["latency_sessions_compared"]
    out = {
        "warm_ms <= 1.3 x floor_ms": (
            q["warm_over_floor"],
            "<= 1.3",
            q["warm_over_floor"] is not None and q["warm_over_floor"] <= 1.3,
            "each cache hit hashes its arguments and unpickles a copy of its value, and the "
            "fallback keeps a copy; the floor does none of that",
        ),
        "naive_ms >= 5 x warm_ms (at 1M rows)": (
            q["naive_over_warm"],
            ">= 5",
            q["naive_over_warm"] is not None and q["naive_over_warm"] >= 5,
            f"only {r['rows']:,} rows: reading small tables whole is cheap",
        ),
        "warm_queries = 0": (r["warm_queries"], "0", r["warm_queries"] == 0, "a loader missed"),
        "stampede_queries <= queries_per_cold_run": (
            r["stampede_queries"],
            f"<= {r['queries_per_cold_run']}",
            r["stampede_queries"] <= r["queries_per_cold_run"],
            "a loader ran more than once for the same key",
        ),
        f"production p50 <= 0.5 x streamlit run ({n} sessions)": (
            q["production_over_streamlit_run_p50"],
            "<= 0.5",
            (q["production_over_streamlit_run_p50"] or 9) <= 0.5,
            "the app's own work dominates both servers",
        ),
        "RSS growth between N/2 and N keys <= 20 %": (
            r["memory"]["rss_growth_pct"],
            "<= 20",
            r["memory"]["rss_growth_pct"] <= 20,
            "a loader without max_entries keeps every key",
        ),
    }
    out |= scale.scale_targets(r, r["environment"]["backend"])
    return _judged(out)


def _judged(out: dict[str, tuple]) -> dict[str, dict[str, Any]]:
    return {
        name: {"value": value, "target": bound, "met": bool(met), "why": None if met else why}
        for name, (value, bound, met, why) in out.items()
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    # SIGTERM ends the run like Ctrl+C does: the servers it started are stopped too.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        result = run(args, say)
    except (db.DatabaseUnavailable, store.NotOurs, ValueError) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    result["seconds"] = round(time.perf_counter() - started, 1)
    drawn = report.chart(result, args.chart) if "latency" in result else None
    result["chart"] = str(drawn) if drawn else None
    print(json.dumps(result, indent=2, default=str) if args.json else report.table(result))
    return 0
