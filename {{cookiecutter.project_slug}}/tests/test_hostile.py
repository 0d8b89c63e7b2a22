"""Hostile input: whatever reaches a filter, no traceback and not one row changed.

Three doors, each tried with injection strings (aimed at the model's own tables), very
long values, unicode, empty values, reversed ranges and out-of-range dates and numbers:

1. the data layer: ``Filters`` with picks for every dimension of the model, straight into
   every loader (the KPIs, each section of the page, the detail, the filter options);
2. the URL: every query parameter of a real ``streamlit run`` server (links are shared):
   the view, its range and one per dimension;
3. the widgets: values a forged client sends over the websocket for every filter widget
   and every control inside a section, bypassing the browser's own checks.

Before and after, every table's row count and checksum must be identical.
``DASH_HOSTILE_FULL=1`` tries every value on every door (the default is a CI-sized set).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import urllib.parse

import pytest
from conftest import ANCHOR, APP_SCRIPT, clear_caches, filled_database
from faultkit import BREAKDOWNS, RANKINGS, Tab, fingerprint, serve

from {{ cookiecutter.package_name }} import data
from {{ cookiecutter.package_name }}.filters import mode_label
from {{ cookiecutter.package_name }}.i18n import t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.queries import Filters

FULL = bool(os.environ.get("DASH_HOSTILE_FULL"))
FACT = MODEL.fact.name
OTHER = MODEL.tables[-1]  # another table to aim at (the fact, when it is alone)
DIMENSIONS = [dimension.name for dimension in MODEL.dimensions]

INJECTIONS = [
    "' OR '1'='1",
    f"1; DROP TABLE {FACT}; --",
    f"Robert'); DROP TABLE {OTHER.name}; --",
    f'"; DELETE FROM {FACT}; --',
    "1 UNION SELECT user, password FROM mysql.user --",
    "' AND SLEEP(5) --",
    f"'; UPDATE {OTHER.name} SET {list(OTHER.columns)[-1].name} = 0; --",
    "%",
    "_",
    "\\",
    "\\'; --",
    "`",
    "\x00",
    "<script>alert(1)</script>",
]
UNICODE = ["Ñandú 🍕", "\u202egnp.exe", "e\u0301\u0301\u0301", "\u200b", "中文类别", "\ud7ff\uffff"]
EMPTY = ["", " ", "\t\n", "null", "None", "undefined", "[]", "{}"]
NUMBERS = ["-1", "0", "1e309", "NaN", "inf", "-inf", "99999999999999999999", "0x10", "1.5"]
DATES = ["0000-00-00", "9999-12-31", "0001-01-01", "2024-02-30", "-2024-01-01", "31/12/2024"]
LONG = ["x" * 10_000, "' OR 1=1 -- " * 2_000]
HOSTILE = INJECTIONS + UNICODE + EMPTY + NUMBERS + DATES + LONG
QUICK = INJECTIONS[:4] + UNICODE[:2] + EMPTY[:2] + NUMBERS[2:5] + DATES[:2] + LONG[:1]
VALUES = HOSTILE if FULL else QUICK

# Every query parameter the page reads: the view, its range and one per dimension.
PERIOD_PARAMS = ["op_start", "op_end"] if MODEL.period else []
DATE_PARAMS = ["date_start", "date_end"]
URL_PARAMS = ["mode", *PERIOD_PARAMS, *DATE_PARAMS, *DIMENSIONS]
FIRST = (PERIOD_PARAMS or DATE_PARAMS)[0]
RAW_QUERIES = [  # query strings no browser would send
    f"{FIRST}=1&{FIRST}=2&{FIRST}=3",
    "&".join(f"{name}=%ZZ&{name}=%" for name in DIMENSIONS),  # broken escapes
    "=&=&&",
    "mode=dates&date_start=2024-03-31&date_end=2020-01-01",  # reversed
    "mode=dates&date_start=1900-01-01&date_end=2999-01-01",  # out of range
    "a" * 50_000,
]
if MODEL.period:
    RAW_QUERIES += [
        "mode=ops&op_start=40&op_end=2",  # reversed
        "op_start=-99999999&op_end=99999999",
    ]

tried = {"data layer": 0, "url": 0, "widgets": 0}


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory):
    """A private seeded database, opened with full rights (so a hole would show)."""
    with filled_database(tmp_path_factory.mktemp("hostile"), "hostile") as url:
        yield url


@pytest.fixture(scope="module")
def before(hostile_url):
    return fingerprint(hostile_url)


@pytest.fixture(scope="module")
def server(hostile_url, tmp_path_factory):
    with serve(APP_SCRIPT, {"DATABASE_URL": hostile_url}, tmp_path_factory.mktemp("log")) as s:
        yield s


# --- 1. The data layer -----------------------------------------------------------------

D = dt.date
HOSTILE_DATES = [D.min, D(1, 1, 2), D(1970, 1, 1), ANCHOR, D(9999, 12, 31), D.max]
HOSTILE_INTS = [-(2**63) - 1, -(2**31), -1, 0, 1, 2**31, 2**63, 2**64]


def _filters() -> list[Filters]:
    week = {"date_start": ANCHOR - dt.timedelta(days=6), "date_end": ANCHOR}
    base = {"op_start": 2, "op_end": 5, **week}
    mode = MODEL.default_mode
    cases = [Filters(mode=m, **base) for m in ("ops", "dates", "realtime", "", "x" * 10_000)]
    for name in DIMENSIONS:  # every dimension's filter, one value at a time and all at once
        cases += [Filters(mode=mode, **base, picks=((name, (v,)),)) for v in HOSTILE]
        cases += [Filters(mode=mode, **base, picks=((name, tuple(HOSTILE)),))]
        cases += [Filters(mode=mode, **base, picks=((name, ("x",) * 10_000),))]
        cases += [Filters(mode=mode, **base, picks=((name, (a,)),)) for a in HOSTILE_INTS]
    cases += [Filters(mode=mode, **base, picks=(("no such filter", ("x",)),))]
    cases += [Filters(mode=mode, **base, picks=tuple((n, tuple(HOSTILE)) for n in DIMENSIONS))]
    if MODEL.period:
        for a in HOSTILE_INTS:
            for b in HOSTILE_INTS:
                cases.append(Filters(mode="ops", **{**base, "op_start": a, "op_end": b}))
    for a in HOSTILE_DATES:
        for b in HOSTILE_DATES:
            cases.append(Filters(mode="dates", **{**base, "date_start": a, "date_end": b}))
    return cases


def _loaders() -> list:
    """Every public loader that takes filters (or a name), as f -> Loaded."""
    loaders = [data.load_totals]
    for section in MODEL.page.sections:
        loaders.append(lambda f, s=section: data.load_section(f, s))
    for ranking in RANKINGS:  # a ranking's N comes from the page: try absurd ones
        for limit in (-(2**63), 0, 2**63):
            loaders.append(lambda f, s=ranking, n=limit: data.load_section(f, s, limit=n))
    if MODEL.page.detail:
        loaders += [
            data.load_detail_count,
            lambda f: data.load_detail_page(f, 25),
            lambda f: data.load_detail_page(f, 2**63, ("last", ())),
            lambda f: data.load_detail_page(f, -(2**63), ("after", ("x' OR '1'='1",) * KEYS)),
            lambda f: data.load_detail_page(f, 25, ("before", (2**63,) * KEYS)),
        ]
    return loaders


KEYS = len(MODEL.page.detail.order_by) if MODEL.page.detail else 0  # a cursor's key values


def test_data_layer_rejects_or_answers_every_hostile_filter(hostile_url, before, monkeypatch):
    """Each loader returns a result or raises ValueError (a message); nothing else."""
    monkeypatch.setenv("DATABASE_URL", hostile_url)
    clear_caches()
    loaders = _loaders()
    try:
        for f in _filters():
            for loader in loaders:
                tried["data layer"] += 1
                try:
                    loaded = loader(f)
                except ValueError as exc:  # Filters.validate() said why
                    assert str(exc), f
                else:
                    assert not loaded.stale, (f, loaded.error)
        # A filter's options, for every dimension and for names no model has.
        for name in DIMENSIONS + VALUES:
            tried["data layer"] += 1
            try:
                loaded = data.load_members(name)
            except ValueError as exc:  # ModelError: no such dimension
                assert name not in DIMENSIONS, exc
            else:
                assert not loaded.stale and not loaded.value.empty, name
    finally:
        clear_caches()
    assert fingerprint(hostile_url) == before


# --- 2. URL query parameters on a real server ------------------------------------------


def _query_strings() -> list[str]:
    qs = [urllib.parse.urlencode({p: v}) for p in URL_PARAMS for v in VALUES]
    qs += [urllib.parse.urlencode(dict.fromkeys(URL_PARAMS, v)) for v in VALUES]
    qs += [urllib.parse.urlencode({"mode": "dates", p: v}) for p in DATE_PARAMS for v in DATES]
    return qs + RAW_QUERIES


async def _open_all(base: str, query_strings: list[str], parallel: int = 4) -> list[str]:
    gate = asyncio.Semaphore(parallel)
    problems: list[str] = []

    async def one(qs: str) -> None:
        async with gate, Tab(base, qs) as tab:
            await tab.open()
            page = tab.page
            if page.exceptions or page.errors or not (page.metrics or page.warnings):
                problems.append(f"{qs[:80]!r}: {page.exceptions or page.errors or 'empty'}")

    await asyncio.gather(*(one(qs) for qs in query_strings))
    return problems


def test_hostile_url_parameters(server, hostile_url, before):
    query_strings = _query_strings()
    tried["url"] += len(query_strings)
    problems = asyncio.run(_open_all(server.url, query_strings))
    assert not problems, "\n".join(problems)
    assert "Traceback" not in server.log.read_text()
    assert fingerprint(hostile_url) == before


# --- 3. Forged widget values over the websocket ----------------------------------------


def _forged(values: list[str]) -> dict[str, list]:
    """Widget key -> values a forged client sends, each in the wire type the widget uses.

    Not tried: NaN/inf for a number input and values of the wrong wire type. Streamlit's
    own deserializer raises on those before the app runs (int(nan)); the error stays in
    the forging session and nothing reaches the database.
    """
    numbers = [1e308, -1e308, 0.0, -1.0, 1.5, float(2**63), float(-(2**63))]
    lists = [[v] for v in values] + [list(values), [], ["x"] * 5_000]
    two_modes = [mode_label(mode) for mode in MODEL.modes[:2]]  # two at once: single choice
    forged = {key: numbers for key in PERIOD_PARAMS}
    forged["mode"] = lists[:8] + [two_modes]
    forged |= dict.fromkeys(DIMENSIONS, lists)
    for ranking in RANKINGS:  # the N control: junk, and two valid sizes at once
        forged[ranking.size_key] = lists[:8] + [[t("top_choice", n=n) for n in ranking.sizes[:2]]]
    for breakdown in BREAKDOWNS:
        forged[breakdown.view_key] = lists[:8]
    forged["date_start"] = [[v] for v in DATES] + [[d, d] for d in DATES[:2]] + lists[:4]
    forged["date_end"] = [[v] for v in DATES] + lists[:4]
    return forged


async def _forge(base: str, values: list[str]) -> tuple[int, list[str]]:
    problems: list[str] = []
    count = 0
    for key, attempts in _forged(values).items():
        async with Tab(base) as tab:
            await tab.open()
            if key.startswith("date_"):
                await tab.set_widgets(mode=[mode_label("dates")])  # the date inputs appear
            widget = tab.widgets.get(key) or pytest.fail(f"no widget {key!r} on the page")
            for value in attempts:
                count += 1
                tab._set(key, value)
                await tab._rerun(widget.fragment_id)
                if tab.page.exceptions or tab.page.errors:
                    shown = tab.page.exceptions or tab.page.errors
                    problems.append(f"{key}={str(value)[:60]!r}: {shown}")
                tab.states.pop(widget.id, None)  # the next attempt starts from a clean state
            await tab.rerun()  # and the session still works
            if tab.page.exceptions or not (tab.page.metrics or tab.page.warnings):
                problems.append(f"{key}: the session did not recover")
    return count, problems


def test_forged_widget_values(server, hostile_url, before):
    count, problems = asyncio.run(_forge(server.url, VALUES))
    tried["widgets"] += count
    assert not problems, "\n".join(problems)
    assert "Traceback" not in server.log.read_text()
    assert fingerprint(hostile_url) == before


def test_report(hostile_url, before, capsys):
    """One line for the record: how many hostile inputs, and the database unchanged."""
    assert fingerprint(hostile_url) == before
    rows = sum(n for n, _ in before.values())
    with capsys.disabled():
        print(f"\nhostile inputs tried: {tried} = {sum(tried.values())}; {rows} rows unchanged")
