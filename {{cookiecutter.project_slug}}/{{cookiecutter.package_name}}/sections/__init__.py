"""Sections of the dashboard, each an ``@st.fragment`` with a key.

A widget inside a fragment reruns only that fragment, so changing "Top 10" in
one chart does not recompute the KPIs. Every section reads its data through
``load()`` below, which turns a ``Loaded`` result into what the user sees.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from .. import i18n
from ..db import DatabaseUnavailable
from ..i18n import t


def load(loader, *args, **kwargs):
    """Call a data loader; return its value, or None after telling the user why."""
    try:
        # Pattern: a spinner while a query runs (shown only after half a second).
        with st.spinner(t("loading"), show_time=True):
            loaded = loader(*args, **kwargs)
    except DatabaseUnavailable as exc:
        # A plain message, never a traceback: the operator can act on it.
        st.error(t("db_unavailable", error=exc), icon=":material/cloud_off:")
        return None
    # Pattern: fallback to the last good result, shown with a warning.
    if loaded.stale:
        message = t("db_stale_error", error=loaded.error) if loaded.error else t("db_stale")
        st.warning(message, icon=":material/history:")
    return loaded.value


def updated_caption() -> None:
    """Time this section was drawn; it changes only when the section reruns."""
    st.caption(t("updated", time=f"{dt.datetime.now():%H:%M:%S}"), text_alignment="right")


def order_lines_table(rows, time_format: str) -> None:
    """Order lines as a table (the detail page and the live panel show the same columns)."""
    col = st.column_config.NumberColumn  # no format=: i18n.table() writes the cells
    st.dataframe(
        i18n.table(rows, money_columns=("unit_price", "total")),
        hide_index=True,
        column_config={
            "created_at": st.column_config.DatetimeColumn(t("col_time"), format=time_format),
            "order_id": col(t("col_order"), format="%d"),
            "product": t("col_product"),
            "category": t("col_category"),
            "qty": col(t("col_qty"), format="%d"),
            "unit_price": col(t("col_unit_price")),
            "total": col(t("col_total")),
        },
    )
