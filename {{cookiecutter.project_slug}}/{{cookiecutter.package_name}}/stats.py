"""Instrumentation: SQL statements and loader misses per script run and in total.

``sql_statements`` are the statements that read the data (the dashboard database, and the
rollups' cells in the app store); ``store_statements`` those of the app's own state (saved
views, inside ``app_state()``), counted apart: each new session reads its saved views, and
the stampede's count speaks of the data.

Thread-safe. Each script run calls ``begin_run()``; the run is kept in a context variable,
so statements executed on prefetch threads (which copy the context) count for the run
that started them. Work done outside any run (a background cache refresh) only counts
in the totals.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_lock = threading.Lock()
_run_ids = itertools.count(1)
_totals = {
    "sql_statements": 0,
    "store_statements": 0,
    "loader_misses": 0,
    "rollup_hits": 0,
    "raw_queries": 0,
}


class _Run:
    def __init__(self) -> None:
        self.id = next(_run_ids)
        self.started = time.time()
        self.sql_statements = 0
        self.store_statements = 0
        self.loader_misses = 0
        self.misses_by_loader: dict[str, int] = {}
        self.rollup_hits = 0  # aggregate queries a rollup answered (rollups.py)
        self.raw_queries = 0  # aggregate queries read from the raw rows
        self.sections: dict[str, float] = {}

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.id,
            "sql_statements": self.sql_statements,
            "store_statements": self.store_statements,
            "loader_misses": self.loader_misses,
            "misses_by_loader": dict(self.misses_by_loader),
            "rollup_hits": self.rollup_hits,
            "raw_queries": self.raw_queries,
            "sections": dict(self.sections),
        }


_current: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("dash_run", default=None)
_latest: _Run | None = None


def begin_run() -> None:
    """Start counting for a new script run (call at the top of every run)."""
    global _latest
    run = _Run()
    _current.set(run)
    with _lock:
        _latest = run


def last_run() -> dict[str, Any]:
    """Counts of this script run (or, outside a run, of the most recent one)."""
    run = _current.get() or _latest
    with _lock:
        if run is None:
            return {
                "run_id": 0,
                "sql_statements": 0,
                "store_statements": 0,
                "loader_misses": 0,
                "rollup_hits": 0,
                "raw_queries": 0,
                "sections": {},
            }
        return run.as_dict()


def total() -> dict[str, int]:
    """Counts since the process started (or since ``reset()``)."""
    with _lock:
        return dict(_totals)


def reset() -> None:
    """Zero every counter (tests)."""
    global _latest
    with _lock:
        _totals.update(dict.fromkeys(_totals, 0))
        _latest = None
    _current.set(None)


_app_state: contextvars.ContextVar[bool] = contextvars.ContextVar("dash_state", default=False)


@contextlib.contextmanager
def app_state() -> Iterator[None]:
    """Statements inside count as store_statements (the app's own state, not data)."""
    token = _app_state.set(True)
    try:
        yield
    finally:
        _app_state.reset(token)


def count_sql() -> None:
    run = _current.get()
    key = "store_statements" if _app_state.get() else "sql_statements"
    with _lock:
        _totals[key] += 1
        if run is not None:
            setattr(run, key, getattr(run, key) + 1)


def count_rollup(hit: bool) -> None:
    """An aggregate query was answered by a rollup (``hit``) or by the raw rows."""
    run = _current.get()
    name = "rollup_hits" if hit else "raw_queries"
    with _lock:
        _totals[name] += 1
        if run is not None:
            setattr(run, name, getattr(run, name) + 1)


def count_miss(loader: str) -> None:
    """A loader ran its query instead of serving from the cache."""
    run = _current.get()
    with _lock:
        _totals["loader_misses"] += 1
        if run is not None:
            run.loader_misses += 1
            run.misses_by_loader[loader] = run.misses_by_loader.get(loader, 0) + 1


@contextlib.contextmanager
def section_timer(name: str) -> Iterator[None]:
    """Record the wall time of a block (milliseconds) under ``sections`` in the run stats."""
    start = time.perf_counter()
    try:
        yield
    finally:
        ms = round((time.perf_counter() - start) * 1000, 1)
        run = _current.get()
        if run is not None:
            with _lock:
                run.sections[name] = run.sections.get(name, 0.0) + ms


def in_this_run(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``fn`` so that, on another thread, it counts for the current run.

    Wrap once per task: a copied Context cannot be entered by two threads at once.
    """

    def runner(*args: Any, **kwargs: Any) -> Any:
        return ctx.run(fn, *args, **kwargs)

    ctx = contextvars.copy_context()
    return runner


def instrument(engine: Engine) -> Engine:
    """Count every statement the engine sends (SQLAlchemy ``before_cursor_execute``)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        count_sql()

    return engine
