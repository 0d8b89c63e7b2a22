"""A database the project does not own is never written, and the page tells the truth.

The client database holds tables named like the model's, with columns of their own (200
rows each): filling it with synthetic rows is refused, and a whole app session leaves
every table with the same rows and checksum and adds no table. The error page sends an
empty database to ``seed`` (or, without the demo, to ``inspect``) and someone's database
to the README, never to ``seed``. The app store is the one place the app writes.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import APP_SCRIPT, APP_TIMEOUT, clear_caches, point_at, said, scratch_database
from faultkit import fingerprint, journal_mode
from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    make_url,
    text,
)
from sqlalchemy.schema import CreateSchema
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import db, settings, store, synthetic
from {{ cookiecutter.package_name }}.i18n import t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.queries import Filters

CLIENT_ROWS = 200


def client_tables(schemas: bool = True) -> MetaData:
    """Someone's tables: the model's names (in its schemas, where the database has
    schemas), with columns of their own."""
    metadata = MetaData()
    for table in MODEL.tables:
        Table(
            table.name,
            metadata,
            Column("their_id", Integer, primary_key=True),
            Column("their_note", String(80), nullable=False),
            Column("their_amount", Numeric(12, 2), nullable=False),
            Column("their_day", Date, nullable=False),
            schema=table.schema if schemas else None,
        )
    return metadata


def create_client_tables(url: str) -> None:
    engine = create_engine(url)  # not make_engine: it would set WAL on someone's new file
    with_schemas = engine.dialect.name != "sqlite"  # SQLite: one schema holds them all
    metadata = client_tables(with_schemas)
    rows = [
        {
            "their_id": i,
            "their_note": f"client row {i}",
            "their_amount": i + 0.25,
            "their_day": dt.date(2023, 1, 1) + dt.timedelta(days=i),
        }
        for i in range(1, CLIENT_ROWS + 1)
    ]
    try:
        with engine.begin() as c:
            for schema in store.schemas_of(engine, MODEL.tables) if with_schemas else []:
                c.execute(CreateSchema(schema, if_not_exists=True))
        metadata.create_all(engine)
        with engine.begin() as c:
            for table in metadata.sorted_tables:
                c.execute(table.insert(), rows)
    finally:
        engine.dispose()


@pytest.fixture
def client_url(tmp_path):
    """Someone's existing database, with tables named like the model's."""
    with scratch_database(tmp_path, "client") as url:
        create_client_tables(url)
        yield url


def page_text(at: AppTest) -> str:
    """What the page says, as a reader sees it (Markdown escapes and word joiners gone)."""
    shown = "\n".join(e.value for e in [*at.error, *at.warning, *at.markdown, *at.caption])
    return shown.replace("\\", "").replace("\u2060", "")


def save_and_load_a_view() -> None:
    import datetime as dt

    import streamlit as st

    from {{ cookiecutter.package_name }} import data
    from {{ cookiecutter.package_name }}.queries import Filters

    day = dt.date(2024, 3, 30)
    data.save_view("ana", "lunch", Filters("dates", date_start=day, date_end=day).to_dict())
    st.session_state["views"] = sorted(data.load_views("ana"))


# --- Someone else's database -----------------------------------------------------------


def test_synthetic_rows_are_never_written_over_someone_elses_tables(client_url):
    before = fingerprint(client_url)
    engine = db.make_engine(make_url(client_url))
    try:
        with pytest.raises(store.NotOurs, match="with the names it needs"):
            synthetic.fill(engine, 100)
    finally:
        engine.dispose()
    assert fingerprint(client_url) == before


def test_a_whole_app_session_writes_nothing_to_a_client_database(client_url, monkeypatch):
    before = fingerprint(client_url)
    sqlite = make_url(client_url).get_backend_name() == "sqlite"
    mode = journal_mode(client_url) if sqlite else None
    assert mode != "wal"  # someone's file in the default rollback journal
    assert {rows for rows, _ in before.values()} == {CLIENT_ROWS}
    point_at(client_url, monkeypatch)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    fix = t("app_fix_foreign", connection=settings.CONNECTION_NAME, command=db.SEED_COMMAND)
    assert fix in [m.value for m in at.markdown]
    shown = page_text(at)
    assert said("db_foreign") in shown
    assert "seed" not in shown.lower()  # never sent to seed
    at.button[0].click().run()  # "Try again": the same page, still nothing written
    assert not at.exception and fix in [m.value for m in at.markdown]

    views = AppTest.from_function(save_and_load_a_view, default_timeout=APP_TIMEOUT).run()
    assert not views.exception
    assert views.session_state["views"] == ["lunch"]  # kept in the app store
    assert fingerprint(client_url) == before
    if sqlite:
        assert journal_mode(client_url) == mode  # not even switched to WAL


def test_an_empty_database_is_sent_to_seed_or_inspect(fresh_database_url, monkeypatch):
    point_at(fresh_database_url, monkeypatch)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    if db.demo_present():  # the demo's seeder can fill it
        assert said("db_empty") in page_text(at)
        key, command = "app_fix_empty", db.SEED_COMMAND
    else:  # no demo: the database model.py describes, or a model of this one
        assert said("db_no_model_tables") in page_text(at)
        key, command = "app_fix_model", db.INSPECT_COMMAND
    fix = t(key, connection=settings.CONNECTION_NAME, command=command)
    assert fix in [m.value for m in at.markdown]
    assert fingerprint(fresh_database_url) == {}  # the app created nothing


def test_someone_elses_file_at_the_default_path_is_never_seeded(tmp_path, monkeypatch):
    """The SQLite default (data/dashboard.db) is seeded on first run only when it is empty
    or the demo's own: a client's file copied there is read, never written."""
    monkeypatch.setattr(settings, "DATABASE", "sqlite")  # the default file of a SQLite bake
    monkeypatch.setattr(db, "PROJECT_ROOT", tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / settings.SQLITE_PATH
    path.parent.mkdir(parents=True)
    url = f"sqlite:///{path}"
    create_client_tables(url)
    before = fingerprint(url)
    clear_caches()
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    assert said("db_foreign") in at.error[0].value
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
    filters = Filters("dates", date_start=day, date_end=day).to_dict()
    with scratch_database(tmp_path, "store") as url:
        engine = db.make_engine(make_url(url))
        try:
            store.save_view(engine, "ana", "lunch", filters)
            store.save_view(engine, "ana", "lunch", filters)  # replaced, not duplicated
            with engine.connect() as c:
                assert store.fetch_views(c, "ana") == {"lunch": filters}
            assert store.views.name in store.survey(engine).owned
        finally:
            engine.dispose()
    with scratch_database(tmp_path, "theirs") as url:
        engine = create_engine(url)
        with engine.begin() as c:
            c.execute(text(f"CREATE TABLE {store.views.name} (note VARCHAR(20))"))
        engine.dispose()
        before = fingerprint(url)
        engine = db.make_engine(make_url(url))
        try:
            with pytest.raises(store.NotOurs, match=store.views.name):
                store.save_view(engine, "ana", "lunch", filters)
        finally:
            engine.dispose()
        assert fingerprint(url) == before


def test_views_never_reach_the_dashboard_database(use_database):
    before = set(fingerprint(use_database))
    at = AppTest.from_function(save_and_load_a_view, default_timeout=APP_TIMEOUT).run()
    assert not at.exception and at.session_state["views"] == ["lunch"]
    assert set(fingerprint(use_database)) == before  # no view table in the dashboard's
