"""Several measures by a dimension: a formatted table, or the same numbers as bars."""

from __future__ import annotations

import altair as alt
import streamlit as st

from .. import data, stats
from ..i18n import t
from ..model import MODEL
from ..modeling import Breakdown
from ..queries import Filters
from . import (
    axis_title,
    chart,
    dimension_label,
    load,
    measure_label,
    section_head,
    styled,
    title,
    tooltip,
    updated_caption,
)

VIEWS = {"table": ":material/table:", "chart": ":material/bar_chart:"}  # icon per view


@st.fragment
def breakdown(section: Breakdown, f: Filters) -> None:
    with stats.section_timer(section.key), st.container(border=True):
        with section_head():
            st.markdown(f"**{title(section)}**", width="content")
            # Pattern: keyed widget inside a fragment (reruns only this section).
            st.segmented_control(
                t("view_label"),
                list(VIEWS),
                format_func=lambda view: f"{VIEWS[view]} {t('view_' + view)}",
                key=section.view_key,
                required=True,
                persist_state="session",
                label_visibility="collapsed",
            )
        rows = load(data.load_section, f, section)
        if rows is None:
            pass
        elif rows.empty:
            st.info(t("no_data"))
        elif st.session_state[section.view_key] == "chart":
            chart(_long(rows, section), _stacked, section.key, height=max(220, 48 * len(rows)))
        else:
            _table(rows, section)
    updated_caption()


def _parts(section: Breakdown) -> tuple[str, ...]:
    return section.stack or section.measures[:1]


def _long(rows, section: Breakdown):
    """One row per value and part, for stacked bars; every segment's tooltip shows the
    whole row of its value."""
    names = {name: measure_label(name) for name in _parts(section)}
    long = rows.melt(id_vars=section.dimension, value_vars=list(names), var_name="part")
    long["part"] = long["part"].map(names)
    return long.merge(rows, on=section.dimension)


def _stacked(key: str) -> alt.Chart:
    """The parts stacked into one bar per value (e.g. margin + cost = sales), no data."""
    section = MODEL.section(key)
    parts = _parts(section)
    return (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X("value:Q", stack=True, title=axis_title(parts[0])),
            y=alt.Y(f"{section.dimension}:N", sort="-x", title=None),
            color=alt.Color("part:N", title=None, sort=[measure_label(p) for p in parts]),
            tooltip=[
                alt.Tooltip(f"{section.dimension}:N", title=dimension_label(section.dimension)),
                *(tooltip(name) for name in section.measures),
            ],
        )
    )


def _table(rows, section: Breakdown) -> None:
    number = st.column_config.NumberColumn  # no format=: i18n.table() writes the cells
    kinds = {name: MODEL.measure(name).kind for name in section.measures}
    config = {name: number(measure_label(name)) for name in section.measures}
    st.dataframe(
        styled(rows, kinds),
        hide_index=True,
        column_order=[section.dimension, *section.measures],
        column_config={
            section.dimension: st.column_config.TextColumn(dimension_label(section.dimension)),
            **config,
        },
    )
