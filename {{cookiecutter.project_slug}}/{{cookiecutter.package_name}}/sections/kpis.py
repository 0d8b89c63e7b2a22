"""KPI row: st.metric cards with a delta against the previous comparable period."""

from __future__ import annotations

import streamlit as st

from .. import data, stats
from ..i18n import label, number, t, value
from ..model import MODEL
from ..modeling import DOWN, PERCENT, UP
from ..queries import Filters
from . import load, measure_label, updated_caption

# Pattern: delta_color chosen per measure: "normal" when up is good, "inverse" when down
# is good (a cost), "off" for a measure with no good direction (model.py: ``good``).
DELTA_COLOURS = {UP: "normal", DOWN: "inverse", None: "off"}
# The narrowest a card gets: a money value of ten digits at the theme's metric size, and
# the delta with its comparison ("vs. 7 ops. ant."). st.grid puts as many cards side by
# side as fit at this width and moves the others to the next row (at 1280 px with the
# sidebar open, three and two); a card is never narrowed until its text is cut.
CARD_MIN_WIDTH = 230


def _period_label(f: Filters) -> str:
    period = MODEL.period
    if f.mode == "realtime" or f.mode == "ops":
        n = 1 if f.mode == "realtime" else f.op_end - f.op_start + 1
        if period is None:  # realtime without a period: the latest day
            return t("vs_prev_day")
        one = label(period.short) or label(period.label).lower()
        many = label(period.shorts) or label(period.plural).lower()
        if n == 1:
            return t("vs_prev_op", period=one)
        return t("vs_prev_ops", n=number(n), periods=many)
    n = (f.date_end - f.date_start).days + 1
    return t("vs_prev_day") if n == 1 else t("vs_prev_days", n=number(n))


def _delta_style(change: str | None, colour: str) -> dict:
    """st.metric reads the direction from the text: "-..." is down, anything else up.
    A change that rounds to zero has no sign, so it gets grey and no arrow."""
    if change and change[0] not in "+-":
        return {"delta_color": "off", "delta_arrow": "off"}
    return {"delta_color": colour}


@st.fragment
def kpis(f: Filters) -> None:
    with stats.section_timer("kpis"):
        totals = load(data.load_totals, f)
        if totals is None:
            return
        current, previous = totals["current"], totals["previous"]
        compare = _period_label(f)
        # A comparison needs a previous scope with data: its first measure is not zero.
        has_previous = any(previous.get(name) for name in MODEL.page.kpis)
        columns = min(len(MODEL.page.kpis), 24)  # st.grid takes up to 24
        cards = st.grid(columns, min_column_width=CARD_MIN_WIDTH)
        # Value and delta are text from i18n: st.metric's printf `format` always writes
        # "1,234.56", whatever the locale says.
        for name in MODEL.page.kpis:
            measure = MODEL.measure(name)
            now, before = current[name] or 0, previous[name] or 0
            change = None
            if has_previous and measure.kind == PERCENT:  # points, not percent
                change = t("points", value=number(now - before, 1, sign=True))
            elif has_previous:
                change = value(now - before, measure.kind, measure.decimals, sign=True)
            cards.metric(
                measure_label(name),
                value(now, measure.kind, measure.decimals),
                delta=change,
                **_delta_style(change, DELTA_COLOURS[measure.good]),
                delta_description=compare if has_previous else None,
                help=label(measure.help) or None,
                border=True,
            )
        if not any(current.get(name) for name in MODEL.page.kpis):
            st.info(t("no_data"), icon=":material/info:")
        updated_caption()
