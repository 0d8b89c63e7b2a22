"""The shared cache level: one Redis that every process of the dashboard reads and fills.

Caches stack: this process's ``st.cache_data`` (L1) -> Redis (this module) -> rollups ->
SQL. Only the historical tier is shared (data.py); the catalogue and the realtime view stay
per process. What this module promises:

- **One SQL execution per new key across all replicas**: dogpile.cache's Redis backend
  with a distributed lock; a process that finds another one computing a key waits for it.
- **Values in data formats, never pickle**: frames as Arrow IPC, plain values as JSON
  (dates and decimals tagged). A value in Redis that is not valid data, whoever wrote
  it, is ignored and recomputed: reading it can never run code.
- **"Refresh data" reaches every replica**: every key carries the namespace's generation;
  a refresh increments it, and each process compares it once per script run (``moved``)
  and then drops its own first level.
- **Redis down or slow costs nothing but speed**: short timeouts, no retries; after a
  failure Redis is left alone for ``RETRY_SECONDS`` and then tried again; one log line
  when an outage starts and one when it ends, never an error on a page.

Keys: ``<prefix>:<namespace>:<generation>:<loader>:<hash of the arguments>``. The namespace
hashes the dashboard database's URL (no password) and the code that shapes the values
(model.py, queries.py, rollups.py), so two dashboards, or two versions of one, never share
values. The row scope of the sign-in is inside the arguments (data._within_scope).
"""

from __future__ import annotations

import collections
import datetime as dt
import decimal
import functools
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import redis
from dogpile.cache import make_region
from dogpile.cache.api import NO_VALUE, CantDeserializeException
from dogpile.cache.proxy import ProxyBackend
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import db, settings

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_URL = "redis://127.0.0.1:6379/0"
# A dead Redis costs one page at most this long, once per RETRY_SECONDS (no retries).
CONNECT_TIMEOUT_SECONDS = 0.25
COMMAND_TIMEOUT_SECONDS = 0.5
RETRY_SECONDS = 5.0
# A process that died while computing a key frees it after this (its SQL would have
# been stopped by then anyway); the others wait for the lock as long.
LOCK_TIMEOUT_SECONDS = db.STATEMENT_TIMEOUT_SECONDS + 10
LOCK_POLL_SECONDS = 0.05
# Size bounds: a value larger than this (in memory) stays in the process cache only; Redis
# forgets every key after two TTLs (set maxmemory and an LRU policy on the server too).
MAX_VALUE_BYTES = 8 * 1024 * 1024
EXPIRY_SECONDS = 2 * settings.HISTORICAL_TTL_SECONDS
SHAPING_CODE = ("model.py", "queries.py", "rollups.py")  # what a cached value looks like


def url() -> str:
    return os.environ.get("REDIS_URL") or DEFAULT_URL


def prefix() -> str:
    """The first part of every key (``REDIS_KEY_PREFIX``; default: the package's name)."""
    return os.environ.get("REDIS_KEY_PREFIX") or db.PACKAGE


def enabled() -> bool:
    """Is the shared level on for this process (DASHBOARD_SHARED_CACHE=none turns it off)?"""
    return settings.SHARED_CACHE == "redis"


# Since the process started: values read from Redis (hits), computed and offered to it
# (misses), Redis failures (errors) and values that were not valid data (rejected).
_counts = dict.fromkeys(("hits", "misses", "errors", "rejected"), 0)
_counts_lock = threading.Lock()


def _count(name: str) -> None:
    with _counts_lock:
        _counts[name] += 1


def counts() -> dict[str, Any]:
    """The counters above and Redis's state, for /healthz and the operator panel."""
    with _counts_lock:
        return {**_counts, "state": health.state() if enabled() else "off"}


# --- Values as data: Arrow IPC for frames, JSON for plain values -----------------------

ARROW, JSON = b"arrow:", b"json:"
TAGS = {
    "$date": dt.date.fromisoformat,
    "$datetime": dt.datetime.fromisoformat,
    "$decimal": decimal.Decimal,
}


def _tagged(value: Any) -> dict:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"{type(value).__name__} is not shared (not plain data)")


def _untagged(obj: dict) -> Any:
    if len(obj) == 1:
        (tag, text), = obj.items()  # fmt: skip
        if tag in TAGS:
            return TAGS[tag](text)
    return obj


def encode(value: Any) -> bytes:
    """A loader's value as bytes of a data format (TypeError: not plain data)."""
    if isinstance(value, pd.DataFrame):
        table = pa.Table.from_pandas(value, preserve_index=True)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return ARROW + sink.getvalue().to_pybytes()
    if isinstance(value, tuple):
        raise TypeError("a tuple would come back as a list: not shared")
    return JSON + json.dumps(value, default=_tagged, separators=(",", ":")).encode()


def decode(data: bytes) -> Any:
    """The value back; CantDeserializeException for anything that is not our data."""
    try:
        if data.startswith(ARROW):
            with pa.ipc.open_stream(pa.py_buffer(data[len(ARROW) :])) as reader:
                return reader.read_all().to_pandas()
        if data.startswith(JSON):
            return json.loads(data[len(JSON) :], object_hook=_untagged)
    except Exception as exc:  # any malformed input: never trusted, recomputed
        raise _rejected(data, f"{type(exc).__name__}: {exc}") from None
    raise _rejected(data, "neither Arrow nor JSON")


# dogpile reads a key twice on a miss (before taking its lock and under it): the same bad
# bytes are counted and logged once. A few recent digests are enough to tell.
_recently_rejected: collections.deque[bytes] = collections.deque(maxlen=32)


def _rejected(data: bytes, why: str) -> CantDeserializeException:
    digest = hashlib.sha256(data).digest()
    with _counts_lock:
        seen = digest in _recently_rejected
        if not seen:
            _recently_rejected.append(digest)
    if not seen:
        _count("rejected")
        log.warning("Shared cache: ignored a value that is not valid data (%s); recomputed.", why)
    return CantDeserializeException(why)


class ValidEntries(ProxyBackend):
    """dogpile's entry is ``<json metadata>|<payload>``: an entry whose metadata is not
    dogpile's is a miss too (dogpile itself would fail on it)."""

    def get_serialized(self, key):
        return self._checked(self.proxied.get_serialized(key))

    def get_serialized_multi(self, keys):
        return [self._checked(v) for v in self.proxied.get_serialized_multi(keys)]

    @staticmethod
    def _checked(entry):
        if entry in (None, NO_VALUE):
            return entry
        metadata, bar, _payload = bytes(entry).partition(b"|")
        try:
            meta = json.loads(metadata)
            valid = bar and isinstance(meta, dict) and isinstance(meta.get("ct"), int | float)
        except ValueError:
            valid = False
        if not valid:
            _rejected(bytes(entry), "not a dogpile entry")
            return NO_VALUE
        return entry


# --- Health: an outage is logged once and skipped until Redis answers again ------------


class Health:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self._retry_at = 0.0
        self.problem = ""

    def usable(self) -> bool:
        """True while Redis answers; during an outage, True for one caller per
        RETRY_SECONDS (the probe), so a dead Redis is not waited on by every page."""
        with self._lock:
            if self.down_since is None:
                return True
            now = time.monotonic()
            if now < self._retry_at:
                return False
            self._retry_at = now + RETRY_SECONDS
            return True

    def failed(self, exc: Exception) -> None:
        _count("errors")
        with self._lock:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            if self.down_since is not None:
                return  # the same outage: already said
            self.down_since, self.problem = time.monotonic(), f"{type(exc).__name__}: {exc}"
        log.warning(
            "Shared cache at %s unavailable (%s): serving from this process's cache and SQL, "
            "trying again every %g s.",
            _shown_url(),
            self.problem,
            RETRY_SECONDS,
        )

    def answered(self, started: float) -> None:
        """A call that ``started`` (time.monotonic()) then has succeeded. One that started
        before the outage was noticed proves nothing: it may have been answered just before
        Redis went away, while another caller's failure was being recorded."""
        with self._lock:
            if self.down_since is None or started < self.down_since:
                return
            seconds = time.monotonic() - self.down_since
            self.down_since, self.problem = None, ""
        log.warning("Shared cache at %s answers again after %.0f s.", _shown_url(), seconds)

    def state(self) -> str:
        with self._lock:
            if self.down_since is None:
                return "ok"
            return f"down for {time.monotonic() - self.down_since:.0f} s ({self.problem})"


health = Health()


def _shown_url() -> str:
    parsed = redis.connection.parse_url(url())
    return f"{parsed.get('host', 'localhost')}:{parsed.get('port', 6379)}/{parsed.get('db', 0)}"


# --- The region: dogpile.cache over one Redis connection pool per process --------------

_setup_lock = threading.Lock()
_region = None
_client: redis.Redis | None = None
_namespaces: dict[str, str] = {}  # by database URL (tests switch databases)
_generation: int | None = None  # the last generation this process saw


def _pool() -> redis.ConnectionPool:
    return redis.ConnectionPool.from_url(
        url(),
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=COMMAND_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),  # a failure is reported at once: health decides
        health_check_interval=30,
    )


def region():
    """The process's dogpile region (made on first use)."""
    global _region, _client
    with _setup_lock:
        if _region is None:
            pool = _pool()
            _client = redis.Redis(connection_pool=pool)
            _region = make_region(serializer=encode, deserializer=decode).configure(
                "dogpile.cache.redis",
                expiration_time=settings.HISTORICAL_TTL_SECONDS,
                arguments={
                    "connection_pool": pool,
                    "redis_expiration_time": EXPIRY_SECONDS,
                    "distributed_lock": True,
                    "thread_local_lock": False,  # dogpile's advice with a distributed lock
                    "lock_timeout": LOCK_TIMEOUT_SECONDS,
                    "lock_sleep": LOCK_POLL_SECONDS,
                },
                wrap=[ValidEntries],
            )
        return _region


def namespace() -> str:
    """What values may be shared between processes: same database, same shaping code."""
    where = db.get_engine().url.render_as_string(hide_password=True)
    with _setup_lock:
        if where not in _namespaces:
            digest = hashlib.sha256(where.encode())
            for name in SHAPING_CODE:
                digest.update((Path(__file__).parent / name).read_bytes())
            _namespaces[where] = f"{prefix()}:{digest.hexdigest()[:16]}"
        return _namespaces[where]


def _generation_key() -> str:
    return f"{namespace()}:generation"


def key(loader: str, args: tuple) -> str:
    """The shared key of one loader call (arguments are the L1 key's plain values)."""
    if _generation is None:
        moved()  # a process that has not looked yet (a command, a test) looks now
    text = json.dumps([loader, args], default=_tagged, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"{namespace()}:{_generation or 0}:{loader}:{digest}"


def _fits(value: Any) -> bool:
    """The size bound: small enough to share (frames by their memory use)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True, index=True).sum()) <= MAX_VALUE_BYTES
    return True


def get_or_run(loader: str, args: tuple, compute: Callable[[], T]) -> T:
    """The value of one loader call: from Redis, or computed (once across processes)."""
    if not enabled() or not health.usable():
        return compute()
    computed: list[T] = []

    def creator() -> T:
        computed.append(compute())
        return computed[0]

    try:
        shared_key = key(loader, args)
    except db.DatabaseUnavailable:  # no database to name the namespace: the SQL says why
        return compute()
    started = time.monotonic()
    try:
        value = region().get_or_create(shared_key, creator, should_cache_fn=_fits)
    except (redis.RedisError, OSError) as exc:  # Redis failed before, during or after
        health.failed(exc)
        return computed[0] if computed else compute()
    except TypeError:  # computed, but not plain data (encode): kept in this process only
        if computed:
            return computed[0]
        raise
    health.answered(started)
    _count("misses" if computed else "hits")
    return value


# Pattern: a shared second level: data.py stacks it under st.cache_data, so a call looks in
# this process first, then in Redis, then runs the SQL (once across processes: a lock).
def level(function: Callable[..., T]) -> Callable[..., T]:
    """Decorate a historical cached function's body: its plain arguments are the key."""
    loader = function.__name__.removeprefix("_").removesuffix("_cached")

    @functools.wraps(function)
    def in_this_process_missed(*args: Any) -> T:
        return get_or_run(loader, args, lambda: function(*args))

    return in_this_process_missed


def moved() -> bool:
    """Read the shared generation (once per script run): True when another process has
    refreshed since this one last looked, so the caller drops its first level."""
    global _generation
    if not enabled() or not health.usable():
        return False
    started = time.monotonic()
    try:
        region()
        seen = int(_client.get(_generation_key()) or 0)
    except db.DatabaseUnavailable:
        return False  # no database yet: nothing cached to follow
    except (redis.RedisError, OSError, ValueError) as exc:
        health.failed(exc)
        return False
    health.answered(started)
    with _setup_lock:
        changed, _generation = _generation not in (None, seen), seen
    return changed


def refresh() -> bool:
    """Start a new generation: every process's next run reads fresh values. False when
    Redis could not be told (then only this process refreshed)."""
    global _generation
    if not enabled():
        return False
    started = time.monotonic()
    try:
        region()
        new = int(_client.incr(_generation_key()))
    except db.DatabaseUnavailable:
        return False
    except (redis.RedisError, OSError) as exc:
        health.failed(exc)
        return False
    health.answered(started)
    with _setup_lock:
        _generation = new
    return True


def reset() -> None:
    """Forget the region and the generation (tests that point at another Redis)."""
    global _region, _client, _generation
    with _setup_lock:
        if _client is not None:
            _client.connection_pool.disconnect()
        _region = _client = _generation = None
        _namespaces.clear()
    health.__init__()
    with _counts_lock:
        _counts.update(dict.fromkeys(_counts, 0))
