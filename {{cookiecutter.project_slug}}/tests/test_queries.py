"""Every statement the model turns into equals the same numbers computed in pandas.

Two independent implementations of one model: queries.py aggregates in SQL; the
benchmark's naive layer (bench/naive.py) reads every table whole and computes the same
measures in pandas. They must agree on every loader, in every view, with and without
filters, on synthetic rows generated from the model's tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from conftest import floats, point_at
from faultkit import fingerprint
from sqlalchemy import make_url

from {{ cookiecutter.package_name }} import data, db, queries, times
from {{ cookiecutter.package_name }}.bench import naive
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import GRAINS, Ranking, Series
from {{ cookiecutter.package_name }}.queries import Filters

CENT = 0.02  # SQLite sums floats, MySQL sums DECIMALs: a cent of rounding


@pytest.fixture(scope="module")
def members(database_url: str) -> dict[str, list]:
    engine = db.make_engine(make_url(database_url))
    try:
        with engine.connect() as c:
            return {
                d.name: queries.fetch_members(c, d.name)["value"].tolist() for d in MODEL.dimensions
            }
    finally:
        engine.dispose()


@pytest.fixture
def pandas_side(use_database, monkeypatch):
    """The naive layer reads the same database (DATABASE_URL) from empty caches."""
    point_at(use_database, monkeypatch)
    return naive


def cases(status: dict, members: dict) -> list[Filters]:
    first = queries.default_filters(status)
    views = [first, dataclasses.replace(first, mode="dates"), Filters("realtime")]
    if MODEL.period:  # a longer range of periods, reaching back before the first one
        views.append(dataclasses.replace(first, op_start=first.op_start - 2))
    out = list(views)
    for dimension in MODEL.dimensions:  # each dimension's filter, in every view
        picks = ((dimension.name, tuple(members[dimension.name][:2])),)
        out += [dataclasses.replace(view, picks=picks) for view in views]
    return out


def close(got, want) -> bool:
    return floats(got) == pytest.approx(floats(want), abs=CENT)


def same_rows(got: pd.DataFrame, want: pd.DataFrame, by: list[str]) -> None:
    """The same rows (in any order for equal keys), numbers to the cent."""
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    got = got.sort_values(by, ignore_index=True)
    want = want.sort_values(by, ignore_index=True)
    for column in got.columns:
        if pd.api.types.is_numeric_dtype(want[column]):
            assert got[column].astype(float).tolist() == pytest.approx(
                want[column].astype(float).tolist(), abs=CENT
            ), column
        else:
            assert got[column].astype(str).tolist() == want[column].astype(str).tolist(), column


def test_every_loader_equals_pandas(engine, status, members, pandas_side):
    for f in cases(status, members):
        every = not f.picks  # the views without a filter: each series at every grain too
        with engine.connect() as c:
            totals = queries.fetch_totals(c, f)
            want = pandas_side.load_totals(f).value
            for scope in ("current", "previous"):
                for name in MODEL.page.kpis:
                    assert close(totals[scope][name], want[scope][name]), (f, scope, name)
            for section in MODEL.page.sections:
                for grain in GRAINS if every and isinstance(section, Series) else (None,):
                    _name, fetch, _cached, extra = data.section_call(section, grain=grain)
                    got = fetch(c, f, *extra)
                    want = pandas_side.load_section(f, section, grain=grain).value
                    if isinstance(section, Ranking):  # ties may order differently: values
                        measure = section.measure
                        assert close(got[measure].tolist(), want[measure].tolist()), section.key
                    else:
                        same_rows(got, want, [got.columns[0]])
            assert queries.fetch_detail_count(c, f) == pandas_side.load_detail_count(f).value
            size = MODEL.page.detail.size if MODEL.page.detail else 10
            got = queries.fetch_detail_page(c, f, size)
            want = pandas_side.load_detail_page(f, size).value
            assert len(got) == len(want)
            assert got.iloc[:, 0].tolist() == want.iloc[:, 0].tolist(), f


def test_filter_options_and_status_equal_pandas(engine, status, pandas_side):
    with engine.connect() as c:
        for dimension in MODEL.dimensions:
            got = queries.fetch_members(c, dimension.name)
            want = pandas_side.load_members(dimension.name).value
            assert sorted(map(str, got["value"])) == sorted(map(str, want["value"]))
        assert floats(queries.fetch_status(c)["totals"]) == pytest.approx(
            floats(pandas_side.load_status().value["totals"]), abs=CENT
        )


def keys_of(rows: pd.DataFrame, key: list[str]) -> list[list[str]]:
    """Each row's order keys as text; a time compared as a moment (a cursor holds the time
    as the database stores it: text on SQLite, a datetime from pandas)."""
    return [[str(times.parse(v) or v) for v in row] for row in rows[key].values.tolist()]


def test_keyset_pages_walk_every_row_once_in_order(engine, status, pandas_side):
    """Next, next, ... covers every row of the scope once, in the detail's order; the last
    page read from the other end is the tail; before a page is the page before it."""
    f = dataclasses.replace(queries.default_filters(status), mode="dates")
    size = 97  # pages that do not divide the rows evenly
    with engine.connect() as c:
        total = queries.fetch_detail_count(c, f)
        pages, cursor = [], None
        while True:
            page = queries.fetch_detail_page(c, f, size, cursor)
            if page.empty:
                break
            pages.append(page)
            cursor = (queries.AFTER, queries.row_key(page, -1))
        walked = pd.concat(pages, ignore_index=True)
        key = [name for name in walked.columns if name.startswith("_key_")]
        assert len(walked) == total and len(pages) == -(-total // size)
        assert not walked.duplicated(key).any()
        cursor = None  # pandas, sorting every row, pages the same way
        for page in pages:
            want = pandas_side.load_detail_page(f, size, cursor).value
            assert keys_of(page, key) == keys_of(want, key)
            cursor = (queries.AFTER, queries.row_key(want, -1))
        last = queries.fetch_detail_page(c, f, total - (len(pages) - 1) * size, (queries.LAST, ()))
        assert last[key].astype(str).values.tolist() == pages[-1][key].astype(str).values.tolist()
        before = queries.fetch_detail_page(
            c, f, size, (queries.BEFORE, queries.row_key(pages[2], 0))
        )
        assert before[key].astype(str).values.tolist() == pages[1][key].astype(str).values.tolist()


HOSTILE = [
    "x' OR '1'='1",
    "'; DROP TABLE x; --",
    'a") OR 1=1 -- ',
    "a' UNION SELECT 1 --",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_injection_in_filters_matches_nothing_and_changes_nothing(
    engine, database_url, status, value
):
    before = fingerprint(database_url)
    first = queries.default_filters(status)
    for dimension in MODEL.dimensions:
        f = dataclasses.replace(first, picks=((dimension.name, (value,)),))
        with engine.connect() as c:
            totals = queries.fetch_totals(c, f)
            assert not any(totals["current"].values())
            assert queries.fetch_detail_page(c, f, 10).empty
            assert queries.fetch_detail_count(c, f) == 0
    assert fingerprint(database_url) == before


def test_validate_reports_problems_in_words():
    day = dt.date(2024, 1, 10)
    assert Filters("dates", date_start=day, date_end=day).validate() == []
    late = Filters("dates", date_start=day, date_end=day - dt.timedelta(1))
    assert "after the end date" in late.validate()[0]
    assert "Unknown mode" in Filters("weekly").validate()[0]
    assert "Unknown filter" in Filters("realtime", picks=(("nope", ("a",)),)).validate()[0]
    name = MODEL.dimensions[0].name
    assert Filters("realtime", picks=((name, (1.5,)),)).validate()  # neither name nor number
    assert Filters("realtime", picks=((name, ("x",) * 10_000),)).validate()
    if MODEL.period:
        assert "after the last" in Filters("ops", op_start=5, op_end=1).validate()[0]
        assert Filters("ops", op_start=2**40, op_end=2**41).validate()  # INT overflow


def test_cache_key_is_primitive_and_mode_relevant(status, members):
    first = queries.default_filters(status)
    name = MODEL.dimensions[0].name
    f = dataclasses.replace(first, picks=((name, tuple(reversed(members[name][:2]))),))
    g = dataclasses.replace(f, mode="dates")
    if f.mode != "dates":  # the dates do not matter outside the dates view
        assert f.cache_key() == dataclasses.replace(f, date_start=dt.date(2000, 1, 1)).cache_key()
    assert f.cache_key() != g.cache_key() or f.mode == "dates"
    assert Filters.from_cache_key(f.cache_key()).cache_key() == f.cache_key()
    flat = [v for v in f.cache_key() if not isinstance(v, tuple)]
    assert all(isinstance(v, str | int) for v in flat)
    assert Filters.from_dict(f.to_dict()).cache_key() == f.cache_key()
