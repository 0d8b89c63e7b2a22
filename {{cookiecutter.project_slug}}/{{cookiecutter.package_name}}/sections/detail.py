"""The detail rows: loaded on demand, one page at a time; the lookup table below them."""

from __future__ import annotations

import math

import streamlit as st

from .. import data, stats
from ..i18n import label, number, t
from ..model import MODEL
from ..queries import Filters
from . import listing, load, updated_caption


@st.fragment(key="detail")
def detail(f: Filters) -> None:
    listing_of = MODEL.page.detail
    with stats.section_timer("detail"):
        # Pattern: lazy loading; nothing is queried until the user asks.
        noun = label(listing_of.label).lower()
        st.toggle(t("detail_load", detail=noun), key="detail_load", persist_state="session")
        if not st.session_state["detail_load"]:
            st.caption(t("detail_on_demand"))
            return
        total = load(data.load_detail_count, f)
        if total is None:
            return
        if total == 0:
            st.info(t("no_data"))
            return
        size_col, page_col, info_col = st.columns([1, 1, 2], vertical_alignment="bottom")
        size_col.selectbox(
            t("detail_page_size"),
            listing_of.sizes,
            key="detail_page_size",
            persist_state="session",
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
            listing(rows, listing_of.fields, time_format="YYYY-MM-DD HH:mm")
        updated_caption()


@st.fragment(key="lookup")
def lookup() -> None:
    """Reference rows (a slow-changing table, cached for an hour)."""
    with stats.section_timer("lookup"):
        rows = load(data.load_lookup)
        if rows is not None:
            listing(rows, MODEL.page.lookup.fields, time_format="YYYY-MM-DD HH:mm")
