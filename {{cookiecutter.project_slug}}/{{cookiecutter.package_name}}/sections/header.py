"""Page header: title, operation status and the active filters."""

from __future__ import annotations

import streamlit as st

from .. import data, filters, settings
from ..i18n import money, number, t
from ..queries import Filters
from . import load


def header(subtitle: str) -> Filters | None:
    """Title, operation status and the active filters; None when they are invalid."""
    # Live view: a fresh status row; historical views: the cached one.
    status = load(data.load_operation_status, fresh=st.session_state["mode"] == "realtime")
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
    with st.container(horizontal=True, horizontal_alignment="right", gap="small"):
        op = status["latest_op"]
        if status.get("is_open"):
            opened = status.get("opened_at")
            text = (
                t("badge_open_since", op=op, time=f"{opened:%H:%M}")
                if hasattr(opened, "strftime")
                else t("badge_open", op=op)
            )
            st.badge(text, icon=":material/storefront:", color="green")
        else:
            st.badge(t("badge_closed", op=op), color="gray")
        st.badge(
            t(
                "badge_totals",
                orders=number(status.get("orders") or 0),
                sales=money(status.get("sales") or 0),
            ),
            icon=":material/receipt:",
            color="primary",
        )
