"""The cached service layer inside real script runs (AppTest with small inline pages)."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util

import pytest
from sqlalchemy import create_engine, inspect, make_url, text
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import data, db, queries, seed, stats, store
from {{ cookiecutter.package_name }}.queries import Filters

TIMEOUT = 60
ANCHOR = dt.date(2024, 3, 31)


def page() -> None:
    """A minimal dashboard page: prefetch, every loader, warnings for stale data."""
    import datetime as dt

    import streamlit as st

    from {{ cookiecutter.package_name }} import data, db, stats
    from {{ cookiecutter.package_name }}.queries import Filters

    stats.begin_run()
    ss = st.session_state
    f = Filters(
        ss.get("mode", "ops"),
        ss.get("op_start", 3),
        ss.get("op_end", 5),
        dt.date.fromisoformat(ss.get("date_start", "2024-03-20")),
        dt.date.fromisoformat(ss.get("date_end", "2024-03-22")),
    )
    for message in data.prefetch(f):
        st.warning("Prefetch: " + message)  # reported on the script thread
    try:
        kpis = data.load_kpis(f)
    except db.DatabaseUnavailable as exc:
        st.error(str(exc))
        st.stop()
    if kpis.stale:
        st.warning(kpis.error)
    current, previous = kpis.value["current"], kpis.value["previous"]
    st.metric("Sales", current["sales"], current["sales"] - previous["sales"])
    st.metric("Orders", current["orders"])
    others = [
        data.load_margins_by_category(f),
        data.load_sales_by_hour(f),
        data.load_top_products(f),
        data.load_sales_by_category(f),
        data.load_catalogue(),
        data.load_operation_status(fresh=f.mode == "realtime"),
    ]
    for loaded in others:
        if loaded.stale:
            st.warning(loaded.error)
    ss["run_stats"] = stats.last_run()


def run_page(at: AppTest | None = None, **state) -> AppTest:
    at = at or AppTest.from_function(page, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sql(at: AppTest) -> int:
    return at.session_state["run_stats"]["sql_statements"]


def sales(at: AppTest) -> str:
    return at.metric[0].value


@contextlib.contextmanager
def tables_renamed_away(url: str):
    """Every dashboard table renamed (the app sees its own database without its tables;
    the ownership register stays, so the database is still known to be the project's)."""
    engine = create_engine(url)
    names = [n for n in inspect(engine).get_table_names() if n != store.register.name]
    prep = engine.dialect.identifier_preparer
    with engine.begin() as c:
        for name in names:
            c.execute(text(f"ALTER TABLE {prep.quote(name)} RENAME TO {prep.quote(name + '_x')}"))
    try:
        yield
    finally:
        with engine.begin() as c:
            for name in names:
                away = prep.quote(name + "_x")
                c.execute(text(f"ALTER TABLE {away} RENAME TO {prep.quote(name)}"))
        engine.dispose()


def test_warm_rerun_in_historical_modes_runs_no_sql(use_database):
    at = run_page()
    assert sql(at) > 0
    assert at.session_state["run_stats"]["loader_misses"] >= 7  # prefetch counted in this run
    first = sales(at)
    at = run_page(at)
    assert sql(at) == 0
    assert at.session_state["run_stats"]["loader_misses"] == 0
    assert sales(at) == first
    at = run_page(at, mode="dates")
    assert sql(at) > 0
    at = run_page(at)
    assert sql(at) == 0
    assert stats.total()["sql_statements"] > 0


def test_realtime_reads_fresh_data_every_run(use_database, fresh_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    engine = db.make_engine(make_url(fresh_database_url))
    seed.seed(engine, 2000, anchor=ANCHOR)
    at = run_page(mode="realtime")
    assert sql(at) >= 1
    orders_before = int(at.metric[1].value)
    seed.live(engine, max_orders=1, interval=0)  # the open operation gets a new order
    engine.dispose()
    at = run_page(at)
    assert sql(at) >= 1
    assert int(at.metric[1].value) == orders_before + 1  # no cache in realtime


def test_fallback_shows_last_good_numbers_when_tables_disappear(use_database):
    at = run_page(op_start=2, op_end=4)
    good = sales(at)
    assert not at.warning
    with tables_renamed_away(use_database):
        data.clear_all()  # as if the TTL had expired
        at = run_page(at)  # same filters: the exact last good result
        assert sales(at) == good
        assert any(db.SEED_COMMAND in w.value for w in at.warning)
        at = run_page(at, op_start=5, op_end=6)  # new filters: this loader's latest result
        assert sales(at) == good
        assert any("other filters" in w.value for w in at.warning)
        assert at.metric, "the KPIs are still on the page"
    at = run_page(at)  # tables back: fresh data, no warning
    assert not [w for w in at.warning if "Prefetch" in w.value]


def test_the_last_good_result_is_a_copy_the_page_cannot_change():
    import pandas as pd

    frame = pd.DataFrame({"category": ["Drinks"], "sales": [1.0]})
    kept = data._snapshot(frame)
    frame.loc[0, "sales"] = 99.0  # a section writing into the frame it was given
    frame["extra"] = 1
    assert kept["sales"].tolist() == [1.0] and "extra" not in kept
    kpis = {"current": {"sales": 1.0}}
    kept = data._snapshot(kpis)
    kpis["current"]["sales"] = 2.0
    assert kept == {"current": {"sales": 1.0}}


def test_without_last_good_result_the_page_explains(use_database):
    with tables_renamed_away(use_database):
        at = run_page()
    assert not at.metric
    assert "lacks some of the dashboard's tables" in at.error[0].value
    assert f"{db.SEED_COMMAND} --force" in at.error[0].value  # its own tables: rebuild them


def test_empty_database_says_to_seed(use_database, fresh_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    at = run_page()
    assert "is empty" in at.error[0].value
    assert db.SEED_COMMAND in at.error[0].value


def test_unreachable_server_message_masks_password(use_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql+pymysql://reader:S3cr3t-pw@127.0.0.1:1/sales")
    at = run_page()
    message = at.error[0].value
    if importlib.util.find_spec(f"{db.PACKAGE}.dialects.mysql"):
        assert "Cannot reach the database" in message
    else:  # a SQLite-only project says so, still without the password
        assert "does not support the 'mysql' database" in message
    assert "S3cr3t-pw" not in message and "***" in message
    with pytest.raises(db.DatabaseUnavailable) as info:
        data.load_catalogue()
    assert "S3cr3t-pw" not in str(info.value)


def presets_page() -> None:
    import streamlit as st

    from {{ cookiecutter.package_name }} import data, db, stats

    stats.begin_run()
    ss = st.session_state
    if ss.get("save_as"):
        data.save_preset(ss["user"], ss["save_as"], ss["preset"])
        ss["save_as"] = None
    ss["presets"] = data.load_presets(ss["user"])
    try:
        ss["kpis"] = data.load_kpis(ss["filters"])
    except db.DatabaseUnavailable:
        ss["kpis"] = None
    ss["run_stats"] = stats.last_run()


class Session:
    """An AppTest with its own session id.

    AppTest gives every instance the same session id, so two instances would share
    session-scoped caches; real browser tabs never do. This wrapper restores that.
    """

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.at = AppTest.from_function(presets_page, default_timeout=TIMEOUT)
        self.session_state = self.at.session_state

    def run(self) -> None:
        from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

        original = ScriptRunner.__init__
        session_id = self.session_id

        def init(runner, *args, **kwargs):
            kwargs["session_id"] = session_id
            original(runner, *args, **kwargs)

        ScriptRunner.__init__ = init
        try:
            self.at.run()
        finally:
            ScriptRunner.__init__ = original
        assert not self.at.exception, [e.value for e in self.at.exception]


def test_sessions_never_see_each_others_session_data(use_database):
    f = Filters("ops", 2, 3, ANCHOR, ANCHOR)
    a, b = Session("session-a"), Session("session-b")
    for at in (a, b):
        at.session_state["user"] = "ana"
        at.session_state["filters"] = f
        at.run()
        assert at.session_state["presets"] == {}
        # Session-scoped cache: b computed its own copy instead of reusing a's.
        assert at.session_state["run_stats"]["misses_by_loader"].get("presets") == 1

    a.session_state["save_as"] = "lunch"
    a.session_state["preset"] = f.to_dict()
    a.run()
    assert list(a.session_state["presets"]) == ["lunch"]
    b.run()
    assert b.session_state["presets"] == {}  # b's own cached copy, untouched by a
    assert b.session_state["run_stats"]["misses_by_loader"] == {}

    # The last good results live in each session's state: b never gets a's numbers.
    b_numbers = b.session_state["kpis"].value  # for f
    g = Filters("ops", 4, 4, ANCHOR, ANCHOR)
    a.session_state["filters"] = g
    a.run()
    a_numbers = a.session_state["kpis"].value  # for g
    assert a_numbers != b_numbers
    c = Session("session-c")
    c.session_state["user"], c.session_state["filters"] = "ana", g
    with tables_renamed_away(use_database):
        data.clear_all()
        for at in (a, b, c):
            at.session_state["filters"] = g
            at.run()
    assert a.session_state["kpis"].stale and a.session_state["kpis"].value == a_numbers
    assert b.session_state["kpis"].stale and b.session_state["kpis"].value == b_numbers
    assert c.session_state["kpis"] is None  # a new session has nothing to fall back on


def test_invalidate_one_loader_or_all_historical(use_database):
    at = run_page()
    run_page(at)
    data.clear_loader("kpis")
    at = run_page(at)
    assert at.session_state["run_stats"]["misses_by_loader"] == {"kpis": 1}
    data.refresh_historical()
    at = run_page(at)
    misses = at.session_state["run_stats"]["misses_by_loader"]
    assert "catalogue" not in misses  # its own tier, one hour
    assert {"kpis", "margins_by_category", "sales_by_hour", "operation_status"} <= set(misses)


def test_prefetch_collects_errors_instead_of_raising(use_database):
    with tables_renamed_away(use_database):
        errors = data.prefetch(Filters("ops", 1, 2, ANCHOR, ANCHOR))
    assert len(errors) == 1  # one message for the same cause, naming every section
    assert errors[0].startswith("KPIs, Margins by category")
    assert data.prefetch(Filters("realtime", 1, 2, ANCHOR, ANCHOR)) == []


def test_engine_is_one_per_process_and_follows_the_configuration(
    use_database, fresh_database_url, monkeypatch
):
    first = db.get_engine()
    assert db.get_engine() is first
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    second = db.get_engine()  # validate() saw a new URL: released and rebuilt
    assert second is not first
    assert second.url.database == make_url(fresh_database_url).database


def test_static_config_and_catalogue_tiers(use_database):
    config = data.load_app_config()
    assert config["currency"] and config["database"] in {"sqlite", "mysql"}
    assert data.load_app_config() == config
    cat = data.load_catalogue()
    assert not cat.stale and len(cat.value) > 10
    before = stats.total()["sql_statements"]
    data.load_catalogue()
    assert stats.total()["sql_statements"] == before


def test_invalid_filters_are_rejected_before_sql(use_database):
    with pytest.raises(ValueError, match="after the last"):
        data.load_kpis(Filters("ops", 9, 1, dt.date.today(), dt.date.today()))
    assert stats.total()["sql_statements"] == 0


def test_queries_module_does_not_import_streamlit():
    from pathlib import Path

    source = Path(queries.__file__).read_text(encoding="utf-8")
    assert "streamlit" not in source
