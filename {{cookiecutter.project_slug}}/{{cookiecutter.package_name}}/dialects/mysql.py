"""MySQL / MariaDB specifics: pymysql, utf8mb4, a bounded pool that survives idle timeouts.

The dashboard only reads this database: run it with a read-only user (the seeder needs
the owner).

    CREATE USER 'dashboard_ro'@'%' IDENTIFIED BY '<password>';
    GRANT SELECT ON sales.* TO 'dashboard_ro'@'%';

and put that user in DATABASE_URL or .streamlit/secrets.toml. What the app writes (saved
views, rollups) goes to its own app store (store.py: APP_STORE_URL, or a SQLite file under
data/), never here. tests/test_mysql_faults.py runs the whole app as such a user.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, text

# Below the 300 s wait_timeout common on managed servers (the server default is 8 h),
# so the pool never hands out a connection the server already closed.
POOL_RECYCLE_SECONDS = 280
POOL_SIZE = 5
MAX_OVERFLOW = 5
CONNECT_TIMEOUT_SECONDS = 5  # an unreachable server fails fast instead of hanging the page

MISSING_SCHEMA_ERRORS = {1146, 1049, 1054}  # no such table, database, column
UNKNOWN_DATABASE = 1049
TIMEOUT_ERRORS = {1969, 3024}  # MariaDB max_statement_time, MySQL MAX_EXECUTION_TIME
EMBEDDED = False  # a server
TIMES_ARE_TEXT = False  # DATETIME, DATE and TIMESTAMP compare as times (times.py)


def engine_options(url: URL) -> tuple[URL, dict[str, Any]]:
    if "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    return url, {
        "pool_pre_ping": True,
        "pool_recycle": POOL_RECYCLE_SECONDS,
        "pool_size": POOL_SIZE,
        "max_overflow": MAX_OVERFLOW,
        "pool_timeout": 10,
        "connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    }


def prepare(engine: Engine, url: URL) -> None:  # noqa: ARG001
    """Nothing per connection: the charset travels in the URL, the rest in pool options."""


def forbid_writes(engine: Engine) -> None:
    """Every transaction of this engine is read-only: the server refuses any write."""

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn: Any, record: Any) -> None:  # noqa: ARG001
        cur = dbapi_conn.cursor()
        cur.execute("SET SESSION TRANSACTION READ ONLY")
        cur.close()


def limit_statement_time(engine: Engine, seconds: float) -> None:
    """The server stops any statement of this engine after ``seconds`` (per session)."""

    @event.listens_for(engine, "connect")
    def _limit(dbapi_conn: Any, record: Any) -> None:  # noqa: ARG001
        cur = dbapi_conn.cursor()
        if "mariadb" in dbapi_conn.get_server_info().lower():
            cur.execute("SET SESSION max_statement_time = %s", (float(seconds),))
        else:  # MySQL 5.7.8+: milliseconds, SELECT statements only (all the app runs)
            cur.execute("SET SESSION MAX_EXECUTION_TIME = %s", (int(seconds * 1000),))
        cur.close()


def missing_database(url: URL) -> str | None:  # noqa: ARG001
    """Nothing to look at before connecting: the server says when a database is missing."""
    return None


def ensure_database(url: URL) -> None:
    """CREATE DATABASE IF NOT EXISTS (the seeder's first step on a fresh server)."""
    name = url.database
    if not name:
        raise ValueError("The MySQL URL names no database, e.g. mysql+pymysql://user@host/sales")
    if not re.fullmatch(r"[A-Za-z0-9_$]{1,64}", name):
        raise ValueError(f"Unsupported database name {name!r}: use letters, digits and _.")
    server = create_engine(url.set(database=""), pool_pre_ping=True)
    try:
        with server.begin() as c:
            quoted = server.dialect.identifier_preparer.quote_identifier(name)
            c.execute(text(f"CREATE DATABASE IF NOT EXISTS {quoted} CHARACTER SET utf8mb4"))
    finally:
        server.dispose()


def drop_database(url: URL) -> None:
    """DROP DATABASE (the bench's --drop, once it found only the project's tables there)."""
    server = create_engine(url.set(database=""))
    try:
        with server.begin() as c:
            quoted = server.dialect.identifier_preparer.quote_identifier(url.database)
            c.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
    finally:
        server.dispose()


def begin_bulk_load(conn: Connection) -> None:
    conn.exec_driver_sql("SET SESSION foreign_key_checks = 0")
    conn.exec_driver_sql("SET SESSION unique_checks = 0")


def end_bulk_load(conn: Connection) -> None:
    conn.exec_driver_sql("SET SESSION foreign_key_checks = 1")
    conn.exec_driver_sql("SET SESSION unique_checks = 1")


def insert_rows(conn: Connection, table: Any, rows: list[dict]) -> None:
    """A batch of a bulk load (the seeder's, the synthetic rows'): one executemany."""
    conn.execute(table.insert(), rows)


def catch_up_keys(conn: Connection, tables: list) -> None:  # noqa: ARG001
    """Nothing to do: the next generated key already follows the largest one written."""


def update_statistics(conn: Connection, tables: list) -> None:
    """Fresh index statistics after a bulk load, so the optimizer picks the filter indexes.
    The names come from the model's Table objects (an allow-list), quoted by the dialect."""
    quoted = conn.dialect.identifier_preparer.format_table
    conn.exec_driver_sql("ANALYZE TABLE " + ", ".join(quoted(table) for table in tables))


def _error_code(exc: BaseException) -> object:
    args = getattr(getattr(exc, "orig", exc), "args", ())
    return args[0] if args else None


def is_missing_schema(exc: BaseException) -> bool:
    return _error_code(exc) in MISSING_SCHEMA_ERRORS


def is_missing_database(exc: BaseException) -> bool:
    """The server has no database of the URL's name (never created here: see ensure_database)."""
    return _error_code(exc) == UNKNOWN_DATABASE


def is_timeout(exc: BaseException) -> bool:
    """The statement ran longer than limit_statement_time() allows."""
    return _error_code(exc) in TIMEOUT_ERRORS
