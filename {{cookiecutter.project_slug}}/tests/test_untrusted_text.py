"""What the database holds is text, never markup: the real page in a real browser.

Every category and product name is a Markdown or HTML payload (an image from a tracker, a
``javascript:`` link, ``<img onerror>``, ``:red[...]``, ``$x^2$``, an icon, a bare link).
The browser records every request and every dialog while the test opens every page and
view with those categories selected: no request may leave 127.0.0.1, no dialog may open,
no formatting may come from the data, and the names must be visible as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from conftest import APP_SCRIPT, ui_database
from faultkit import serve
from sqlalchemy import bindparam, create_engine, select
from test_browser import (
    ALL_CHARTS_DRAWN,
    IDLE,
    VIEWPORT,
    WAIT_MS,
    _chromium_path,
    _require_browser,
)

from {{ cookiecutter.package_name }}.i18n import t
from {{ cookiecutter.package_name }}.queries import categories, products

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


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on a database whose names are payloads."""
    _require_browser()
    _chromium_path()
    folder = tmp_path_factory.mktemp("untrusted")
    with ui_database(folder) as url:
        engine = create_engine(url)
        with engine.begin() as c:
            ids = c.execute(select(categories.c.category_id).order_by("category_id")).scalars()
            for index, category_id in enumerate(list(ids)):
                c.execute(
                    categories.update()
                    .where(categories.c.category_id == bindparam("cid"))
                    .values(name=bindparam("n")),
                    {"cid": category_id, "n": PAYLOADS[index % len(PAYLOADS)] + f" {index}"},
                )
            c.execute(
                products.update().values(
                    name=products.c.name + " " + bindparam("p", PAYLOADS[0] + " " + PAYLOADS[3])
                )
            )
        engine.dispose()
        with serve(APP_SCRIPT, {"DATABASE_URL": url}, folder) as server:
            yield server.url


@pytest.fixture(scope="module")
def watched(hostile_server):
    """A browser page that records requests leaving 127.0.0.1 (and blocks them) and dialogs."""
    sync_playwright = _require_browser()
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
            executable_path=_chromium_path(),
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


def open_view(page, base: str, path: str = "", mode: str = "ops", **params) -> None:
    """Open a page with the filters in the URL, then pick the view mode as a user would."""
    page.goto(f"{base}/{path}?{urlencode(params, doseq=True)}")
    page.wait_for_selector(IDLE)
    if mode != "ops":
        page.locator(".st-key-mode").get_by_role("radio", name=t("mode_" + mode)).click()
        page.wait_for_selector(IDLE)
    if "categories" in params:  # the chips are drawn: the filters reached the page
        page.get_by_text(params["categories"][-1], exact=True).first.wait_for()
    page.wait_for_timeout(500)  # charts draw after the run ends


def assert_literal(page, offsite: list[str], dialogs: list[str]) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    found = page.evaluate(FORMATTING)
    assert found == {"images": [], "links": [], "maths": 0, "marked": []}, found
    assert offsite == [] and dialogs == []


def test_names_from_the_database_are_shown_as_typed_and_fetch_nothing(hostile_server, watched):
    page, offsite, dialogs = watched
    names = [payload + f" {i}" for i, payload in enumerate(PAYLOADS)]
    for mode in ("ops", "dates", "realtime"):  # every view, the payload categories chosen
        open_view(page, hostile_server, mode=mode, categories=names)
        assert_literal(page, offsite, dialogs)
        header = page.locator('[data-testid="stCaptionContainer"]').filter(
            has_text=re.compile(re.escape(t("subtitle_overview")))
        )
        caption = visible(header.first.inner_text())
        for name in names:  # the header lists the chosen categories, as typed
            assert visible(name) in caption, (name, caption)
        widgets = page.locator('[data-testid="stMultiSelect"]').all_inner_texts()
        chips = visible(" ".join(widgets))  # the selected categories, as chips
        assert all(visible(name) in chips for name in names), chips

    # Every category: the charts' legends and labels show the names as text.
    open_view(page, hostile_server)
    page.wait_for_function(ALL_CHARTS_DRAWN)
    legend = page.locator('[data-testid="stVegaLiteChart"] svg text').filter(has_text=names[4])
    legend.first.wait_for()  # the labels are drawn
    labels = page.locator('[data-testid="stVegaLiteChart"] svg text').all_text_contents()
    for name in names:  # a legend shortens a long label with "…", nothing else changes
        assert any(
            label == name or (label.endswith("…") and name.startswith(label[:-1]))
            for label in labels
        ), (name, labels)
    # The margins section's other view, and a chart's tooltip on the same names.
    page.locator(".st-key-margins_view").get_by_role(
        "radio", name=re.compile(t("view_chart"))
    ).click()
    page.wait_for_selector(IDLE)
    margins_chart = page.locator('[data-testid="stVegaLiteChart"]').last
    margins_chart.locator('path[aria-roledescription="bar"]').first.hover()
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for()
    assert any(visible(name) in visible(tooltip.inner_text()) for name in names)
    assert "<img" not in tooltip.inner_html()
    assert_literal(page, offsite, dialogs)

    # The order lines page: the detail table and the catalogue.
    open_view(page, hostile_server, "order_lines", categories=names)
    page.get_by_text(t("detail_load")).click()
    page.wait_for_selector(IDLE)
    page.get_by_text(t("catalogue_title")).click()
    page.wait_for_selector('[data-testid="stDataFrame"] >> visible=true')
    assert page.locator('[data-testid="stDataFrame"]').count() >= 2  # order lines, catalogue
    assert_literal(page, offsite, dialogs)
