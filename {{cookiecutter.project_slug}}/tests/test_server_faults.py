"""Faults only a database server has, on MySQL or PostgreSQL (not in SQLite projects).

- the server drops the pool's connections (KILL or pg_terminate_backend, a proxy cutting
  idle links, an idle timeout shorter than the pool's idle time): the next run
  reconnects silently;
- the server goes down mid-session: the last good data with a warning, cleared by the
  next successful run;
- a read-only user runs the whole app, saved views included: the dashboard database is
  only read, and saved views go to the app store (here the default kind: a SQLite file);
- a database that does not exist on the server is said so (never "empty"), and never
  created;
- the server restarts under the production server, in a real browser: the last numbers
  with a warning, fresh ones after, no reload.

Server faults go through ``faultkit.TcpProxy`` (a relay the tests stop, start and cut).
"""

from __future__ import annotations

import time

import pytest
from conftest import (
    APP_SCRIPT,
    APP_TIMEOUT,
    BACKEND,
    admin_connection,
    kill_connections,
    point_at,
    reader_url,
    said,
    server_url,
)
from faultkit import (
    STALE,
    TcpProxy,
    app_on,
    assert_clean,
    fingerprint,
    numbers,
    proxied,
    serves_last_good_then_clears,
)
from sqlalchemy import create_engine, inspect, make_url
from streamlit.testing.v1 import AppTest
from test_ownership import page_text, save_and_load_a_view

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.sections import field_name


@pytest.fixture
def proxy(fault_url: str):
    """A relay in front of the database server (started)."""
    url = make_url(fault_url)
    relay = TcpProxy(url.host or "127.0.0.1", url.port).start()
    yield relay
    relay.stop()


# --- The server drops the pool's connections -------------------------------------------


# The server's own setting that ends a connection idle for a second, in the URL.
IDLE_TIMEOUT = {
    "mysql": {"init_command": "SET SESSION wait_timeout=1"},
    "postgresql": {"options": "-c idle_session_timeout=1000"},
}


@pytest.mark.parametrize("how", ["kill", "proxy_drop", "idle_timeout"])
def test_dropped_connections_reconnect_silently(how, fault_url, proxy, monkeypatch):
    url = proxied(fault_url, proxy)
    if how == "idle_timeout":
        # The server closes idle connections after 1 s, far below the pool's idle time.
        url = make_url(url).update_query_dict(IDLE_TIMEOUT[BACKEND])
        url = url.render_as_string(hide_password=False)
    at = app_on(monkeypatch, url).run()
    assert_clean(at)
    good = numbers(at)
    for _ in range(2):  # twice: the pool holds several connections
        if how == "kill":
            assert kill_connections(make_url(fault_url).database) > 0
        elif how == "proxy_drop":
            assert proxy.drop() > 0
        else:
            time.sleep(2.5)
        at.button(key="admin_refresh").click().run()  # historical caches dropped: queries
        assert_clean(at)
        assert numbers(at) == good
    at.segmented_control(key="mode").set_value("realtime").run()  # never cached
    assert_clean(at)


def test_server_down_mid_session_serves_last_good_then_clears(fault_url, proxy, monkeypatch):
    at = app_on(monkeypatch, proxied(fault_url, proxy))
    serves_last_good_then_clears(at, proxy.stop, proxy.start)


# --- Read-only user --------------------------------------------------------------------

PASSWORD = "s3cr:t/P@ss%w0rd"  # characters that URL encoding changes


@pytest.fixture
def read_only_url(fault_url):
    url, drop = reader_url(fault_url, PASSWORD)
    yield url
    drop()


def test_read_only_user_runs_the_whole_app(read_only_url, fault_url, monkeypatch, tmp_path):
    monkeypatch.setenv("APP_STORE_URL", f"sqlite:///{tmp_path / 'app_store.db'}")
    before = fingerprint(fault_url)
    engine = create_engine(read_only_url)
    try:
        with engine.connect() as c, pytest.raises(Exception, match="denied"):
            c.execute(MODEL.fact.delete())  # really read-only
    finally:
        engine.dispose()
    at = app_on(monkeypatch, read_only_url).run()
    assert_clean(at)
    for mode in MODEL.modes:
        at.segmented_control(key="mode").set_value(mode).run()
        assert_clean(at)
    at.button(key="admin_refresh").click().run()
    at.button(key="admin_clear").click().run()
    assert_clean(at)
    if MODEL.page.detail:  # the detail page, its rows loaded (and the lookup under them)
        at.switch_page("app_pages/detail.py").run()
        at.toggle(key="detail_load").set_value(True).run()
        assert not at.exception and not at.error and not at.warning
        fields = {field_name(field) for field in MODEL.page.detail.fields}
        assert any(fields <= set(d.value.columns) for d in at.dataframe)
        assert len(at.dataframe) >= 1 + bool(MODEL.page.lookup)
    views = AppTest.from_function(save_and_load_a_view, default_timeout=APP_TIMEOUT).run()
    assert not views.exception and views.session_state["views"] == ["lunch"]
    assert fingerprint(fault_url) == before  # not one row written, not one table added


def test_a_database_that_does_not_exist_says_what_to_do(monkeypatch):
    """A database name the server does not have: the page says it does not exist (not
    "empty"), asks to check the name, and for the demo names the seeder that creates it;
    the page itself creates nothing."""
    url = server_url().set(database="dash_never_created")
    point_at(url.render_as_string(hide_password=False), monkeypatch)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    shown = page_text(at)
    assert said("db_missing_database") in shown and "dash_never_created" in shown
    assert said("app_fix_missing") in shown and db.SEED_COMMAND in shown
    assert said("db_empty") not in shown
    with admin_connection() as c:
        assert "dash_never_created" not in inspect(c).get_schema_names()  # MySQL's databases
        if BACKEND == "postgresql":
            names = c.exec_driver_sql("SELECT datname FROM pg_database").scalars().all()
            assert "dash_never_created" not in names


# --- A server restart under the production server, in a real browser ----------------------


def test_a_server_restart_mid_session_keeps_the_page_and_recovers(fault_url, proxy, tmp_path):
    """The production server (uvicorn, asgi.py) and a real browser on the Live view; the
    database server restarts mid-session: every connection ended and nothing answering for
    a while. The page keeps the last numbers with a warning; once the server is back, the
    next run shows fresh numbers (a row added meanwhile), with no reload of the page."""
    from conftest import add_fact_row, chromium_path, require_browser

    from {{ cookiecutter.package_name }}.bench import servers
    from {{ cookiecutter.package_name }}.filters import mode_label
    from {{ cookiecutter.package_name }}.i18n import t

    sync_playwright = require_browser()
    executable = chromium_path()
    url = proxied(fault_url, proxy)
    live = "realtime" in MODEL.modes  # never cached: each run reads the database
    with servers.running(servers.PRODUCTION, url) as server, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(45_000)
            page.goto(server.url)
            kpi = page.locator('[data-testid="stMetricValue"]').first
            kpi.wait_for()
            if live:
                switch = page.locator(".st-key-mode")
                switch.get_by_role("radio", name=mode_label("realtime"), exact=True).click()
                switch.get_by_role("radio", name=mode_label("realtime"), checked=True).wait_for()
                page.wait_for_timeout(2_000)  # the Live view's numbers drawn
            before = kpi.inner_text()
            page.evaluate("window.notReloaded = true")  # gone if the page reloads
            page.get_by_text(t("operator_panel")).click()  # the sidebar's expander
            refresh = page.get_by_role("button", name=t("admin_refresh"))

            proxy.stop()  # the restart: nothing answers, every connection is ended
            kill_connections(make_url(fault_url).database)
            add_fact_row(fault_url)  # written straight to the server meanwhile
            refresh.click()
            page.get_by_text(STALE).first.wait_for()
            assert kpi.inner_text() == before  # the last good numbers, said to be so
            assert page.locator('[data-testid="stException"]').count() == 0

            proxy.start()  # the server is back
            refresh.click()
            page.get_by_text(STALE).first.wait_for(state="detached")
            if live:  # fresh: the row added while the server was down is counted
                page.wait_for_function(
                    "before => document.querySelector('[data-testid=\"stMetricValue\"]')"
                    ".innerText !== before",
                    arg=before,
                )
            assert page.evaluate("window.notReloaded === true")
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
