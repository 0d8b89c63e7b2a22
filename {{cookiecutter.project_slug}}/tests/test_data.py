"""The cached service layer inside real script runs (AppTest with small inline pages)."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util

import pytest
from conftest import ANCHOR, TEST_ROWS, add_fact_row, clear_caches, run_in_session, said
from faultkit import rename_tables
from sqlalchemy import make_url
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import data, db, stats
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.queries import Filters
from {{ cookiecutter.package_name }}.synthetic import periods_for

TIMEOUT = 60


def window(back: int, length: int) -> Filters:
    """A historical range ``length`` long ending ``back`` periods (or days) before the
    newest, on the shared database (synthetic rows anchored at ANCHOR)."""
    if MODEL.period:
        last = periods_for(TEST_ROWS) - back
        return Filters("ops", op_start=max(1, last - length + 1), op_end=last)
    last = ANCHOR - dt.timedelta(days=back)
    return Filters("dates", date_start=last - dt.timedelta(days=length - 1), date_end=last)


FIRST = window(1, 3)


def page() -> None:
    """A minimal dashboard page: prefetch, every loader, warnings for stale data."""
    import streamlit as st

    from {{ cookiecutter.package_name }} import data, db, stats
    from {{ cookiecutter.package_name }}.model import MODEL

    stats.begin_run()
    ss = st.session_state
    f = ss["filters"]
    for message in data.prefetch(f):
        st.warning("Prefetch: " + message)  # reported on the script thread
    try:
        totals = data.load_totals(f)
    except db.DatabaseUnavailable as exc:
        st.error(str(exc))
        st.stop()
    if totals.stale:
        st.warning(totals.error)
    first = MODEL.page.kpis[0]
    st.metric("first", totals.value["current"][first])
    others = [data.load_section(f, section) for section in MODEL.page.sections]
    others += [data.load_members(d.name) for d in MODEL.dimensions]
    others.append(data.load_status(fresh=f.mode == "realtime"))
    for loaded in others:
        if loaded.stale:
            st.warning(loaded.error)
    ss["run_stats"] = stats.last_run()


def run_page(at: AppTest | None = None, f: Filters | None = None) -> AppTest:
    at = at or AppTest.from_function(page, default_timeout=TIMEOUT)
    if f is not None or "filters" not in at.session_state:
        at.session_state["filters"] = f or FIRST
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sql(at: AppTest) -> int:
    return at.session_state["run_stats"]["sql_statements"]


def sales(at: AppTest) -> str:
    """The first KPI measure, as the page shows it."""
    return at.metric[0].value


@contextlib.contextmanager
def tables_renamed_away(url: str):
    """Every table of the model renamed (the app sees its own database without its
    tables; the ownership register stays, so the database is still known to be the
    project's)."""
    rename_tables(url, MODEL.tables, suffix="_x")
    try:
        yield
    finally:
        rename_tables(url, MODEL.tables, back=True, suffix="_x")


def test_warm_rerun_in_historical_modes_runs_no_sql(use_database):
    at = run_page()
    assert sql(at) > 0
    # prefetch counted in this run: the totals, every section, the status, the options
    least = 2 + len(MODEL.page.sections) + len(MODEL.dimensions)
    assert at.session_state["run_stats"]["loader_misses"] >= least
    first = sales(at)
    at = run_page(at)
    assert sql(at) == 0
    assert at.session_state["run_stats"]["loader_misses"] == 0
    assert sales(at) == first
    at = run_page(at, window(2, 4))
    assert sql(at) > 0
    at = run_page(at)
    assert sql(at) == 0
    assert stats.total()["sql_statements"] > 0


def test_realtime_reads_fresh_data_every_run(use_database, fresh_database_url, monkeypatch):
    from conftest import fill

    fill(fresh_database_url, 2000)
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    at = run_page(f=Filters("realtime"))
    assert sql(at) >= 1
    before = at.metric[0].value
    add_fact_row(fresh_database_url)  # the latest period gets a new row
    at = run_page(at)
    assert sql(at) >= 1
    assert at.metric[0].value != before  # no cache in realtime


def test_fallback_shows_last_good_numbers_when_tables_disappear(use_database):
    at = run_page()
    good = sales(at)
    assert not at.warning
    with tables_renamed_away(use_database):
        clear_caches()  # as if the TTL had expired (every cache level)
        at = run_page(at)  # same filters: the exact last good result
        assert sales(at) == good
        assert any(f"{db.SEED_COMMAND} --force" in w.value for w in at.warning) or not (
            db.demo_present()
        )
        assert any(said("db_incomplete") in w.value for w in at.warning)
        at = run_page(at, window(3, 2))  # new filters: this loader's latest result
        assert sales(at) == good
        assert any(said("data_other_filters") in w.value for w in at.warning)
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
    assert said("db_incomplete") in at.error[0].value  # its own: rebuild


def test_an_empty_database_says_what_to_do(use_database, fresh_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    at = run_page()
    if db.demo_present():  # the demo can fill it
        assert said("db_empty") in at.error[0].value and db.SEED_COMMAND in at.error[0].value
    else:  # no demo: the database model.py describes, or a model of this one
        assert said("db_no_model_tables") in at.error[0].value
        assert db.INSPECT_COMMAND in at.error[0].value


def test_unreachable_server_message_masks_password(use_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql+pymysql://reader:S3cr3t-pw@127.0.0.1:1/dash")
    at = run_page()
    message = at.error[0].value
    if importlib.util.find_spec("pymysql"):
        assert said("db_unreachable") in message and "***" in message  # the URL, masked
    else:  # a project without the MySQL driver says which extra installs it
        assert said("db_no_driver") in message and "'.[mysql]'" in message
    assert "S3cr3t-pw" not in message
    with pytest.raises(db.DatabaseUnavailable) as info:
        data._members_cached(MODEL.dimensions[0].name)  # the query itself, no fallback
    assert "S3cr3t-pw" not in str(info.value)


def views_page() -> None:
    import streamlit as st

    from {{ cookiecutter.package_name }} import data, db, stats

    stats.begin_run()
    ss = st.session_state
    if ss.get("save_as"):
        data.save_view(ss["user"], ss["save_as"], ss["view"])
        ss["save_as"] = None
    ss["views"] = data.load_views(ss["user"])
    try:
        ss["kpis"] = data.load_totals(ss["filters"])
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
        self.at = AppTest.from_function(views_page, default_timeout=TIMEOUT)
        self.session_state = self.at.session_state

    def run(self) -> None:
        run_in_session(self.at, self.session_id)
        assert not self.at.exception, [e.value for e in self.at.exception]


def test_sessions_never_see_each_others_session_data(use_database):
    f = window(2, 2)
    a, b = Session("session-a"), Session("session-b")
    for at in (a, b):
        at.session_state["user"] = "ana"
        at.session_state["filters"] = f
        at.run()
        assert at.session_state["views"] == {}
        # Session-scoped cache: b computed its own copy instead of reusing a's.
        assert at.session_state["run_stats"]["misses_by_loader"].get("views") == 1

    a.session_state["save_as"] = "lunch"
    a.session_state["view"] = f.to_dict()
    a.run()
    assert list(a.session_state["views"]) == ["lunch"]
    b.run()
    assert b.session_state["views"] == {}  # b's own cached copy, untouched by a
    assert b.session_state["run_stats"]["misses_by_loader"] == {}

    # The last good results live in each session's state: b never gets a's numbers.
    b_numbers = b.session_state["kpis"].value  # for f
    g = window(4, 1)
    a.session_state["filters"] = g
    a.run()
    a_numbers = a.session_state["kpis"].value  # for g
    assert a_numbers != b_numbers
    c = Session("session-c")
    c.session_state["user"], c.session_state["filters"] = "ana", g
    with tables_renamed_away(use_database):
        clear_caches()
        for at in (a, b, c):
            at.session_state["filters"] = g
            at.run()
    assert a.session_state["kpis"].stale and a.session_state["kpis"].value == a_numbers
    assert b.session_state["kpis"].stale and b.session_state["kpis"].value == b_numbers
    assert c.session_state["kpis"] is None  # a new session has nothing to fall back on


def test_invalidate_one_loader_or_all_historical(use_database):
    at = run_page()
    run_page(at)
    data.clear_loader("totals")
    at = run_page(at)
    assert at.session_state["run_stats"]["misses_by_loader"] == {"totals": 1}
    data.refresh_historical()
    at = run_page(at)
    misses = at.session_state["run_stats"]["misses_by_loader"]
    assert "members" not in misses  # its own tier, one hour
    assert {"totals", "status"} <= set(misses)
    assert set(misses) & {"breakdown", "series"} or not MODEL.page.sections


def test_prefetch_collects_errors_instead_of_raising(use_database):
    with tables_renamed_away(use_database):
        errors = data.prefetch(FIRST)
    assert len(errors) == 1  # one message for the same cause, naming every section
    keys = [section.key for section in MODEL.page.sections]
    assert errors[0].startswith(", ".join(["totals", *keys]))
    assert data.prefetch(Filters("realtime")) == []


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
    assert config["currency"] and config["database"] in {"sqlite", "mysql", "postgresql", "duckdb"}
    assert data.load_app_config() == config
    for dimension in MODEL.dimensions:
        options = data.load_members(dimension.name)
        assert not options.stale and len(options.value) > 1
    before = stats.total()["sql_statements"]
    for dimension in MODEL.dimensions:
        data.load_members(dimension.name)
    assert stats.total()["sql_statements"] == before


def test_invalid_filters_are_rejected_before_sql(use_database):
    day = dt.date.today()
    with pytest.raises(ValueError, match="after the end date"):
        data.load_totals(Filters("dates", date_start=day, date_end=day - dt.timedelta(1)))
    with pytest.raises(ValueError, match="Unknown filter"):
        data.load_totals(Filters("dates", date_start=day, date_end=day, picks=(("x", ()),)))
    assert stats.total()["sql_statements"] == 0


@pytest.mark.parametrize("module", ["queries", "times", "model", "modeling", "store", "synthetic"])
def test_the_layers_below_the_loaders_do_not_import_streamlit(module):
    import importlib
    from pathlib import Path

    path = importlib.import_module(f"{db.PACKAGE}.{module}").__file__
    assert "streamlit" not in Path(path).read_text(encoding="utf-8")
