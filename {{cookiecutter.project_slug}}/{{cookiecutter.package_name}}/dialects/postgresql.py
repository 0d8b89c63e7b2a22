"""PostgreSQL specifics: psycopg 3, a bounded pool, read-only sessions, a configured zone.

The dashboard only reads this database, and every connection it opens there says so to
the server (``default_transaction_read_only``): a bug cannot write. Run it with a user
that can only read as well (the seeder needs the owner):

    CREATE ROLE dashboard_ro LOGIN PASSWORD '<password>';
    GRANT USAGE ON SCHEMA public TO dashboard_ro;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO dashboard_ro;

``search_path`` is never changed. Statements carry bound parameters ($1, $2: psycopg
binds on the server), so pg_stat_statements sees one shape per query. ``timestamp with
time zone`` values are read in DASHBOARD_TIME_ZONE when it is set (an IANA name such as
Europe/Madrid), else in the server's own zone: the days and hours of the charts are that
zone's.
"""

from __future__ import annotations

import os
import re
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, text

POOL_RECYCLE_SECONDS = 280  # below the idle timeouts of managed servers and poolers
POOL_SIZE = 5
MAX_OVERFLOW = 5
CONNECT_TIMEOUT_SECONDS = 5  # an unreachable server fails fast instead of hanging the page

# SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html)
MISSING_SCHEMA_ERRORS = {"42P01", "42703", "3F000"}  # no such table, column, schema
UNKNOWN_DATABASE = "3D000"
QUERY_CANCELED = "57014"  # statement_timeout (and a cancel)
EMBEDDED = False  # a server
TIMES_ARE_TEXT = False  # timestamp, timestamptz and date compare as times (times.py)
ZONE_SETTING = "DASHBOARD_TIME_ZONE"


def engine_options(url: URL) -> tuple[URL, dict[str, Any]]:
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, whatever the default
    return url, {
        "pool_pre_ping": True,
        "pool_recycle": POOL_RECYCLE_SECONDS,
        "pool_size": POOL_SIZE,
        "max_overflow": MAX_OVERFLOW,
        "pool_timeout": 10,
        "connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS, **_zone_option()},
    }


def _zone_option() -> dict[str, str]:
    zone = time_zone()
    return {"options": f"-c TimeZone={zone}"} if zone else {}


def time_zone() -> str | None:
    """The zone timestamptz values are shown in (None: the database's own; on DuckDB the
    machine's)."""
    zone = os.environ.get(ZONE_SETTING, "").strip()
    if zone and not re.fullmatch(r"[A-Za-z0-9_+\-/]{1,64}", zone):
        raise ValueError(f"{ZONE_SETTING}={zone!r} is not a time zone name: use e.g. Europe/Madrid")
    return zone or None


def _session_options(engine: Engine, **settings: str) -> None:
    """Server settings for every new connection, sent at startup (libpq's ``options``):
    never inside a transaction a rollback would undo."""

    @event.listens_for(engine, "do_connect")
    def _startup(dialect: Any, record: Any, cargs: Any, cparams: dict) -> None:  # noqa: ARG001
        extra = " ".join(f"-c {name}={value}" for name, value in settings.items())
        cparams["options"] = f"{cparams.get('options', '')} {extra}".strip()


def prepare(engine: Engine, url: URL) -> None:  # noqa: ARG001
    """Nothing per connection: the zone and the limits travel in the startup options."""


def forbid_writes(engine: Engine) -> None:
    """Every transaction of this engine is read-only: the server refuses any write."""
    _session_options(engine, default_transaction_read_only="on")


def limit_statement_time(engine: Engine, seconds: float) -> None:
    """The server cancels any statement of this engine after ``seconds``."""
    _session_options(engine, statement_timeout=f"{int(seconds * 1000)}")


def missing_database(url: URL) -> str | None:  # noqa: ARG001
    """Nothing to look at before connecting: the server says when a database is missing."""
    return None


def ensure_database(url: URL) -> None:
    """CREATE DATABASE when the server has none of that name (the seeder's first step)."""
    name = url.database
    if not name:
        raise ValueError("The PostgreSQL URL names no database, e.g. postgresql://user@host/sales")
    if not re.fullmatch(r"[A-Za-z0-9_]{1,63}", name):
        raise ValueError(f"Unsupported database name {name!r}: use letters, digits and _.")
    server = _server(url)
    try:
        with server.connect() as c:
            found = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if found.first() is None:
                quoted = server.dialect.identifier_preparer.quote_identifier(name)
                c.execute(text(f"CREATE DATABASE {quoted} ENCODING 'UTF8'"))
    finally:
        server.dispose()


def _server(url: URL) -> Engine:
    """The same server, through its maintenance database (CREATE and DROP DATABASE
    cannot run in the database they name, nor in a transaction)."""
    final_url, _ = engine_options(url)
    return create_engine(final_url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def drop_database(url: URL) -> None:
    """DROP DATABASE (the bench's --drop, once it found only the project's tables there)."""
    server = _server(url)
    try:
        with server.connect() as c:
            quoted = server.dialect.identifier_preparer.quote_identifier(url.database)
            c.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        server.dispose()


def begin_bulk_load(conn: Connection) -> None:
    # Seeding only: a crash mid-seed just means seeding again.
    conn.exec_driver_sql("SET synchronous_commit = off")


def end_bulk_load(conn: Connection) -> None:
    conn.exec_driver_sql("SET synchronous_commit = on")


def insert_rows(conn: Connection, table: Any, rows: list[dict]) -> None:
    """A batch of a bulk load (the seeder's, the synthetic rows'): one executemany."""
    conn.execute(table.insert(), rows)


def catch_up_keys(conn: Connection, tables: list) -> None:
    """The loader wrote the keys itself: each serial's sequence moves past the largest
    one, so the next row inserted (the demo's ``live``) gets a new key."""
    for table in tables:
        key = table.autoincrement_column
        if key is None:
            continue
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"(SELECT COALESCE(max({conn.dialect.identifier_preparer.quote(key.name)}), 0) + 1 "
                f"FROM {conn.dialect.identifier_preparer.format_table(table)}), false)"
            ),
            {"table": conn.dialect.identifier_preparer.format_table(table), "column": key.name},
        )


def update_statistics(conn: Connection, tables: list) -> None:
    """Planner statistics after a bulk load. Names from the model's Table objects (an
    allow-list), quoted by the dialect with their schema."""
    quoted = conn.dialect.identifier_preparer.format_table
    conn.exec_driver_sql("ANALYZE " + ", ".join(quoted(table) for table in tables))


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(getattr(exc, "orig", exc), "sqlstate", None)


def is_missing_schema(exc: BaseException) -> bool:
    return _sqlstate(exc) in MISSING_SCHEMA_ERRORS


def is_missing_database(exc: BaseException) -> bool:
    """The server has no database of the URL's name (said at connection, often without a
    SQLSTATE; never created here: see ensure_database)."""
    text_ = str(getattr(exc, "orig", exc))
    return _sqlstate(exc) == UNKNOWN_DATABASE or bool(
        re.search(r'database ".*" does not exist', text_)
    )


def is_timeout(exc: BaseException) -> bool:
    """The statement ran longer than limit_statement_time() allows."""
    return _sqlstate(exc) == QUERY_CANCELED
