"""Charts: sales by hour, sales by category, top products.

No colour is written here: Streamlit paints Vega-Lite charts with the theme's
chartCategoricalColors / chartSequentialColors from .streamlit/config.toml.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from .. import data, i18n, settings, stats
from ..db import DatabaseUnavailable
from ..i18n import t
from ..queries import Filters
from . import load, updated_caption

TOP_CHOICES = (5, 10, 15)


@st.fragment(key="sales_charts")
def sales_charts(f: Filters) -> None:
    """Sales by hour (area) and share by category (donut), side by side."""
    with stats.section_timer("sales_charts"):
        left, right = st.columns([3, 2], gap="medium")
        with left.container(border=True, height="stretch"):
            st.markdown(f"**{t('sales_by_hour')}**")
            by_hour = load(data.load_sales_by_hour, f)
            if by_hour is not None:
                st.altair_chart(i18n.chart(_by_hour(_open_hours(by_hour))), height=300)
        with right.container(border=True, height="stretch"):
            st.markdown(f"**{t('sales_by_category')}**")
            by_cat = load(data.load_sales_by_category, f)
            if by_cat is not None and not by_cat.empty:
                st.altair_chart(i18n.chart(_donut(by_cat)), height=300)
        updated_caption()


def _open_hours(df):
    """Only the span of hours with sales (a restaurant closed at 4 am has no bars there)."""
    df = df.assign(hour=df["hour"].astype(int))
    busy = df.loc[df["sales"] > 0, "hour"]
    if busy.empty:
        return df
    return df[(df["hour"] >= busy.min()) & (df["hour"] <= busy.max())]


def _by_hour(df):
    """One bar per hour of the day (Altair, not st.bar_chart: it needs i18n.chart())."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("hour:O", title=t("axis_hour"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sales:Q", title=t("axis_sales", currency=settings.CURRENCY)),
            tooltip=[
                alt.Tooltip("hour:O", title=t("col_hour")),
                alt.Tooltip("sales:Q", title=t("col_sales"), format=i18n.CHART_MONEY),
                alt.Tooltip("orders:Q", title=t("col_orders"), format=i18n.CHART_COUNT),
            ],
        )
    )


def _category_colour(legend: alt.Legend) -> alt.Color:
    """Colour by category with a fixed domain, so a category keeps its colour in
    every chart; the colours themselves (the range) come from the theme."""
    try:
        domain = sorted(data.load_catalogue().value["category"].unique())
    except DatabaseUnavailable:
        domain = None  # colours may then differ between charts; never fail for that
    scale = alt.Scale(domain=domain) if domain else alt.Undefined
    return alt.Color("category:N", scale=scale, legend=legend)


def _donut(df):
    """Share of sales per category; the colour scale comes from the theme."""
    total = float(df["sales"].sum()) or 1.0
    df = df.assign(share=df["sales"].astype(float) / total)
    base = alt.Chart(df).encode(
        theta=alt.Theta("sales:Q", stack=True),
        color=_category_colour(alt.Legend(title=None)),
        order=alt.Order("sales:Q", sort="descending"),
        tooltip=[
            alt.Tooltip("category:N", title=t("col_category")),
            alt.Tooltip("sales:Q", title=t("col_sales"), format=i18n.CHART_MONEY),
            alt.Tooltip("share:Q", title=t("col_share"), format=i18n.CHART_SHARE),
            alt.Tooltip("orders:Q", title=t("col_orders"), format=i18n.CHART_COUNT),
        ],
    )
    return base.mark_arc(innerRadius=70, padAngle=0.01)


def _ranking(df):
    """Horizontal bars, best seller on top, coloured by category (theme colours)."""
    return (
        alt.Chart(df)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            x=alt.X("sales:Q", title=t("axis_sales", currency=settings.CURRENCY)),
            y=alt.Y("product:N", sort="-x", title=None),
            color=_category_colour(alt.Legend(title=None, orient="bottom", columns=5)),
            tooltip=[
                alt.Tooltip("product:N", title=t("col_product")),
                alt.Tooltip("category:N", title=t("col_category")),
                alt.Tooltip("qty:Q", title=t("col_units"), format=i18n.CHART_COUNT),
                alt.Tooltip("sales:Q", title=t("col_sales"), format=i18n.CHART_MONEY),
            ],
        )
    )


@st.fragment(key="top_products")
def top_products(f: Filters) -> None:
    """Best sellers; the Top-N control reruns only this fragment."""
    with stats.section_timer("top_products"):
        with st.container(border=True):
            head, control = st.columns([1, 1], vertical_alignment="center")
            # Pattern: keyed widget inside a fragment (reruns only this section).
            control.segmented_control(
                t("top_show"),
                TOP_CHOICES,
                format_func=lambda n: t("top_choice", n=n),
                key="top_n",
                required=True,
                persist_state="session",
                label_visibility="collapsed",
                width="stretch",
            )
            limit = st.session_state["top_n"]
            head.markdown(f"**{t('top_title', n=limit)}**")
            top = load(data.load_top_products, f, limit=limit)
            if top is not None and not top.empty:
                chart = i18n.chart(_ranking(top))
                st.altair_chart(chart, height=max(240, 30 * len(top) + 60))
            elif top is not None:
                st.info(t("top_empty"))
        updated_caption()
