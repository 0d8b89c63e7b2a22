"""Order lines: loaded on demand, one page at a time."""

from __future__ import annotations

import math

import streamlit as st

from .. import data, stats
from ..queries import Filters
from . import MONEY, load, updated_caption

PAGE_SIZES = (25, 50, 100)


@st.fragment(key="detail")
def detail(f: Filters) -> None:
    with stats.section_timer("detail"):
        # Pattern: lazy loading; nothing is queried until the user asks.
        st.toggle("Load order lines", key="detail_load", persist_state="session")
        if not st.session_state["detail_load"]:
            st.caption("Order lines are loaded on demand, one page at a time.")
            return
        total = load(data.load_detail_count, f)
        if total is None:
            return
        if total == 0:
            st.info("No order lines in the selected range.")
            return
        size_col, page_col, info_col = st.columns([1, 1, 2], vertical_alignment="bottom")
        size_col.selectbox(
            "Rows per page", PAGE_SIZES, key="detail_page_size", persist_state="session"
        )
        pages = max(1, math.ceil(total / st.session_state["detail_page_size"]))
        # Filters or page size changed: keep the page number inside the new bounds.
        st.session_state["detail_page"] = min(max(1, st.session_state["detail_page"]), pages)
        # Pattern: pagination; only one page of rows is fetched and cached.
        page_col.number_input(
            f"Page (of {pages:,})",
            min_value=1,
            max_value=pages,
            step=1,
            key="detail_page",
            persist_state="session",
        )
        page, size = st.session_state["detail_page"], st.session_state["detail_page_size"]
        first = (page - 1) * size + 1
        info_col.caption(f"Rows {first:,}–{min(page * size, total):,} of {total:,}")
        rows = load(data.load_detail_page, f, page - 1, size)  # the loader counts from 0
        if rows is not None:
            st.dataframe(
                rows,
                hide_index=True,
                column_config={
                    "created_at": st.column_config.DatetimeColumn(
                        "Time", format="YYYY-MM-DD HH:mm"
                    ),
                    "order_id": st.column_config.NumberColumn("Order", format="%d"),
                    "product": "Product",
                    "category": "Category",
                    "qty": st.column_config.NumberColumn("Qty", format="%d"),
                    "unit_price": st.column_config.NumberColumn("Unit price", format=MONEY),
                    "total": st.column_config.NumberColumn("Total", format=MONEY),
                },
            )
        updated_caption()


@st.fragment(key="catalogue")
def catalogue() -> None:
    """Products and prices (a slow-changing table, cached for an hour)."""
    with stats.section_timer("catalogue"):
        df = load(data.load_catalogue)
        if df is None:
            return
        st.dataframe(
            df,
            hide_index=True,
            column_config={
                "product_id": st.column_config.NumberColumn("ID", format="%d"),
                "product": "Product",
                "category": "Category",
                "price": st.column_config.NumberColumn("Price", format=MONEY),
                "cost": st.column_config.NumberColumn("Cost", format=MONEY),
                "enabled": st.column_config.CheckboxColumn("Enabled"),
            },
        )
