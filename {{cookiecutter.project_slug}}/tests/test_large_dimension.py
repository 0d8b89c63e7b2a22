"""A dimension too large for a list (150,000 products, patients, customers): its filter
searches as you type (filters._searched), offers at most MOST_MATCHES values plus the
chosen ones, and never ships the whole list to the browser; the data's health names it.

The database is filled with the model's tables as usual, except that the table of the
model's last dimension of things (not the fact, not a table of events) gets LARGE rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from conftest import (
    ANCHOR,
    APP_SCRIPT,
    APP_TIMEOUT,
    TEST_ROWS,
    chromium_path,
    floats,
    members_of,
    metric_values,
    point_at,
    require_browser,
    scratch_database,
)
from faultkit import serve
from sqlalchemy import make_url
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import db, filters, queries, synthetic
from {{ cookiecutter.package_name }}.i18n import label, number, t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import tables_of
from {{ cookiecutter.package_name }}.queries import Filters

LARGE = 150_000
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def things_dimension():
    """The last dimension whose table is a table of things (synthetic: REFERENCE_ROWS)."""
    sizes = synthetic.plan(TEST_ROWS)
    for dimension in reversed(MODEL.dimensions):
        table = next(iter(tables_of(dimension.column)))
        if sizes.get(table.name) == synthetic.REFERENCE_ROWS:
            return dimension, table
    raise AssertionError("the model has no dimension of a table of things")


DIMENSION, TABLE = things_dimension()


@pytest.fixture(scope="module")
def large_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with scratch_database(tmp_path_factory.mktemp("large"), "large") as url:
        engine = db.make_engine(make_url(url))
        try:
            synthetic.fill(engine, TEST_ROWS, anchor=ANCHOR, sizes={TABLE.name: LARGE})
        finally:
            engine.dispose()
        yield url


@pytest.fixture(scope="module")
def busiest(large_url: str) -> tuple:
    """(value, name, totals) of the member with the most rows in the default view."""
    engine = db.make_engine(make_url(large_url))
    try:
        with engine.connect() as c:
            f = queries.default_filters(queries.fetch_status(c))
            top = queries.fetch_breakdown(c, f, DIMENSION.name, MODEL.page.kpis[:1], limit=1)
            name = str(top[DIMENSION.name].iloc[0])
            members = queries.fetch_members(c, DIMENSION.name)
            value = members.loc[members["name"].astype(str) == name, "value"].iloc[0]
            value = value.item() if hasattr(value, "item") else value
            picked = Filters(**{**f.__dict__, "picks": ((DIMENSION.name, (value,)),)})
            totals = queries.fetch_totals(c, picked)["current"]
            health = queries.fetch_health(c)
    finally:
        engine.dispose()
    return value, name, totals, health


def test_the_health_names_the_large_dimension(busiest):
    health = busiest[3]
    assert health["large"].get(DIMENSION.name, 0) >= LARGE


def test_a_large_dimension_searches_as_you_type(large_url, busiest, monkeypatch):
    value, name, totals, _ = busiest
    point_at(large_url, monkeypatch)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception, at.exception
    assert len(at.multiselect(key=DIMENSION.name).options) <= filters.MOST_MATCHES
    at.text_input(key=DIMENSION.name + filters.SEARCH_SUFFIX).set_value(name).run()
    offered = at.multiselect(key=DIMENSION.name).options
    assert name in offered and len(offered) <= filters.MOST_MATCHES, offered
    at.multiselect(key=DIMENSION.name).set_value([value]).run()
    assert not at.exception, at.exception
    first = MODEL.measure(MODEL.page.kpis[0])
    decimals = first.decimals
    if decimals is None:
        decimals = {"money": 2, "percent": 1}.get(first.kind, 0)
    shown = metric_values(at)[label(first.label)]
    assert shown == pytest.approx(floats(totals[first.name]), abs=0.51 * 10**-decimals)
    # A new search keeps the chosen value among the options (and chosen).
    at.text_input(key=DIMENSION.name + filters.SEARCH_SUFFIX).set_value("zzz no such").run()
    assert at.multiselect(key=DIMENSION.name).value == [value]


def test_a_dimension_marked_searched_searches_whatever_its_size(database_url, monkeypatch):
    """searched=True, as inspect writes it for a dimension above 1,000 values: a search box
    and nothing listed until the user types, even where the values are few."""
    small = MODEL.dimensions[0]
    marked = tuple(
        dataclasses.replace(d, searched=True) if d is small else d for d in MODEL.dimensions
    )
    original = MODEL.dimensions
    point_at(database_url, monkeypatch)
    object.__setattr__(MODEL, "dimensions", marked)  # the model is a frozen dataclass
    try:
        at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
        assert not at.exception, at.exception
        assert at.multiselect(key=small.name).options == []
        value, name = members_of(small.name, database_url)[0]
        at.text_input(key=small.name + filters.SEARCH_SUFFIX).set_value(str(name)[:3]).run()
        assert str(name) in at.multiselect(key=small.name).options
    finally:
        object.__setattr__(MODEL, "dimensions", original)


def test_in_a_real_browser_type_pick_and_the_page_narrows(large_url, busiest, tmp_path):
    """No error box with LARGE values; typing offers the match; picking it narrows the
    KPIs to the member's own."""
    require_browser()
    from playwright.sync_api import sync_playwright

    _, name, _, _ = busiest
    plural = label(DIMENSION.plural, DIMENSION.name)
    search_label = t("filters_search", plural=plural.lower(), n=number(len_members(large_url)))
    with (
        serve(APP_SCRIPT, {"DATABASE_URL": large_url}, tmp_path) as running,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"],
        )  # fmt: skip
        # Tall enough that the filter's list opens below it wherever the sidebar puts it
        # (a list with no room under a filter at the window's foot does not open).
        page = browser.new_page(viewport={"width": 1440, "height": 1600})
        page.set_default_timeout(60_000)
        page.goto(running.url)
        page.wait_for_selector(IDLE)
        page.locator('[data-testid="stMetric"]').first.wait_for()
        before = page.locator('[data-testid="stMetricValue"]').first.inner_text()
        box = page.get_by_label(search_label)
        box.fill(name)
        box.press("Enter")
        page.wait_for_selector(IDLE)
        chooser = page.locator('[data-testid="stMultiSelect"]').filter(has_text=plural)
        chooser.first.click()
        page.get_by_role("option", name=name, exact=True).click()
        page.keyboard.press("Escape")
        page.wait_for_function(
            """b => document.querySelector('[data-testid="stMetricValue"]').innerText !== b""",
            arg=before,
        )
        page.wait_for_selector(IDLE)
        errors = page.locator('[data-testid="stException"]').count()
        after = page.locator('[data-testid="stMetricValue"]').first.inner_text()
        browser.close()
    assert errors == 0
    assert after != before


def len_members(url: str) -> int:
    engine = db.make_engine(make_url(url))
    try:
        with engine.connect() as c:
            return len(queries.fetch_members(c, DIMENSION.name))
    finally:
        engine.dispose()
