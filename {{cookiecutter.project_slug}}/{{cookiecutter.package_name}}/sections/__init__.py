"""Sections of the dashboard, each an ``@st.fragment`` with a key.

A widget inside a fragment reruns only that fragment, so changing "Top 10" in
one chart does not recompute the KPIs. Every section reads its data through
``load()`` below, which turns a ``Loaded`` result into what the user sees.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from .. import settings
from ..db import DatabaseUnavailable

MONEY = settings.CURRENCY + " %,.2f"  # printf format understood by st.metric and columns
MONEY_ROUND = settings.CURRENCY + " %,.0f"


def load(loader, *args, **kwargs):
    """Call a data loader; return its value, or None after telling the user why."""
    try:
        loaded = loader(*args, **kwargs)
    except DatabaseUnavailable as exc:
        # A plain message, never a traceback: the operator can act on it.
        st.error(f"The database is not available. {exc}", icon=":material/cloud_off:")
        return None
    # Pattern: fallback to the last good result, shown with a warning.
    if loaded.stale:
        st.warning(
            "Showing the last data loaded: the database did not answer"
            + (f" ({loaded.error})." if loaded.error else "."),
            icon=":material/history:",
        )
    return loaded.value


def updated_caption() -> None:
    """Time this section was drawn; it changes only when the section reruns."""
    st.caption(f"Updated {dt.datetime.now():%H:%M:%S}", text_alignment="right")


def money(value) -> str:
    return f"{settings.CURRENCY} {value:,.2f}"
