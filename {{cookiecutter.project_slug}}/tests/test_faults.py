"""Database faults: the dashboard keeps working and says what is wrong, never a traceback.

- the database is unreachable when the app starts: a clear page, and the app recovers by
  itself once the database is back (no restart; in a real browser, no click either);
- the server drops the pool's connections (KILL, a proxy cutting idle links, wait_timeout
  shorter than the pool's idle time): the next run reconnects silently;
- a query fails mid-session: the last good data with a warning, cleared by the next
  successful run;
- a slow query: a spinner, then a clear timeout message, and the app stays usable;
- a read-only MySQL user runs the whole app; passwords never reach the page or the logs;
- data cached with ``scope="session"`` never crosses two concurrent sessions.

Faults only a server has (dropped connections, the server going down, a read-only user)
are in test_mysql_faults.py, which only MySQL projects have.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import APP_ROOT, APP_SCRIPT, BACKEND, FILE_BACKENDS, ON_SERVER, said
from faultkit import (
    DOWN,
    Tab,
    TcpProxy,
    another_range,
    app_on,
    assert_clean,
    numbers,
    phrase,
    proxied,
    rename_tables,
    serve,
    serves_last_good_then_clears,
    texts,
)
from sqlalchemy import URL, create_engine, func, make_url, select, true

from {{ cookiecutter.package_name }} import db, queries, store
from {{ cookiecutter.package_name }}.i18n import t
from {{ cookiecutter.package_name }}.model import MODEL

CHART = "vega_lite_chart"  # the AppTest element type of st.vega_lite_chart

# --- Unreachable at start, then back ---------------------------------------------------


def _file_not_mounted(tmp_path: Path) -> tuple[str, Path]:
    """A database file on a 'share' that is not there yet: its folder is a plain file."""
    share = tmp_path / "share"
    share.write_text("not mounted")
    return f"{BACKEND}:///{share / ('dashboard.' + FILE_BACKENDS[BACKEND])}", share


def _mount(share: Path, seeded_url: str) -> None:
    """The share comes back, with the database on it."""
    share.unlink()
    share.mkdir()
    copy = share / f"dashboard.{FILE_BACKENDS[BACKEND]}"
    if BACKEND != "sqlite":  # closed between statements: the file is whole
        shutil.copyfile(make_url(seeded_url).database, copy)
        return
    with sqlite3.connect(make_url(seeded_url).database) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)


def test_unreachable_at_start_shows_a_page_and_recovers(fault_url, monkeypatch, tmp_path):
    if ON_SERVER:
        relay = TcpProxy(make_url(fault_url).host, make_url(fault_url).port)
        url = proxied(fault_url, relay)  # not started: connection refused
    else:
        url, share = _file_not_mounted(tmp_path)
    at = app_on(monkeypatch, url).run()
    assert not at.exception, at.exception
    assert DOWN in texts(at.error)
    how = "app_fix_unreachable" if ON_SERVER else "app_fix_missing"  # no file yet
    assert phrase(how) in texts(at.markdown)
    assert phrase("app_retrying") in texts(at.caption)
    assert not at.metric
    at.run()  # still down: the same page, no traceback
    assert not at.exception and DOWN in texts(at.error)

    if ON_SERVER:
        relay.start()
    else:
        _mount(share, fault_url)
    try:
        at.run()  # the next run (the page retries by itself in a browser)
        assert_clean(at)
    finally:
        if ON_SERVER:
            relay.stop()


def test_error_page_recovers_by_itself_in_a_browser(fault_url, tmp_path):
    """A dashboard left open on the error page comes back without a click or a restart."""
    from conftest import chromium_path, require_browser

    sync_playwright = require_browser()
    executable = chromium_path()
    relay = None
    if ON_SERVER:
        relay = TcpProxy(make_url(fault_url).host, make_url(fault_url).port)
        url = proxied(fault_url, relay)
    else:
        url, share = _file_not_mounted(tmp_path)
    with serve(APP_SCRIPT, {"DATABASE_URL": url}, tmp_path) as server, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(server.url)
            page.get_by_text(DOWN).wait_for()
            if relay is not None:
                relay.start()
            else:
                _mount(share, fault_url)
            # No reload, no click: the page's retry fragment brings the dashboard back.
            page.locator('[data-testid="stMetric"]').first.wait_for(timeout=45_000)
            assert page.get_by_text(DOWN).count() == 0
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
            if relay is not None:
                relay.stop()


# --- A query fails mid-session ---------------------------------------------------------


# The fact and the first table joined to it: what nearly every statement reads.
BROKEN = MODEL.tables[:2]


def test_failure_mid_session_serves_last_good_then_clears(fault_url, monkeypatch):
    at = app_on(monkeypatch, fault_url)
    serves_last_good_then_clears(
        at,
        lambda: rename_tables(fault_url, BROKEN),
        lambda: rename_tables(fault_url, BROKEN, back=True),
    )


# --- A slow query ----------------------------------------------------------------------


def slow_statement():
    """The fact crossed with itself twice: rows x rows x rows to count (1.7 * 10^12 for
    12,000 rows: hours, even for DuckDB, which counts 144 M rows in a blink)."""
    a, b, c = MODEL.fact.alias("a"), MODEL.fact.alias("b"), MODEL.fact.alias("c")
    return select(func.count()).select_from(a.join(b, true()).join(c, true()))


def test_slow_query_spinner_then_timeout_message_and_app_stays_usable(fault_url, monkeypatch):
    import streamlit as st

    spinners: list[str] = []
    real_spinner = st.spinner

    def recording_spinner(text="", **kwargs):
        spinners.append(text)
        return real_spinner(text, **kwargs)

    monkeypatch.setattr(st, "spinner", recording_spinner)
    monkeypatch.setattr(db, "STATEMENT_TIMEOUT_SECONDS", 1)
    at = app_on(monkeypatch, fault_url).run()
    assert_clean(at)
    good = numbers(at)
    assert t("loading") in spinners  # every section's load shows one when slow

    real_fetch = queries.fetch_totals

    def slow_totals(c, f, measures=None, rollups=None):
        c.execute(slow_statement()).all()
        return real_fetch(c, f, measures, rollups)

    monkeypatch.setattr(queries, "fetch_totals", slow_totals)
    spinners.clear()
    start = time.monotonic()
    at.button(key="admin_refresh").click().run()
    elapsed = time.monotonic() - start
    assert not at.exception, at.exception
    assert said("db_timeout") in texts(at.warning)  # with the last good KPIs
    assert numbers(at) == good
    assert elapsed < 20, f"the statement timeout did not stop the query ({elapsed:.0f} s)"
    assert spinners
    # The rest of the page works (its charts and tables), and so does a filter never
    # loaded before.
    assert (at.get(CHART) or at.dataframe) and not at.error
    another_range(at)
    assert not at.exception, at.exception
    assert said("db_timeout") in texts(at.warning) + texts(at.error)

    monkeypatch.setattr(queries, "fetch_totals", real_fetch)
    at.run()
    assert_clean(at)


# --- Read-only user, passwords ---------------------------------------------------------

PASSWORD = "s3cr:t/P@ss%w0rd"  # characters that URL encoding changes


@pytest.fixture
def all_logs():
    """Every log record of every logger (Streamlit's do not propagate to root)."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s %(exc_info)s"))
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield records
    for lg, level in saved:
        lg.removeHandler(handler)
        lg.setLevel(level)


def _password_urls(tmp_path: Path, fault_url: str) -> list[str]:
    """URLs with a password that fail in different ways, on this backend."""
    bad = URL.create("mysql+pymysql", "dash_fault_nobody", PASSWORD, "127.0.0.1", 1, "dashboard")
    urls = [bad.render_as_string(hide_password=False)]  # nothing listens on port 1
    if ON_SERVER:
        real = make_url(fault_url)
        urls.append(  # a server that answers: wrong password
            real.set(username="dash_fault_nobody", password=PASSWORD).render_as_string(False)
        )
        urls.append(real.set(password=PASSWORD).render_as_string(False))  # root has none
    return urls


def test_password_never_on_the_page_or_in_the_logs(fault_url, monkeypatch, tmp_path, all_logs):
    for url in _password_urls(tmp_path, fault_url):
        at = app_on(monkeypatch, url).run()
        assert not at.exception, at.exception
        shown = " ".join(
            texts(getattr(at, kind)) for kind in ("error", "warning", "markdown", "caption")
        )
        assert DOWN in shown or at.metric, shown
        for secret in (PASSWORD, "s3cr", "P%40ss"):  # raw and URL-encoded fragments
            assert secret not in shown
            assert not [line for line in all_logs if secret in line]
        if at.metric:  # the server ignored the password (no password for root)
            assert_clean(at)


def test_git_ignores_secrets_and_data():
    """.streamlit/secrets.toml and data/ are never committed (the project's .gitignore)."""
    lines = {ln.strip() for ln in (APP_ROOT / ".gitignore").read_text().splitlines()}
    assert lines & {".streamlit/secrets.toml", "secrets.toml", "/.streamlit/secrets.toml"}
    assert lines & {"data/", "/data/", "data"}


# --- scope="session" never crosses sessions --------------------------------------------

VIEWS_SCRIPT = """
import json
import streamlit as st
from {{ cookiecutter.package_name }} import data
user = st.query_params.get("user", "shared")
st.text("VIEWS " + json.dumps(sorted(data.load_views(user))))
"""


def _add_view(user: str, name: str) -> None:
    """Another session saves a view: straight into the app store the servers use."""
    engine = create_engine(os.environ["APP_STORE_URL"])
    try:
        store.save_view(engine, user, name, {"mode": MODEL.default_mode})
    finally:
        engine.dispose()


def _views(tab: Tab) -> list[str]:
    line = next(t for t in tab.page.texts if t.startswith("VIEWS "))
    return json.loads(line.removeprefix("VIEWS "))


def test_session_scoped_cache_never_crosses_concurrent_sessions(fault_url, tmp_path):
    script = tmp_path / "views_app.py"
    script.write_text(VIEWS_SCRIPT)
    user = f"shared_{os.getpid()}"
    _add_view(user, "p1")

    async def scenario(base: str) -> None:
        async with Tab(base, f"user={user}") as a, Tab(base, f"user={user}") as b:
            await a.open()
            assert _views(a) == ["p1"]  # cached in a's session now
            _add_view(user, "p2")
            await b.open()
            assert _views(b) == ["p1", "p2"]  # not a's entry
            for _ in range(5):  # both at once, several times
                await asyncio.gather(a.rerun(), b.rerun())
                assert _views(a) == ["p1"]
                assert _views(b) == ["p1", "p2"]
            assert not (a.page.exceptions or b.page.exceptions)

    with serve(script, {"DATABASE_URL": fault_url}, tmp_path) as server:
        asyncio.run(scenario(server.url))
