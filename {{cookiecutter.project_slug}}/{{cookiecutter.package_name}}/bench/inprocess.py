"""Run the real dashboard script in this process (AppTest) and time each run.

``AppTest`` executes ``streamlit_app.py`` exactly as the server does (same widgets, same
pages, same caches), without a browser or a network. Two details make the numbers honest:

- the clock runs inside the script: from its first line to its last (``run_timed``), so
  AppTest's own bookkeeping after the run is not counted;
- AppTest always reruns the whole script (it has no fragment-only reruns): every number
  from this module is a full page run. Fragment reruns are measured in a real server
  (``live.py``).

The same script runs on three data layers, swapped in for the duration of a measurement
by replacing the loader functions of the data module (the sections look them up on each
call, ``data.load_section(f, section)``):

- ``cached``: the real ``data`` module (Streamlit caches in front of SQL);
- ``floor``: the results of those same calls, already in memory: no database, no cache;
- ``naive``: ``naive.py``, the way the seed warns against (no cache, SELECT *, pandas).

The filter that moves for cold keys is the model's: the period range with a period,
else the date range (keys.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from streamlit.testing.v1 import AppTest

from .. import data, db, stats
from . import keys, naive

APP_PATH = str(db.PROJECT_ROOT / "streamlit_app.py")
RUN_TIMEOUT_SECONDS = 600

_compiled: dict[str, Any] = {}
_last_run_ms: list[float] = []


def run_timed(app_path: str) -> None:
    """Execute the app script (compiled once) and record its wall time in milliseconds."""
    if app_path not in _compiled:
        with open(app_path, encoding="utf-8") as fh:
            _compiled[app_path] = compile(fh.read(), app_path, "exec")
    start = time.perf_counter()
    try:
        exec(_compiled[app_path], {"__name__": "__main__", "__file__": app_path})
    finally:  # st.stop() and st.rerun() end a run with an exception: still timed
        _last_run_ms.append((time.perf_counter() - start) * 1000)


def _entry_source() -> str:
    """The script AppTest runs: it imports this module by name and runs the app through it."""
    return (
        '"""Written by the bench for the length of a run, then deleted."""\n'
        "import importlib\n\n"
        "importlib.import_module(" + repr(__name__) + ").run_timed(" + repr(APP_PATH) + ")\n"
    )


class InProcessApp:
    """One user session of the dashboard, run in this process (use as a context manager).

    The entry script lives next to streamlit_app.py while the bench runs, because
    Streamlit resolves ``st.Page("pages/...")`` against the main script's folder.
    """

    def __init__(self) -> None:
        self.entry = db.PROJECT_ROOT / f".bench_entry_{os.getpid()}.py"
        self.entry.write_text(_entry_source(), encoding="utf-8")
        # AppTest sets up its session outside a script run, and Streamlit logs a warning
        # about that ("missing ScriptRunContext"): expected here, so not shown.
        context_log = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
        level = context_log.level
        context_log.setLevel(logging.ERROR)
        try:
            self.at = AppTest.from_file(str(self.entry), default_timeout=RUN_TIMEOUT_SECONDS)
            # The page opens in the bench's mode (the filters keep a value already chosen).
            self.at.session_state["mode"] = keys.MODE
        finally:
            context_log.setLevel(level)

    def __enter__(self) -> InProcessApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.entry.unlink(missing_ok=True)

    def run(self) -> tuple[float, int]:
        """One full script run: (milliseconds inside the script, SQL statements executed)."""
        before = stats.total()["sql_statements"]
        _last_run_ms.clear()
        # AppTest re-detects the `pages/` folder before every run and may then run the
        # last page's file alone (Streamlit's pre-st.navigation behaviour); asking for
        # the main script each time runs the whole app, as the server does.
        self.at._finished_page_script_hash = ""
        self.at.run()
        if self.at.exception:
            raise RuntimeError(f"The app raised: {self.at.exception[0].value}")
        return sum(_last_run_ms), stats.total()["sql_statements"] - before

    def set_window(self, window: keys.Window) -> None:
        """Choose a period range (number inputs) or a date range (date inputs) in the
        sidebar: the widgets, as a user would."""
        widget = getattr(self.at, keys.WIDGET)
        for key, value in keys.widget_values(window).items():
            widget(key=key).set_value(value)


# --- Swapping the data layer -----------------------------------------------------------


def loader_names() -> list[str]:
    """The data module's public loaders, plus prefetch (what the UI calls): load_totals,
    load_section, load_detail_page, load_detail_count, load_members, load_lookup,
    load_status, and the two that do not read the dashboard database (load_app_config,
    load_views)."""
    return [n for n in dir(data) if n.startswith("load_")] + ["prefetch"]


@contextlib.contextmanager
def swapped(replacements: dict[str, Callable[..., Any]]) -> Iterator[None]:
    """Replace functions of the data module for the duration of a block."""
    originals = {name: getattr(data, name) for name in replacements}
    try:
        for name, fn in replacements.items():
            setattr(data, name, fn)
        yield
    finally:
        for name, fn in originals.items():
            setattr(data, name, fn)


def _call_key(name: str, args: tuple, kwargs: dict) -> tuple:
    """A dictionary key for one loader call. The arguments include model sections (frozen
    dataclasses holding dicts: not hashable), so the key is their repr."""
    return (name, repr(args), repr(sorted(kwargs.items())))


def recording_loaders(memory: dict[tuple, Any]) -> dict[str, Callable[..., Any]]:
    """The real loaders, each also storing its result in ``memory`` (for the floor)."""

    def wrap(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def loader(*args: Any, **kwargs: Any) -> Any:
            result = real(*args, **kwargs)
            memory[_call_key(name, args, kwargs)] = result
            return result

        return loader

    return {name: wrap(name, getattr(data, name)) for name in loader_names()}


def in_memory_loaders(memory: dict[tuple, Any]) -> dict[str, Callable[..., Any]]:
    """Loaders answering from ``memory``: a dictionary lookup, no database, no copy."""

    def wrap(name: str) -> Callable[..., Any]:
        def loader(*args: Any, **kwargs: Any) -> Any:
            if name == "prefetch":
                return []  # everything is in memory already
            return memory[_call_key(name, args, kwargs)]

        return loader

    return {name: wrap(name) for name in loader_names()}


def naive_loaders() -> dict[str, Callable[..., Any]]:
    """The naive data layer (naive.py) under the loader names the UI calls."""
    return {name: getattr(naive, name) for name in loader_names() if hasattr(naive, name)}


# --- Measurements ----------------------------------------------------------------------


def measure_first_run(app: InProcessApp) -> dict[str, float]:
    """First page view on an empty cache: every loader misses (status, catalogue too).

    Shows what one cold page costs in SQL; the stampede is compared against it.
    """
    data.clear_all()
    ms, queries = app.run()
    return {"first_run_ms": round(ms, 1), "queries_first_run": queries}


def measure_warm_and_floor(app: InProcessApp, repeats: int) -> dict[str, float]:
    """warm_ms against floor_ms, the same page drawn two ways, in alternating runs.

    - warm_ms: a full rerun with every loader cached; warm_queries: SQL it ran (must
      be 0). What is left is hashing the arguments, copying the cached values and
      drawing the page.
    - floor_ms: the loaders replaced by a dictionary lookup of the results one warm run
      recorded. No database, no cache, no copy: what remains is the cost of drawing
      the page, which no cache can remove.

    The runs alternate (warm, floor, warm, ...), so a slower moment of the machine or
    the garbage collector hits both medians alike.
    """
    memory: dict[tuple, Any] = {}
    with swapped(recording_loaders(memory)):
        app.run()  # records every loader's result, and leaves every loader cached
    floor_loaders = in_memory_loaders(memory)
    warm: list[tuple[float, int]] = []
    floor: list[tuple[float, int]] = []
    for i in range(repeats + 1):  # the first pair warms up both ways, and is dropped
        warm_run = app.run()
        with swapped(floor_loaders):
            floor_run = app.run()
        if i:
            warm.append(warm_run)
            floor.append(floor_run)
    if any(q for _, q in floor):
        raise RuntimeError("The floor run reached the database: a loader was not replaced.")
    return {
        "warm_ms": round(statistics.median(ms for ms, _ in warm), 1),
        "warm_queries": sum(q for _, q in warm),
        "floor_ms": round(statistics.median(ms for ms, _ in floor), 1),
    }


def measure_cold(app: InProcessApp, windows: list[keys.Window]) -> dict[str, float]:
    """cold_ms: a rerun on a filter key never seen before; queries_per_cold_run.

    Each run moves the period (or date) range to a new window of the same width (a cache
    miss for every filter-dependent loader; the filter options and status stay cached).
    """
    runs = []
    for window in windows:
        app.set_window(window)
        runs.append(app.run())
    return {
        "cold_ms": round(statistics.median(ms for ms, _ in runs), 1),
        "queries_per_cold_run": int(statistics.median(q for _, q in runs)),
    }


def measure_naive(app: InProcessApp, repeats: int) -> dict[str, float]:
    """naive_ms: the same page with the naive data layer (no cache, SELECT *, pandas).

    The same script, widgets and filters; only the loaders differ. Even the favourable
    version is used: the tables are read once per run, not once per section.
    """
    with swapped(naive_loaders()):
        runs = [app.run() for _ in range(repeats)]
    return {"naive_ms": round(statistics.median(ms for ms, _ in runs), 1)}
