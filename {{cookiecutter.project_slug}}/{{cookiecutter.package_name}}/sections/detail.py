"""The detail rows: loaded on demand, one page at a time (by keyset); the lookup table."""

from __future__ import annotations

import math

import streamlit as st

from .. import data, queries, stats
from ..i18n import label, number, t
from ..model import MODEL
from ..queries import Filters
from . import listing, load, updated_caption


@st.fragment(key="detail")
def detail(f: Filters) -> None:
    listing_of = MODEL.page.detail
    state = st.session_state
    with stats.section_timer("detail"):
        # Pattern: lazy loading; nothing is queried until the user asks.
        noun = label(listing_of.label).lower()
        st.toggle(t("detail_load", detail=noun), key="detail_load", persist_state="session")
        if not state["detail_load"]:
            st.caption(t("detail_on_demand"))
            return
        total = load(data.load_detail_count, f)
        if total is None:
            return
        if total == 0:
            st.info(t("no_data"))
            return
        size_col, info_col = st.columns([1, 3], vertical_alignment="bottom")
        size_col.selectbox(
            t("detail_page_size"), listing_of.sizes, key="detail_page_size", persist_state="session"
        )
        size = state["detail_page_size"]
        pages = max(1, math.ceil(total / size))
        # New filters or a new page size: back to the first page.
        if state.get("detail_of") != (f.cache_key(), size):
            state.update(detail_of=(f.cache_key(), size), detail_page=1, detail_cursor=None)
        page = min(max(1, state["detail_page"]), pages)
        # Pattern: keyset pagination: one page is fetched, starting after (or before) the
        # key of a row already shown; the last page is read from the other end.
        cursor = state.get("detail_cursor")
        shown = size if cursor is None or cursor[0] != queries.LAST else total - (pages - 1) * size
        rows = load(data.load_detail_page, f, shown, cursor)
        if rows is None:
            return
        first, last = (page - 1) * size + 1, min(page * size, total)
        info_col.caption(
            t("detail_rows", first=number(first), last=number(last), total=number(total))
        )
        listing(rows, listing_of.fields, time_format="YYYY-MM-DD HH:mm")
        _pager(rows, page, pages)
        updated_caption()


def _pager(rows, page: int, pages: int) -> None:
    """First, previous, next and last: each moves the cursor from a row of this page."""
    edges = (queries.row_key(rows, 0), queries.row_key(rows, -1)) if len(rows) else ((), ())
    moves = {
        "first": (1, None),
        "previous": (page - 1, (queries.BEFORE, edges[0])),
        "next": (page + 1, (queries.AFTER, edges[1])),
        "last": (pages, (queries.LAST, ())),
    }
    with st.container(horizontal=True, horizontal_alignment="center", gap="small"):
        for name, (target, cursor) in moves.items():
            st.button(
                ICONS[name],
                key=f"detail_{name}",
                help=t(f"detail_{name}"),
                disabled=not 1 <= target <= pages or target == page,
                on_click=_go,
                args=(target, None if target == 1 else cursor),
            )
        st.caption(t("detail_page", page=number(page), pages=number(pages)))


def _go(page: int, cursor: tuple | None) -> None:
    st.session_state.update(detail_page=page, detail_cursor=cursor)


ICONS = {
    "first": ":material/first_page:",
    "previous": ":material/chevron_left:",
    "next": ":material/chevron_right:",
    "last": ":material/last_page:",
}


@st.fragment(key="lookup")
def lookup() -> None:
    """Reference rows (a slow-changing table, cached for an hour)."""
    with stats.section_timer("lookup"):
        rows = load(data.load_lookup)
        if rows is not None:
            listing(rows, MODEL.page.lookup.fields, time_format="YYYY-MM-DD HH:mm")
