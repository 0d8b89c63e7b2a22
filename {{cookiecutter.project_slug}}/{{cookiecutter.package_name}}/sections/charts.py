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
from . import chart, load, updated_caption

TOP_CHOICES = (5, 10, 15)


@st.fragment(key="sales_charts")
def sales_charts(f: Filters) -> None:
    """Sales by hour (bars) and share by category (donut), side by side."""
    with stats.section_timer("sales_charts"):
        left, right = st.columns([3, 2], gap="medium")
        with left.container(border=True, height="stretch"):
            st.markdown(f"**{t('sales_by_hour')}**")
            by_hour = load(data.load_sales_by_hour, f)
            if by_hour is not None:
                chart(_open_hours(by_hour), _by_hour, height=300)
        with right.container(border=True, height="stretch"):
            st.markdown(f"**{t('sales_by_category')}**")
            by_cat = load(data.load_sales_by_category, f)
            if by_cat is not None and not by_cat.empty:
                chart(_with_share(by_cat), _donut, _categories(), height=300)
        updated_caption()


def _categories() -> tuple[str, ...]:
    """Every category, sorted: the colour domain, so a category keeps its colour in every
    chart (the colours themselves, the range, come from the theme)."""
    try:
        return tuple(sorted(data.load_catalogue().value["category"].unique()))
    except DatabaseUnavailable:
        return ()  # colours may then differ between charts; never fail for that


def _open_hours(df):
    """Only the span of hours with sales (a restaurant closed at 4 am has no bars there)."""
    df = df.assign(hour=df["hour"].astype(int))
    busy = df.loc[df["sales"] > 0, "hour"]
    if busy.empty:
        return df
    return df[(df["hour"] >= busy.min()) & (df["hour"] <= busy.max())]


def _with_share(df):
    """Each category's share of the sales, for the donut's tooltip."""
    total = float(df["sales"].sum()) or 1.0
    return df.assign(share=df["sales"].astype(float) / total)


# The chart builders describe a chart without its data: chart() builds each spec once.


def _by_hour() -> alt.Chart:
    """One bar per hour of the day (Altair, not st.bar_chart: it needs i18n.chart())."""
    return (
        alt.Chart()
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


def _category_colour(categories: tuple[str, ...], legend: alt.Legend) -> alt.Color:
    scale = alt.Scale(domain=list(categories)) if categories else alt.Undefined
    return alt.Color("category:N", scale=scale, legend=legend)


def _donut(categories: tuple[str, ...]) -> alt.Chart:
    """Share of sales per category; the colour scale comes from the theme."""
    base = alt.Chart().encode(
        theta=alt.Theta("sales:Q", stack=True),
        color=_category_colour(categories, alt.Legend(title=None)),
        order=alt.Order("sales:Q", sort="descending"),
        tooltip=[
            alt.Tooltip("category:N", title=t("col_category")),
            alt.Tooltip("sales:Q", title=t("col_sales"), format=i18n.CHART_MONEY),
            alt.Tooltip("share:Q", title=t("col_share"), format=i18n.CHART_SHARE),
            alt.Tooltip("orders:Q", title=t("col_orders"), format=i18n.CHART_COUNT),
        ],
    )
    return base.mark_arc(innerRadius=70, padAngle=0.01)


def _ranking(categories: tuple[str, ...]) -> alt.Chart:
    """Horizontal bars, best seller on top, coloured by category (theme colours)."""
    legend = alt.Legend(title=None, orient="bottom", columns=5)
    return (
        alt.Chart()
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            x=alt.X("sales:Q", title=t("axis_sales", currency=settings.CURRENCY)),
            y=alt.Y("product:N", sort="-x", title=None),
            color=_category_colour(categories, legend),
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
                height = max(240, 30 * len(top) + 60)
                chart(top, _ranking, _categories(), height=height)
            elif top is not None:
                st.info(t("top_empty"))
        updated_caption()
