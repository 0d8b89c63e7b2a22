"""Charts: a measure along the hours (Series), shares of a dimension (Share), the top N
of a dimension (Ranking). Each is a fragment; the sections come from model.py.

No colour is written here: the charts take the theme's chartCategoricalColors /
chartSequentialColors from .streamlit/config.toml (a coloured dimension's members by
their place among all members: sections.domain()).
"""

from __future__ import annotations

import math

import altair as alt
import streamlit as st

from .. import data, i18n, queries, stats
from ..i18n import t
from ..model import MODEL
from ..modeling import AUTO, DAY, GRAINS, HOUR, MONTH, QUARTER, WEEK, Ranking, Series, Share
from ..queries import Filters
from . import (
    ColourDomain,
    axis_title,
    chart,
    colour,
    dimension_label,
    domain,
    load,
    section_head,
    title,
    tooltip,
    updated_caption,
)


@st.fragment
def series(section: Series, f: Filters) -> None:
    """One bar per hour of the day (only the hours with activity), or per day, week, month
    or quarter; the reader may switch the grain (AUTO: the one the range suits)."""
    with stats.section_timer(section.key), st.container(border=True, height="stretch"):
        with section_head():
            head = st.empty()  # the title names the grain chosen below
            chosen = st.selectbox(  # a keyed widget in this fragment, as a ranking's N
                t("grain_label"),
                (AUTO, *GRAINS),
                format_func=lambda g: t(f"grain_{g}"),
                key=section.grain_key,
                persist_state="session",
                label_visibility="collapsed",
                width=GRAIN_WIDTH,
            )
        grain = queries.series_grain(section, f, chosen)
        head.markdown(f"**{title(section, chosen)}**", width="content")
        rows = load(data.load_section, f, section, grain=grain)
        if rows is not None:
            if grain == HOUR:
                rows = _active_hours(rows, section.measure)
            elif grain in (WEEK, MONTH, QUARTER):  # each bar named by the locale
                rows = rows.assign(label=[i18n.bucket(day, grain) for day in rows["bucket"]])
            chart(rows, _bars_over_time, section.key, grain, height=300)
    updated_caption()


def _active_hours(rows, measure: str):
    """Only the span of hours with activity (a restaurant closed at 4 am has no bars)."""
    busy = rows.loc[rows[measure] > 0, "bucket"]
    if busy.empty:
        return rows
    return rows[(rows["bucket"] >= busy.min()) & (rows["bucket"] <= busy.max())]


@st.fragment
def share(section: Share, f: Filters) -> None:
    """Each value's share of the measure, as a donut."""
    with stats.section_timer(section.key), st.container(border=True, height="stretch"):
        st.markdown(f"**{title(section)}**")
        rows = load(data.load_section, f, section)
        if rows is not None and not rows.empty:
            total = float(rows[section.measure].sum()) or 1.0
            rows = rows.assign(share=rows[section.measure].astype(float) / total)
            values = domain(section.dimension)
            # Taller than 300 px when its legend (one column beside it) needs more.
            height = max(300, LEGEND_ROW * len(values.names) + 2 * LEGEND_ROW)
            chart(rows, _donut, section.key, values, height=height)
        elif rows is not None:
            st.info(t("no_data"))
    updated_caption()


@st.fragment
def ranking(section: Ranking, f: Filters) -> None:
    """The best N; the N control reruns only this fragment."""
    with stats.section_timer(section.key), st.container(border=True):
        with section_head():
            head = st.empty()  # the title names the N chosen below
            # Pattern: keyed widget inside a fragment (reruns only this section).
            st.segmented_control(
                t("top_show"),
                section.sizes,
                format_func=lambda n: t("top_choice", n=n),
                key=section.size_key,
                required=True,
                persist_state="session",
                label_visibility="collapsed",
            )
        limit = st.session_state[section.size_key]
        head.markdown(f"**{title(section).format(n=limit)}**", width="content")
        rows = load(data.load_section, f, section, limit=limit)
        if rows is not None and not rows.empty:
            colours = domain(section.colour) if section.colour else ColourDomain()
            rows_of_legend = math.ceil(len(colours.names) / legend_columns(colours.names))
            legend = LEGEND_ROW * rows_of_legend  # under the bars
            height = max(240, 30 * len(rows) + 60) + legend
            chart(rows, _ranking, section.key, colours, height=height)
        elif rows is not None:
            st.info(t("no_data"))
    updated_caption()


# The chart builders describe a chart without its data: chart() builds each spec once,
# keyed by plain values (the section's key, the colour domain).

# Legends and names whole (tests/test_layout.py): a chart grows by the rows of its legend
# (one column beside a donut; this many columns under bars, which start where the bars do,
# so more names side by side overflow a half-width card at 1280 px), and names on an axis
# may take this width (Streamlit's theme cuts them at 100 px).
LEGEND_ROW = 18  # px: one row of a legend
LEGEND_COLUMNS = 2
SHORT_NAME = 12  # characters: names up to this long fit LEGEND_COLUMNS side by side
NAME_WIDTH = 160
GRAIN_WIDTH = 130  # px: the grain control beside a series' title
END_ROOM = 28  # px right of a ranking's axis: half of its widest number


def legend_columns(names: tuple[str, ...]) -> int:
    """Columns of a legend under bars: side by side while the names are short, else one."""
    return LEGEND_COLUMNS if max(map(len, names), default=0) <= SHORT_NAME else 1


def _bars_over_time(key: str, grain: str) -> alt.Chart:
    """Altair, not st.bar_chart: it needs i18n.chart() for the number locale."""
    section = MODEL.section(key)
    name = t(f"col_{grain}")
    if grain == HOUR:
        x = alt.X("bucket:O", title=t("axis_hour"), axis=alt.Axis(labelAngle=0))
        when = alt.Tooltip("bucket:O", title=name)
    elif grain != DAY:  # weeks, months, quarters: one bar each, named by the locale
        x = alt.X("label:O", sort=None, title=t(f"axis_{grain}"), axis=alt.Axis(labelAngle=0))
        when = alt.Tooltip("label:O", title=name)
    else:  # a day as a time unit: each bar as wide as its day
        day = "yearmonthdate(bucket):T"
        x = alt.X(day, title=t("axis_day"), axis=alt.Axis(format="%d %b", labelAngle=0))
        when = alt.Tooltip(day, title=name, format="%d %b %Y")
    return (
        alt.Chart()
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(f"{section.measure}:Q", title=axis_title(section.measure)),
            tooltip=[
                when,
                tooltip(section.measure),
                *(tooltip(m) for m in section.tooltip),
            ],
        )
    )


def _donut(key: str, values: ColourDomain) -> alt.Chart:
    """Share of the measure per value; the colour scale comes from the theme."""
    section = MODEL.section(key)
    base = alt.Chart().encode(
        theta=alt.Theta(f"{section.measure}:Q", stack=True),
        color=colour(section.dimension, values, alt.Legend(title=None)),
        order=alt.Order(f"{section.measure}:Q", sort="descending"),
        tooltip=[
            alt.Tooltip(f"{section.dimension}:N", title=dimension_label(section.dimension)),
            tooltip(section.measure),
            alt.Tooltip("share:Q", title=t("col_share"), format=i18n.CHART_SHARE),
            *(tooltip(m) for m in section.tooltip),
        ],
    )
    # The hole grows with the room (a fixed radius leaves a hairline in a narrow card).
    return base.mark_arc(innerRadius=alt.expr("min(width, height) * 0.3"), padAngle=0.01)


def _ranking(key: str, values: ColourDomain) -> alt.Chart:
    """Horizontal bars, the best on top, coloured by the broader dimension if any."""
    section = MODEL.section(key)
    encoding = {
        "x": alt.X(f"{section.measure}:Q", title=axis_title(section.measure)),
        "y": alt.Y(
            f"{section.dimension}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=NAME_WIDTH)
        ),
        "tooltip": [
            alt.Tooltip(f"{section.dimension}:N", title=dimension_label(section.dimension)),
            *(
                [alt.Tooltip(f"{section.colour}:N", title=dimension_label(section.colour))]
                if section.colour
                else []
            ),
            *(tooltip(m) for m in section.tooltip),
            tooltip(section.measure),
        ],
    }
    if section.colour:
        legend = alt.Legend(title=None, orient="bottom", columns=legend_columns(values.names))
        encoding["color"] = colour(section.colour, values, legend)
    # Room on the right for the last number of the axis ("250,000" centred on its tick).
    padding = {"left": 5, "top": 5, "bottom": 5, "right": END_ROOM}
    return alt.Chart(padding=padding).mark_bar(cornerRadiusEnd=3).encode(**encoding)
