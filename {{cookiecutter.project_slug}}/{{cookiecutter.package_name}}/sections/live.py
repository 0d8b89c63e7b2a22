"""Live panel: the latest rows of the open period, refreshing itself while the page is open."""

from __future__ import annotations

import streamlit as st

from .. import data, stats
from ..i18n import label, t
from ..model import MODEL
from ..queries import Filters
from . import listing, load, updated_caption

REFRESH_SECONDS = 15
RECENT_ROWS = 8


# Pattern: a fragment with run_every refreshes itself, not the whole page.
@st.fragment(run_every=REFRESH_SECONDS, key="live")
def live(f: Filters) -> None:
    detail = MODEL.page.detail
    noun = label(detail.label)
    with stats.section_timer("live"):
        with st.container(border=True):
            st.markdown(
                f":red-badge[:material/radio_button_checked: {t('live_badge')}] "
                f"**{t('live_title', detail=noun.lower(), Detail=noun)}** · "
                f"{t('live_refresh', seconds=REFRESH_SECONDS)}"
            )
            rows = load(data.load_detail_page, f, RECENT_ROWS)
            if rows is None:
                return
            if rows.empty:
                st.info(t("no_data"))
                return
            listing(rows, detail.fields, time_format="HH:mm:ss")
        updated_caption()
