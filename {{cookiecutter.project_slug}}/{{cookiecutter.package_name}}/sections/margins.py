"""Margins by category: a formatted table, or the same numbers as a chart."""

from __future__ import annotations

import altair as alt
import streamlit as st

from .. import data, i18n, settings, stats
from ..i18n import t
from ..queries import Filters
from . import chart, load, updated_caption

VIEWS = {"table": ":material/table:", "chart": ":material/bar_chart:"}  # icon per view


@st.fragment(key="margins")
def margins(f: Filters) -> None:
    with stats.section_timer("margins"):
        with st.container(border=True):
            head, control = st.columns([3, 2], vertical_alignment="center")
            head.markdown(f"**{t('margins_title')}**")
            # Pattern: keyed widget inside a fragment (reruns only this section).
            control.segmented_control(
                t("margins_view"),
                list(VIEWS),
                format_func=lambda view: f"{VIEWS[view]} {t('view_' + view)}",
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
                st.info(t("no_sales"))
            elif st.session_state["margins_view"] == "chart":
                chart(_long(df), _chart, height=max(220, 48 * len(df)))
            else:
                _table(df)
        updated_caption()


def _series() -> dict[str, str]:
    """The two parts of each bar: column -> label."""
    return {"margin": t("col_margin"), "cost": t("col_cost")}


def _long(df):
    """One row per category and part (margin, cost), for a stacked bar."""
    series = _series()
    long = df.melt(id_vars="category", value_vars=list(series), var_name="part")
    long["part"] = long["part"].map(series)
    # Every segment's tooltip shows the whole row of its category.
    return long.merge(df.assign(share=df["margin_pct"] / 100), on="category")


def _chart() -> alt.Chart:
    """Sales split into margin and cost: one stacked bar per category (no data)."""
    return (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X(
                "value:Q",
                stack=True,
                title=t("axis_amount", currency=settings.CURRENCY),
            ),
            y=alt.Y("category:N", sort="-x", title=None),
            color=alt.Color("part:N", title=None, sort=list(_series().values())),
            tooltip=[
                alt.Tooltip("category:N", title=t("col_category")),
                alt.Tooltip("sales:Q", title=t("col_sales"), format=i18n.CHART_MONEY),
                alt.Tooltip("cost:Q", title=t("col_cost"), format=i18n.CHART_MONEY),
                alt.Tooltip("margin:Q", title=t("col_margin"), format=i18n.CHART_MONEY),
                alt.Tooltip("share:Q", title=t("col_margin_pct"), format=i18n.CHART_SHARE),
            ],
        )
    )


def _table(df) -> None:
    col = st.column_config.NumberColumn  # no format=: i18n.table() writes the cells
    st.dataframe(
        i18n.table(
            df.sort_values("margin", ascending=False),
            money_columns=("sales", "cost", "margin"),
            percent_columns=("margin_pct",),
        ),
        hide_index=True,
        column_order=["category", "sales", "cost", "margin", "margin_pct"],
        column_config={
            "category": st.column_config.TextColumn(t("col_category")),
            "sales": col(t("col_sales")),
            "cost": col(t("col_cost")),
            "margin": col(t("col_margin")),
            "margin_pct": col(t("col_margin_pct")),
        },
    )
