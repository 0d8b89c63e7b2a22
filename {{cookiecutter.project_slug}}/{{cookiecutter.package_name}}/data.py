"""Cached service layer: the only module the UI asks for data.

Every public loader returns ``Loaded(value, stale, error)``. The caching patterns of the
guide each live in one place below, marked ``# Pattern: ...``:

- TTL tier by mode: realtime reads fresh data on every run; the historical modes (ops,
  dates) cache for ``settings.HISTORICAL_TTL_SECONDS``; filter options and the lookup
  table for an hour; the static configuration forever.
- Hashable primitives as cache keys: cached functions take ``Filters.cache_key()`` (a
  tuple of str/int), never DataFrames or connections.
- Bounded caches: ``max_entries`` and ``max_size`` on every cached function.
- Per-user data cached per session (``scope="session"``).
- Serve stale and refresh in the background for the slowest aggregate.
- Parallel prefetch with errors reported on the script thread.
- Fallback to the last good result (per session, bounded) when the database fails.
{%- if cookiecutter.shared_cache == "redis" %}
- A shared second level (Redis, shared.py) under each historical ``st.cache_data``
  (``@shared.level``), and invalidation across replicas (``follow_shared_refresh``).
{%- endif %}
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import copy
import dataclasses
import functools
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from . import auth, db, queries, rollups, settings, {% if cookiecutter.shared_cache == "redis" %}shared, {% endif %}stats, store
from .i18n import t
from .model import MODEL
from .modeling import GRAINS, Ranking, Section, Series
from .queries import REALTIME, Filters

T = TypeVar("T")

HISTORICAL_TTL = settings.HISTORICAL_TTL_SECONDS
CATALOGUE_TTL = settings.CATALOGUE_TTL_SECONDS
PREFETCH_WORKERS = 4
PREFETCH_TIMEOUT_SECONDS = 60
FALLBACK_KEY = "_data_last_good"  # st.session_state key of the fallback store
FALLBACK_MAX_ENTRIES = 64
FALLBACK_MAX_ROWS = 10_000  # larger results (a big dimension's members) are not kept
PREFETCHED_KEY = "_data_prefetched"  # st.session_state key: filter keys warmed, and when
PREFETCHED_MAX_ENTRIES = 256


@dataclasses.dataclass(frozen=True)
class Loaded(Generic[T]):
    """A loader's result. ``stale=True``: the database failed and ``value`` is the last
    good result of this session; ``error`` says why (for the UI's warning)."""

    value: T
    stale: bool = False
    error: str | None = None


# --- Running a query (what a cache miss does) ------------------------------------------


def _query(name: str, fetch: Callable[..., T], *args: Any) -> T:
    """Run one query-store function on a pooled connection, returned to the pool after."""
    stats.count_miss(name)
    engine = db.get_engine()
    try:
        with engine.connect() as c:
            return fetch(c, *args)
    except SQLAlchemyError as exc:
        raise db.friendly_error(exc, engine.url) from None


def _filters(key: tuple) -> Filters:
    return Filters.from_cache_key(key)


AGGREGATES = ("totals", "breakdown", "series", "detail_count")  # loaders rollups can answer


def _aware(fetch: Callable[..., T]) -> Callable[..., T]:
    """``fetch`` asking the app store's rollups first (queries.py: aggregate awareness).
    An app store that cannot be used only costs speed: the raw rows answer."""
    try:
        found = rollups.Rollups(db.get_store_engine(), db.resolve_url())
    except db.DatabaseUnavailable:
        found = None
    return functools.partial(fetch, rollups=found)


# --- Cached functions (historical tier) ------------------------------------------------
# One cached function per kind of statement; the page's sections and the model's names
# are its arguments. Every argument is a plain value (a tuple, a str, an int).
# Pattern: hashable primitives as cache keys (the filters' tuple, plus names and ints).
# Pattern: TTL tier "historical": closed periods do not change, keep HISTORICAL_TTL.


# Pattern: serve stale, refresh in the background: the two-period KPI scan is the slowest
# aggregate; after the TTL the old value is shown at once while a thread refreshes it.
@st.cache_data(
    ttl=HISTORICAL_TTL,
    refresh_mode="background",
    max_entries=256,
    max_size="8MB",
    show_spinner=False,
)
{% if cookiecutter.shared_cache == "redis" %}@shared.level
{% endif %}def _totals_cached(key: tuple) -> dict:
    return _query("totals", _aware(queries.fetch_totals), _filters(key))


@st.cache_data(ttl=HISTORICAL_TTL, max_entries=512, max_size="32MB", show_spinner=False)
{% if cookiecutter.shared_cache == "redis" %}@shared.level
{% endif %}def _breakdown_cached(
    key: tuple, dimension: str, measures: tuple, limit: int | None, colour: str | None
) -> pd.DataFrame:
    return _query(
        "breakdown",
        _aware(queries.fetch_breakdown),
        _filters(key),
        dimension,
        measures,
        limit,
        colour,
    )


@st.cache_data(ttl=HISTORICAL_TTL, max_entries=256, max_size="16MB", show_spinner=False)
{% if cookiecutter.shared_cache == "redis" %}@shared.level
{% endif %}def _series_cached(key: tuple, grain: str, measures: tuple) -> pd.DataFrame:
    return _query("series", _aware(queries.fetch_series), _filters(key), grain, measures)


@st.cache_data(ttl=HISTORICAL_TTL, max_entries=512, max_size="64MB", show_spinner=False)
{% if cookiecutter.shared_cache == "redis" %}@shared.level
{% endif %}def _detail_page_cached(key: tuple, page_size: int, cursor: tuple | None) -> pd.DataFrame:
    return _query("detail_page", queries.fetch_detail_page, _filters(key), page_size, cursor)


@st.cache_data(ttl=HISTORICAL_TTL, max_entries=256, show_spinner=False)
{% if cookiecutter.shared_cache == "redis" %}@shared.level
{% endif %}def _detail_count_cached(key: tuple) -> int:
    return _query("detail_count", _aware(queries.fetch_detail_count), _filters(key))


@st.cache_data(ttl=HISTORICAL_TTL, max_entries=64, show_spinner=False)
{% if cookiecutter.shared_cache == "redis" %}@shared.level
{% endif %}def _status_cached(key: tuple) -> dict:
    return _query("status", queries.fetch_status, _filters(key))


# Pattern: TTL tier "catalogue": a filter's options and the lookup table change rarely,
# keep one hour.
@st.cache_data(ttl=CATALOGUE_TTL, max_entries=64, max_size="16MB", show_spinner=False)
def _members_cached(dimension: str) -> pd.DataFrame:
    return _query("members", queries.fetch_members, dimension)


@st.cache_data(ttl=CATALOGUE_TTL, max_entries=16, max_size="16MB", show_spinner=False)
def _lookup_cached(allowed: tuple | None = None) -> pd.DataFrame:
    return _query("lookup", queries.fetch_lookup, allowed)


# The data's health reads every fact row once: the catalogue tier, for operators only.
@st.cache_data(ttl=CATALOGUE_TTL, max_entries=1, show_spinner=False)
def _health_cached() -> dict:
    return _query("health", queries.fetch_health)


HISTORICAL_LOADERS = {
    "totals": _totals_cached,
    "breakdown": _breakdown_cached,
    "series": _series_cached,
    "detail_page": _detail_page_cached,
    "detail_count": _detail_count_cached,
    "status": _status_cached,
}
LOADERS = {
    **HISTORICAL_LOADERS,
    "members": _members_cached,
    "lookup": _lookup_cached,
    "health": _health_cached,
}


# --- Fallback to the last good result --------------------------------------------------
# Pattern: fallback to the last good result, kept per session in st.session_state
# (bounded, oldest dropped first) and flagged stale so the UI shows a warning.


def _fallback_store() -> OrderedDict | None:
    try:
        return st.session_state.setdefault(FALLBACK_KEY, OrderedDict())
    except Exception:  # no session (plain Python, a worker thread): nothing to keep
        return None


def _snapshot(value: T) -> T:
    """A copy the caller cannot change. pandas copies on write: a shallow copy of a frame
    shares its data until one side writes, so keeping one per run costs no data copy."""
    return value.copy(deep=False) if isinstance(value, pd.DataFrame) else copy.deepcopy(value)


def _remember(name: str, key: tuple, value: Any) -> None:
    store = _fallback_store()
    if store is None:
        return
    if isinstance(value, pd.DataFrame) and len(value) > FALLBACK_MAX_ROWS:
        return  # a whole large catalogue per session would cost megabytes per visitor
    store[(name, key)] = _snapshot(value)
    store.move_to_end((name, key))
    while len(store) > FALLBACK_MAX_ENTRIES:
        store.popitem(last=False)


def _last_good(name: str, key: tuple, exc: db.DatabaseUnavailable) -> Loaded:
    store = _fallback_store() or OrderedDict()
    if (name, key) in store:
        return Loaded(_snapshot(store[(name, key)]), stale=True, error=f"{exc}")
    # No result for these filters yet: show this loader's latest result, and say so.
    for (n, _k), value in reversed(store.items()):
        if n == name:
            note = t("data_other_filters")
            return Loaded(_snapshot(value), stale=True, error=f"{exc} ({note})")
    raise exc


def _serve(name: str, key: tuple, compute: Callable[[], T]) -> Loaded[T]:
    try:
        value = compute()
    except db.DatabaseUnavailable as exc:
        return _last_good(name, key, exc)
    _remember(name, key, value)
    return Loaded(value)


# --- Row-level scope ---------------------------------------------------------------------

SCOPE_KEY = "_data_row_scope"  # st.session_state: the row scope's values this viewer sees


def set_row_scope(entries: tuple | None) -> tuple | None:
    """This run's row scope (auth.Viewer.scope: names or ids from secrets; None: every
    row) as the dimension's values, kept for the loaders. () means nothing at all.
    Call it before any other loader: the loaders narrow everything to it."""
    allowed = None
    if entries is not None:
        members = _every_member(MODEL.row_scope).value
        wanted = {str(entry).strip().casefold() for entry in entries}
        allowed = tuple(
            value.item() if hasattr(value, "item") else value
            for value, name in zip(members["value"], members["name"], strict=True)
            if str(value).casefold() in wanted or str(name).casefold() in wanted
        )
    st.session_state[SCOPE_KEY] = allowed
    return allowed


def _every_member(dimension: str) -> Loaded[pd.DataFrame]:
    """Every member of a dimension, whatever the scope: for the server's own use (resolving
    a scope, stable colours); a page gets only load_members()'s part of it."""
    return _serve("members", (dimension,), lambda: _members_cached(dimension))


def row_scope() -> tuple | None:
    """The values of MODEL.row_scope this run may read (None: not restricted)."""
    if MODEL.row_scope is None or get_script_run_ctx() is None:
        return None  # no scope in the model, or no viewer (the command line, a worker)
    if SCOPE_KEY not in st.session_state:
        if auth.SIGN_IN:  # a signed-in page must never read unscoped rows by mistake
            raise RuntimeError("set_row_scope() runs before any loader (streamlit_app.py)")
        return None  # an open dashboard: a script without the app's frame reads every row
    return st.session_state[SCOPE_KEY]


# Pattern: row-level scope in every cache key: each loader narrows the filters to what the
# viewer may see before the key is made, so a cached result never serves another scope.
def _within_scope(f: Filters) -> Filters:
    allowed = row_scope()
    return f if allowed is None else f.restricted(MODEL.row_scope, allowed)


def _by_mode(
    name: str, fetch: Callable[..., T], cached: Callable[..., T], f: Filters, *extra: Any
) -> Loaded[T]:
    problems = f.validate()
    if problems:
        raise ValueError(" ".join(problems))
    f = _within_scope(f)
    key = f.cache_key()
    # Pattern: TTL tier by mode: realtime bypasses the cache and reads fresh data.
    if f.mode == REALTIME:
        if name in AGGREGATES:  # counted as raw queries: the open period has no rollup
            fetch = _aware(fetch)
        return _serve(name, key + extra, lambda: _query(name, fetch, f, *extra))
    return _serve(name, key + extra, lambda: cached(key, *extra))


# --- Public loaders --------------------------------------------------------------------


def load_totals(f: Filters) -> Loaded[dict]:
    """{"current": {...}, "previous": {...}}: the KPI measures for the filters and for the
    comparable scope just before (for the deltas)."""
    return _by_mode("totals", queries.fetch_totals, _totals_cached, f)


def section_call(section: Section, limit: int | None = None, grain: str | None = None) -> tuple:
    """(name, fetch, cached, arguments) of the loader that feeds a page section: the one
    place that maps the model's sections to the cached functions above (a series'
    ``grain``: the one chosen on the page, else the section's; AUTO is resolved from the
    filters by queries.fetch_series)."""
    measures = queries.section_measures(section)
    if isinstance(section, Series):
        grain = grain if grain in GRAINS else section.grain
        return "series", queries.fetch_series, _series_cached, (grain, measures)
    if isinstance(section, Ranking):
        limit = max(1, min(int(limit or section.size), queries.MAX_TOP_LIMIT))
        extra = (section.dimension, measures, limit, section.colour)
    else:
        extra = (section.dimension, measures, None, None)
    return "breakdown", queries.fetch_breakdown, _breakdown_cached, extra


def load_section(
    f: Filters, section: Section, limit: int | None = None, grain: str | None = None
) -> Loaded[pd.DataFrame]:
    """The rows a section draws (a ranking's ``limit``: its chosen N; a series' ``grain``:
    the one chosen on the page)."""
    name, fetch, cached, extra = section_call(section, limit, grain)
    return _by_mode(name, fetch, cached, f, *extra)


def load_detail_page(
    f: Filters, page_size: int, cursor: tuple | None = None
) -> Loaded[pd.DataFrame]:
    """A page of detail rows: the first, the one after or before a row's key (keyset), or
    the last (``cursor``: see queries.CURSORS)."""
    page_size = max(1, min(int(page_size), queries.MAX_PAGE_SIZE))
    if cursor is not None:
        where, values = cursor
        if where not in queries.CURSORS or len(values) != len(queries.order_terms()) * (
            where in (queries.AFTER, queries.BEFORE)
        ):
            raise ValueError(f"A detail page cursor is (where, keys), not {cursor!r}.")
        cursor = (where, tuple(_key_value(v) for v in values))
    return _by_mode(
        "detail_page", queries.fetch_detail_page, _detail_page_cached, f, page_size, cursor
    )


def _key_value(value):
    """One value of a cursor: what a column can hold (an integer fits in 64 bits)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal | date):
        raise ValueError(f"A detail page cursor holds column values, not {value!r}.")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise ValueError(f"A detail page cursor's number {value} does not fit in 64 bits.")
    return value


def load_detail_count(f: Filters) -> Loaded[int]:
    return _by_mode("detail_count", queries.fetch_detail_count, _detail_count_cached, f)


# The operator panel's line about the rollups: read once a minute, not on every rerun (a
# warm rerun runs no SQL).
@st.cache_data(ttl=60, max_entries=4, show_spinner=False)
def rollup_watermark() -> int | None:
    """How far the rollups of the dashboard database reach (None: not built)."""
    try:
        return rollups.Rollups(db.get_store_engine(), db.resolve_url()).watermark()
    except db.DatabaseUnavailable:
        return None


def load_members(dimension: str) -> Loaded[pd.DataFrame]:
    """A filter's options within the row scope: columns value, name (and within, for a
    narrower dimension)."""
    loaded = _every_member(dimension)
    return dataclasses.replace(loaded, value=_members_in_scope(dimension, loaded.value))


# Pattern: row-level scope on names too: the catalogue is cached once for everyone, and
# each viewer is handed only the members inside their scope (no other name reaches them).
def _members_in_scope(dimension: str, members: pd.DataFrame) -> pd.DataFrame:
    allowed = row_scope()
    if allowed is None:
        return members
    if dimension == MODEL.row_scope:
        column = "value"
    elif MODEL.dimension(dimension).within == MODEL.row_scope:
        column = "within"
    else:
        return members
    return members[members[column].isin(allowed)].reset_index(drop=True)


def member_positions(dimension: str, names) -> list[int | None]:
    """Each name's position among all the dimension's members, sorted (None: not one):
    a colour by position is the same member's colour for every viewer, and the full list
    itself never leaves the server."""
    try:
        members = _every_member(dimension).value
    except db.DatabaseUnavailable:
        return [None] * len(names)
    order = {name: position for position, name in enumerate(sorted(map(str, members["name"])))}
    return [order.get(str(name)) for name in names]


def lookup_visible() -> bool:
    """Does the lookup show? Not to a scoped viewer when it cannot be narrowed to the scope."""
    return row_scope() is None or queries.lookup_scopable()


def load_lookup() -> Loaded[pd.DataFrame]:
    """The lookup's rows, within the row scope."""
    if not lookup_visible():
        raise ValueError("The lookup cannot be narrowed to the row scope: see lookup_visible().")
    allowed = row_scope()
    return _serve("lookup", (allowed,), lambda: _lookup_cached(allowed))


def load_health() -> Loaded[dict]:
    """What the figures leave out (rows with no readable time, outliers) and the dimensions
    too large for a list: queries.fetch_health."""
    return _serve("health", (), _health_cached)


def load_status(fresh: bool = False) -> Loaded[dict]:
    """The latest period and the filter bounds. ``fresh=True`` (realtime) skips the cache."""
    key = _status_key()
    if fresh:
        return _serve("status", key, lambda: _query("status", queries.fetch_status, _filters(key)))
    return _serve("status", key, lambda: _status_cached(key))


def _status_key() -> tuple:
    """The status's totals are the viewer's own: the open period within the row scope."""
    return _within_scope(Filters(REALTIME)).cache_key()


# Pattern: static configuration: computed once per process, never expires (no ttl).
@st.cache_data(show_spinner=False)
def load_app_config() -> dict:
    try:
        url = db.resolve_url()
        backend, where = url.get_backend_name(), db.describe(url)
    except db.DatabaseUnavailable:
        backend, where = None, None
    return {
        "project_name": settings.PROJECT_NAME,
        "currency": settings.CURRENCY,
        "database": backend,
        "database_url": where,  # password masked
        "historical_ttl_seconds": HISTORICAL_TTL,
        "catalogue_ttl_seconds": CATALOGUE_TTL,
        "modes": list(queries.MODES),
    }


# --- Saved views: per-user data (in the app store: the dashboard database is only read) --

MAX_VIEW_NAME = 60  # characters
MAX_VIEWS = 50  # per owner
# Letters and digits of any language, spaces and a little punctuation: no markup, quotes
# or SQL punctuation, so a name reads the same in every widget, message and link.
VIEW_NAME = re.compile(r"\w[\w .,()#+&/-]*")


class ViewRefused(ValueError):
    """A view that cannot be saved as asked: ``key`` and ``values`` are for i18n.t()."""

    def __init__(self, key: str, **values) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@contextlib.contextmanager
def _app_state_store():
    """The app store, for the app's own state: its statements count apart from the data's
    (stats.app_state) and its errors come out in words."""
    engine = db.get_store_engine()
    try:
        with stats.app_state():
            yield engine
    except (SQLAlchemyError, store.NotOurs) as exc:
        raise db.friendly_error(exc, engine.url) from None


def _views_query(owner: str) -> dict:
    stats.count_miss("views")
    with _app_state_store() as engine, engine.connect() as c:
        return store.fetch_views(c, owner)


# Pattern: per-user data cached per session: scope="session" keeps one session's entries
# away from every other session and drops them when the session ends.
@st.cache_data(scope="session", ttl=HISTORICAL_TTL, max_entries=8, show_spinner=False)
def load_views(owner: str) -> dict:
    """{view name: filters dict} saved by ``owner``."""
    return _views_query(owner)


def check_view_name(name: str, saved: dict) -> str:
    """The name to save under, stripped; ViewRefused says why one cannot be used."""
    name = str(name).strip()
    shown = name if len(name) <= 40 else name[:40] + "…"
    if not name:
        raise ViewRefused("views_name_empty")
    if len(name) > MAX_VIEW_NAME:
        raise ViewRefused("views_name_long", n=len(name), max=MAX_VIEW_NAME)
    if not VIEW_NAME.fullmatch(name):
        raise ViewRefused("views_name_chars", name=shown)
    if name not in saved and len(saved) >= MAX_VIEWS:
        raise ViewRefused("views_too_many", max=MAX_VIEWS)
    return name


def save_view(owner: str, name: str, filters_dict: dict) -> str:
    """Save (or replace) a view in the app store, then drop this session's cached list.
    Returns the name saved under."""
    filters = Filters.from_dict(filters_dict)
    problems = filters.validate()
    if problems:
        raise ValueError(" ".join(problems))
    name = check_view_name(name, load_views(owner))
    with _app_state_store() as engine:
        store.save_view(engine, owner, name, filters.to_dict())
    load_views.clear(owner)
    return name


def delete_view(owner: str, name: str) -> bool:
    """Delete one of ``owner``'s views; False when it was already gone."""
    with _app_state_store() as engine:
        deleted = store.delete_view(engine, owner, str(name))
    load_views.clear(owner)
    return deleted


class ViewShelf:
    """The handle a session holds on its viewer's saved views (see view_shelf)."""

    def __init__(self, owner: str, anonymous: bool) -> None:
        self.owner, self.anonymous = owner, anonymous
        self._reclaimed = not anonymous

    def views(self) -> dict:
        saved = load_views(self.owner)
        if saved and not self._reclaimed:  # a reconnected browser session takes them back
            with contextlib.suppress(db.DatabaseUnavailable), _app_state_store() as engine:
                store.reclaim_views(engine, self.owner)
            self._reclaimed = True
        return saved

    def save(self, name: str, filters_dict: dict) -> str:
        return save_view(self.owner, name, filters_dict)

    def delete(self, name: str) -> bool:
        return delete_view(self.owner, name)

    def release(self) -> None:
        """The session ended: a browser session's views can never be opened again, so
        they are marked and deleted a day later (signed-in users keep theirs)."""
        if self.anonymous:
            with contextlib.suppress(db.DatabaseUnavailable), _app_state_store() as engine:
                store.release_views(engine, self.owner)  # outside any page: errors are dropped


# Pattern: a per-user resource: scope="session" gives each session its own handle, and
# on_release runs when the session ends (here it marks a browser session's views).
@st.cache_resource(scope="session", on_release=ViewShelf.release, show_spinner=False)
def view_shelf(owner: str, anonymous: bool) -> ViewShelf:
    return ViewShelf(owner, anonymous)


def store_summary() -> dict:
    """What the app store holds, for the operator page (not cached: operators only)."""
    with _app_state_store() as engine, engine.connect() as c:
        counts = store.view_counts(c)
    return {"app_store_url": db.describe(engine.url), **counts}


# --- Prefetch --------------------------------------------------------------------------


def prefetch(
    f: Filters, limits: dict[str, int] | None = None, grains: dict[str, str] | None = None
) -> list[str]:
    """Warm every section's cache in parallel; return the errors for the script thread.

    ``limits``: the N each ranking shows, ``grains``: the grain each series is drawn at
    (by section key). Pattern: parallel prefetch.
    Workers never call st.* (no script context there): they only fill the caches and the
    errors come back as strings. Realtime is not cached, so there is nothing to warm.
    """
    if f.mode == REALTIME or f.validate():
        return []
    f = _within_scope(f)
    key, limits, grains = f.cache_key(), limits or {}, grains or {}
    mark = key + tuple(sorted(limits.items())) + tuple(sorted(grains.items()))
    if _recently_prefetched(mark):
        return []  # already warm: the sections' own loaders hit the cache
    jobs: dict[str, Callable[[], Any]] = {"totals": lambda: _totals_cached(key)}
    for section in MODEL.page.sections:
        choice = limits.get(section.key), grains.get(section.key)
        _name, _fetch, cached, extra = section_call(section, *choice)
        jobs[section.key] = functools.partial(cached, key, *extra)
    jobs["status"] = functools.partial(_status_cached, _status_key())
    for dimension in MODEL.dimensions:
        jobs[f"filter {dimension.name}"] = functools.partial(_members_cached, dimension.name)
    pool = concurrent.futures.ThreadPoolExecutor(PREFETCH_WORKERS, thread_name_prefix="prefetch")
    # stats.in_this_run: statements on the workers count for this script run.
    futures = {pool.submit(stats.in_this_run(job)): label for label, job in jobs.items()}
    failures: dict[str, list[str]] = {}
    try:
        for future in concurrent.futures.as_completed(futures, PREFETCH_TIMEOUT_SECONDS):
            try:
                future.result()
            except Exception as exc:  # collected, reported by the caller
                failures.setdefault(str(exc), []).append(futures[future])
    except TimeoutError:
        late = [label for fut, label in futures.items() if not fut.done()]
        late_message = t("data_prefetch_late", seconds=PREFETCH_TIMEOUT_SECONDS)
        failures.setdefault(late_message, []).extend(late)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if not failures:
        _mark_prefetched(mark)
    order = list(jobs)
    return [
        f"{', '.join(sorted(labels, key=order.index))}: {message}"
        for message, labels in failures.items()
    ]


def _prefetched() -> OrderedDict | None:
    try:
        return st.session_state.setdefault(PREFETCHED_KEY, OrderedDict())
    except Exception:  # no session (plain Python): always prefetch
        return None


def _recently_prefetched(key: tuple) -> bool:
    """This session warmed these filters less than a TTL ago: a thread pool would only
    copy the same cached values again (each cache hit returns a fresh copy)."""
    seen = _prefetched()
    return bool(seen) and time.monotonic() - seen.get(key, float("-inf")) < HISTORICAL_TTL


def _mark_prefetched(key: tuple) -> None:
    seen = _prefetched()
    if seen is None:
        return
    seen[key] = time.monotonic()
    seen.move_to_end(key)
    while len(seen) > PREFETCHED_MAX_ENTRIES:
        seen.popitem(last=False)


# --- Invalidation ----------------------------------------------------------------------


def clear_loader(name: str) -> None:
    """Invalidate one loader (all its entries), e.g. from the operator panel."""
    if name == "views":
        load_views.clear()
        return
{%- if cookiecutter.shared_cache == "redis" %}
    if name in HISTORICAL_LOADERS:
        shared.refresh()  # one generation for every loader: the shared level starts anew
{%- endif %}
    LOADERS[name].clear()


def refresh_historical() -> None:
    """Invalidate every historical loader (the catalogue and configuration stay)."""
{%- if cookiecutter.shared_cache == "redis" %}
    shared.refresh()  # a new generation: every replica's next run reads fresh values
{%- endif %}
    for cached in HISTORICAL_LOADERS.values():
        cached.clear()
    _forget_prefetched()
{%- if cookiecutter.shared_cache == "redis" %}


# Pattern: invalidation across replicas: once per run, a look at the shared generation;
# when another process has refreshed, this one drops its own first level too.
def follow_shared_refresh() -> None:
    if shared.moved():
        for cached in HISTORICAL_LOADERS.values():
            cached.clear()
        _forget_prefetched()
{%- endif %}


{% if cookiecutter.shared_cache == "redis" -%}
def clear_all(everywhere: bool = False) -> None:
    """Clear every cache of this process: all data caches and the engine (its pool is
    disposed). ``everywhere``: the shared level too, for every replica (the operator's
    button; "Try again" on the database page only starts this process afresh)."""
    if everywhere:
        shared.refresh()
{%- else -%}
def clear_all() -> None:
    """Clear every cache: all data caches and the engine (its pool is disposed)."""
{%- endif %}
    st.cache_data.clear()
    st.cache_resource.clear()
    _forget_prefetched()


def _forget_prefetched() -> None:
    """After invalidation this session prefetches again (other sessions simply load
    section by section until their own marks expire)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return  # called outside a session (the bench, a script): nothing to forget
    st.session_state.pop(PREFETCHED_KEY, None)
