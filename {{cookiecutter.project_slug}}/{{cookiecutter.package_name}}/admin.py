"""Operator panel in the sidebar: refresh data, clear caches, query statistics."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from . import data, stats


def render_controls() -> None:
    """Refresh and clear buttons; each click ends with a full rerun."""
    notice = st.session_state.pop("admin_notice", None)
    if notice:
        st.toast(notice, icon=":material/check_circle:")
    refresh = st.button(
        "Refresh data",
        icon=":material/refresh:",
        width="stretch",
        key="admin_refresh",
        help="Reload historical data (the cached tier with a TTL).",
    )
    clear = st.button(
        "Clear caches",
        icon=":material/delete_sweep:",
        width="stretch",
        key="admin_clear",
        help="Drop every cached result and the database engine.",
    )
    if refresh:
        # Pattern: invalidate the historical loaders only, then rerun.
        data.refresh_historical()
        st.session_state["admin_notice"] = "Historical data reloaded from the database."
        st.rerun()
    if clear:
        # Pattern: clear every cache, then rerun.
        data.clear_all()
        st.session_state["admin_notice"] = "All caches cleared."
        st.rerun()


def render_stats() -> None:
    """Statistics of this run and since the server started (call at the end)."""
    last, total = stats.last_run(), stats.total()
    st.markdown(
        f"**SQL statements:** {last.get('sql_statements', 0):,} this run · "
        f"{total.get('sql_statements', 0):,} total  \n"
        f"**Loader misses:** {last.get('loader_misses', 0):,} this run · "
        f"{total.get('loader_misses', 0):,} total"
    )
    sections = last.get("sections") or {}
    if sections:
        timing = pd.DataFrame(
            {"Section": list(sections), "ms": [round(v, 1) for v in sections.values()]}
        )
        st.dataframe(
            timing,
            hide_index=True,
            width="stretch",
            column_config={
                "ms": st.column_config.ProgressColumn(
                    "Time (ms)",
                    format="%.1f",
                    min_value=0,
                    max_value=max(1.0, float(timing["ms"].max())),
                )
            },
        )
    st.caption(f"Full app runs this session: {st.session_state.get('app_runs', 0)}")
