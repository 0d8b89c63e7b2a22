"""Margins by category: a formatted table, or the same numbers as a chart."""

from __future__ import annotations

import streamlit as st

from .. import data, settings, stats
from ..queries import Filters
from . import MONEY, load, updated_caption

VIEWS = {"table": ":material/table: Table", "chart": ":material/bar_chart: Chart"}


@st.fragment(key="margins")
def margins(f: Filters) -> None:
    with stats.section_timer("margins"):
        with st.container(border=True):
            head, control = st.columns([3, 2], vertical_alignment="center")
            head.markdown("**Margins by category**")
            # Pattern: keyed widget inside a fragment (reruns only this section).
            control.segmented_control(
                "View",
                list(VIEWS),
                format_func=VIEWS.get,
                key="margins_view",
                required=True,
                persist_state="session",
                label_visibility="collapsed",
                width="stretch",
            )
            df = load(data.load_margins_by_category, f)
            if df is None:
                pass
            elif df.empty:
                st.info("No sales in the selected range.")
            elif st.session_state["margins_view"] == "chart":
                st.bar_chart(
                    df,
                    x="category",
                    y=["margin", "cost"],
                    x_label="",
                    y_label=f"Sales ({settings.CURRENCY})",
                    horizontal=True,
                    height=max(220, 48 * len(df)),
                )
            else:
                _table(df)
        updated_caption()


def _table(df) -> None:
    money = st.column_config.NumberColumn
    st.dataframe(
        df.sort_values("margin", ascending=False),
        hide_index=True,
        column_order=["category", "sales", "cost", "margin", "margin_pct"],
        column_config={
            "category": st.column_config.TextColumn("Category"),
            "sales": money("Sales", format=MONEY),
            "cost": money("Cost", format=MONEY),
            "margin": money("Margin", format=MONEY),
            "margin_pct": st.column_config.NumberColumn("Margin %", format="%.1f%%"),
        },
    )
