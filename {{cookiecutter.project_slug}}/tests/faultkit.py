"""Tools for the fault, hostile-input and load tests (not a test module itself).

- ``TcpProxy``: a TCP relay in front of the MySQL server that the tests stop, start and
  use to cut every open connection (a server restart, a proxy dropping idle links).
- ``fingerprint()``: row count and a checksum of every table (proves nothing changed).
- ``serve()``: ``streamlit run`` of a script on a free port, for real sessions.
- ``Tab``: a browser tab over the websocket (``bench.wsclient.BrowserSession``) that also records
  what the page showed: errors, warnings, metrics, texts, spinners.
- What the model puts on the page, for tests that name no table, column or widget of
  their own: ``RANGE_KEYS``, ``RANKINGS``, ``BREAKDOWNS``, ``fragment_widget()``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import APP_ROOT, APP_SCRIPT, point_at
from sqlalchemy import create_engine, inspect, make_url, text
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.bench import servers
from {{ cookiecutter.package_name }}.bench.wsclient import BrowserSession
from {{ cookiecutter.package_name }}.i18n import t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import Breakdown, Ranking
from {{ cookiecutter.package_name }}.sections.breakdown import VIEWS

STARTUP_SECONDS = 60

# --- What the model puts on the page --------------------------------------------------

# The sidebar's range: period numbers with a period, else dates.
RANGE_KEYS = ("op_start", "op_end") if MODEL.period else ("date_start", "date_end")
RANKINGS = [s for s in MODEL.page.sections if isinstance(s, Ranking)]
BREAKDOWNS = [s for s in MODEL.page.sections if isinstance(s, Breakdown)]


def fragment_widget() -> tuple[str, list[str]] | None:
    """(key, option labels) of a widget inside an overview fragment: the first ranking's
    N, else the first breakdown's table/chart switch; None when the page has neither."""
    if RANKINGS:
        ranking = RANKINGS[0]
        return ranking.size_key, [t("top_choice", n=n) for n in ranking.sizes]
    if BREAKDOWNS:  # the labels as breakdown() writes them: icon, then the view's name
        return BREAKDOWNS[0].view_key, [f"{icon} {t('view_' + v)}" for v, icon in VIEWS.items()]
    return None


# --- Backends --------------------------------------------------------------------------


def rename_tables(url: str, tables, back: bool = False, suffix: str = "_gone") -> None:
    """Rename model tables to <name>_gone (``back``: and back again), in their schema:
    every query that reads them fails, as when a migration or a restore goes wrong."""
    if make_url(url).get_backend_name() == "duckdb":
        _swap_out_file(url, tables, back, suffix)
        return
    engine = create_engine(url)
    prep = engine.dialect.identifier_preparer
    try:
        with engine.begin() as c:
            for table in tables:
                old, new = table.name, table.name + suffix
                if back:
                    old, new = new, old
                where = f"{prep.quote_schema(table.schema)}." if table.schema else ""
                # MySQL would move an unqualified new name to the connection's database.
                there = where if engine.dialect.name == "mysql" else ""
                c.execute(
                    text(f"ALTER TABLE {where}{prep.quote(old)} RENAME TO {there}{prep.quote(new)}")
                )
    finally:
        engine.dispose()


def _swap_out_file(url: str, tables, back: bool, suffix: str) -> None:
    """DuckDB renames no table a key refers to: its file goes aside instead, and a copy
    without those tables takes its place (a restore gone wrong; ``back``: the file comes
    back)."""
    path = Path(make_url(url).database)
    aside = path.with_name(path.name + suffix)
    db.get_engine.clear()  # the app's engine lets go of the file (it reopens by itself)
    if back:
        path.unlink()
        aside.rename(path)
        return
    path.rename(aside)
    _copy_tables(aside, path, skip={table.name for table in tables})


def without_constraints(url: str) -> None:
    """A DuckDB file's tables copied without keys or unique indexes: DuckDB updates an
    indexed row as a delete and an insert, which a key referring to it refuses (the
    tests that rewrite names first make the file this way; the app needs no keys)."""
    path = Path(make_url(url).database)
    aside = path.with_name(path.name + ".with-keys")
    db.get_engine.clear()
    path.rename(aside)
    _copy_tables(aside, path)
    aside.unlink()


def _copy_tables(source: Path, target: Path, skip: set[str] = frozenset()) -> None:
    """Every table of one DuckDB file but ``skip`` into a new file: rows, no constraints."""
    import duckdb

    with duckdb.connect(str(target)) as copy:
        copy.execute(f"ATTACH '{str(source).replace(chr(39), chr(39) * 2)}' AS old (READ_ONLY)")
        names = copy.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'old'"
        ).fetchall()
        for (name,) in names:
            if name not in skip:
                copy.execute(f'CREATE TABLE "{name}" AS SELECT * FROM old."{name}"')
        copy.execute("DETACH old")


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """{table: (rows, sha256 of every row in key order)} for every table in the database,
    those of the model's own schema too ("schema.table"; SQLite has one schema)."""
    engine = create_engine(url)
    prep = engine.dialect.identifier_preparer
    schemas: list[str | None] = [None]
    if engine.dialect.name != "sqlite":
        schemas += sorted({table.schema for table in MODEL.tables if table.schema})
    try:
        with engine.connect() as c:
            result = {}
            found = inspect(c)
            for schema in schemas:
                if schema is not None and schema not in found.get_schema_names():
                    continue
                for table in sorted(found.get_table_names(schema)):
                    name = f"{schema}.{table}" if schema else table
                    where = f"{prep.quote_schema(schema)}." if schema else ""
                    sql = f"SELECT * FROM {where}{prep.quote(table)} ORDER BY 1"
                    rows = c.execute(text(sql)).all()
                    digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
                    result[name] = (len(rows), digest)
            return result
    finally:
        engine.dispose()


def journal_mode(url: str) -> str:
    """A SQLite file's journal mode: stored in the file, so changing it is a write."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return c.execute(text("PRAGMA journal_mode")).scalar_one()
    finally:
        engine.dispose()


# --- A TCP relay in front of the server ------------------------------------------------


class TcpProxy:
    """127.0.0.1:<port> -> target. ``stop()`` refuses connections and cuts the open ones,
    ``start()`` accepts again on the same port, ``drop()`` cuts the open ones only."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        self.drop()

    def drop(self) -> int:
        with self._lock:
            conns, self._conns = self._conns, set()
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        return len(conns) // 2

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def proxied(url: str, proxy: TcpProxy) -> str:
    """The same MySQL URL, through the proxy."""
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- A real server ---------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.process.pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0


@contextlib.contextmanager
def serve(script: Path, env: dict[str, str], log_dir: Path) -> Iterator[Server]:
    """``streamlit run script`` on a free port (cwd: the project root); stopped after."""
    port = free_port()
    log = log_dir / f"streamlit-{port}.log"
    full_env = {**os.environ, **env, "PYTHONPATH": str(APP_ROOT)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=APP_ROOT, env=full_env, stdout=out, stderr=out)
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("streamlit did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
        yield server
    finally:
        servers.stop(proc, grace=10)


# --- A tab that remembers what the page showed -----------------------------------------

_ALERTS = {1: "error", 2: "warning", 3: "info", 4: "success"}


@dataclass
class Page:
    """What one run put on the page (elements of the last run only)."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    toasts: list[str] = field(default_factory=list)
    metrics: int = 0
    metric_values: list[str] = field(default_factory=list)  # the numbers, as shown
    spinners: int = 0

    @property
    def clean(self) -> bool:
        return not (self.errors or self.warnings or self.exceptions)


class Tab(BrowserSession):
    """``BrowserSession`` that records alerts, exceptions, texts and metrics per run.

    An exception in the app is recorded (not raised) so a test can count them.
    """

    def __init__(self, base_url: str, query_string: str = "", headers: dict | None = None) -> None:
        super().__init__(base_url, query_string, headers)
        self.page = Page()

    async def _rerun(self, fragment_id: str = ""):  # noqa: ANN202
        self.page = Page()
        return await super()._rerun(fragment_id)

    def _learn(self, fwd: Any) -> str | None:
        delta = fwd.delta
        if delta.WhichOneof("type") == "new_element":
            self.record(delta.new_element)
        super()._learn(fwd)
        return None  # exceptions are in self.page.exceptions

    def record(self, element: Any) -> None:
        kind = element.WhichOneof("type")
        page = self.page
        if kind == "alert":
            body = element.alert.body
            {"error": page.errors, "warning": page.warnings}.get(
                _ALERTS.get(element.alert.format, ""), page.texts
            ).append(body)
        elif kind == "exception":
            page.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "metric":
            page.metrics += 1
            page.metric_values.append(element.metric.body)
        elif kind == "spinner":
            page.spinners += 1
        elif kind == "toast":
            page.toasts.append(element.toast.body)
        elif kind in ("markdown", "text", "code", "heading"):
            page.texts.append(getattr(element, kind).body)


# --- AppTest helpers shared by the fault tests -----------------------------------------

TIMEOUT = 60


def phrase(key: str) -> str:
    """The fixed start of a UI text (before its first placeholder), in any language."""
    return t(key).split("{")[0].strip()


DOWN = phrase("app_db_error")  # the page shown when the database cannot be reached
STALE = phrase("db_stale_error")  # the warning over the last good data


def app_on(monkeypatch: pytest.MonkeyPatch, url: str) -> AppTest:
    point_at(url, monkeypatch)
    return AppTest.from_file(str(APP_SCRIPT), default_timeout=TIMEOUT)


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def numbers(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def assert_clean(at: AppTest) -> None:
    """A normal dashboard: numbers, and no exception, error or warning anywhere."""
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    assert not at.warning, texts(at.warning)
    assert at.metric, "no KPIs on the page"


def another_range(at: AppTest) -> AppTest:
    """Run with the sidebar's range moved by one period (or day): filters not loaded yet."""
    start, end = RANGE_KEYS
    mode = "ops" if MODEL.period else "dates"
    if at.session_state["mode"] != mode:  # the range widgets are drawn in their mode
        at.segmented_control(key="mode").set_value(mode).run()
    if MODEL.period:
        widget, step = at.number_input(key=start), 1
    else:
        widget, step = at.date_input(key=start), dt.timedelta(days=1)
    moved = widget.value + step
    return widget.set_value(moved if moved <= at.session_state[end] else widget.value - step).run()


def serves_last_good_then_clears(at: AppTest, break_it, repair) -> None:
    """A query fails mid-session: the last good numbers with a warning; the next
    successful run clears the warning."""
    at.run()
    assert_clean(at)
    good = numbers(at)
    break_it()
    try:
        at.button(key="admin_refresh").click().run()
        assert not at.exception, at.exception
        assert STALE in texts(at.warning)
        assert numbers(at) == good
    finally:
        repair()
    at.run()
    assert_clean(at)
    assert numbers(at) == good
