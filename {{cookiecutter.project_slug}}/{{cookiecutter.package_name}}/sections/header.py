"""Page header: title, the latest period's status and the active filters."""

from __future__ import annotations

import streamlit as st

from .. import data, filters, settings
from ..i18n import date, label, t, value
from ..model import MODEL
from ..queries import Filters
from . import load, measure_label


def header(subtitle: str) -> Filters | None:
    """Title, status and the active filters; None when the filters are invalid."""
    # Live view: a fresh status row; historical views: the cached one.
    status = load(data.load_status, fresh=st.session_state["mode"] == "realtime")
    title_col, status_col = st.columns([1, 1], vertical_alignment="center")
    title_col.title(settings.PROJECT_NAME, anchor=False)
    f, messages = filters.current_filters()
    if status is not None:
        with status_col:
            _status_badges(status)
    if messages:
        title_col.caption(subtitle)
        # A bad range is a user's slip, not an error: say how to fix it.
        for message in messages:
            st.warning(message, icon=":material/tune:")
        st.info(t("filters_adjust"))
        return None
    title_col.caption(f"{subtitle} · {filters.describe(f, status or {})}")
    return f


def _status_badges(status: dict) -> None:
    period = MODEL.period
    with st.container(horizontal=True, horizontal_alignment="right", gap="small"):
        if period is None:
            if status.get("max_date"):
                st.badge(t("badge_day", date=date(status["max_date"])), color="gray")
        elif status.get("latest_op") is not None:
            name, op, opened = label(period.label), status["latest_op"], status.get("opened_at")
            if status.get("is_open"):
                state = label(period.open) or t("state_open")
                text = (
                    t("badge_open_since", period=name, op=op, state=state, time=f"{opened:%H:%M}")
                    if hasattr(opened, "strftime")
                    else t("badge_period", period=name, op=op, state=state)
                )
                st.badge(text, icon=":material/storefront:", color="green")
            else:
                state = label(period.closed) or t("state_closed")
                st.badge(t("badge_period", period=name, op=op, state=state), color="gray")
        totals = status.get("totals") or {}
        if totals:
            st.badge(
                " · ".join(_badge_value(name, totals[name]) for name in totals),
                icon=":material/receipt:",
                color="primary",
            )


def _badge_value(name: str, amount) -> str:
    """ "271 orders" for a count, the amount alone for money or a percent."""
    measure = MODEL.measure(name)
    text = value(amount or 0, measure.kind)
    if measure.kind == "count":
        return t("badge_count", value=text, label=measure_label(name).lower())
    return text
