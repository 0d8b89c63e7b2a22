"""Sections of the dashboard, each an ``@st.fragment`` with a key.

A widget inside a fragment reruns only that fragment, so changing "Top 10" in
one chart does not recompute the KPIs. Every section reads its data through
``load()`` below, which turns a ``Loaded`` result into what the user sees, and
draws its charts through ``chart()``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections.abc import Callable

import altair as alt
import streamlit as st

from .. import i18n, settings
from ..db import DatabaseUnavailable
from ..i18n import plain, t


def load(loader, *args, **kwargs):
    """Call a data loader; return its value, or None after telling the user why."""
    try:
        # Pattern: a spinner while a query runs (shown only after half a second).
        with st.spinner(t("loading"), show_time=True):
            loaded = loader(*args, **kwargs)
    except DatabaseUnavailable as exc:
        # A plain message, never a traceback: the operator can act on it.
        st.error(t("db_unavailable", error=plain(exc)), icon=":material/cloud_off:")
        return None
    # Pattern: fallback to the last good result, shown with a warning.
    if loaded.stale:
        error = plain(loaded.error) if loaded.error else None  # driver text may quote data
        message = t("db_stale_error", error=error) if error else t("db_stale")
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


def chart(data, build: Callable[..., alt.Chart], *args, height: int) -> None:
    """Draw ``data`` as the chart ``build(*args)`` describes (an Altair chart, no data)."""
    language = (settings.LANGUAGE, settings.CURRENCY, settings.NUMBER_FORMAT)
    spec = json.loads(chart_spec(build, args, language))  # a fresh dict: Streamlit edits it
    st.vega_lite_chart(data, spec, height=height)


_altair_theme_lock = threading.Lock()  # alt.theme is one setting for the whole process


# Pattern: build a chart's spec once. Altair checks a spec against the Vega-Lite schema
# on every to_dict(), a few ms per chart on every rerun; the spec depends only on its
# arguments and the language, so it is built once per key and a rerun sends only data.
@functools.lru_cache(maxsize=64)
def chart_spec(build: Callable[..., alt.Chart], args: tuple, language: tuple) -> str:
    """The Vega-Lite spec (JSON) of ``build(*args)``, with the locale and no data.

    ``language`` is only part of the key: a change of language is a new spec.
    """
    # The "none" theme, as st.altair_chart does: the colours come from Streamlit's theme.
    with _altair_theme_lock, alt.theme.enable("none"):
        spec = i18n.chart(build(*args)).to_dict()
    spec.pop("data", None)  # st.vega_lite_chart gets the data on every run
    spec.pop("datasets", None)
    return json.dumps(spec)
