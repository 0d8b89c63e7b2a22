"""Order lines: loaded on demand, one page at a time."""

from __future__ import annotations

import math

import streamlit as st

from .. import data, i18n, stats
from ..i18n import number, t
from ..queries import Filters
from . import load, order_lines_table, updated_caption

PAGE_SIZES = (25, 50, 100)


@st.fragment(key="detail")
def detail(f: Filters) -> None:
    with stats.section_timer("detail"):
        # Pattern: lazy loading; nothing is queried until the user asks.
        st.toggle(t("detail_load"), key="detail_load", persist_state="session")
        if not st.session_state["detail_load"]:
            st.caption(t("detail_on_demand"))
            return
        total = load(data.load_detail_count, f)
        if total is None:
            return
        if total == 0:
            st.info(t("detail_empty"))
            return
        size_col, page_col, info_col = st.columns([1, 1, 2], vertical_alignment="bottom")
        size_col.selectbox(
            t("detail_page_size"), PAGE_SIZES, key="detail_page_size", persist_state="session"
        )
        pages = max(1, math.ceil(total / st.session_state["detail_page_size"]))
        # Filters or page size changed: keep the page number inside the new bounds.
        st.session_state["detail_page"] = min(max(1, st.session_state["detail_page"]), pages)
        # Pattern: pagination; only one page of rows is fetched and cached.
        page_col.number_input(
            t("detail_page", pages=number(pages)),
            min_value=1,
            max_value=pages,
            step=1,
            key="detail_page",
            persist_state="session",
        )
        page, size = st.session_state["detail_page"], st.session_state["detail_page_size"]
        first = (page - 1) * size + 1
        last = min(page * size, total)
        info_col.caption(
            t("detail_rows", first=number(first), last=number(last), total=number(total))
        )
        rows = load(data.load_detail_page, f, page - 1, size)  # the loader counts from 0
        if rows is not None:
            order_lines_table(rows, time_format="YYYY-MM-DD HH:mm")
        updated_caption()


@st.fragment(key="catalogue")
def catalogue() -> None:
    """Products and prices (a slow-changing table, cached for an hour)."""
    with stats.section_timer("catalogue"):
        df = load(data.load_catalogue)
        if df is None:
            return
        col = st.column_config.NumberColumn  # no format=: i18n.table() writes the cells
        st.dataframe(
            i18n.table(df, money_columns=("price", "cost")),
            hide_index=True,
            column_config={
                "product_id": col(t("col_id"), format="%d"),
                "product": t("col_product"),
                "category": t("col_category"),
                "price": col(t("col_price")),
                "cost": col(t("col_cost")),
                "enabled": st.column_config.CheckboxColumn(t("col_enabled")),
            },
        )
