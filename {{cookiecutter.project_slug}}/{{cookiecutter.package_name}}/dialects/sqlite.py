"""SQLite specifics: a file next to the project, WAL (on the files the project creates) so
the seeder and the app share it."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, event

BUSY_TIMEOUT_MS = 10_000  # wait for a writer (the seeder or `live`) instead of failing
PROGRESS_STEPS = 10_000  # virtual machine steps between two looks at the clock
# No time type: a DATETIME column holds ISO text, compared as text (times.py binds text).
TIMES_ARE_TEXT = True
EMBEDDED = True  # a file next to the project, no server


def engine_options(url: URL) -> tuple[URL, dict[str, Any]]:
    ensure_database(url)
    # check_same_thread=False: pooled connections are used by prefetch threads too.
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    }
    schemas = _model_schemas()
    if schemas:  # one schema here: a model of another (inspect --schema) lives in it
        options["execution_options"] = {"schema_translate_map": dict.fromkeys(schemas)}
    return url, options


def _model_schemas() -> list[str]:
    """The schemas model.py names (a PostgreSQL model in a SQLite scratch file: the
    bench's, a test's). Imported here, when an engine is made: the model needs db.py."""
    from ..model import MODEL

    return sorted({table.schema for table in MODEL.tables if table.schema})


def prepare(engine: Engine, url: URL) -> None:  # noqa: ARG001
    """Settings of every connection of this engine."""
    event.listen(engine, "connect", _on_connect)


def _on_connect(dbapi_conn: Any, record: Any) -> None:  # noqa: ARG001
    cur = dbapi_conn.cursor()
    # WAL (readers never block the writer) is written into the file and stays: set it only
    # on a new, empty file, one the project is creating (the demo's, the app store). A file
    # that already holds tables keeps its journal mode: it may be someone else's database.
    if cur.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS:d}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def forbid_writes(engine: Engine) -> None:
    """Every connection of this engine refuses to write (PRAGMA query_only)."""

    @event.listens_for(engine, "connect")
    def _query_only(dbapi_conn: Any, record: Any) -> None:  # noqa: ARG001
        dbapi_conn.execute("PRAGMA query_only = ON")


def limit_statement_time(engine: Engine, seconds: float) -> None:
    """Interrupt any statement of this engine after ``seconds``.

    SQLite has no server-side timeout: the trace callback notes when each statement
    starts and the progress handler, called every PROGRESS_STEPS steps, interrupts it
    (sqlite3.OperationalError "interrupted") once it has run too long.
    """

    @event.listens_for(engine, "connect")
    def _limit(dbapi_conn: Any, record: Any) -> None:  # noqa: ARG001
        started = [time.monotonic()]
        dbapi_conn.set_trace_callback(lambda _sql: started.__setitem__(0, time.monotonic()))
        dbapi_conn.set_progress_handler(
            lambda: time.monotonic() - started[0] > seconds, PROGRESS_STEPS
        )


def ensure_database(url: URL) -> None:
    """Create the folder of the database file (SQLite creates the file itself)."""
    # A "file:" URI (?mode=ro&uri=true: a read-only client file) names a file that exists.
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def missing_database(url: URL) -> str | None:
    """The path of the file the URL names when there is none (None: it exists, or the URL
    names no file). Connecting would create it: the dashboard refuses instead."""
    name = url.database
    if not name or name == ":memory:":
        return None
    path = Path(name.removeprefix("file:").split("?")[0]).expanduser()
    return None if path.exists() else str(path)


def begin_bulk_load(conn: Connection) -> None:
    # Seeding only: no fsync per page; a crash mid-seed just means seeding again.
    conn.exec_driver_sql("PRAGMA synchronous=OFF")
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")


def end_bulk_load(conn: Connection) -> None:
    conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
    conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def insert_rows(conn: Connection, table: Any, rows: list[dict]) -> None:
    """A batch of a bulk load (the seeder's, the synthetic rows'): one executemany."""
    conn.execute(table.insert(), rows)


def catch_up_keys(conn: Connection, tables: list) -> None:  # noqa: ARG001
    """Nothing to do: the next generated key already follows the largest one written."""


def update_statistics(conn: Connection, tables: list) -> None:  # noqa: ARG001
    """Planner statistics, once the indexes exist: without them SQLite may walk every
    order item from the product side (seconds instead of milliseconds at 1M rows)."""
    conn.exec_driver_sql("ANALYZE")


def is_missing_schema(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    text = str(orig)
    return isinstance(orig, sqlite3.OperationalError) and (
        "no such table" in text or "no such column" in text
    )


def is_missing_database(exc: BaseException) -> bool:  # noqa: ARG001
    """A missing file is found before connecting (missing_database): never an error here."""
    return False


def is_timeout(exc: BaseException) -> bool:
    """The progress handler of limit_statement_time() interrupted the statement."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and str(orig) == "interrupted"
