"""Database engines: where the URLs come from, one engine per process, plain-words errors.

Two databases: the dashboard database (``DATABASE_URL``), which the app only reads, and
the app store (``APP_STORE_URL``), the project's own, where it writes (see store.py).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
import time
import tomllib
import weakref
from pathlib import Path
from types import ModuleType
from typing import Any

import streamlit as st
from sqlalchemy import URL, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from . import settings, stats, store
from .i18n import t

PACKAGE = __name__.split(".")[0]
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_COMMAND = f"python -m {PACKAGE} seed"
INSPECT_COMMAND = f"python -m {PACKAGE} inspect --write --force"
OWN_DATA_GUIDE = 'README.md, "Your own data"'
LIVENESS_CHECK_SECONDS = 30
# The app's engine asks the database to stop any statement running longer than this
# (MySQL/MariaDB per session, PostgreSQL per statement, SQLite by a progress handler, DuckDB
# by a timer): a runaway query ends with a message instead of holding a pooled connection
# and the page forever.
STATEMENT_TIMEOUT_SECONDS = 30
# The databases this project can read (a dialects/ file each), and each one's driver: the
# extra of pyproject.toml that installs it.
SUPPORTED = {
    "sqlite": "SQLite",
    "mysql": "MySQL / MariaDB",
    "postgresql": "PostgreSQL",
    "duckdb": "DuckDB",
}
DRIVER_EXTRAS = {"mysql": "mysql", "postgresql": "postgresql", "duckdb": "duckdb"}
# The embedded database's own file, read when no URL is set (the demo fills it on first run).
DEFAULT_FILES = {"sqlite": settings.SQLITE_PATH, "duckdb": settings.DUCKDB_PATH}


class DatabaseUnavailable(RuntimeError):
    """The database cannot be used; the message is for people (no traceback, no password).

    ``kind`` says what the fix is, for the error page: "unreachable" (server or URL),
    "empty" (no dashboard tables yet: seed), "incomplete" (some of the project's own tables
    are missing: seed --force), "foreign" (someone's existing database: never seed),
    "model" (the demo is gone and the database lacks model.py's tables), "missing" (a
    database file that does not exist: never created), "unsupported" (a database this
    project cannot read, or its driver is not installed: trying again will not help),
    "timeout", or "error".
    """

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


def demo_present() -> bool:
    """The restaurant demo is still in the project (demo/ has not been deleted)."""
    return importlib.util.find_spec(f"{PACKAGE}.demo") is not None


# --- Where the URL comes from ----------------------------------------------------------


def _secrets_files() -> list[Path]:
    files = [
        PROJECT_ROOT / ".streamlit" / "secrets.toml",
        Path.cwd() / ".streamlit" / "secrets.toml",
    ]
    return list(dict.fromkeys(p.resolve() for p in files))


def _url_from_section(section: dict[str, Any]) -> URL:
    """The same keys `st.connection(type="sql")` reads: url, or the URL parts."""
    if section.get("url"):
        return make_url(str(section["url"]))
    dialect = section.get("dialect")
    if not dialect:
        raise DatabaseUnavailable(
            t("db_section_incomplete", name=settings.CONNECTION_NAME), "unreachable"
        )
    driver = section.get("driver")
    return URL.create(
        drivername=f"{dialect}+{driver}" if driver else str(dialect),
        username=section.get("username"),
        password=section.get("password"),
        host=section.get("host"),
        port=int(section["port"]) if section.get("port") else None,
        database=section.get("database"),
        query=section.get("query") or {},
    )


def _standard(url: URL) -> URL:
    """``postgres://`` (as hosting services write it) is SQLAlchemy's ``postgresql://``."""
    if url.get_backend_name() == "postgres":
        return url.set(drivername="postgresql" + url.drivername.removeprefix("postgres"))
    return url


def resolve_url() -> URL:
    """DATABASE_URL, else secrets.toml [connections.<name>], else the default SQLite file."""
    try:
        env = os.environ.get("DATABASE_URL", "").strip()
        if env:
            return _standard(make_url(env))
        for path in _secrets_files():
            if path.is_file():
                with path.open("rb") as fh:
                    section = tomllib.load(fh).get("connections", {}).get(settings.CONNECTION_NAME)
                if section:
                    return _standard(_url_from_section(section))
    except (ArgumentError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise DatabaseUnavailable(t("db_url_invalid", reason=exc), "unreachable") from None
    default = default_file()
    if default is not None:
        return URL.create(settings.DATABASE, database=str(default))
    raise DatabaseUnavailable(t("db_not_configured", name=settings.CONNECTION_NAME), "unreachable")


def default_file() -> Path | None:
    """The file a SQLite or DuckDB project reads when no URL is set (None: a server's)."""
    relative = DEFAULT_FILES.get(settings.DATABASE)
    return PROJECT_ROOT / relative if relative else None


def resolve_store_url() -> URL:
    """APP_STORE_URL, else the SQLite file settings.APP_STORE_PATH (git-ignored data/)."""
    env = os.environ.get("APP_STORE_URL", "").strip()
    if env:
        try:
            return make_url(env)
        except ArgumentError as exc:
            problem = t("db_store_url_invalid", reason=exc)
            raise DatabaseUnavailable(problem, "unreachable") from None
    return URL.create("sqlite", database=str(PROJECT_ROOT / settings.APP_STORE_PATH))


def describe(url: URL) -> str:
    """The URL with the password masked (safe for messages and logs)."""
    return url.render_as_string(hide_password=True)


def mask(message: str, url: URL | None) -> str:
    """Remove the password from any text (driver messages may echo connection details)."""
    if url is not None and url.password:
        message = message.replace(str(url.password), "***")
    return message


def dialect_module(url: URL) -> ModuleType:
    """The module with this backend's differences (dialects/<name>.py); a database this
    project cannot read is refused in one sentence naming those it can."""
    backend = url.get_backend_name()
    if backend not in SUPPORTED:
        supported = ", ".join(f"{name} ({key})" for key, name in SUPPORTED.items())
        problem = t("db_unsupported", backend=backend, where=describe(url), supported=supported)
        raise DatabaseUnavailable(problem, "unsupported")
    return dialect_named(backend)


def dialect_named(name: str) -> ModuleType:
    """dialects/<name>.py, by SQLAlchemy's dialect name ("sqlite", "mysql", "postgresql",
    "duckdb")."""
    return importlib.import_module(f".dialects.{name}", __package__)


def no_driver(url: URL, exc: BaseException) -> DatabaseUnavailable:
    """The database is supported, its driver is not installed: which extra installs it."""
    backend = url.get_backend_name()
    extra = DRIVER_EXTRAS.get(backend, backend)
    problem = t("db_no_driver", backend=SUPPORTED.get(backend, backend), reason=exc, extra=extra)
    return DatabaseUnavailable(mask(problem, url), "unsupported")


# --- Engine ----------------------------------------------------------------------------


def make_engine(
    url: URL | None = None, statement_timeout: float | None = None, read_only: bool = False
) -> Engine:
    """A new engine with the backend's pool settings, counted by `stats` (no caching).

    ``statement_timeout`` (seconds): the database stops longer statements (the app's
    engine; the seeder's bulk statements may legitimately take longer). ``read_only``: the
    database refuses any write of this engine (the dashboard, rollup, sql, verify; on
    DuckDB, several processes then read one file at once).
    """
    url = url or resolve_url()
    module = dialect_module(url)
    try:
        final_url, options = module.engine_options(url)
        engine = create_engine(final_url, **options)
    except (NoSuchModuleError, ImportError) as exc:
        raise no_driver(url, exc) from None
    except (ArgumentError, OSError) as exc:
        # OSError: SQLite's folder cannot be created (a share that is not mounted).
        raise DatabaseUnavailable(
            mask(t("db_cannot_use", where=describe(url), reason=exc), url), "unreachable"
        ) from None
    module.prepare(engine, url)
    if statement_timeout:
        module.limit_statement_time(engine, statement_timeout)
    if read_only:
        module.forbid_writes(engine)
    stats.instrument(engine)
    _checked[engine] = {"source": _source(url), "resolve": resolve_url, "at": time.time()}
    return engine


def _source(url: URL) -> str:
    return url.render_as_string(hide_password=False)


_checked: weakref.WeakKeyDictionary[Engine, dict[str, Any]] = weakref.WeakKeyDictionary()
_checked_lock = threading.Lock()


def _engine_is_valid(engine: Engine) -> bool:
    """Cheap liveness check, run by st.cache_resource on every access.

    False when its configured URL changed or (at most every LIVENESS_CHECK_SECONDS)
    the database does not answer a pooled connection's ping: Streamlit then releases
    this engine and builds a new one.
    """
    with _checked_lock:
        meta = _checked.get(engine)
        try:
            if meta is None or meta["source"] != _source(meta["resolve"]()):
                return False
        except DatabaseUnavailable:
            return False
        if time.time() - meta["at"] < LIVENESS_CHECK_SECONDS:
            return True
        meta["at"] = time.time()
    try:
        with engine.connect():  # checkout pings (pool_pre_ping); not counted as a statement
            return True
    except SQLAlchemyError:
        return False


def _dispose(engine: Engine) -> None:
    engine.dispose()  # close the pooled connections when Streamlit releases the engine


# Pattern: one shared resource per process, validated on access and released cleanly.
@st.cache_resource(validate=_engine_is_valid, on_release=_dispose, show_spinner=False)
def get_engine() -> Engine:
    """The process-wide engine (its pool is shared by every session and thread). A
    database file that does not exist is refused, never created (connecting would)."""
    url = resolve_url()
    missing = dialect_module(url).missing_database(url)
    if missing:
        raise DatabaseUnavailable(t("db_missing_file", path=missing), "missing")
    # The app only reads here: a bug cannot write.
    return make_engine(url, statement_timeout=STATEMENT_TIMEOUT_SECONDS, read_only=True)


@st.cache_resource(validate=_engine_is_valid, on_release=_dispose, show_spinner=False)
def get_store_engine() -> Engine:
    """The app store's engine: the only engine the dashboard writes with."""
    engine = make_engine(resolve_store_url())
    _checked[engine]["resolve"] = resolve_store_url
    return engine


# --- Errors in plain words -------------------------------------------------------------


def friendly_error(exc: BaseException, url: URL | None = None) -> DatabaseUnavailable:
    """Turn a driver or SQLAlchemy error into a message a dashboard user can act on."""
    if isinstance(exc, DatabaseUnavailable):
        return exc
    if isinstance(exc, store.NotOurs):
        return DatabaseUnavailable(str(exc), "foreign")
    if url is None:
        try:
            url = resolve_url()
        except DatabaseUnavailable as err:
            return err
    where = describe(url)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
    reason = mask(reason, url)
    try:
        module = dialect_module(url)
        missing, timed_out = module.is_missing_schema(exc), module.is_timeout(exc)
        no_database = module.is_missing_database(exc)
    except DatabaseUnavailable:
        missing = timed_out = no_database = False
    if timed_out:
        seconds = f"{STATEMENT_TIMEOUT_SECONDS:g}"
        return DatabaseUnavailable(t("db_timeout", where=where, seconds=seconds), "timeout")
    if no_database:  # never "empty": there is nothing there, and nothing is created
        return DatabaseUnavailable(t("db_missing_database", where=where), "missing")
    if missing:
        return missing_tables(url)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated or _looks_unreachable(exc):
        return DatabaseUnavailable(t("db_unreachable", where=where, reason=reason), "unreachable")
    return DatabaseUnavailable(t("db_error", where=where, reason=reason))


def missing_tables(url: URL) -> DatabaseUnavailable:
    """The dashboard's tables are not there: what to do depends on whose database it is.

    Pattern: honest advice. Only an empty database, or one the project seeded itself, is
    sent to ``seed``; a database holding someone else's tables never is.
    """
    from .model import MODEL  # here, not at the top: `inspect` works without a valid model

    where = describe(url)
    engine = make_engine(url, read_only=True)  # a survey only reads
    wanted = [store.name_in(engine, table) for table in MODEL.tables]
    try:
        found = store.survey(engine, store.schemas_of(engine, MODEL.tables))
    except SQLAlchemyError:  # MySQL: the database itself does not exist yet
        found = store.Survey(frozenset(), frozenset(), frozenset())
    finally:
        engine.dispose()
    if found.ours:
        missing = ", ".join(found.missing(wanted))
        command = f"{SEED_COMMAND} --force"
        return DatabaseUnavailable(
            t("db_incomplete", where=where, tables=missing, command=command), "incomplete"
        )
    if found.foreign:
        shown = ", ".join(found.foreign[:8]) + (" ..." if len(found.foreign) > 8 else "")
        return DatabaseUnavailable(
            t("db_foreign", where=where, tables=shown, guide=OWN_DATA_GUIDE), "foreign"
        )
    if demo_present():
        return DatabaseUnavailable(t("db_empty", where=where, command=SEED_COMMAND), "empty")
    tables = ", ".join(wanted)
    return DatabaseUnavailable(
        t("db_no_model_tables", where=where, tables=tables, command=INSPECT_COMMAND), "model"
    )


def _looks_unreachable(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    words = (
        "can't connect",
        "connection refused",
        "unable to open",
        "lost connection",
        "gone away",
        "could not set lock",  # DuckDB: another process is writing the file
    )
    return any(w in text for w in words) or "access denied" in text
