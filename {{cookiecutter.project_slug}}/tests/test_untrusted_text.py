"""What the database holds is text, never markup: the real page in a real browser.

Every value of every dimension (model.py) is a Markdown or HTML payload (an image from a
tracker, a ``javascript:`` link, ``<img onerror>``, ``:red[...]``, ``$x^2$``, an icon, a
bare link). The browser records every request and every dialog while the test opens every
page and view with one dimension's values chosen: no request may leave 127.0.0.1, no
dialog may open, no formatting may come from the data, and the names must be visible as
typed: in the header, the filter's chips, the charts' labels and tooltips, the detail.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from conftest import APP_SCRIPT, chromium_path, filled_database, require_browser
from faultkit import BREAKDOWNS, serve, without_constraints
from sqlalchemy import Column, String, bindparam, create_engine, make_url, select
from test_browser import (
    ALL_CHARTS_DRAWN,
    CHART,
    CHARTS,
    IDLE,
    VIEWPORT,
    WAIT_MS,
    heading,
)

from {{ cookiecutter.package_name }} import queries
from {{ cookiecutter.package_name }}.filters import mode_label
from {{ cookiecutter.package_name }}.i18n import label, t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import Ranking, Share

PAYLOADS = [
    "![t](http://tracker.invalid/p.png)",
    "[click](javascript:alert(1))",
    "<img src=x onerror=alert(2)>",
    ":red[red alert]",
    "$x^2$ and $$y$$",
    "**bold** _it_ `code` ~~gone~~",
    ":material/warning: www.tracker.invalid",
    "<script>alert(3)</script>",
    "# head - item > quote | pipe",
]
LOCAL = {"127.0.0.1"}
# What formatting from the data would leave in the page (none of it may appear).
FORMATTING = """() => {
  const offsite = el => { const u = new URL(el.getAttribute('src') || el.getAttribute('href')
      || '', location.href); return u.hostname !== location.hostname; };
  return {
    images: [...document.querySelectorAll('img')].filter(offsite).map(e => e.outerHTML),
    links: [...document.querySelectorAll('a[href]')].filter(
        a => a.href.startsWith('javascript:') || offsite(a)).map(e => e.outerHTML),
    maths: document.querySelectorAll('.katex').length,
    marked: [...document.querySelectorAll(
        '[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"]')]
        .filter(m => /tracker|red alert|x\\^2|bold|head - item/.test(m.textContent))
        .filter(m => m.querySelector(':scope > p *, :scope > :not(p)'))
        .map(m => m.innerHTML),
  };
}"""


# The dimension whose values the views are opened with: one whose values are its names
# (the header then lists them), else the first.
CHOSEN = next((d for d in MODEL.dimensions if d.key is None), MODEL.dimensions[0])
MAX_CHOSEN = 2 * len(PAYLOADS)


def payload(n: int, letter: str, width: int | None) -> str:
    """The n-th payload of a column, cut to its width; the suffix (a letter per column, a
    number per value) keeps every name distinct, so a unique column stays unique."""
    suffix = f" {letter}{n}"
    return PAYLOADS[n % len(PAYLOADS)][: (width or 10_000) - len(suffix)] + suffix


def write_payloads(url: str) -> None:
    """Every dimension's text column (a column of a model table) rewritten with payloads."""
    columns = dict.fromkeys(
        d.column
        for d in MODEL.dimensions
        if isinstance(d.column, Column) and isinstance(d.column.type, String)
    )
    if make_url(url).get_backend_name() == "duckdb":
        without_constraints(url)  # DuckDB cannot update a row a key refers to
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            for letter, column in zip(string.ascii_uppercase, columns, strict=False):
                # By value, not by row: rows that shared a value still do, and a table
                # without a primary key is not rewritten once per row.
                named = select(column).distinct().where(column.is_not(None)).order_by(column)
                values = c.execute(named).scalars()
                width = getattr(column.type, "length", None)
                renamed = [(old, payload(n, letter, width)) for n, old in enumerate(values)]
                update = (
                    column.table.update()
                    .where(column == bindparam("old"))
                    .values({column.name: bindparam("new")})
                )
                c.execute(update, [{"old": old, "new": new} for old, new in renamed])
    finally:
        engine.dispose()


def members(url: str, dimension: str):
    """(values, names) a dimension's filter offers."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            frame = queries.fetch_members(c, dimension)
    finally:
        engine.dispose()
    return [v.item() if hasattr(v, "item") else v for v in frame["value"]], list(frame["name"])


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    """The dashboard on a database whose names are payloads, and those names by dimension."""
    require_browser()
    chromium_path()
    folder = tmp_path_factory.mktemp("untrusted")
    with filled_database(folder, "untrusted") as url:
        write_payloads(url)
        names = {d.name: members(url, d.name) for d in MODEL.dimensions}
        with serve(APP_SCRIPT, {"DATABASE_URL": url}, folder) as server:
            yield server.url, names


@pytest.fixture(scope="module")
def watched(hostile_server):
    """A browser page that records requests leaving 127.0.0.1 (and blocks them) and dialogs."""
    sync_playwright = require_browser()
    offsite: list[str] = []
    dialogs: list[str] = []

    def guard(route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL:
            offsite.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport=VIEWPORT)
        context.route("**/*", guard)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        yield page, offsite, dialogs
        browser.close()


def visible(text: str) -> str:
    """Page text as a reader sees it (word joiners are invisible)."""
    return " ".join(text.replace("\u2060", "").split())


def open_view(page, base: str, path: str = "", mode: str | None = None, **params) -> None:
    """Open a page with the filters in the URL, then pick the view mode as a user would."""
    page.goto(f"{base}/{path}?{urlencode(params, doseq=True)}")
    page.wait_for_selector(IDLE)
    if mode not in (None, MODEL.default_mode):
        radio = page.locator(".st-key-mode").get_by_role("radio", name=mode_label(mode), exact=True)
        radio.click()
        page.wait_for_selector(IDLE)
    page.wait_for_timeout(500)  # charts draw after the run ends


def assert_literal(page, offsite: list[str], dialogs: list[str]) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    found = page.evaluate(FORMATTING)
    assert found == {"images": [], "links": [], "maths": 0, "marked": []}, found
    assert offsite == [] and dialogs == []


def shown_as_typed(name: str, labels: list[str]) -> bool:
    """A chart label is the name, or the name shortened with "…" (long legend labels)."""
    return any(
        label == name or (label.endswith("…") and name.startswith(label[:-1])) for label in labels
    )


def section_box(page, section):
    """The bordered box of a section: the innermost block with its heading and a chart."""
    title = page.get_by_text(heading(section), exact=True)
    blocks = page.locator('[data-testid="stVerticalBlock"]').filter(has=title)
    return blocks.filter(has=page.locator(CHART)).last


def test_names_from_the_database_are_shown_as_typed_and_fetch_nothing(hostile_server, watched):
    base, names = hostile_server
    page, offsite, dialogs = watched
    _values, chosen = (part[:MAX_CHOSEN] for part in names[CHOSEN.name])
    subtitle = label(MODEL.page.subtitle, t("page_overview"))
    for mode in MODEL.modes:  # every view, the payload values chosen
        # A link names the values as the filter shows them (a keyed one's names too).
        open_view(page, base, mode=mode, **{CHOSEN.name: chosen})
        chips = page.locator('[data-testid="stMultiSelect"]')  # not a table's hidden cell
        chips.get_by_text(chosen[-1], exact=True).first.wait_for()  # the chips are drawn
        assert_literal(page, offsite, dialogs)
        if CHOSEN.key is None:  # the header lists the chosen names, as typed
            header = page.locator('[data-testid="stCaptionContainer"]').filter(
                has_text=re.compile(re.escape(subtitle))
            )
            caption = visible(header.first.inner_text())
            for name in chosen:
                assert visible(name) in caption, (name, caption)
        widgets = page.locator('[data-testid="stMultiSelect"]').all_inner_texts()
        chips = visible(" ".join(widgets))  # the chosen values, as chips
        assert all(visible(name) in chips for name in chosen), chips

    # Every value: the charts' legends and labels show the names as text.
    open_view(page, base)
    page.wait_for_function(ALL_CHARTS_DRAWN, arg=CHARTS)
    texts = page.locator(f"{CHART} svg text")
    if CHARTS:
        texts.first.wait_for()  # the labels are drawn
    labels = texts.all_text_contents()
    for section in MODEL.page.sections:
        if isinstance(section, Share) or getattr(section, "colour", None):
            # A legend lists every value of its dimension.
            legend = section.dimension if isinstance(section, Share) else section.colour
            for name in names[legend][1]:
                assert shown_as_typed(name, labels), (name, labels)
        if isinstance(section, Ranking):  # the bars' labels: the best N values
            assert any(shown_as_typed(n, labels) for n in names[section.dimension][1]), labels

    # A chart's tooltip on the same names: a breakdown's chart view, else the first chart.
    with_names = BREAKDOWNS + [s for s in MODEL.page.sections if isinstance(s, Share | Ranking)]
    if with_names:
        target = with_names[0]
        if target in BREAKDOWNS:  # its chart view: one chart more on the page
            charts = page.locator(CHART).count()
            control = page.locator(f".st-key-{target.view_key}")
            control.get_by_role("radio", name=re.compile(re.escape(t("view_chart")))).click()
            page.wait_for_function(ALL_CHARTS_DRAWN, arg=charts + 1)
        marks = section_box(page, target).locator("g.mark-rect path, g.mark-arc path")
        # Vega's bars and arcs: the biggest (a small part of a stacked bar can be thinner
        # than a pixel, too thin to point at).
        areas = marks.evaluate_all(
            "ms => ms.map(m => { const b = m.getBoundingClientRect(); return b.width * b.height; })"
        )
        marks.nth(areas.index(max(areas))).hover()
        tooltip = page.locator("#vg-tooltip-element")
        tooltip.wait_for()
        shown = visible(tooltip.inner_text())
        assert any(visible(name) in shown for name in names[target.dimension][1]), shown
        assert "<img" not in tooltip.inner_html()
    assert_literal(page, offsite, dialogs)

    # The detail page: its rows loaded, and the lookup table under them.
    detail = MODEL.page.detail
    if detail:
        open_view(page, base, "detail", **{CHOSEN.name: chosen})
        page.get_by_text(t("detail_load", detail=label(detail.label).lower())).click()
        page.wait_for_selector(IDLE)
        if MODEL.page.lookup:
            page.get_by_text(label(MODEL.page.lookup.title)).click()
        page.wait_for_selector('[data-testid="stDataFrame"] >> visible=true')
        tables = page.locator('[data-testid="stDataFrame"]')
        assert tables.count() >= 1 + bool(MODEL.page.lookup)  # the rows, the lookup
        assert_literal(page, offsite, dialogs)
