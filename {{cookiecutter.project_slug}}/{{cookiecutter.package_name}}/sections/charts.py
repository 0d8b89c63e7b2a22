"""Charts: sales by hour, sales by category, top products.

No colour is written here: Streamlit paints Vega-Lite charts with the theme's
chartCategoricalColors / chartSequentialColors from .streamlit/config.toml.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from .. import data, settings, stats
from ..db import DatabaseUnavailable
from ..queries import Filters
from . import load, updated_caption

TOP_CHOICES = (5, 10, 15)


@st.fragment(key="sales_charts")
def sales_charts(f: Filters) -> None:
    """Sales by hour (area) and share by category (donut), side by side."""
    with stats.section_timer("sales_charts"):
        left, right = st.columns([3, 2], gap="medium")
        with left.container(border=True, height="stretch"):
            st.markdown("**Sales by hour**")
            by_hour = load(data.load_sales_by_hour, f)
            if by_hour is not None:
                by_hour = _open_hours(by_hour)
                st.bar_chart(
                    by_hour,
                    x="hour",
                    y="sales",
                    x_label="Hour of day",
                    y_label=f"Sales ({settings.CURRENCY})",
                    height=300,
                )
        with right.container(border=True, height="stretch"):
            st.markdown("**Sales by category**")
            by_cat = load(data.load_sales_by_category, f)
            if by_cat is not None and not by_cat.empty:
                st.altair_chart(_donut(by_cat), height=300)
        updated_caption()


def _open_hours(df):
    """Only the span of hours with sales (a restaurant closed at 4 am has no bars there)."""
    df = df.assign(hour=df["hour"].astype(int))
    busy = df.loc[df["sales"] > 0, "hour"]
    if busy.empty:
        return df
    return df[(df["hour"] >= busy.min()) & (df["hour"] <= busy.max())]


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
            alt.Tooltip("category:N", title="Category"),
            alt.Tooltip("sales:Q", title="Sales", format=",.2f"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("orders:Q", title="Orders", format=","),
        ],
    )
    return base.mark_arc(innerRadius=70, padAngle=0.01)


def _ranking(df):
    """Horizontal bars, best seller on top, coloured by category (theme colours)."""
    return (
        alt.Chart(df)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            x=alt.X("sales:Q", title=f"Sales ({settings.CURRENCY})"),
            y=alt.Y("product:N", sort="-x", title=None),
            color=_category_colour(alt.Legend(title=None, orient="bottom", columns=5)),
            tooltip=[
                alt.Tooltip("product:N", title="Product"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("qty:Q", title="Units", format=","),
                alt.Tooltip("sales:Q", title="Sales", format=",.2f"),
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
                "Show",
                TOP_CHOICES,
                format_func=lambda n: f"Top {n}",
                key="top_n",
                required=True,
                persist_state="session",
                label_visibility="collapsed",
                width="stretch",
            )
            limit = st.session_state["top_n"]
            head.markdown(f"**Top {limit} products by sales**")
            top = load(data.load_top_products, f, limit=limit)
            if top is not None and not top.empty:
                st.altair_chart(_ranking(top), height=max(240, 30 * len(top) + 60))
            elif top is not None:
                st.info("No products sold in the selected range.")
        updated_caption()
