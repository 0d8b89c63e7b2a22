"""Shared fixtures: one database of synthetic rows per test session, on the backend under test.

The rows are generated from the model's tables (synthetic.py), never from a client's
data or the demo's seeder: a project adapted to another database keeps this whole suite.

- ``DASH_TEST_BACKEND``: ``sqlite``, ``mysql``, ``postgresql`` or ``duckdb`` (default: the
  project's own).
- ``TEST_MYSQL_URL``: the MySQL server (default ``mysql+pymysql://root@127.0.0.1:3306/test``);
  ``TEST_POSTGRES_URL``: the PostgreSQL server (default
  ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); the tests create their own
  ``dash_*`` databases there and drop them afterwards.
- ``DASH_TEST_ROWS``: fact rows in the shared database (default 12,000: fast).
{%- if cookiecutter.shared_cache == "redis" %}
- ``TEST_REDIS_URL``: the Redis of the shared cache level (default
  ``redis://127.0.0.1:6379/15``); keys start with ``<package>-test``. Every test runs with
  the shared level on; without a Redis the level is skipped (as in production) and only
  tests/test_shared_cache.py and tests/test_replicas.py, which need one, skip.
{%- endif %}

Every test writes app state to a scratch app store (``APP_STORE_URL``: a SQLite file of
its own, and one for the whole session for the servers that modules share), never to
``data/``.

Fixtures for every test module: ``database_url`` (session: a filled database),
``use_database`` (points DATABASE_URL at it and clears every cache and counter around the
test), ``engine`` (a plain engine on it), ``fresh_database_url`` (an empty scratch database),
``clear_caches()`` (a helper).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from {{ cookiecutter.package_name }} import auth, db, queries, settings, {% if cookiecutter.shared_cache == "redis" %}shared, {% endif %}stats, synthetic
from {{ cookiecutter.package_name }}.exact import holds_decimals

BACKEND = os.environ.get("DASH_TEST_BACKEND", settings.DATABASE).strip().lower()
TEST_ROWS = int(os.environ.get("DASH_TEST_ROWS", "12000"))
ANCHOR = dt.date(2024, 3, 31)  # fixed: the same rows on every run
SERVER_SETTINGS = {"mysql": "TEST_MYSQL_URL", "postgresql": "TEST_POSTGRES_URL"}
SERVER_URLS = {
    "mysql": os.environ.get("TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
    "postgresql": os.environ.get(
        "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
}
MYSQL_SERVER_URL = SERVER_URLS["mysql"]
FILE_BACKENDS = {"sqlite": "db", "duckdb": "duckdb"}  # embedded: a file, no server
ON_SERVER = BACKEND in SERVER_URLS
if BACKEND == "duckdb":  # the tests' own plain engines too: keys as INTEGER, not SERIAL
    db.dialect_named("duckdb")
{%- if cookiecutter.shared_cache == "redis" %}
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS_TEST_PREFIX = f"{db.PACKAGE}-test"
{%- endif %}


def clear_caches() -> None:
    """Caches are process-global: every test starts and ends with empty ones."""
    st.cache_data.clear()
    st.cache_resource.clear()  # also disposes the cached engine (on_release)
{%- if cookiecutter.shared_cache == "redis" %}
    shared.refresh()  # and the shared level: a new generation starts empty
{%- endif %}


def floats(value):
    """Exact sums (Decimals, exact.py) as floats, in a value, a list, a dict or a frame,
    so that pytest.approx compares them with a float computed by the test."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, pd.DataFrame):
        decimal = [name for name in value.columns if holds_decimals(value[name])]
        return value.astype(dict.fromkeys(decimal, float)) if decimal else value
    if isinstance(value, dict):
        return {k: floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [floats(v) for v in value]
    return value


def point_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app reads this database (DATABASE_URL) from empty caches and counters."""
    monkeypatch.setenv("DATABASE_URL", url)
    clear_caches()
    stats.reset()


def unavailable(message: str) -> NoReturn:
    """Something a test needs is missing: skip and say how to get it, except under CI,
    where every test must run (a skip there would hide a broken setup)."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


SYSTEM_CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def chromium_path() -> str | None:
    """The browser to drive: the system chromium, else Playwright's own (None)."""
    if SYSTEM_CHROMIUM.exists():
        return str(SYSTEM_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        if Path(p.chromium.executable_path).exists():
            return None
    unavailable(
        f"no chromium at {SYSTEM_CHROMIUM} and no Playwright browser: "
        "apt-get install chromium, set CHROMIUM_PATH, or run `playwright install chromium`"
    )


def require_browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[dev]')")
    return sync_playwright


def artefacts() -> Path:
    """Where the browser tests leave their screenshots: DASH_TEST_ARTEFACTS when set (the
    template's tests keep each bake's apart), else tests/artifacts/ (what CI uploads)."""
    folder = Path(os.environ.get("DASH_TEST_ARTEFACTS") or Path(__file__).parent / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(server):
    """Headless chromium for the module's tests (after its `server` fixture is up)."""
    sync_playwright = require_browser()
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium_path(),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def server_url() -> URL:
    """The database server of the backend under test (TEST_MYSQL_URL, TEST_POSTGRES_URL),
    once it answers: where the tests may create and drop their own databases."""
    url = make_url(SERVER_URLS[BACKEND])
    final_url, _ = db.dialect_module(url).engine_options(url)
    probe = create_engine(final_url, connect_args={"connect_timeout": 3})
    try:
        with probe.connect():
            pass
    except SQLAlchemyError as exc:
        setting = SERVER_SETTINGS[BACKEND]
        message = (
            f"No {BACKEND} server answers at {db.describe(url)} ({type(exc).__name__}). "
            f"Set {setting} to a server where the tests may create databases."
        )
        unavailable(message)
    finally:
        probe.dispose()
    return final_url


@contextlib.contextmanager
def admin_connection():
    """A connection to the server of the backend under test, as its admin (autocommit)."""
    engine = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            yield c
    finally:
        engine.dispose()


# Every other connection to a database, by backend (what a server restart ends).
OTHER_CONNECTIONS = {
    "mysql": "SELECT id FROM information_schema.processlist "
    "WHERE db = :db AND id <> CONNECTION_ID()",
    "postgresql": "SELECT pid FROM pg_stat_activity WHERE datname = :db "
    "AND pid <> pg_backend_pid()",
}
KILL = {"mysql": "KILL CONNECTION {id}", "postgresql": "SELECT pg_terminate_backend({id})"}


def kill_connections(database: str) -> int:
    """End every server connection using ``database`` (what a restart does to a pool)."""
    with admin_connection() as c:
        ids = c.execute(text(OTHER_CONNECTIONS[BACKEND]), {"db": database}).scalars()
        killed = 0
        for conn_id in list(ids):
            with contextlib.suppress(Exception):  # it may have gone by itself
                c.execute(text(KILL[BACKEND].format(id=int(conn_id))))
                killed += 1
    return killed


def create_server_database(name: str) -> str:
    """CREATE DATABASE ``name`` on the server under test; its URL (with the password)."""
    with admin_connection() as c:
        quoted = c.dialect.identifier_preparer.quote_identifier(name)
        charset = " CHARACTER SET utf8mb4" if BACKEND == "mysql" else ""
        c.execute(text(f"CREATE DATABASE {quoted}{charset}"))
    return server_url().set(database=name).render_as_string(hide_password=False)


def drop_server_database(name: str) -> None:
    """Drop a database the tests created (a connection a test left open is ended first:
    it would hold the drop)."""
    kill_connections(name)
    with admin_connection() as c:
        quoted = c.dialect.identifier_preparer.quote_identifier(name)
        c.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))


def empty_file_database(path: Path) -> str:
    """An empty database file of an embedded backend (the app never creates a missing one)."""
    if BACKEND == "duckdb":
        import duckdb

        duckdb.connect(str(path)).close()
        return f"duckdb:///{path}"
    path.touch()  # an empty file is an empty SQLite database
    return f"sqlite:///{path}"


def reader_url(url: str, password: str = "ro") -> tuple[str, Callable[[], None]]:
    """A user of the server that may only read the database ``url`` names (its URL, and
    the clean-up that drops it): the least a dashboard in production should have."""
    from {{ cookiecutter.package_name }} import store
    from {{ cookiecutter.package_name }}.model import MODEL

    user, name = f"dash_ro_{uuid.uuid4().hex[:6]}", make_url(url).database
    pw = "'" + password.replace("'", "''") + "'"  # a literal: CREATE ROLE takes no parameters
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    grants = {
        "mysql": [
            f"CREATE USER '{user}'@'%' IDENTIFIED BY {pw}",
            f"CREATE USER '{user}'@'localhost' IDENTIFIED BY {pw}",
            f"GRANT SELECT ON `{name}`.* TO '{user}'@'%'",
            f"GRANT SELECT ON `{name}`.* TO '{user}'@'localhost'",
        ],
        "postgresql": [f"CREATE ROLE {user} LOGIN PASSWORD {pw}"]
        + [
            grant
            for schema in ["public", *store.schemas_of(admin, MODEL.tables)]
            for grant in (
                f'GRANT USAGE ON SCHEMA "{schema}" TO {user}',
                f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {user}',
            )
        ],
    }
    revokes = {
        "mysql": [f"DROP USER IF EXISTS '{user}'@'%'", f"DROP USER IF EXISTS '{user}'@'localhost'"],
        "postgresql": [f"DROP OWNED BY {user}", f"DROP ROLE IF EXISTS {user}"],
    }
    with admin.connect() as c:
        for statement in grants[BACKEND]:
            c.exec_driver_sql(statement.replace("%", "%%"))  # the drivers read % as a placeholder

    def drop() -> None:
        try:
            with admin.connect() as c:
                for statement in revokes[BACKEND]:
                    c.exec_driver_sql(statement.replace("%", "%%"))
        finally:
            admin.dispose()

    return make_url(url).set(username=user, password=password).render_as_string(False), drop


@contextlib.contextmanager
def unchecked_foreign_keys(c) -> Iterator[None]:
    """Rows of a schema with a cycle (a school's head teacher teaches at the school),
    inserted in one transaction before their keys all exist."""
    if BACKEND == "mysql":
        c.exec_driver_sql("SET SESSION foreign_key_checks = 0")
    elif BACKEND == "postgresql":
        c.exec_driver_sql("SET LOCAL session_replication_role = replica")  # the tests' superuser
    yield
    if BACKEND == "mysql":
        c.exec_driver_sql("SET SESSION foreign_key_checks = 1")


@contextlib.contextmanager
def scratch_database(tmp_dir: Path, label: str) -> Iterator[str]:
    """An empty database of the backend under test: a file, or on a server
    ``dash_<label>_<hex>``, dropped afterwards."""
    if BACKEND in FILE_BACKENDS:
        yield empty_file_database(tmp_dir / f"{label}.{FILE_BACKENDS[BACKEND]}")
        return
    if BACKEND not in SERVER_URLS:
        choices = ", ".join([*FILE_BACKENDS, *SERVER_URLS])
        raise pytest.UsageError(f"DASH_TEST_BACKEND must be one of {choices}, not {BACKEND!r}")
    name = f"dash_{label}_{uuid.uuid4().hex[:8]}"
    url = create_server_database(name)
    try:
        yield url
    finally:
        drop_server_database(name)


@contextlib.contextmanager
def filled_database(tmp_dir: Path, label: str, rows: int = TEST_ROWS) -> Iterator[str]:
    """A scratch database filled with synthetic rows, of a test's own (to break it)."""
    with scratch_database(tmp_dir, label) as url:
        fill(url, rows)
        yield url


@pytest.fixture(scope="session", autouse=True)
def open_dashboard() -> Iterator[None]:
    """The dashboard's own tests run it without sign-in, the servers they start too
    (DASHBOARD_AUTH); tests/test_auth.py and tests/test_signin.py turn sign-in on."""
    previous = os.environ.get("DASHBOARD_AUTH")
    os.environ["DASHBOARD_AUTH"] = "none"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "SIGN_IN", False)
        yield
    if previous is None:
        os.environ.pop("DASHBOARD_AUTH", None)
    else:
        os.environ["DASHBOARD_AUTH"] = previous


{% if cookiecutter.shared_cache == "redis" -%}
@pytest.fixture(scope="session", autouse=True)
def shared_cache_for_tests() -> Iterator[str]:
    """REDIS_URL and REDIS_KEY_PREFIX for the whole session (servers inherit them)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REDIS_URL", REDIS_TEST_URL)
        patch.setenv("REDIS_KEY_PREFIX", REDIS_TEST_PREFIX)
        patch.delenv("DASHBOARD_SHARED_CACHE", raising=False)
        patch.setattr(settings, "SHARED_CACHE", "redis")
        shared.reset()
        yield REDIS_TEST_URL
    shared.reset()


{% endif -%}
# A test that chose no database of its own fails loudly here (the app never creates a
# missing file) rather than reading a DATABASE_URL the user exported in their shell.
NO_DATABASE_CHOSEN = "sqlite:////nonexistent/a-test-that-chose-no-database-of-its-own.db"


@pytest.fixture(scope="session", autouse=True)
def no_database_of_the_users() -> Iterator[None]:
    """DATABASE_URL for the whole session: nothing the user configured is ever read."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", NO_DATABASE_CHOSEN)
        yield


@pytest.fixture(scope="session", autouse=True)
def app_store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """APP_STORE_URL for the whole session (servers the tests start inherit it)."""
    previous = os.environ.get("APP_STORE_URL")
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'app_store.db'}"
    os.environ["APP_STORE_URL"] = url
    yield url
    if previous is None:
        os.environ.pop("APP_STORE_URL", None)
    else:
        os.environ["APP_STORE_URL"] = previous


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    """``python -m <package> <args>`` on ``url`` (DATABASE_URL), as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", db.PACKAGE, *args],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=180,
    )


def error_line(out: subprocess.CompletedProcess) -> str:
    """The one plain ``ERROR:`` line of a command that refused: exit 1, no traceback,
    nothing on stdout."""
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(lines) == 1, out.stderr  # one plain message
    assert out.stdout == ""
    return lines[0]


def writer(url: str):
    """An engine that writes, once the app's engine has let go of the database: DuckDB
    opens a file either to read (the app) or to write, not both in one process."""
    db.get_engine.clear()
    return db.make_engine(make_url(url))


def fill(url: str, rows: int = TEST_ROWS) -> None:
    """Synthetic rows from the model's tables (deterministic: the same rows every run)."""
    engine = writer(url)
    try:
        synthetic.fill(engine, rows, anchor=ANCHOR)
    finally:
        engine.dispose()


def add_fact_row(url: str) -> None:
    """One more fact row in the latest period (or day): a copy of its newest row, with a
    new key (when the fact has one) and twice its numbers, as if it had just happened."""
    from sqlalchemy import Integer, Numeric, func, select

    from {{ cookiecutter.package_name }} import queries
    from {{ cookiecutter.package_name }}.model import MODEL

    fact = MODEL.fact
    key = next(iter(fact.primary_key.columns), None)
    engine = writer(url)
    try:
        with engine.begin() as c:
            scope = queries.current_scope(c, queries.Filters("realtime"))
            newest = queries.scoped([*fact.columns], scope, queries.Filters("realtime"))
            row = dict(c.execute(newest.order_by(MODEL.time.desc()).limit(1)).mappings().one())
            if key is not None:
                row[key.name] = c.execute(select(func.max(key))).scalar() + 1
            for column in fact.columns:
                numeric = isinstance(column.type, Integer | Numeric) and not column.foreign_keys
                numeric = numeric and column is not MODEL.time  # Unix seconds stay the time
                if numeric and not column.primary_key and row[column.name] is not None:
                    doubled = row[column.name] * 2
                    if fits(column.type, doubled):  # Numeric(4, 2) holds 99.99 at most
                        row[column.name] = doubled
            c.execute(fact.insert().values(**row))
    finally:
        engine.dispose()


def fits(kind, value) -> bool:
    """Whether a column of this numeric type can hold the value (its declared digits)."""
    from sqlalchemy import SmallInteger

    if isinstance(kind, SmallInteger):
        return abs(value) < 2**15
    precision, scale = getattr(kind, "precision", None), getattr(kind, "scale", None)
    return precision is None or abs(value) < 10 ** (precision - (scale or 0))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database filled once per session with TEST_ROWS fact rows (read-mostly)."""
    with scratch_database(tmp_path_factory.mktemp("db"), "shared") as url:
        fill(url)
        yield url


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty scratch database for tests that write or break things."""
    with scratch_database(tmp_path, "fresh") as url:
        yield url


@pytest.fixture
def use_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """DATABASE_URL points at the seeded database; caches and counters start empty."""
    point_at(database_url, monkeypatch)
    yield database_url  # clean_caches_after() empties the caches again


@pytest.fixture
def engine(database_url: str):
    """An engine that reads the shared database (as the app's, it cannot write)."""
    e = db.make_engine(make_url(database_url), read_only=True)
    yield e
    e.dispose()


@pytest.fixture(scope="module")
def status(database_url: str) -> dict:
    """The bounds the filters start from (what the page reads first)."""
    engine = db.make_engine(make_url(database_url), read_only=True)
    try:
        with engine.connect() as c:
            return queries.fetch_status(c)
    finally:
        engine.dispose()


# --- UI fixtures ---
# Appended by the UI side: AppTest and browser tests.

APP_ROOT = Path(__file__).resolve().parent.parent
APP_SCRIPT = APP_ROOT / "streamlit_app.py"
APP_TIMEOUT = 60  # seconds for one AppTest run (first runs fill the caches)


@pytest.fixture
def ui_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private filled database, DATABASE_URL pointing at it, caches cleared around."""
    with filled_database(tmp_path, "ui") as url:
        point_at(url, monkeypatch)
        yield url


@pytest.fixture
def app(use_database: str):
    """A fresh AppTest of streamlit_app.py on the shared database (not run yet)."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT)


def said(key: str) -> str:
    """A part of the message ``key`` (in the project's language) that no placeholder and no
    Markdown escape changes: what a test looks for on a page or in an error."""
    from {{ cookiecutter.package_name }}.i18n import CATALOGUES

    text = re.sub(r"\{[^}]*\}", "|", CATALOGUES[settings.LANGUAGE][key])
    return max(re.findall(r"[^\W_][\w ]*[^\W_]", text), key=len)


def run_in_session(at, session_id: str, action=None) -> None:
    """Run an AppTest (or ``action``, e.g. a click's run) under its own session id.

    AppTest gives every instance the same session id, so two instances would share
    session-scoped caches and owners; real browser tabs never do. This restores that.
    """
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    original = ScriptRunner.__init__

    def init(runner, *args, **kwargs):
        kwargs["session_id"] = session_id
        original(runner, *args, **kwargs)

    ScriptRunner.__init__ = init
    try:
        (action or at.run)()
    finally:
        ScriptRunner.__init__ = original


def metric_values(at) -> dict[str, float]:
    """The KPI cards of an AppTest run as numbers, by label.

    The cards show text written by the i18n module ("$1,234", "1.234 €", "34,5 %"), so
    the value is read back with the locale's currency symbol and separators.
    """
    from {{ cookiecutter.package_name }} import i18n

    thousands, decimal = i18n.separators()

    def parse(text: str) -> float:
        text = text.replace(i18n.currency_symbol(), "").replace("%", "")
        text = "".join(text.split())  # every space, no-break ones too
        return float(text.replace(thousands, "").replace(decimal, "."))

    return {m.label: parse(m.value) for m in at.metric}


# --- Sign-in and row scope (auth._claims stands in for the provider) -------------------

AUTH_BLOCK = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "only-for-tests",
    "client_id": "dashboard",
    "client_secret": "only-for-tests",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
ANA = {"sub": "ana-1", "email": "ana@example.test", "name": "Ana", "groups": ["sales"]}
BEN = {"sub": "ben-2", "email": "Ben@Example.test", "name": "Ben", "groups": ["ops-team"]}
CARL = {"sub": "carl-3", "email": "carl@example.test", "name": "Carl"}
EVERYTHING = {"ana@example.test": "*", "groups:ops-team": "*"}  # a row scope's "all"


@pytest.fixture
def signed_in(use_database, monkeypatch):
    """An AppTest of the app with sign-in on, as ``claims`` (None: not signed in)."""
    monkeypatch.setattr(auth, "SIGN_IN", True)

    def opened(claims: dict | None, dashboard: dict | None = None, auth_block=AUTH_BLOCK):
        from streamlit.testing.v1 import AppTest

        monkeypatch.setattr(auth, "_claims", lambda: claims)
        at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT)
        if auth_block:
            at.secrets["auth"] = auth_block
        at.secrets["dashboard"] = dashboard or {
            "admins": ["ana@example.test"],
            "scopes": EVERYTHING,
        }
        return at

    return opened


@pytest.fixture
def row_scope_is():
    """Set MODEL.row_scope for one test (any model's rules, whatever model.py declares)."""
    from {{ cookiecutter.package_name }}.model import MODEL

    original = MODEL.row_scope

    def set_to(name: str | None) -> None:
        object.__setattr__(MODEL, "row_scope", name)  # the model is a frozen dataclass

    yield set_to
    set_to(original)


def members_of(name: str, database_url: str) -> list[tuple]:
    """(value, name) of a dimension's members, from the query layer."""
    engine = db.make_engine(make_url(database_url), read_only=True)
    try:
        with engine.connect() as c:
            frame = queries.fetch_members(c, name)
    finally:
        engine.dispose()
    return [
        (v.item() if hasattr(v, "item") else v, n)
        for v, n in zip(frame["value"], frame["name"], strict=True)
    ]


# --- Fault fixtures (tools in faultkit.py) ---------------------------------------------


@pytest.fixture(scope="module")
def fault_url(tmp_path_factory: pytest.TempPathFactory):
    """A private filled database per test module (tests that break it repair it)."""

    with filled_database(tmp_path_factory.mktemp("faults"), "fault") as url:
        yield url


@pytest.fixture(autouse=True)
def app_store_of_this_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test starts with an empty app store of its own (saved views do not leak)."""
    url = f"sqlite:///{tmp_path / 'app_store.db'}"
    monkeypatch.setenv("APP_STORE_URL", url)
    return url


@pytest.fixture(autouse=True)
def never_the_projects_own_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the project's .streamlit/secrets.toml: it may point at a user's real
    database (the README tells users to write one). Tests of the secrets file write their
    own, in a folder of their own."""
    own = (APP_ROOT / ".streamlit" / "secrets.toml").resolve()
    found = db._secrets_files
    monkeypatch.setattr(db, "_secrets_files", lambda: [p for p in found() if p != own])


@pytest.fixture(autouse=True)
def clean_caches_after():
    """Caches are process-global: no test leaves entries behind for the next one."""
    yield
    clear_caches()
