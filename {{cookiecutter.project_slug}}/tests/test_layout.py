"""The page at 1280 px wide, in the project's language: every label is shown whole.

A label that is cut ("Bs 1.110.…", "vs. 7 op…") or that wraps onto a second line (a
view switch with one option alone on the next row) is a layout bug that only a browser
shows. The test opens the overview at 1280 x 800 in every view of the switch, with the
sidebar's expanders open, and checks in the DOM, for each visible label-like element
(widget labels, the options of switches, buttons, navigation links, expander titles, tabs,
headings, badges, the label, value, delta and comparison of each KPI card, placeholders,
input values, the text of cards), that its text:

- is not cut: it lies inside every box that clips it, and no element of it has more
  content than room (``scrollWidth > clientWidth``, which ``text-overflow: ellipsis``
  hides behind "…");
- does not wrap: its text boxes make one line. Sentences (captions and Markdown outside
  cards) may wrap, but are not cut either.

A table is drawn on a canvas, out of the DOM's reach: it must show every column, none
behind its own sideways scroll. The page must not scroll sideways either. The texts it
expects come from the model and the messages (KPI labels, the switch's options, the
breakdowns' tables): a page that drew none of them would pass for nothing. A full-page
screenshot of each view is saved as ``layout-<language>-<mode>.png`` in
``DASH_TEST_ARTEFACTS`` when it is set, else in ``tests/artifacts/`` (where the CI keeps it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import APP_SCRIPT, artefacts, chromium_path, require_browser
from faultkit import serve
from test_browser import ALL_CHARTS_DRAWN, CHARTS, IDLE, WAIT_MS

from {{ cookiecutter.package_name }} import settings
from {{ cookiecutter.package_name }}.filters import mode_label
from {{ cookiecutter.package_name }}.i18n import t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import Breakdown
from {{ cookiecutter.package_name }}.sections import measure_label, title

WIDTH = 1280
VIEWPORT = {"width": WIDTH, "height": 800}
# Nothing is moving: an expander that opens grows for a moment (endless spinners aside).
STILL = (
    """() => document.getAnimations().every(a => a.effect?.getTiming().iterations === Infinity)"""
)

# What is a label (one line, whole) and what is a sentence (may wrap, whole), by selector.
LABELS = [
    '[data-testid="stWidgetLabel"]',
    '[data-testid="stMetricLabel"]',
    '[data-testid="stMetricValue"]',
    '[data-testid="stMetricDelta"]',
    '[data-testid="stMetricDeltaDescription"]',
    "button",
    '[role="tab"]',
    '[data-testid="stSidebarNavLink"]',
    '[data-testid="stExpander"] summary',
    '[data-testid="stHeading"]',
    ".stMarkdownBadge",
    '[data-testid="stRadio"] label',
    '[data-testid="stCheckbox"] label',
    '[data-baseweb="select"] > div',
]
# Captions and Markdown: labels inside a card (a bordered container: its title, its
# captions), sentences elsewhere and in alerts.
SENTENCES = ['[data-testid="stCaptionContainer"]', '[data-testid="stMarkdownContainer"]']

# The checks, in the page. A text's boxes (one per line and inline box, from a Range over
# its text nodes) say where it is drawn; the boxes around it that hide an overflow say
# what of it can be seen.
MEASURE = """([labels, sentences]) => {
  const problems = [], seen = [];
  const visible = e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
    && e.getClientRects().length > 0;
  const side = e => e.closest('[data-testid="stSidebar"]') ? 'sidebar' : 'main';
  const name = e => e.dataset.testid || e.tagName.toLowerCase();
  const report = (e, text, element, found) => problems.push({where: side(e), text, element, found});
  const clips = s => s.overflowX !== 'visible' || s.textOverflow === 'ellipsis';
  // Whether a box lies outside an ancestor that clips it: sideways, any that hides or
  // scrolls an overflow; up and down, one that hides it, up to the nearest scrolling box
  // (a text below the fold of a scrolling area is whole). `first` clips in any case.
  const cutBy = (b, from, first) => {
    let scrolled = false;
    for (let a = from; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a), box = a.getBoundingClientRect();
      const tall = !scrolled && (a === first || ['hidden', 'clip'].includes(s.overflowY));
      const wide = b.left < box.left - 2 || b.right > box.right + 2;
      const high = tall && (b.top < box.top - 2 || b.bottom > box.bottom + 2);
      if ((a === first || clips(s)) && (wide || high)) return true;
      scrolled ||= ['auto', 'scroll'].includes(s.overflowY);
    }
    return false;
  };
  const icon = n => n.parentElement.closest('[data-testid="stIconMaterial"]');
  const texts = e => {
    const nodes = [], walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode())
      if (n.textContent.trim() && !icon(n) && visible(n.parentElement)) nodes.push(n);
    return nodes;
  };
  const textBoxes = e => texts(e).flatMap(n => {
    const range = document.createRange();
    range.selectNodeContents(n);
    return [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
  });
  const lines = boxes => {  // boxes whose vertical middles share no line
    const rows = [];
    for (const b of [...boxes].sort((a, c) => a.top - c.top)) {
      const middle = (b.top + b.bottom) / 2;
      if (!rows.some(r => middle >= r.top && middle <= r.bottom)) rows.push(b);
    }
    return rows.length;
  };
  const cut = (e, boxes) => {
    for (const d of [e, ...e.querySelectorAll('*')]) {
      if (d instanceof SVGElement || !visible(d)) continue;
      if (clips(getComputedStyle(d)) && d.scrollWidth > d.clientWidth + 1)
        return 'more text than room';  // what text-overflow: ellipsis ends with "…"
    }
    if (e.matches('button, [role="tab"]')) boxes = [...boxes, e.getBoundingClientRect()];
    return boxes.some(b => cutBy(b, e, null)) ? 'clipped by its container' : null;
  };
  const inCard = e => {  // inside a bordered container, not in an alert
    if (e.closest('[data-testid="stAlert"]')) return false;
    for (let a = e.parentElement; a; a = a.parentElement) {
      const border = parseFloat(getComputedStyle(a).borderTopWidth);
      if (a.dataset.testid === 'stVerticalBlock' && border > 0) return true;
    }
    return false;
  };
  const checked = new Set();
  const check = (e, kind) => {
    if (checked.has(e) || !visible(e)) return;
    checked.add(e);
    const boxes = textBoxes(e);
    const text = texts(e).map(n => n.textContent).join('').trim().replace(/\\s+/g, ' ');
    if (!boxes.length || !text) return;
    seen.push({kind, text, element: name(e)});
    const found = [], why = cut(e, boxes), rows = lines(boxes);
    if (why) found.push('cut: ' + why);
    if (kind === 'label' && rows > 1) found.push(`wrapped onto ${rows} lines`);
    if (Math.max(...boxes.map(b => b.right)) > window.innerWidth + 1)
      found.push('beyond the right edge of the window');
    if (found.length) report(e, text, name(e), found);
  };
  const anyLabel = labels.join(', ');
  for (const selector of labels)
    document.querySelectorAll(selector).forEach(e => check(e, 'label'));
  for (const selector of sentences)
    document.querySelectorAll(selector).forEach(e => {
      if (!e.parentElement.closest(anyLabel)) check(e, inCard(e) ? 'label' : 'sentence');
    });

  // The options of a switch (segmented control, pills, radio buttons) share one row.
  const groups = '[data-testid="stButtonGroup"], [role="radiogroup"]';
  for (const group of document.querySelectorAll(groups)) {
    if (!visible(group) || group.parentElement.closest(groups)) continue;
    const options = [...group.querySelectorAll('button[role], label')]
      .filter(o => visible(o) && !o.closest('[data-testid="stWidgetLabel"]'));
    const rows = lines(options.map(o => o.getBoundingClientRect()));
    const text = options.map(o => o.innerText.trim()).join(' | ');
    if (rows > 1) report(group, text, 'options', [`options on ${rows} rows`]);
  }
  // Charts: every text (axis labels, legend entries) inside its chart, none shortened.
  for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
    if (!visible(chart)) continue;
    for (const label of chart.querySelectorAll('svg text')) {
      const text = label.textContent.trim(), r = label.getBoundingClientRect();
      if (!text || !r.width || !visible(label)) continue;
      const found = [], svg = label.ownerSVGElement;
      if (cutBy(r, svg, svg)) found.push('cut: outside its chart');
      if (text.endsWith('…')) found.push('cut: shortened by the chart');
      if (found.length) report(chart, text, 'chart text', found);
    }
  }
  // Tables (drawn on a canvas, so their text is out of reach): every column in view, none
  // behind the table's own sideways scroll. A table is named by its section's title.
  const titleOf = e => {
    for (let a = e.parentElement; a; a = a.parentElement) {
      const head = a.querySelector('[data-testid="stMarkdownContainer"] strong');
      if (head) return head.textContent.trim();
    }
    return '';
  };
  for (const table of document.querySelectorAll('[data-testid="stDataFrame"]')) {
    const scroller = table.querySelector('.dvn-scroller');
    if (!visible(table) || !scroller) continue;
    const text = titleOf(table), hidden = scroller.scrollWidth - scroller.clientWidth;
    seen.push({kind: 'table', text, element: 'table'});
    if (hidden > 1)
      report(table, text, 'table', [`cut: ${hidden} px of columns behind a sideways scroll`]);
  }
  // Text fields: the value, or the placeholder while empty, fits the field.
  const ruler = document.createElement('canvas').getContext('2d');
  for (const field of document.querySelectorAll('input:not([type]), input[type="text"], '
                                                + 'input[type="number"]')) {
    const s = getComputedStyle(field), text = field.value || field.placeholder;
    if (!text || !visible(field)) continue;
    ruler.font = s.font;
    const room = field.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    if (ruler.measureText(text).width > room + 1 || field.scrollWidth > field.clientWidth + 1)
      report(field, text, field.value ? 'input' : 'placeholder', ['cut: wider than its field']);
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1)
    report(page, '', 'html', ['the page scrolls sideways']);
  return {problems, seen};
}"""


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run` on a free port against the seeded test database."""
    require_browser()
    chromium_path()
    with serve(APP_SCRIPT, {"DATABASE_URL": database_url}, tmp_path_factory.mktemp("server")) as s:
        yield s.url


def settle(page) -> None:
    """The run is over, the charts are drawn and the fonts (icons too) are in."""
    page.wait_for_selector(IDLE)
    page.wait_for_function(ALL_CHARTS_DRAWN, arg=CHARTS)
    page.wait_for_function(STILL)
    page.evaluate("document.fonts.ready.then(() => true)")


def screenshot(page, path: Path) -> None:
    """The whole page: the main area scrolls inside it, so the window grows to it first."""
    height = page.evaluate(
        """() => {
          const boxes = [...document.querySelectorAll('div, section')];
          boxes.forEach(e => { e.scrollTop = 0; });
          return Math.max(...boxes.map(e => e.scrollHeight));
        }"""
    )
    page.set_viewport_size({"width": WIDTH, "height": min(int(height), 6000)})
    settle(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)
    settle(page)
    print(f"screenshot: {path}")


def describe(problems: list[dict]) -> str:
    return "\n".join(
        f"  [{p['where']}] {p['element']} {p['text']!r}: {', '.join(p['found'])}" for p in problems
    )


def test_every_label_is_whole_at_1280_px(browser, server):
    assert_page_whole(browser, server, "layout")


def assert_page_whole(browser, url: str, prefix: str) -> None:
    """Every view of the overview at ``url``, checked and saved as
    ``<prefix>-<language>-<mode>.png`` (tests/demo/test_demo_layout.py: the demo's data)."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    failures = []
    try:
        page.goto(url)
        settle(page)
        # Open the sidebar's expanders (saved views, the operator panel): their labels too.
        closed = page.locator('[data-testid="stSidebar"] details:not([open]) > summary')
        for _ in range(closed.count()):
            closed.first.click()
        settle(page)
        modes = [MODEL.default_mode, *(m for m in MODEL.modes if m != MODEL.default_mode)]
        for mode in modes:
            if mode != MODEL.default_mode:
                switch = page.locator(".st-key-mode")
                switch.get_by_role("radio", name=mode_label(mode), exact=True).click()
                switch.get_by_role("radio", name=mode_label(mode), checked=True).wait_for()
            settle(page)
            found = page.evaluate(MEASURE, [LABELS, SENTENCES])
            seen = {(s["element"], s["text"]) for s in found["seen"]}
            # The scan saw what the model and the messages put on the page.
            for name in MODEL.page.kpis:
                assert ("stMetricLabel", measure_label(name)) in seen, (mode, name)
            for option in MODEL.modes:
                assert any(text == mode_label(option) for _, text in seen), option
            assert any(text == t("filters_reset") for _, text in seen)
            # A breakdown opens as a table: the scan measured it.
            for section in MODEL.page.sections:
                if isinstance(section, Breakdown):
                    assert ("table", title(section)) in seen, (mode, section.key)
            if found["problems"]:
                failures.append(f"view {mode!r}:\n{describe(found['problems'])}")
            screenshot(page, artefacts() / f"{prefix}-{settings.LANGUAGE}-{mode}.png")
    finally:
        context.close()
    assert not failures, f"labels not shown whole at {WIDTH} px:\n" + "\n".join(failures)
