"""A database the project does not own is never written, and the page tells the truth.

The client database holds tables named like the demo's (categories, operations, orders,
products; 200 rows each, two of them with the demo's very columns: a name or a column
list proves nothing, only the ownership register does). ``seed``, ``seed --force``,
``live`` and a whole app session leave every table with the same rows and checksum, and
add no table. The error page sends an empty database to ``seed`` and someone's database
to the README, never to ``seed``. The app store is the one place the app writes.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from conftest import (
    ANCHOR,
    APP_ROOT,
    APP_SCRIPT,
    APP_TIMEOUT,
    clear_caches,
    point_at,
    scratch_database,
)
from faultkit import fingerprint
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    make_url,
    text,
)
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import db, seed, settings, store
from {{ cookiecutter.package_name }}.i18n import t
from {{ cookiecutter.package_name }}.queries import Filters

CLIENT_ROWS = 200
CLIENT = MetaData()
Table(
    "categories",
    CLIENT,
    Column("code", String(20), primary_key=True),
    Column("label", String(80), nullable=False),
)
Table(  # the demo's own columns, by coincidence
    "products",
    CLIENT,
    Column("product_id", Integer, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("category_id", Integer, nullable=False),
    Column("price", Numeric(12, 2), nullable=False),
    Column("cost", Numeric(12, 2), nullable=False),
    Column("enabled", Boolean, nullable=False),
)
Table(
    "orders",
    CLIENT,
    Column("order_no", Integer, primary_key=True),
    Column("customer", String(80), nullable=False),
    Column("placed_on", Date, nullable=False),
    Column("total_cents", Integer, nullable=False),
)
Table(  # the demo's own columns too
    "operations",
    CLIENT,
    Column("op_id", Integer, primary_key=True),
    Column("business_date", Date, nullable=False),
    Column("opened_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
)
CLIENT_TABLES = "categories, operations, orders, products"


def client_rows(name: str) -> list[dict]:
    day = dt.date(2023, 1, 1)
    rows = range(1, CLIENT_ROWS + 1)
    if name == "categories":
        return [{"code": f"C{i:03d}", "label": f"Client category {i}"} for i in rows]
    if name == "products":
        return [
            {
                "product_id": i,
                "name": f"Client product {i}",
                "category_id": i % 7 + 1,
                "price": i + 0.25,
                "cost": i / 2,
                "enabled": i % 3 > 0,
            }
            for i in rows
        ]
    if name == "orders":
        return [
            {
                "order_no": i,
                "customer": f"Customer {i}",
                "placed_on": day + dt.timedelta(days=i),
                "total_cents": i * 137,
            }
            for i in rows
        ]
    opened = dt.datetime.combine(day, dt.time(9))
    return [
        {
            "op_id": i,
            "business_date": day + dt.timedelta(days=i),
            "opened_at": opened + dt.timedelta(days=i),
            "closed_at": opened + dt.timedelta(days=i, hours=8),
        }
        for i in rows
    ]


@pytest.fixture
def client_url(tmp_path):
    """Someone's existing database, with tables named like the demo's."""
    with scratch_database(tmp_path, "client") as url:
        engine = create_engine(url)
        try:
            CLIENT.create_all(engine)
            with engine.begin() as c:
                for table in CLIENT.sorted_tables:
                    c.execute(table.insert(), client_rows(table.name))
        finally:
            engine.dispose()
        yield url


def command(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", db.PACKAGE, *args],
        cwd=APP_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def error_line(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(lines) == 1, out.stderr  # one plain message
    return lines[0]


def page_text(at: AppTest) -> str:
    return "\n".join(e.value for e in [*at.error, *at.warning, *at.markdown, *at.caption])


# --- seed, seed --force and live refuse ----------------------------------------------


def test_seed_refuses_a_database_it_does_not_own(client_url):
    before = fingerprint(client_url)
    assert {rows for rows, _ in before.values()} == {CLIENT_ROWS}
    for args in (["seed"], ["seed", "--force"], ["seed", "--rows", "500", "--force"]):
        message = error_line(command(client_url, *args))
        assert "seed stopped before touching anything" in message
        assert f"with the names it needs: {CLIENT_TABLES}." in message  # the tables in the way
        # The fix: an empty database (a scratch file, another database name), or the README.
        assert "DATABASE_URL=sqlite:///data/demo.db" in message and "--rows" in message
        assert "another database name" in message
        assert "Pointing it at an existing database" in message
    live = error_line(command(client_url, "live", "--orders", "1", "--interval", "0"))
    assert "were not created by the seeder" in live
    assert fingerprint(client_url) == before  # same rows and checksums, and no new table


def test_seed_adds_no_tables_to_someone_elses_database(fresh_database_url):
    engine = create_engine(fresh_database_url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE patients (patient_id INTEGER PRIMARY KEY, name TEXT)"))
        c.execute(text("INSERT INTO patients VALUES (1, 'Ana'), (2, 'Luis')"))
    engine.dispose()
    before = fingerprint(fresh_database_url)
    message = error_line(command(fresh_database_url, "seed", "--force"))
    assert "(patients): it looks like someone's existing database" in message
    assert fingerprint(fresh_database_url) == before


def test_force_rebuilds_only_the_seeders_own_tables(fresh_database_url):
    engine = db.make_engine(make_url(fresh_database_url))
    try:
        seed.seed(engine, 1500, anchor=ANCHOR)
        with engine.begin() as c:  # the team keeps a table of its own beside the demo
            c.execute(text("CREATE TABLE team_notes (note_id INTEGER PRIMARY KEY, note TEXT)"))
            c.execute(text("INSERT INTO team_notes VALUES (1, 'keep me')"))
        notes = fingerprint(fresh_database_url)["team_notes"]
        assert not seed.seed(engine, 1500, anchor=ANCHOR, force=True).skipped
        assert fingerprint(fresh_database_url)["team_notes"] == notes
        # A table that took the name of one of the seeder's (other columns) stops it.
        with engine.begin() as c:
            c.execute(text("DROP TABLE seed_info"))
            c.execute(text("CREATE TABLE seed_info (note VARCHAR(20))"))
            c.execute(text("INSERT INTO seed_info VALUES ('theirs')"))
        before = fingerprint(fresh_database_url)
        with pytest.raises(store.NotOurs, match="with the names it needs: seed_info"):
            seed.seed(engine, 1500, anchor=ANCHOR, force=True)
        assert fingerprint(fresh_database_url) == before
    finally:
        engine.dispose()


# --- The app on someone else's database ------------------------------------------------


def test_a_whole_app_session_writes_nothing_to_a_client_database(client_url, monkeypatch):
    before = fingerprint(client_url)
    point_at(client_url, monkeypatch)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    fix = t("app_fix_foreign", connection=settings.CONNECTION_NAME, command=db.SEED_COMMAND)
    assert fix in [m.value for m in at.markdown]
    shown = page_text(at)
    assert "did not create" in shown and "existing database" in shown
    assert "seed" not in shown.lower()  # never sent to seed
    at.button[0].click().run()  # "Try again": the same page, still nothing written
    assert not at.exception and fix in [m.value for m in at.markdown]

    presets = AppTest.from_function(save_and_load_a_preset, default_timeout=APP_TIMEOUT).run()
    assert not presets.exception
    assert presets.session_state["presets"] == ["lunch"]  # kept in the app store
    assert fingerprint(client_url) == before


def save_and_load_a_preset() -> None:
    import datetime as dt

    import streamlit as st

    from {{ cookiecutter.package_name }} import data
    from {{ cookiecutter.package_name }}.queries import Filters

    day = dt.date(2024, 3, 30)
    data.save_preset("ana", "lunch", Filters("ops", 2, 3, day, day).to_dict())
    st.session_state["presets"] = sorted(data.load_presets("ana"))


def test_an_empty_database_is_sent_to_seed(fresh_database_url, monkeypatch):
    point_at(fresh_database_url, monkeypatch)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    assert "is empty" in at.error[0].value
    fix = t("app_fix_empty", connection=settings.CONNECTION_NAME, command=db.SEED_COMMAND)
    assert fix in [m.value for m in at.markdown]
    assert fingerprint(fresh_database_url) == {}  # the app created nothing


def test_someone_elses_file_at_the_default_path_is_never_seeded(tmp_path, monkeypatch):
    """The SQLite default (data/dashboard.db) is seeded on first run only when it is empty
    or the seeder's own: a client's file copied there is read, never written."""
    monkeypatch.setattr(settings, "DATABASE", "sqlite")  # the default file of a SQLite bake
    monkeypatch.setattr(db, "PROJECT_ROOT", tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / settings.SQLITE_PATH
    path.parent.mkdir(parents=True)
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    CLIENT.create_all(engine)
    with engine.begin() as c:
        for table in CLIENT.sorted_tables:
            c.execute(table.insert(), client_rows(table.name))
    engine.dispose()
    before = fingerprint(url)
    clear_caches()
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    assert "existing database" in at.error[0].value
    assert fingerprint(url) == before


# --- The app store ---------------------------------------------------------------------


def test_the_app_store_is_a_file_under_data_unless_configured(monkeypatch):
    monkeypatch.delenv("APP_STORE_URL", raising=False)
    assert db.resolve_store_url().database == str(db.PROJECT_ROOT / "data" / "app_store.db")
    monkeypatch.setenv("APP_STORE_URL", "sqlite:///elsewhere.db")
    assert db.resolve_store_url().database == "elsewhere.db"


def test_the_app_store_marks_its_tables_and_refuses_someone_elses(tmp_path):
    """On the backend under test (MySQL: a database the team owns, for several replicas)."""
    day = dt.date(2024, 3, 30)
    filters = Filters("ops", 2, 3, day, day).to_dict()
    with scratch_database(tmp_path, "store") as url:
        engine = db.make_engine(make_url(url))
        try:
            store.save_preset(engine, "ana", "lunch", filters)
            store.save_preset(engine, "ana", "lunch", filters)  # replaced, not duplicated
            with engine.connect() as c:
                assert store.fetch_presets(c, "ana") == {"lunch": filters}
            assert store.presets.name in store.survey(engine).owned
        finally:
            engine.dispose()
    with scratch_database(tmp_path, "theirs") as url:
        engine = create_engine(url)
        with engine.begin() as c:
            c.execute(text(f"CREATE TABLE {store.presets.name} (note VARCHAR(20))"))
        engine.dispose()
        before = fingerprint(url)
        engine = db.make_engine(make_url(url))
        try:
            with pytest.raises(store.NotOurs, match=store.presets.name):
                store.save_preset(engine, "ana", "lunch", filters)
        finally:
            engine.dispose()
        assert fingerprint(url) == before


def test_presets_never_reach_the_dashboard_database(use_database):
    before = set(fingerprint(use_database))
    at = AppTest.from_function(save_and_load_a_preset, default_timeout=APP_TIMEOUT).run()
    assert not at.exception and at.session_state["presets"] == ["lunch"]
    assert set(fingerprint(use_database)) == before  # no preset table in the dashboard's
