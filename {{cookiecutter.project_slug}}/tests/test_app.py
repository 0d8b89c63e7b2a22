"""The whole app in AppTest, on the backend under test (DASH_TEST_BACKEND).

Every number on the page is checked against a direct computation with pandas over
the raw tables, so a filter that changes nothing (or the wrong thing) fails here.
AppTest reruns the whole script on each interaction; fragment-only reruns and the
theme are covered by tests/test_browser.py.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from conftest import APP_SCRIPT, APP_TIMEOUT, metric_values
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import filters, sections, settings
from {{ cookiecutter.package_name }}.i18n import number, t

LINES_SQL = """
SELECT oi.qty, oi.unit_price, oi.unit_cost, oi.product_id, o.order_id, o.op_id,
       op.business_date, c.name AS category
FROM order_items oi
JOIN orders o ON o.order_id = oi.order_id
JOIN operations op ON op.op_id = o.op_id
JOIN products p ON p.product_id = oi.product_id
JOIN categories c ON c.category_id = p.category_id
"""


@pytest.fixture(scope="module")
def lines(database_url: str) -> pd.DataFrame:
    """Every order line of the shared test database, with its operation and category."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            df = pd.read_sql(text(LINES_SQL), c)
    finally:
        engine.dispose()
    df["business_date"] = pd.to_datetime(df["business_date"]).dt.date
    df["sales"] = df["qty"] * df["unit_price"].astype(float)
    df["cost"] = df["qty"] * df["unit_cost"].astype(float)
    return df


def expected(lines: pd.DataFrame, *, ops=None, dates=None, categories=(), products=()) -> dict:
    rows = lines
    if ops:
        rows = rows[rows["op_id"].between(*ops)]
    if dates:
        rows = rows[(rows["business_date"] >= dates[0]) & (rows["business_date"] <= dates[1])]
    if categories:
        rows = rows[rows["category"].isin(categories)]
    if products:
        rows = rows[rows["product_id"].isin(products)]
    sales, orders = rows["sales"].sum(), rows["order_id"].nunique()
    return {
        "sales": sales,
        "orders": orders,
        "gross_margin": sales - rows["cost"].sum(),
        "lines": len(rows),
    }


KPI_KEYS = ("sales", "orders", "avg_ticket", "gross_margin")


def metrics(at: AppTest) -> dict[str, float]:
    """The KPI cards by key ("sales", ...), whatever the language of their labels."""
    by_label = metric_values(at)
    return {key: by_label[t(f"kpi_{key}")] for key in KPI_KEYS}


def assert_numbers(at: AppTest, want: dict) -> None:
    assert not at.exception, at.exception
    got = metrics(at)
    # Sales and gross margin are shown in whole Bs: half a unit of rounding.
    assert got["sales"] == pytest.approx(want["sales"], abs=0.51)
    assert got["orders"] == want["orders"]
    assert got["gross_margin"] == pytest.approx(want["gross_margin"], abs=0.51)


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


# --- Rendering and defaults ------------------------------------------------------------


def test_default_view_renders_with_every_default_in_session_state(app, lines):
    at = app.run()
    assert not at.exception, at.exception
    for key in filters.FILTER_DEFAULTS:
        assert key in at.session_state, key
    # Data-dependent defaults: the last closed operations (the latest one is open).
    latest = int(lines["op_id"].max())
    assert at.session_state["mode"] == "ops"
    assert at.session_state["op_end"] == latest - 1
    first = max(int(lines["op_id"].min()), latest - filters.DEFAULT_SPAN)
    assert at.session_state["op_start"] == first
    assert at.session_state["date_end"] == lines["business_date"].max()
    assert [m.label for m in at.metric][:4] == [t(f"kpi_{key}") for key in KPI_KEYS]
    assert_numbers(at, expected(lines, ops=(first, latest - 1)))
    assert t("scope_ops", first=first, last=latest - 1) in texts(at.caption)
    assert not at.warning and not at.error


def test_chart_specs_are_built_once_and_a_rerun_sends_only_data(app):
    sections.chart_spec.cache_clear()
    at = app.run()
    assert not at.exception, at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3  # sales by hour, by category, top products
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        assert "data" not in spec and "datasets" not in spec  # the data travels apart
        assert spec["config"]["locale"]["number"]["currency"] == [settings.CURRENCY + " ", ""]
        assert chart.proto.data.data  # Arrow bytes: this run's rows
    built = sections.chart_spec.cache_info()
    assert built.misses == 3
    app.run()
    again = sections.chart_spec.cache_info()
    assert again.misses == built.misses and again.hits >= built.hits + 3
    # The margins as a chart: a fourth chart, from a fourth spec.
    at.button_group(key="margins_view").set_value("chart").run()
    assert not at.exception, at.exception
    margins = at.get("vega_lite_chart")[-1]
    assert len(at.get("vega_lite_chart")) == 4 and margins.proto.data.data
    assert '"stack": true' in margins.proto.spec


# --- Each filter changes the numbers as the data says ----------------------------------


def test_operation_range(app, lines):
    at = app.run()
    at.number_input(key="op_start").set_value(3).run()
    at.number_input(key="op_end").set_value(5).run()
    assert_numbers(at, expected(lines, ops=(3, 5)))
    assert t("scope_ops", first=3, last=5) in texts(at.caption)


def test_date_range(app, lines):
    at = app.run()
    at.segmented_control(key="mode").set_value("dates").run()
    last = lines["business_date"].max()
    start, end = last - dt.timedelta(days=9), last - dt.timedelta(days=6)
    at.date_input(key="date_start").set_value(start).run()
    at.date_input(key="date_end").set_value(end).run()
    assert_numbers(at, expected(lines, dates=(start, end)))


def test_realtime_mode_shows_the_open_operation(app, lines):
    at = app.run()
    at.segmented_control(key="mode").set_value("realtime").run()
    latest = int(lines["op_id"].max())
    assert_numbers(at, expected(lines, ops=(latest, latest)))
    assert t("scope_live", op=latest) in texts(at.caption)


def test_category_filter(app, lines):
    at = app.run()
    ops = (at.session_state["op_start"], at.session_state["op_end"])
    category = sorted(lines["category"].unique())[1]
    at.multiselect(key="categories").select(category).run()
    assert_numbers(at, expected(lines, ops=ops, categories=[category]))
    # The product list now only offers that category's products.
    offered = set(at.multiselect(key="products").options)
    names = lines.loc[lines["category"] == category, "product_id"].nunique()
    assert len(offered) >= names


def test_product_filter(app, lines):
    at = app.run()
    ops = (at.session_state["op_start"], at.session_state["op_end"])
    in_scope = lines[lines["op_id"].between(*ops)]
    best = int(in_scope.groupby("product_id")["sales"].sum().idxmax())
    at.multiselect(key="products").set_value([best]).run()
    assert_numbers(at, expected(lines, ops=ops, products=[best]))


# --- Bad input: a message, never an exception ------------------------------------------


def test_reversed_operation_range_gives_a_message(app):
    at = app.run()
    at.number_input(key="op_start").set_value(5).run()
    at.number_input(key="op_end").set_value(3).run()
    assert not at.exception
    assert t("filters_ops_reversed", first=5, last=3) in texts(at.warning)
    assert not at.metric


def test_reversed_date_range_gives_a_message(app, lines):
    at = app.run()
    at.segmented_control(key="mode").set_value("dates").run()
    last = lines["business_date"].max()
    start, end = last, last - dt.timedelta(days=3)
    at.date_input(key="date_start").set_value(start).run()
    at.date_input(key="date_end").set_value(end).run()
    assert not at.exception
    assert t("filters_dates_reversed", start=start, end=end) in texts(at.warning)
    assert not at.metric


# --- State survives mode switches, page switches and comes from the URL ----------------


def test_filters_survive_mode_and_page_switches(app, lines):
    at = app.run()
    at.number_input(key="op_start").set_value(4).run()
    at.number_input(key="op_end").set_value(6).run()
    at.segmented_control(key="mode").set_value("dates").run()  # op inputs hidden now
    at.segmented_control(key="mode").set_value("ops").run()
    assert (at.session_state["op_start"], at.session_state["op_end"]) == (4, 6)

    at.switch_page("app_pages/order_lines.py").run()
    assert not at.exception, at.exception
    assert (at.session_state["op_start"], at.session_state["op_end"]) == (4, 6)
    # The detail is loaded on demand and paginated.
    assert not order_lines(at)
    at.toggle(key="detail_load").set_value(True).run()
    want = expected(lines, ops=(4, 6))["lines"]
    size = at.session_state["detail_page_size"]

    def rows_caption(first: int) -> str:
        last = min(first + size - 1, want)
        return t("detail_rows", first=number(first), last=number(last), total=number(want))

    assert rows_caption(1) in texts(at.caption)
    assert len(order_lines(at)[0]) == size
    at.number_input(key="detail_page").set_value(2).run()
    assert rows_caption(size + 1) in texts(at.caption)


def order_lines(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if "order_id" in d.value.columns]


def test_query_parameters_set_the_filters(use_database):
    """A shared link (?op_start=..&op_end=..) opens the same view."""
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT)
    at.query_params["op_start"] = "2"
    at.query_params["op_end"] = "3"
    at.run()
    assert not at.exception, at.exception
    assert (at.session_state["op_start"], at.session_state["op_end"]) == (2, 3)


# --- The database fails ----------------------------------------------------------------


def _rename_tables(url: str, suffix: str, back: bool = False) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            for table in ("order_items", "orders"):
                old, new = (table + suffix, table) if back else (table, table + suffix)
                c.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))
    finally:
        engine.dispose()


def test_fallback_warning_when_the_database_fails_after_a_good_run(ui_database_url):
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception and at.metric
    good = metrics(at)
    _rename_tables(ui_database_url, "_gone")
    at.button(key="admin_refresh").click().run()  # drops the cached results
    assert not at.exception, at.exception
    assert t("db_stale_error", error="").split("(")[0] in texts(at.warning)
    assert metrics(at) == good  # the last good numbers, flagged stale
    # A filter never loaded before: a plain message, still no traceback.
    at.number_input(key="op_start").set_value(2).run()
    assert not at.exception, at.exception
    assert at.warning or at.error


def test_unreachable_database_shows_a_clear_page(use_database, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    from conftest import BACKEND, MYSQL_SERVER_URL

    if BACKEND == "mysql":
        server = MYSQL_SERVER_URL.rsplit("/", 1)[0]
        monkeypatch.setenv("DATABASE_URL", server + "/dash_ui_does_not_exist")
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception, at.exception
    message = texts(at.error)
    assert t("app_db_error", error="").strip() in message
    assert "seed" in texts(at.markdown)
    assert not at.metric
