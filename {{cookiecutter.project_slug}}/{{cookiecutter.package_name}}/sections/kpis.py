"""KPI row: st.metric cards with a delta against the previous comparable period."""

from __future__ import annotations

import streamlit as st

from .. import data, stats
from ..queries import Filters
from . import MONEY, MONEY_ROUND, load, updated_caption

# Pattern: delta_color chosen per measure ("normal": up is good; a cost would
# use "inverse": up is bad; a count with no good direction would use "off").
KPIS = (
    # key, label, format, delta_color, help
    ("sales", "Sales", MONEY_ROUND, "normal", "Revenue of the order lines in scope."),
    ("orders", "Orders", "%,d", "normal", "Distinct orders (tickets)."),
    ("avg_ticket", "Average ticket", MONEY, "normal", "Sales divided by orders."),
    ("gross_margin", "Gross margin", MONEY_ROUND, "normal", "Sales minus the cost of goods."),
)


def _period_label(f: Filters) -> str:
    if f.mode == "realtime":
        return "vs prev. op"
    if f.mode == "ops":
        n = f.op_end - f.op_start + 1
        return "vs prev. op" if n == 1 else f"vs prev. {n} ops"
    n = (f.date_end - f.date_start).days + 1
    return "vs prev. day" if n == 1 else f"vs prev. {n} days"


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
        for col, (key, label, fmt, color, help_text) in zip(cols, KPIS, strict=False):
            value = cur[key] or 0
            col.metric(
                label,
                value,
                delta=value - (prev[key] or 0) if has_previous else None,
                delta_color=color,
                delta_description=compare if has_previous else None,
                format=fmt,
                help=help_text,
                border=True,
            )
        # Percent points, not percent: a string delta keeps its own unit.
        points = (cur["margin_pct"] or 0) - (prev["margin_pct"] or 0)
        cols[-1].metric(
            "Margin %",
            cur["margin_pct"] or 0,
            delta=f"{points:+.1f} pp" if has_previous else None,
            delta_color="normal",
            delta_description=compare if has_previous else None,
            format="%.1f%%",
            help="Gross margin as a share of sales.",
            border=True,
        )
        if not cur.get("orders"):
            st.info("No sales in the selected range.", icon=":material/info:")
        updated_caption()
