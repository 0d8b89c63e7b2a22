"""The real app in a real browser: Playwright driving Debian's chromium.

What only a browser can show: the page renders the model's KPIs, charts and section
titles without an exception box, a widget inside a fragment reruns only that fragment
(the first ranking's N, else a breakdown's view, else the detail's "load" toggle), and
the theme's colours reach the page and the charts. A full-page screenshot is saved as
dashboard.png in DASH_TEST_ARTEFACTS, else in tests/artifacts/.

Needs chromium: CHROMIUM_PATH, else Debian's /usr/bin/chromium, else the browser that
`playwright install chromium` downloaded. Without any the tests skip, unless CI is set
(then they fail).
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Iterator

import pytest
from conftest import APP_ROOT, APP_SCRIPT, artefacts, chromium_path, require_browser
from faultkit import BREAKDOWNS, RANKINGS, serve

from {{ cookiecutter.package_name }}.filters import mode_label
from {{ cookiecutter.package_name }}.i18n import label, t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import Breakdown, Ranking, Share
from {{ cookiecutter.package_name }}.sections import title

WAIT_MS = 30_000
VIEWPORT = {"width": 1440, "height": 900}
# A finished script run: the app root reports its state in this attribute.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHART = '[data-testid="stVegaLiteChart"]'
# Charts on the first view: every section but a breakdown, which starts as a table.
CHARTS = sum(not isinstance(s, Breakdown) for s in MODEL.page.sections)
ALL_CHARTS_DRAWN = """n => {
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
  return charts.length >= n && charts.every(c => c.querySelector('svg, canvas'));
}"""


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run` on a free port against the seeded test database."""
    require_browser()
    chromium_path()  # skip (or fail in CI) before starting a server for nothing
    log_dir = tmp_path_factory.mktemp("server")
    with serve(APP_SCRIPT, {"DATABASE_URL": database_url}, log_dir) as running:
        yield running.url


@pytest.fixture
def page(browser, server):
    """A new session on the dashboard, waited on until the first run is done."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    pg.goto(server)
    wait_idle(pg)
    pg.wait_for_function(ALL_CHARTS_DRAWN, arg=CHARTS)
    yield pg
    context.close()


def wait_idle(pg) -> None:
    pg.wait_for_selector(IDLE)


def theme() -> dict:
    with (APP_ROOT / ".streamlit" / "config.toml").open("rb") as fh:
        config = tomllib.load(fh)["theme"]
    light = config.get("light", {})
    return {
        "primary": light.get("primaryColor", config.get("primaryColor")),
        "categorical": light.get("chartCategoricalColors", config.get("chartCategoricalColors")),
    }


def rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


def heading(section, n: int | None = None) -> str:
    """A section's title as the page shows it (a ranking's with its N)."""
    if isinstance(section, Ranking):
        return title(section).format(n=section.size if n is None else n)
    return title(section)


def test_dashboard_renders_and_screenshot(page):
    if BREAKDOWNS:  # a breakdown starts as a table
        page.wait_for_selector('[data-testid="stDataFrame"] >> visible=true')
    assert page.locator('[data-testid="stMetric"]').count() >= len(MODEL.page.kpis)
    assert page.locator(CHART).count() >= CHARTS
    assert page.locator('[data-testid="stException"]').count() == 0
    for section in MODEL.page.sections:
        assert page.get_by_text(heading(section), exact=True).first.is_visible(), section.key
    # The main area scrolls inside the page: grow the viewport to the content.
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('div, section')].map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height), 4000)})
    page.wait_for_function(ALL_CHARTS_DRAWN, arg=CHARTS)
    shot = artefacts() / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000


def _full_runs(page) -> int:
    label = re.escape(t("admin_runs", n="")) + r"\d+"
    text = page.get_by_text(re.compile(label)).inner_text()
    return int(text.rsplit(":", 1)[1])


def _change_inside_a_fragment(page) -> None:
    """Use a widget inside a fragment and wait for the fragment to follow it. (A page of
    only series and shares, without a detail, has none: only the control is left.)"""
    if RANKINGS:  # the N of a ranking: its heading and chart follow the choice
        ranking = RANKINGS[0]
        other = next(n for n in ranking.sizes if n != ranking.size)
        assert page.get_by_text(heading(ranking), exact=True).first.is_visible()
        control = page.locator(f".st-key-{ranking.size_key}")
        control.get_by_role("radio", name=t("top_choice", n=other), exact=True).click()
        page.get_by_text(heading(ranking, other), exact=True).first.wait_for()
    elif BREAKDOWNS:  # a breakdown's view: the table becomes a chart
        charts = page.locator(CHART).count()
        control = page.locator(f".st-key-{BREAKDOWNS[0].view_key}")
        control.get_by_role("radio", name=re.compile(re.escape(t("view_chart")))).click()
        page.wait_for_function(ALL_CHARTS_DRAWN, arg=charts + 1)
    elif MODEL.page.detail:  # the detail's toggle: its first page of rows appears
        page.get_by_text(t("detail_load", detail=label(MODEL.page.detail.label).lower())).click()
        page.wait_for_selector('[data-testid="stDataFrame"] >> visible=true')


def test_widget_in_a_fragment_reruns_only_that_fragment(page, server):
    if not (RANKINGS or BREAKDOWNS) and MODEL.page.detail:  # the detail's toggle, then
        page.goto(f"{server}/detail")
        wait_idle(page)
    # The counter lives outside every fragment (in the operator panel).
    page.get_by_text(t("operator_panel")).click()
    before = _full_runs(page)
    _change_inside_a_fragment(page)
    wait_idle(page)
    # Outside: no full run happened.
    assert _full_runs(page) == before

    # Control: a sidebar filter does rerun the whole app, and the counter sees it.
    others = [m for m in MODEL.modes if m != MODEL.default_mode]
    other = sorted(others, key=lambda m: m == "realtime")[0]  # a historical view first
    page.locator(".st-key-mode").get_by_role("radio", name=mode_label(other), exact=True).click()
    page.get_by_text(t("admin_runs", n=before + 1)).wait_for()
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_theme_colours_reach_the_page_and_the_charts(page):
    colours = theme()
    # Primary colour: the selected option of the view switch is drawn with it.
    selected = page.locator(".st-key-mode").get_by_role(
        "radio", name=mode_label(MODEL.default_mode), exact=True
    )
    styles = selected.evaluate(
        "e => { const s = getComputedStyle(e);"
        " return [s.color, s.borderColor, s.backgroundColor]; }"
    )
    assert any(rgb(colours["primary"]) in s for s in styles), styles
    # Chart colours: bars and arcs are filled from chartCategoricalColors; a donut or
    # bars coloured by a dimension use several of them.
    fills = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg path')]
              .map(p => (p.getAttribute('fill') || '').toLowerCase())"""
    )
    palette = {c.lower() for c in colours["categorical"]}
    used = {f for f in fills if f in palette}
    several = any(isinstance(s, Share) or getattr(s, "colour", None) for s in MODEL.page.sections)
    assert len(used) >= (5 if several else min(CHARTS, 1)), sorted(set(fills))


def _open(context, server):
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    pg.goto(server)
    wait_idle(pg)
    pg.get_by_text(t("views_title"), exact=True).click()  # the sidebar's expander
    return pg


def _save_view(pg, name: str) -> None:
    field = pg.locator(".st-key-view_name input")
    if not field.is_visible():  # the expander was clicked while a first run still drew it
        pg.get_by_text(t("views_title"), exact=True).click()
    field.fill(name)
    pg.locator(".st-key-view_name input").press("Enter")
    wait_idle(pg)
    pg.locator(".st-key-view_save button").click()
    pg.get_by_text(t("views_saved", name=name)).wait_for()
    wait_idle(pg)


def test_saved_views_belong_to_their_browser_session(browser, server, app_store_url):
    """Two tabs: each sees only its own views; apply restores the filters; closing a tab
    ends its session, and on_release marks its views in the app store."""
    from sqlalchemy import create_engine, select

    from {{ cookiecutter.package_name }} import store

    others = sorted(
        (m for m in MODEL.modes if m != MODEL.default_mode), key=lambda m: m == "realtime"
    )
    one, two = (browser.new_context(viewport=VIEWPORT) for _ in range(2))
    a, b = _open(one, server), _open(two, server)
    a.locator(".st-key-mode").get_by_role("radio", name=mode_label(others[0])).click()
    wait_idle(a)
    _save_view(a, "Tab one")
    b.get_by_text(t("views_none")).wait_for()  # b sees none of a's
    _save_view(b, "Tab two")

    a.get_by_role("button", name=t("filters_reset")).click()
    mode = a.locator(".st-key-mode")
    mode.get_by_role("radio", name=mode_label(MODEL.default_mode), checked=True).wait_for()
    wait_idle(a)
    a.locator(".st-key-view_apply button").click()
    a.get_by_text(t("views_applied", name="Tab one")).wait_for()
    a.locator(".st-key-mode").get_by_role(
        "radio", name=mode_label(others[0]), checked=True
    ).wait_for()
    assert a.locator(".st-key-view_pick").inner_text().count("Tab two") == 0

    a.locator(".st-key-view_delete button").click()
    a.get_by_text(t("views_deleted", name="Tab one")).wait_for()
    a.get_by_text(t("views_none")).wait_for()
    _save_view(a, "Left behind")
    one.close()  # the session ends: its views are marked for deletion a day later
    engine = create_engine(app_store_url)
    query = select(store.views.c.released_at).where(store.views.c.name == "Left behind")
    released = None
    for _ in range(100):
        with engine.connect() as c:
            released = c.execute(query).scalar()
        if released is not None:
            break
        time.sleep(0.1)
    engine.dispose()
    two.close()
    assert released is not None, "on_release did not run when the session ended"
