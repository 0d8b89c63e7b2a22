"""The whole app in AppTest, on the backend under test (DASH_TEST_BACKEND).

The page is built from the model, so this test reads it too: the KPI cards are the
model's KPI measures, every number on them equals the query layer's answer for the same
filters (tests/test_queries.py checks that layer against pandas), and every widget key
comes from the model. AppTest reruns the whole script on each interaction; fragment-only
reruns and the theme are covered by tests/test_browser.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from conftest import APP_SCRIPT, APP_TIMEOUT, floats, metric_values
from faultkit import rename_tables
from sqlalchemy import make_url
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import db, filters, i18n, queries, sections, settings
from {{ cookiecutter.package_name }}.i18n import label, number, t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import Breakdown, Ranking, Series, Share
from {{ cookiecutter.package_name }}.queries import Filters

CHARTS = [s for s in MODEL.page.sections if isinstance(s, Series | Share | Ranking)]
BREAKDOWNS = [s for s in MODEL.page.sections if isinstance(s, Breakdown)]


@pytest.fixture(scope="module")
def answer(database_url: str):
    """The query layer's totals for some filters: what the cards must show."""
    engine = db.make_engine(make_url(database_url), read_only=True)

    def totals(f: Filters) -> dict:
        with engine.connect() as c:
            return queries.fetch_totals(c, f)["current"]

    yield totals
    engine.dispose()


def cards(at: AppTest) -> dict[str, float]:
    """The KPI cards by measure name, whatever the language of their labels."""
    by_label = metric_values(at)
    return {name: by_label[label(MODEL.measure(name).label)] for name in MODEL.page.kpis}


def assert_cards(at: AppTest, want: dict) -> None:
    """Every card shows the measure as written on it (its decimals: half a unit off)."""
    assert not at.exception, at.exception
    got = cards(at)
    for name in MODEL.page.kpis:
        measure = MODEL.measure(name)
        decimals = measure.decimals
        if decimals is None:
            decimals = {"money": 2, "percent": 1}.get(measure.kind, 0)
        assert got[name] == pytest.approx(floats(want[name]), abs=0.51 * 10**-decimals), name


def current(at: AppTest) -> Filters:
    """The filters the page is showing now (from its session state)."""
    state = at.session_state
    return Filters(
        mode=state["mode"],
        op_start=state["op_start"] if MODEL.period else 0,
        op_end=state["op_end"] if MODEL.period else 0,
        date_start=state["date_start"],
        date_end=state["date_end"],
        picks=tuple((d.name, tuple(state[d.name])) for d in MODEL.dimensions),
    )


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def set_range(at: AppTest, first, last) -> AppTest:
    """Choose a range as a user would: periods when the model has them, else dates."""
    if MODEL.period:
        at.number_input(key="op_start").set_value(first).run()
        return at.number_input(key="op_end").set_value(last).run()
    at.date_input(key="date_start").set_value(first).run()
    return at.date_input(key="date_end").set_value(last).run()


def a_range(status: dict, back: int, length: int) -> tuple:
    """A range ``length`` long ending ``back`` periods (or days) before the latest."""
    if MODEL.period:
        last = int(status["max_op"]) - back
        return max(int(status["min_op"]), last - length + 1), last
    last = status["max_date"] - dt.timedelta(days=back)
    return last - dt.timedelta(days=length - 1), last


# --- Rendering and defaults ------------------------------------------------------------


def test_default_view_renders_with_every_default_in_session_state(app, status, answer):
    at = app.run()
    assert not at.exception, at.exception
    for key in filters.FILTER_DEFAULTS:
        assert key in at.session_state, key
    first = queries.default_filters(status)
    assert at.session_state["mode"] == MODEL.default_mode
    if MODEL.period:  # the last closed periods (the latest one may be open)
        assert (at.session_state["op_start"], at.session_state["op_end"]) == (
            first.op_start,
            first.op_end,
        )
    assert at.session_state["date_end"] == status["max_date"]
    assert [m.label for m in at.metric] == [label(MODEL.measure(n).label) for n in MODEL.page.kpis]
    assert_cards(at, answer(current(at)))
    assert at.caption[0].value.startswith(label(MODEL.page.subtitle, t("page_overview")))
    assert not at.warning and not at.error


def test_chart_specs_are_built_once_and_a_rerun_sends_only_data(app):
    sections.chart_spec.cache_clear()
    at = app.run()
    assert not at.exception, at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == len(CHARTS)  # one per chart section of the model
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        assert "data" not in spec and "datasets" not in spec  # the data travels apart
        assert spec["config"]["locale"]["number"]["currency"] == list(i18n.currency_affixes())
        assert chart.proto.data.data  # Arrow bytes: this run's rows
    built = sections.chart_spec.cache_info()
    assert built.misses == len(CHARTS)
    app.run()
    again = sections.chart_spec.cache_info()
    assert again.misses == built.misses and again.hits >= built.hits + len(CHARTS)
    for breakdown in BREAKDOWNS:  # a breakdown's other view: one more chart, one more spec
        at.button_group(key=breakdown.view_key).set_value("chart").run()
        assert not at.exception, at.exception
    drawn = at.get("vega_lite_chart")
    assert len(drawn) == len(CHARTS) + len(BREAKDOWNS)
    assert all(chart.proto.data.data for chart in drawn)


# --- Each filter changes the numbers as the data says ----------------------------------


def test_a_range_of_the_history(app, status, answer):
    at = app.run()
    if not MODEL.period:
        at.segmented_control(key="mode").set_value("dates").run()
    first, last = a_range(status, back=2, length=3)
    at = set_range(at, first, last)
    assert_cards(at, answer(current(at)))
    # The range's labels open with a capital in every language ("Operación desde").
    labels = [w.label for w in (*at.number_input, *at.date_input)]
    assert labels and all(text[:1].isupper() for text in labels), labels
    if MODEL.period:
        scope = t("scope_ops", periods=label(MODEL.period.plural), first=first, last=last)
        assert scope in texts(at.caption)


def test_date_range(app, status, answer):
    at = app.run()
    at.segmented_control(key="mode").set_value("dates").run()
    start = status["max_date"] - dt.timedelta(days=5)
    end = status["max_date"] - dt.timedelta(days=3)
    at.date_input(key="date_start").set_value(start).run()
    at.date_input(key="date_end").set_value(end).run()
    assert (current(at).date_start, current(at).date_end) == (start, end)
    assert_cards(at, answer(current(at)))


def test_realtime_mode_shows_the_latest_period(app, status, answer):
    at = app.run()
    at.segmented_control(key="mode").set_value("realtime").run()
    assert_cards(at, answer(Filters("realtime")))
    if MODEL.period:
        live = t("scope_live", period=label(MODEL.period.label).lower(), op=status["latest_op"])
        assert live in texts(at.caption)


@pytest.fixture(scope="module")
def members(database_url: str):
    """The values each dimension's filter offers (the query layer's list)."""
    engine = db.make_engine(make_url(database_url), read_only=True)
    try:
        with engine.connect() as c:
            return {d.name: queries.fetch_members(c, d.name) for d in MODEL.dimensions}
    finally:
        engine.dispose()


@pytest.mark.parametrize("dimension", MODEL.dimensions, ids=lambda d: d.name)
def test_each_dimension_filters_the_numbers(app, answer, members, dimension):
    at = app.run()
    every = {d.name: len(at.multiselect(key=d.name).options) for d in MODEL.dimensions}
    assert every[dimension.name] == len(members[dimension.name])
    value = members[dimension.name]["value"].tolist()[1 % every[dimension.name]]
    at.multiselect(key=dimension.name).set_value([value]).run()
    assert current(at).chosen(dimension.name) == (value,)
    assert_cards(at, answer(current(at)))
    for narrower in [d for d in MODEL.dimensions if d.within == dimension.name]:
        inside = members[narrower.name]
        inside = inside[inside["within"] == value]
        assert len(at.multiselect(key=narrower.name).options) == len(inside) < every[narrower.name]


# --- Bad input: a message, never an exception ------------------------------------------


def test_reversed_range_gives_a_message(app, status):
    at = app.run()
    if not MODEL.period:
        at.segmented_control(key="mode").set_value("dates").run()
    first, last = a_range(status, back=1, length=3)
    at = set_range(at, last, first)
    assert not at.exception
    if MODEL.period:
        name = label(MODEL.period.label).lower()
        want = t("filters_ops_reversed", period=name, first=last, last=first)
    else:
        want = t("filters_dates_reversed", start=last, end=first)
    assert want in texts(at.warning)
    assert not at.metric


def test_reversed_date_range_gives_a_message(app, status):
    at = app.run()
    at.segmented_control(key="mode").set_value("dates").run()
    start, end = status["max_date"], status["max_date"] - dt.timedelta(days=3)
    at.date_input(key="date_start").set_value(start).run()
    at.date_input(key="date_end").set_value(end).run()
    assert not at.exception
    assert t("filters_dates_reversed", start=start, end=end) in texts(at.warning)
    assert not at.metric


# --- State survives mode and page switches and comes from the URL ------------------------


def test_filters_survive_mode_and_page_switches(app, status, database_url):
    at = app.run()
    other = "realtime"
    if not MODEL.period:
        at.segmented_control(key="mode").set_value("dates").run()
    first, last = a_range(status, back=1, length=3)
    at = set_range(at, first, last)
    shown = current(at)
    at.segmented_control(key="mode").set_value(other).run()  # the range inputs are hidden
    at.segmented_control(key="mode").set_value(shown.mode).run()
    assert current(at) == shown

    at.switch_page("app_pages/detail.py").run()
    assert not at.exception, at.exception
    assert current(at) == shown
    # The detail is loaded on demand and paginated.
    assert not detail_rows(at)
    at.toggle(key="detail_load").set_value(True).run()
    engine = db.make_engine(make_url(database_url), read_only=True)
    with engine.connect() as c:
        total = queries.fetch_detail_count(c, shown)
    engine.dispose()
    size = at.session_state["detail_page_size"]

    def rows_caption(first_row: int) -> str:
        last_row = min(first_row + size - 1, total)
        return t("detail_rows", first=number(first_row), last=number(last_row), total=number(total))

    assert rows_caption(1) in texts(at.caption)
    first_page = detail_rows(at)[0]
    assert len(first_page) == min(size, total)
    if total > size:  # the pager: next, last, previous, first (keyset cursors)
        at.button(key="detail_next").click().run()
        assert rows_caption(size + 1) in texts(at.caption)
        at.button(key="detail_last").click().run()
        pages = -(-total // size)
        assert rows_caption((pages - 1) * size + 1) in texts(at.caption)
        assert len(detail_rows(at)[0]) == total - (pages - 1) * size
        at.button(key="detail_previous").click().run()
        assert len(detail_rows(at)[0]) == size
        at.button(key="detail_first").click().run()
        assert detail_rows(at)[0].equals(first_page)


def detail_rows(at: AppTest) -> list:
    """The tables of detail rows on the page (the operator panel has one of its own)."""
    first = sections.field_name(MODEL.page.detail.fields[0])
    return [d.value for d in at.dataframe if first in d.value.columns]


def test_query_parameters_set_the_filters(use_database, status):
    """A shared link opens the same view."""
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT)
    first, last = a_range(status, back=2, length=2)
    if MODEL.period:
        at.query_params["op_start"], at.query_params["op_end"] = str(first), str(last)
    else:
        at.query_params["mode"] = t("mode_dates")
        at.query_params["date_start"], at.query_params["date_end"] = str(first), str(last)
    at.run()
    assert not at.exception, at.exception
    if MODEL.period:
        assert (at.session_state["op_start"], at.session_state["op_end"]) == (first, last)
    else:
        assert (at.session_state["date_start"], at.session_state["date_end"]) == (first, last)


# --- The database fails ----------------------------------------------------------------


def test_fallback_warning_when_the_database_fails_after_a_good_run(ui_database_url, status):
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception and at.metric
    good = cards(at)
    rename_tables(ui_database_url, MODEL.tables[:2])  # the fact and the first joined table
    at.button(key="admin_refresh").click().run()  # drops the cached results
    assert not at.exception, at.exception
    assert t("db_stale_error", error="").split("(")[0] in texts(at.warning)
    assert cards(at) == good  # the last good numbers, flagged stale
    # A filter never loaded before: a plain message, still no traceback.
    if not MODEL.period:
        at.segmented_control(key="mode").set_value("dates").run()
    first, last = a_range(status, back=3, length=1)
    set_range(at, first, last)
    assert not at.exception, at.exception
    assert at.warning or at.error


@pytest.mark.parametrize(
    "url", ["oracle+oracledb://reader:S3cr3t-pw@db.example/sales", "mssql://reader@db/sales"]
)
def test_a_database_this_project_cannot_read_is_named_once_without_a_retry(
    use_database, monkeypatch, url
):
    """Any other SQLAlchemy URL: one sentence naming the databases this project reads, a
    fix, and no retry loop (another URL needs a restart); no password on the page."""
    from conftest import said

    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception, at.exception
    message = at.error[0].value
    assert said("db_unsupported") in message and "postgresql" in message
    assert said("app_fix_unsupported") in texts(at.markdown)
    assert said("app_retrying") not in texts(at.caption)
    assert "S3cr3t-pw" not in message
    assert not at.metric


def test_unreachable_database_shows_a_clear_page(use_database, monkeypatch, tmp_path):
    """A server nobody answers, or (SQLite) a file that is not there: a page that says
    what to do, and a missing file or folder is never created."""
    from conftest import ON_SERVER, server_url

    missing = tmp_path / "no-such-folder" / "prod.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    how = "app_fix_missing"
    if ON_SERVER:
        server = server_url().set(port=1)  # nothing listens there
        monkeypatch.setenv("DATABASE_URL", server.render_as_string(hide_password=False))
        how = "app_fix_unreachable"
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception, at.exception
    assert t("app_db_error", error="").strip() in texts(at.error)
    fix = t(how, connection=settings.CONNECTION_NAME, command=db.SEED_COMMAND)
    assert fix in [m.value for m in at.markdown]
    assert not at.metric
    assert not missing.parent.exists()  # nothing was created where the URL pointed


def test_filters_round_trip_through_views_and_cache_keys(status):
    first = queries.default_filters(status)
    picks = tuple((d.name, ()) for d in MODEL.dimensions)
    f = dataclasses.replace(first, picks=picks)
    assert Filters.from_dict(f.to_dict()).cache_key() == f.cache_key()
    assert Filters.from_cache_key(f.cache_key()).cache_key() == f.cache_key()
