"""Operator panel in the sidebar: refresh data, clear caches, query statistics."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from . import data, db, rollups, stats, verify
from .i18n import label, number, plain, t
from .model import MODEL


def render_controls() -> None:
    """Refresh and clear buttons; each click ends with a full rerun."""
    notice = st.session_state.pop("admin_notice", None)
    if notice:
        st.toast(notice, icon=":material/check_circle:")
    refresh = st.button(
        t("admin_refresh"),
        icon=":material/refresh:",
        width="stretch",
        key="admin_refresh",
        help=t("admin_refresh_help"),
    )
    clear = st.button(
        t("admin_clear"),
        icon=":material/delete_sweep:",
        width="stretch",
        key="admin_clear",
        help=t("admin_clear_help"),
    )
    if refresh:
        # Pattern: invalidate the historical loaders only, then rerun.
        data.refresh_historical()
        st.session_state["admin_notice"] = t("admin_refreshed")
        st.rerun()
    if clear:
        # Pattern: clear every cache, then rerun.
        data.clear_all({% if cookiecutter.shared_cache == "redis" %}everywhere=True{% endif %})
        st.session_state["admin_notice"] = t("admin_cleared")
        st.rerun()


def rollup_reach() -> str:
    watermark = data.rollup_watermark()
    if watermark is None:
        return t("rollups_none", package=db.PACKAGE)
    period = label(MODEL.period.label) if MODEL.period else None
    return t("rollups_up_to", part=rollups.part_text(watermark, period))


def render_stats() -> None:
    """Statistics of this run and since the server started (call at the end)."""
    last, total = stats.last_run(), stats.total()
    counts = {
        key: {"run": number(last.get(key, 0)), "total": number(total.get(key, 0))}
        for key in ("sql_statements", "loader_misses", "rollup_hits", "raw_queries")
    }
    hits, raw = counts["rollup_hits"], counts["raw_queries"]
    st.markdown(
        t("admin_sql", **counts["sql_statements"])
        + "  \n"  # two spaces and a newline: a line break in Markdown
        + t("admin_misses", **counts["loader_misses"])
        + "  \n"
        + t(
            "admin_rollups",
            hits=hits["run"],
            raw=raw["run"],
            hits_total=hits["total"],
            raw_total=raw["total"],
        )
    )
    st.caption(rollup_reach())
    unheld = rollups.raw_by_design()
    if unheld:
        names = ", ".join(label(m.label, m.name) for m in unheld)
        st.caption(t("rollups_raw_by_design", measures=names))
    sections = last.get("sections") or {}
    if sections:
        timing = pd.DataFrame(
            {"section": list(sections), "ms": [round(v, 1) for v in sections.values()]}
        )
        st.dataframe(
            timing,
            hide_index=True,
            width="stretch",
            column_config={
                # Widths that fit the sidebar's panel: no column behind a sideways scroll.
                "section": st.column_config.TextColumn(t("col_section"), width=120),
                "ms": st.column_config.ProgressColumn(
                    t("col_time_ms"),
                    width=80,
                    format="%d",  # whole ms: no separator, right in every locale
                    min_value=0,
                    max_value=max(1.0, float(timing["ms"].max())),
                ),
            },
        )
    st.caption(t("admin_runs", n=number(st.session_state.get("app_runs", 0))))


def render_health() -> None:
    """The data's health in words: what no figure holds, counted (verify.py words it). On
    the Operator page: it reads every fact row once an hour, so not on every page."""
    try:
        health = data.load_health().value
    except db.DatabaseUnavailable:
        return  # the page already says why
    st.markdown(f"**{t('health_title')}**")
    st.caption("  \n".join(plain(line) for line in verify.health_lines(health)))
