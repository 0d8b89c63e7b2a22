"""Live panel: the open operation, refreshing itself while the page is open."""

from __future__ import annotations

import streamlit as st

from .. import data, stats
from ..queries import Filters
from . import MONEY, load, updated_caption

REFRESH_EVERY = "15s"
RECENT_ROWS = 8


# Pattern: a fragment with run_every refreshes itself, not the whole page.
@st.fragment(run_every=REFRESH_EVERY, key="live")
def live(f: Filters) -> None:
    with stats.section_timer("live"):
        with st.container(border=True):
            st.markdown(
                f":red-badge[:material/radio_button_checked: LIVE] "
                f"**Latest order lines** · refreshes every {REFRESH_EVERY}"
            )
            rows = load(data.load_detail_page, f, 0, RECENT_ROWS)
            if rows is None:
                return
            if rows.empty:
                st.info("No orders yet in the open operation.")
                return
            st.dataframe(
                rows,
                hide_index=True,
                column_config={
                    "created_at": st.column_config.DatetimeColumn("Time", format="HH:mm:ss"),
                    "order_id": st.column_config.NumberColumn("Order", format="%d"),
                    "product": "Product",
                    "category": "Category",
                    "qty": st.column_config.NumberColumn("Qty", format="%d"),
                    "unit_price": st.column_config.NumberColumn("Unit price", format=MONEY),
                    "total": st.column_config.NumberColumn("Total", format=MONEY),
                },
            )
        updated_caption()
