"""DuckDB specifics: a .duckdb file, or a folder of Parquet and CSV files, read in process.

``DATABASE_URL=duckdb:///path/to/sales.duckdb`` reads a DuckDB file; the dashboard opens it
read-only (DuckDB refuses any write), so several processes (replicas, ``sql``, ``verify``)
read one file at once. ``DATABASE_URL=duckdb:///path/to/folder`` reads a folder of files:
each ``name.parquet``, ``name.csv`` or ``name/`` (a folder of Parquet parts) is the table
``name``, a view made on every connection of its own in-memory database; those files are the
only ones the connection may open (DuckDB has no read-only mode for files: the dashboard
never writes them, and the tests check their checksums). MotherDuck (``duckdb:///md:db``)
is DuckDB's hosted path, untested here.

DuckDB's single-writer rule: a process that writes a file (``seed``, the demo's ``live``,
your own loader) needs it to itself while it writes. The dashboard holds the file only
while a statement runs, and each side waits up to LOCK_WAIT_SECONDS for the other; a
loader that holds it longer (one long transaction) makes the page wait, then show its last
numbers with a warning.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, bindparam, event, null, text
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql import base as postgresql_base
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateColumn

# The same setting as PostgreSQL's, checked in one place (an IANA name, never raw SQL).
from .postgresql import time_zone

try:  # the driver, installed with the duckdb extra (db.no_driver says so when it is not)
    import duckdb
    import duckdb_engine
except ImportError:
    duckdb = duckdb_engine = None

EMBEDDED = True  # a file, no server
TIMES_ARE_TEXT = False  # TIMESTAMP, TIMESTAMPTZ and DATE compare as times (times.py)
IN_MEMORY = ":memory:"
# A folder's files, by suffix: the DuckDB function that reads one as a table.
READERS = {".parquet": "read_parquet", ".csv": "read_csv", ".tsv": "read_csv"}
LOCK_WAIT_SECONDS = 10  # how long a connection waits for another's write to end
# What DuckDB says while another process writes the file (or, in this process, another
# engine has it open to write).
BUSY = ("Could not set lock on file", "different configuration than existing connections")


def engine_options(url: URL) -> tuple[URL, dict[str, Any]]:
    if files_folder(url) is not None:
        # Each connection opens an in-memory database of its own, where prepare() puts
        # the views; the URL keeps naming the folder (in messages, in the pool's choice).
        pool = {"pool_size": 5, "max_overflow": 5, "pool_timeout": 10}
        return url, {**pool, "connect_args": {"database": IN_MEMORY}}
    # A file is held only while a statement runs (no pool): a writer in another process
    # (seed, live, a loader) takes it between two reads. Meanwhile the connections of one
    # process share the open database, so parallel sections open it once.
    return url, {"poolclass": NullPool}


def files_folder(url: URL) -> Path | None:
    """The folder of Parquet/CSV files the URL names (None: a DuckDB file)."""
    name = url.database or ""
    if not name or name == IN_MEMORY or name.startswith("md:"):
        return None
    path = Path(name).expanduser()
    return path.resolve() if path.is_dir() else None


def folder_tables(folder: Path) -> dict[str, tuple[str, list[str]]]:
    """Each table of a folder: its name, the DuckDB function that reads it, its files."""
    tables: dict[str, tuple[str, list[str]]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix.lower() in READERS:
            tables[entry.stem] = (READERS[entry.suffix.lower()], [str(entry)])
        elif entry.is_dir() and any(entry.rglob("*.parquet")):  # a partitioned table
            tables[entry.name] = ("read_parquet", sorted(map(str, entry.rglob("*.parquet"))))
    return tables


def prepare(engine: Engine, url: URL) -> None:
    """Every connection waits for a writer to finish, reads in the configured zone, and
    sees a folder's files as views."""
    folder = files_folder(url)
    zone = time_zone()

    @event.listens_for(engine, "do_connect")
    def _wait_for_the_writer(dialect: Any, record: Any, cargs: Any, cparams: dict) -> Any:  # noqa: ARG001
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:  # a copy: the driver takes settings out of what it is given
                settings = {**cparams, "config": dict(cparams.get("config", {}))}
                return dialect.connect(*cargs, **settings)
            except duckdb.Error as exc:
                if not any(words in str(exc) for words in BUSY) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @event.listens_for(engine, "connect")
    def _setup(dbapi_conn: Any, record: Any) -> None:  # noqa: ARG001
        if zone:  # validated by time_zone(): a literal, SET takes no parameters
            dbapi_conn.execute(f"SET TimeZone = '{zone}'")
        if folder is not None:
            _files_as_views(dbapi_conn, folder_tables(folder))


def _files_as_views(dbapi_conn: Any, tables: dict[str, tuple[str, list[str]]]) -> None:
    """One view per table (names and paths from the folder's listing, quoted here), then
    no other file may be opened and the settings are locked."""

    def quoted(path: str) -> str:
        return "'" + path.replace("'", "''") + "'"

    for name, (reader, files) in tables.items():
        view = '"' + name.replace('"', '""') + '"'
        listed = ", ".join(map(quoted, files))
        dbapi_conn.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {reader}([{listed}])")
    every_file = [path for _, files in tables.values() for path in files]
    if every_file:
        dbapi_conn.execute(f"SET allowed_paths = [{', '.join(map(quoted, every_file))}]")
    dbapi_conn.execute("SET enable_external_access = false")
    dbapi_conn.execute("SET lock_configuration = true")


def forbid_writes(engine: Engine) -> None:
    """A file is opened read-only: DuckDB refuses any write, and other processes may read
    it at the same time. (A folder's in-memory database holds only views.)"""

    @event.listens_for(engine, "do_connect", insert=True)  # before prepare()'s, which connects
    def _read_only(dialect: Any, record: Any, cargs: Any, cparams: dict) -> None:  # noqa: ARG001
        if cparams.get("database") != IN_MEMORY:
            cparams["read_only"] = True


def limit_statement_time(engine: Engine, seconds: float) -> None:
    """Interrupt any statement of this engine after ``seconds``: DuckDB has no timeout
    setting, so a timer calls the connection's interrupt() (InterruptException)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001, ANN001
        timer = threading.Timer(seconds, conn.connection.driver_connection.interrupt)
        timer.daemon = True
        timer.start()
        conn.info["statement_timer"] = timer

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001, ANN001
        _cancel(conn)

    @event.listens_for(engine, "handle_error")
    def _failed(context: Any) -> None:
        if context.connection is not None:
            _cancel(context.connection)


def _cancel(conn: Connection) -> None:
    timer = conn.info.pop("statement_timer", None)
    if timer is not None:
        timer.cancel()


def ensure_database(url: URL) -> None:
    """Create the folder of the database file (DuckDB creates the file itself)."""
    name = url.database or ""
    if name and name != IN_MEMORY and not name.startswith("md:"):
        if files_folder(url) is not None:
            raise ValueError(
                f"{name} is a folder of files, which the dashboard only reads: "
                "seed into a .duckdb file of its own."
            )
        Path(name).expanduser().parent.mkdir(parents=True, exist_ok=True)


def missing_database(url: URL) -> str | None:
    """The path the URL names when there is nothing there (connecting would create a
    file: the dashboard refuses instead)."""
    name = url.database or ""
    if not name or name == IN_MEMORY or name.startswith("md:"):
        return None
    path = Path(name).expanduser()
    return None if path.exists() else str(path)


def begin_bulk_load(conn: Connection) -> None:  # noqa: ARG001
    """Nothing to switch off: DuckDB loads in bulk as it is."""


def end_bulk_load(conn: Connection) -> None:  # noqa: ARG001
    """Nothing to switch back on."""


def insert_rows(conn: Connection, table: Any, rows: list[dict]) -> None:
    """A batch of a bulk load, handed to DuckDB as one frame: executemany inserts a row at
    a time here (85 s for 1M rows, against a few seconds this way)."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    raw = conn.connection.driver_connection
    name = f"rows_{id(frame)}"  # a name of our own, registered for this statement only
    raw.register(name, frame)
    try:
        quote = conn.dialect.identifier_preparer.quote
        columns = ", ".join(quote(column) for column in frame.columns)
        target = conn.dialect.identifier_preparer.format_table(table)
        conn.exec_driver_sql(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {name}")
    finally:
        raw.unregister(name)


def catch_up_keys(conn: Connection, tables: list) -> None:  # noqa: ARG001
    """Nothing to do: DuckDB has no generated keys here (see _plain_integer_keys); who
    inserts writes the next key itself."""


def update_statistics(conn: Connection, tables: list) -> None:  # noqa: ARG001
    conn.exec_driver_sql("ANALYZE")


@compiles(CreateColumn, "duckdb")
def _plain_integer_keys(create: CreateColumn, compiler: Any, **kw: Any) -> str:
    """duckdb-engine writes an integer key as PostgreSQL's SERIAL, a type DuckDB does
    not have: the key is a plain INTEGER (the loaders write their keys)."""
    text = compiler.visit_create_column(create, **kw)
    return re.sub(r"\b(BIG|SMALL)?SERIAL\b", lambda m: f"{m.group(1) or ''}INT", text)


if duckdb_engine is not None:

    class Preparer(duckdb_engine.DuckDBIdentifierPreparer):
        """Quotes every DuckDB keyword a name cannot be bare (duckdb-engine quotes only the
        reserved ones: a column named ``at``, a type/function keyword, broke the SQL)."""

        def __init__(self, dialect: Any, **kwargs: Any) -> None:
            # One at a time: duckdb-engine reads the keywords on DuckDB's default
            # connection, which refuses a second thread (engines made in parallel, as
            # prefetch's sections do when they all fail).
            with _DEFAULT_CONNECTION:
                super().__init__(dialect, **kwargs)
            self.reserved_words.update(_keywords())

    class Dialect(duckdb_engine.Dialect):
        """duckdb-engine, able to read a table's columns under SQLAlchemy 2.1 (inspect and
        the ownership survey need them; duckdb-engine 0.17 was written for 2.0): the
        column query of PostgreSQL's dialect asks pg_collation, which DuckDB cannot bind (a
        collation is never used here: read as NULL), and 2.1 reads the rows its own way;
        its keys and indexes come from DuckDB's own catalog."""

        supports_statement_cache = False  # as duckdb-engine's
        # DuckDB hands DECIMAL values over as Decimals: said so, SQLAlchemy keeps them
        # (otherwise it formats them through a float, a cent off near 10^14: exact.py).
        supports_native_decimal = True
        preparer = Preparer

        def _columns_query(self, schema, has_filter_names, scope, kind):  # noqa: ANN001, ANN202
            query = super()._columns_query(schema, has_filter_names, scope, kind)
            columns = [
                null().label("collation") if column.name == "collation" else column
                for column in query.selected_columns
            ]
            return query.with_only_columns(*columns)

        def get_multi_columns(self, connection, schema, filter_names, scope, kind, **kw):  # noqa: ANN001, ANN201
            has_filter_names, params = self._prepare_filter_names(filter_names)
            query = self._columns_query(schema, has_filter_names, scope, kind)
            # Read to the end first: duckdb-engine runs every statement on one cursor.
            rows = list(connection.execute(query, params).mappings())
            types = postgresql_base._NamedTypeLoader(self, connection, kw)
            return self._get_columns_info(rows, types, schema).items()

        # Keys from DuckDB's own catalog (duckdb_constraints()): the PostgreSQL queries
        # find no primary key here and name types DuckDB lacks (REGCLASS).
        def get_multi_pk_constraint(self, connection, schema, filter_names, scope, kind, **kw):  # noqa: ANN001, ANN201, ARG002
            keys = {name: [] for name in _relations(connection, schema, filter_names, kind)}
            for row in _constraints(connection, schema, "PRIMARY KEY"):
                if row.table_name in keys:
                    keys[row.table_name] = list(row.constraint_column_names)
            return [
                ((schema, name), {"name": None, "constrained_columns": columns, "comment": None})
                for name, columns in keys.items()
            ]

        def get_multi_foreign_keys(self, connection, schema, filter_names, scope, kind, **kw):  # noqa: ANN001, ANN201, ARG002
            found = {name: [] for name in _relations(connection, schema, filter_names, kind)}
            for row in _constraints(connection, schema, "FOREIGN KEY"):
                if row.table_name in found and row.referenced_table:
                    found[row.table_name].append(
                        {
                            "name": row.constraint_name,
                            "constrained_columns": list(row.constraint_column_names),
                            "referred_schema": schema,
                            "referred_table": row.referenced_table,
                            "referred_columns": list(row.referenced_column_names),
                            "options": {},
                            "comment": None,
                        }
                    )
            return [((schema, name), links) for name, links in found.items()]

        def get_multi_unique_constraints(self, connection, schema, filter_names, scope, kind, **kw):  # noqa: ANN001, ANN201, ARG002
            found = {name: [] for name in _relations(connection, schema, filter_names, kind)}
            for row in _constraints(connection, schema, "UNIQUE"):
                if row.table_name in found:
                    columns = list(row.constraint_column_names)
                    found[row.table_name].append(
                        {"name": row.constraint_name, "column_names": columns, "comment": None}
                    )
            return [((schema, name), unique) for name, unique in found.items()]

        def get_multi_check_constraints(self, connection, schema, filter_names, scope, kind, **kw):  # noqa: ANN001, ANN201, ARG002
            return [((schema, n), []) for n in _relations(connection, schema, filter_names, kind)]

        def get_multi_table_comment(self, connection, schema, filter_names, scope, kind, **kw):  # noqa: ANN001, ANN201, ARG002
            return [
                ((schema, n), {"text": None})
                for n in _relations(connection, schema, filter_names, kind)
            ]

        def get_multi_table_options(self, connection, schema, filter_names, scope, kind, **kw):  # noqa: ANN001, ANN201, ARG002
            return [((schema, n), {}) for n in _relations(connection, schema, filter_names, kind)]

        def get_multi_indexes(self, connection, schema, filter_names, scope, kind, **kw):  # noqa: ANN001, ANN201, ARG002
            found = {name: [] for name in _relations(connection, schema, filter_names, kind)}
            rows = connection.execute(
                text(
                    "SELECT table_name, index_name, is_unique, expressions FROM duckdb_indexes() "
                    "WHERE schema_name = coalesce(:schema, current_schema()) ORDER BY index_name"
                ),
                {"schema": schema},
            ).all()
            for table, name, unique, expressions in rows:
                if table in found:  # "[a, b]": the indexed columns
                    columns = [c.strip().strip('"') for c in expressions.strip("[]").split(",")]
                    found[table].append(
                        {
                            "name": name,
                            "column_names": columns,
                            "unique": unique,
                            "dialect_options": {},
                        }
                    )
            return [((schema, name), indexes) for name, indexes in found.items()]

        def get_indexes(self, connection, table_name, schema=None, **kw):  # noqa: ANN001, ANN201
            from sqlalchemy.engine.reflection import ObjectKind, ObjectScope

            found = self.get_multi_indexes(
                connection, schema, [table_name], ObjectScope.ANY, ObjectKind.ANY, **kw
            )
            return dict(found).get((schema, table_name), [])

    registry.register("duckdb", __name__, "Dialect")  # every duckdb:// URL, from here on


_DEFAULT_CONNECTION = threading.Lock()


@functools.cache
def _keywords() -> frozenset[str]:
    """DuckDB's keywords a name cannot be bare (read once, on a connection of our own)."""
    with duckdb.connect() as c:
        rows = c.execute(
            "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'"
        ).fetchall()
    return frozenset(name for (name,) in rows)


def _relations(connection: Connection, schema: str | None, names: Any, kind: Any) -> list[str]:
    """The tables and views of ``schema`` (the current one: None) of the kind asked for."""
    from sqlalchemy.engine.reflection import ObjectKind

    types = [
        t
        for flag, t in ((ObjectKind.TABLE, "BASE TABLE"), (ObjectKind.ANY_VIEW, "VIEW"))
        if flag & kind
    ]
    rows = connection.execute(
        text(
            "SELECT DISTINCT table_name FROM information_schema.tables "
            "WHERE table_schema = coalesce(:schema, current_schema()) "
            "AND table_type IN :types ORDER BY table_name"
        ).bindparams(bindparam("types", expanding=True)),
        {"schema": schema, "types": types or ["none"]},
    ).scalars()
    return [name for name in rows if names is None or name in names]


def _constraints(connection: Connection, schema: str | None, kind: str) -> list[Any]:
    return connection.execute(
        text(
            "SELECT table_name, constraint_name, constraint_column_names, referenced_table, "
            "referenced_column_names FROM duckdb_constraints() "
            "WHERE schema_name = coalesce(:schema, current_schema()) AND constraint_type = :kind "
            "ORDER BY table_name, constraint_index"
        ),
        {"schema": schema, "kind": kind},
    ).all()


def _error(exc: BaseException) -> BaseException:
    return getattr(exc, "orig", None) or exc


def is_missing_schema(exc: BaseException) -> bool:
    """No such table, schema or column (a column's is a binder error)."""
    if duckdb is None:
        return False
    orig = _error(exc)
    return isinstance(orig, duckdb.CatalogException) or (
        isinstance(orig, duckdb.BinderException)
        and any(words in str(orig) for words in ("Referenced column", "does not have a column"))
    )


def is_missing_database(exc: BaseException) -> bool:  # noqa: ARG001
    """A missing file is found before connecting (missing_database): never an error here."""
    return False


def is_timeout(exc: BaseException) -> bool:
    """limit_statement_time() interrupted the statement."""
    return duckdb is not None and isinstance(_error(exc), duckdb.InterruptException)
