"""SQLite specifics: a file next to the project, WAL so the seeder and the app share it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection

BUSY_TIMEOUT_MS = 10_000  # wait for a writer (the seeder or `live`) instead of failing


def engine_options(url: URL) -> tuple[URL, dict[str, Any]]:
    ensure_database(url)
    # check_same_thread=False: pooled connections are used by prefetch threads too.
    return url, {"connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}}


def on_connect(dbapi_conn: Any, record: Any) -> None:  # noqa: ARG001
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS:d}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def ensure_database(url: URL) -> None:
    """Create the folder of the database file (SQLite creates the file itself)."""
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def begin_bulk_load(conn: Connection) -> None:
    # Seeding only: no fsync per page; a crash mid-seed just means seeding again.
    conn.exec_driver_sql("PRAGMA synchronous=OFF")
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")


def end_bulk_load(conn: Connection) -> None:
    conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
    conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def update_statistics(conn: Connection, tables: list[str]) -> None:  # noqa: ARG001
    """Planner statistics, once the indexes exist: without them SQLite may walk every
    order item from the product side (seconds instead of milliseconds at 1M rows)."""
    conn.exec_driver_sql("ANALYZE")


def is_missing_schema(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and "no such table" in str(orig)
