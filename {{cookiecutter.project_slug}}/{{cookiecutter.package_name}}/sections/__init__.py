"""Sections of the dashboard, each an ``@st.fragment``, drawn from the model's page.

A widget inside a fragment reruns only that fragment, so changing "Top 10" in one chart
does not recompute the KPIs. Every section reads its data through ``load()`` below, which
turns a ``Loaded`` result into what the user sees, and draws its charts through
``chart()``. The overview page draws the model's rows of sections (model.py: ``Page``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections.abc import Callable
from typing import NamedTuple

import altair as alt
import pandas as pd
import streamlit as st

from .. import data, exact, i18n, settings
from ..db import DatabaseUnavailable
from ..i18n import label, plain, t
from ..model import MODEL
from ..modeling import COUNT, FLAG, ID, MONEY, PERCENT, TIME, Field, Section


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


def section_head():
    """A row for a section's title and its control: side by side when both fit, else the
    control under the title (never squeezed until its options are cut)."""
    return st.container(
        horizontal=True, horizontal_alignment="distribute", vertical_alignment="center"
    )


def updated_caption() -> None:
    """Time this section was drawn; it changes only when the section reruns."""
    st.caption(t("updated", time=f"{dt.datetime.now():%H:%M:%S}"), text_alignment="right")


# --- Names of the model, in the page's language ------------------------------------------


def measure_label(name: str) -> str:
    return label(MODEL.measure(name).label, name)


def dimension_label(name: str, many: bool = False) -> str:
    dimension = MODEL.dimension(name)
    return label(dimension.plural if many else dimension.label, name)


def title(section: Section, grain: str | None = None) -> str:
    """The heading of a section: the model's title, or one composed from its names (a
    series: "Sales by week" for the grain chosen on the page, "Sales over time" for AUTO)."""
    if section.title:
        return label(section.title)
    measure = measure_label(getattr(section, "measure", None) or section.measures[0])
    if hasattr(section, "grain"):
        return t(f"title_by_{grain or section.grain}", measure=measure)
    dimension = dimension_label(section.dimension, many=hasattr(section, "sizes"))
    if hasattr(section, "sizes"):  # a ranking: "Top {n} products by sales"
        return t("title_top", n="{n}", plural=dimension.lower(), measure=measure.lower())
    return t("title_by", measure=measure, dimension=dimension.lower())


def field_label(field: Field | str) -> str:
    return label(field.label, field.name) if isinstance(field, Field) else dimension_label(field)


def field_name(field: Field | str) -> str:
    return field.name if isinstance(field, Field) else field


def field_kind(field: Field | str) -> str:
    return field.kind if isinstance(field, Field) else "text"


# --- Tables ------------------------------------------------------------------------------


def listing(rows, fields, time_format: str) -> None:
    """Rows of model fields as a table (the detail, the live panel, the lookup)."""
    kinds = {field_name(f): field_kind(f) for f in fields}
    number = st.column_config.NumberColumn  # no format=: i18n.table() writes the cells
    config = {}
    for field in fields:
        name, kind, text = field_name(field), field_kind(field), field_label(field)
        if kind == TIME:
            config[name] = st.column_config.DatetimeColumn(text, format=time_format)
        elif kind == ID:
            config[name] = number(text, format="%d")
        elif kind == FLAG:
            config[name] = st.column_config.CheckboxColumn(text)
        elif kind in (MONEY, COUNT, PERCENT, "number"):
            config[name] = number(text)
        else:
            config[name] = st.column_config.TextColumn(text)
    st.dataframe(
        styled(rows, kinds),
        hide_index=True,
        column_order=list(kinds),
        column_config=config,
    )


def styled(rows, kinds: dict[str, str]):
    """The frame with its number cells written by i18n (money, counts, percents)."""
    return i18n.table(
        rows,
        money_columns=[n for n, k in kinds.items() if k == MONEY and n in rows],
        count_columns=[n for n, k in kinds.items() if k in (COUNT, "number") and n in rows],
        percent_columns=[n for n, k in kinds.items() if k == PERCENT and n in rows],
    )


# --- Charts ------------------------------------------------------------------------------


def chart(data, build: Callable[..., alt.Chart], *args, height: int) -> None:
    """Draw ``data`` as the chart ``build(*args)`` describes (an Altair chart, no data)."""
    language = (settings.LANGUAGE, settings.LOCALE, settings.CURRENCY)
    spec = json.loads(chart_spec(build, args, language))  # a fresh dict: Streamlit edits it
    st.vega_lite_chart(_drawable(data), spec, height=height)


def _drawable(data):
    """Exact sums (Decimals, exact.py) as floats: a bar or a slice needs no cent."""
    if not isinstance(data, pd.DataFrame):
        return data
    exact_columns = [c for c in data.columns if exact.holds_decimals(data[c])]
    return data.astype(dict.fromkeys(exact_columns, float)) if exact_columns else data


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


def tooltip(name: str) -> alt.Tooltip:
    """A measure in a chart's tooltip, written by its kind."""
    measure = MODEL.measure(name)
    formats = {MONEY: i18n.CHART_MONEY, PERCENT: ",.1f"}
    count = i18n.CHART_COUNT if not measure.parts else ",.2f"
    kind = formats.get(measure.kind, count)
    return alt.Tooltip(f"{name}:Q", title=measure_label(name), format=kind)


def axis_title(name: str) -> str:
    """A measure on an axis: "Sales ($)" for money."""
    if MODEL.measure(name).kind == MONEY:
        return t("axis_money", measure=measure_label(name), currency=i18n.currency_symbol())
    return measure_label(name)


class ColourDomain(NamedTuple):
    """The members a chart may colour (names) and each one's colour (colours)."""

    names: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()


# Pattern: row-level scope in chart encodings: a legend lists only the members the viewer
# may see, and each member keeps the colour of its place among all members (read on the
# server, never sent), so a member is the same colour for every viewer and in every chart.
def domain(dimension: str) -> ColourDomain:
    """The colour domain of a dimension's members that this viewer may see, sorted, with
    the theme's categorical colours by each member's position among all members."""
    try:
        members = data.load_members(dimension).value["name"].dropna()  # NULL: no colour
        names = tuple(sorted(members.astype(str).unique()))
    except DatabaseUnavailable:
        return ColourDomain()  # colours may then differ between charts; never fail for that
    palette = st.get_option("theme.chartCategoricalColors") or []
    positions = data.member_positions(dimension, names)
    if not palette or None in positions:
        return ColourDomain(names)  # the theme's colours in order of the visible names
    return ColourDomain(names, tuple(palette[p % len(palette)] for p in positions))


def colour(dimension: str, values: ColourDomain, legend: alt.Legend) -> alt.Color:
    if not values.names:
        return alt.Color(f"{dimension}:N", legend=legend)
    scale = alt.Scale(domain=list(values.names), range=list(values.colours) or alt.Undefined)
    return alt.Color(f"{dimension}:N", scale=scale, legend=legend)
