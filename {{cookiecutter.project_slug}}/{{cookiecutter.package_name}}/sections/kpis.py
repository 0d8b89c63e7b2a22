"""KPI row: st.metric cards with a delta against the previous comparable period."""

from __future__ import annotations

from functools import partial

import streamlit as st

from .. import data, stats
from ..i18n import money, number, percent, t
from ..queries import Filters
from . import load, updated_caption

# Pattern: delta_color chosen per measure ("normal": up is good; a cost would
# use "inverse": up is bad; a count with no good direction would use "off").
KPIS = (
    # key (label "kpi_<key>", help "kpi_<key>_help"), format, delta_color
    ("sales", partial(money, decimals=0), "normal"),
    ("orders", number, "normal"),
    ("avg_ticket", money, "normal"),
    ("gross_margin", partial(money, decimals=0), "normal"),
)


def _period_label(f: Filters) -> str:
    if f.mode == "realtime":
        return t("vs_prev_op")
    if f.mode == "ops":
        n = f.op_end - f.op_start + 1
        return t("vs_prev_op") if n == 1 else t("vs_prev_ops", n=number(n))
    n = (f.date_end - f.date_start).days + 1
    return t("vs_prev_day") if n == 1 else t("vs_prev_days", n=number(n))


def _delta_style(change: str | None, color: str) -> dict:
    """st.metric reads the direction from the text: "-..." is down, anything else up.
    A change that rounds to zero has no sign, so it gets grey and no arrow."""
    if change and change[0] not in "+-":
        return {"delta_color": "off", "delta_arrow": "off"}
    return {"delta_color": color}


@st.fragment(key="kpis")
def kpis(f: Filters) -> None:
    with stats.section_timer("kpis"):
        value = load(data.load_kpis, f)
        if value is None:
            return
        cur, prev = value["current"], value["previous"]
        compare = _period_label(f)
        has_previous = bool(prev.get("orders"))
        # Money cards get more room than counts and percentages.
        cols = st.columns([1.2, 1, 1.1, 1.2, 1.1])
        # Value and delta are text from i18n: st.metric's printf `format` always
        # writes "1,234.56", whatever NUMBER_FORMAT says.
        for col, (key, fmt, color) in zip(cols, KPIS, strict=False):
            value = cur[key] or 0
            change = fmt(value - (prev[key] or 0), sign=True) if has_previous else None
            col.metric(
                t("kpi_" + key),
                fmt(value),
                delta=change,
                **_delta_style(change, color),
                delta_description=compare if has_previous else None,
                help=t("kpi_" + key + "_help"),
                border=True,
            )
        # Percent points, not percent: the delta carries its own unit.
        points = (cur["margin_pct"] or 0) - (prev["margin_pct"] or 0)
        change = t("points", value=number(points, 1, sign=True)) if has_previous else None
        cols[-1].metric(
            t("kpi_margin_pct"),
            percent(cur["margin_pct"] or 0),
            delta=change,
            **_delta_style(change, "normal"),
            delta_description=compare if has_previous else None,
            help=t("kpi_margin_pct_help"),
            border=True,
        )
        if not cur.get("orders"):
            st.info(t("no_sales"), icon=":material/info:")
        updated_caption()
