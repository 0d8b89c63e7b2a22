"""Filter state: one mapping of defaults, keyed widgets, validation of ranges.

Every filter lives in ``st.session_state`` under a plain key. The widgets below
only carry ``key=`` (never ``value=``): the value comes from session state, so a
choice survives reruns and page switches, and ``bind="query-params"`` mirrors it
in the URL so a filtered view can be shared as a link.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from .i18n import date, number, plain, t
from .queries import Filters

MODES = ("realtime", "ops", "dates")  # labels: t("mode_<mode>")

# How many operations / days the default historical view covers.
DEFAULT_SPAN = 7

# Pattern: one mapping of filter defaults. Values that depend on the data
# (operation and date bounds) are None here and filled by data_defaults().
FILTER_DEFAULTS: dict[str, Any] = {
    "mode": "ops",
    "op_start": None,
    "op_end": None,
    "date_start": None,
    "date_end": None,
    "categories": [],
    "products": [],
    # View options of the sections (widgets inside fragments).
    "top_n": 10,
    "margins_view": "table",
    "detail_load": False,
    "detail_page": 1,
    "detail_page_size": 50,
}


def data_defaults(status: dict) -> dict[str, Any]:
    """FILTER_DEFAULTS completed with bounds from load_operation_status()."""
    min_op, latest = int(status["min_op"]), int(status["latest_op"])
    # Historical views end at the last closed operation: the open one is "Live".
    op_end = latest - 1 if status.get("is_open") and latest > min_op else latest
    min_date, max_date = _as_date(status["min_date"]), _as_date(status["max_date"])
    date_start = max(min_date, max_date - dt.timedelta(days=DEFAULT_SPAN - 1))
    return FILTER_DEFAULTS | {
        "op_start": max(min_op, op_end - DEFAULT_SPAN + 1),
        "op_end": op_end,
        "date_start": date_start,
        "date_end": max_date,
    }


def init_state(status: dict) -> None:
    """Seed every filter key that is missing; values already chosen win."""
    # Pattern: session-state defaults seeded once (setdefault never overwrites).
    for key, value in data_defaults(status).items():
        st.session_state.setdefault(key, value)
    _clamp_to_bounds(status)


def reset_filters(status: dict) -> None:
    """Callback of the reset button: back to the defaults."""
    for key, value in data_defaults(status).items():
        st.session_state[key] = value


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def _clamp_to_bounds(status: dict) -> None:
    """Keep stored values inside the widget bounds.

    A value outside min/max (an old link, data re-seeded with fewer operations)
    would make Streamlit raise instead of showing the widget.
    """
    state = st.session_state
    lo, hi = int(status["min_op"]), int(status["max_op"])
    for key in ("op_start", "op_end"):
        if isinstance(state.get(key), int):
            state[key] = min(max(state[key], lo), hi)
    lo_d, hi_d = _as_date(status["min_date"]), _as_date(status["max_date"])
    for key in ("date_start", "date_end"):
        if isinstance(state.get(key), dt.date):
            state[key] = min(max(state[key], lo_d), hi_d)
    if state.get("mode") not in MODES:
        state["mode"] = FILTER_DEFAULTS["mode"]


def render_sidebar(status: dict, catalogue) -> None:
    """Draw the filter widgets (the app places them in the sidebar, on every page)."""
    state = st.session_state
    st.subheader(t("filters_title"))
    # Pattern: keyed widget seeded from session-state defaults, bound to the URL.
    st.segmented_control(
        t("filters_view"),
        MODES,
        format_func=lambda mode: t("mode_" + mode),
        key="mode",
        required=True,
        bind="query-params",
        width="stretch",
        help=t("filters_view_help"),
    )
    mode = state["mode"]
    if mode == "realtime":
        key = "filters_live_open" if status.get("is_open") else "filters_live_closed"
        st.caption(t(key, op=status["latest_op"]))
    elif mode == "ops":
        left, right = st.columns(2)
        bounds = {"min_value": int(status["min_op"]), "max_value": int(status["max_op"])}
        # persist_state keeps a hidden widget's value when the mode hides it.
        common = {"step": 1, "persist_state": "session", **bounds}
        left.number_input(
            t("filters_op_from"), key="op_start", bind=_url_bind("op_start"), **common
        )
        right.number_input(t("filters_op_to"), key="op_end", bind=_url_bind("op_end"), **common)
    else:
        left, right = st.columns(2)
        bounds = {
            "min_value": _as_date(status["min_date"]),
            "max_value": _as_date(status["max_date"]),
        }
        common = {"format": "YYYY-MM-DD", "bind": "query-params", "persist_state": "session"}
        left.date_input(t("filters_date_from"), key="date_start", **common, **bounds)
        right.date_input(t("filters_date_to"), key="date_end", **common, **bounds)

    categories = sorted(catalogue["category"].unique()) if catalogue is not None else []
    # Options shrink when categories are chosen: drop picks that left the list
    # before the widget is drawn (a value outside the options is an error).
    _keep_only(state, "categories", categories)
    st.multiselect(
        t("filters_categories"),
        categories,
        key="categories",
        placeholder=t("filters_all_categories"),
        bind="query-params",
    )
    products = _product_options(catalogue, state["categories"])
    _keep_only(state, "products", products)
    st.multiselect(
        t("filters_products"),
        list(products),
        format_func=lambda pid: products.get(pid, str(pid)),  # a forged id is shown as is
        key="products",
        placeholder=t("filters_all_products"),
        bind="query-params",
    )
    st.button(
        t("filters_reset"),
        on_click=reset_filters,
        args=(status,),
        icon=":material/restart_alt:",
        width="stretch",
    )


def _url_bind(key: str) -> str | None:
    """ "query-params", unless the URL holds a number no whole-number widget can take.

    Pattern: distrust the URL. Streamlit drops most bad values itself, but
    ?op_start=inf (or 1e309) makes its integer parsing raise. Such a value is
    removed from the URL and the widget is left unbound for this run.
    """
    try:
        usable = all(math.isfinite(float(v)) for v in st.query_params.get_all(key))
    except ValueError:
        usable = True  # not a number at all: Streamlit ignores it by itself
    if usable:
        return "query-params"
    with contextlib.suppress(StreamlitAPIException):  # bound already: the widget's value
        del st.query_params[key]
    return None


def _keep_only(state, key: str, options) -> None:
    kept = [v for v in state.get(key, []) if v in options]
    if kept != state.get(key):
        state[key] = kept


def _product_options(catalogue, categories: list[str]) -> dict[int, str]:
    if catalogue is None:
        return {}
    rows = catalogue
    if categories:
        rows = rows[rows["category"].isin(categories)]
    rows = rows.sort_values("product")
    return {int(pid): name for pid, name in zip(rows["product_id"], rows["product"], strict=True)}


def current_filters() -> tuple[Filters | None, list[str]]:
    """Build the hashable Filters from session state, with validation messages."""
    state = st.session_state
    f = Filters(
        mode=state["mode"],
        op_start=state["op_start"],
        op_end=state["op_end"],
        date_start=state["date_start"],
        date_end=state["date_end"],
        categories=tuple(state.get("categories", ())),
        products=tuple(state.get("products", ())),
    )
    # Pattern: validate before querying; a reversed or empty range is a message.
    messages = f.validate()
    if messages:
        messages = _slips(f) or messages
    return (None if messages else f), messages


def _slips(f: Filters) -> list[str]:
    """The invalid ranges a user can enter here, said in the UI language.

    validate() (data layer) decides what is invalid and writes English; other
    problems (hand-edited links) keep its message.
    """
    ops = (f.op_start, f.op_end)
    if f.mode == "ops" and all(isinstance(op, int) for op in ops) and ops[0] > ops[1]:
        return [t("filters_ops_reversed", first=f.op_start, last=f.op_end)]
    if f.mode == "dates":
        if not (isinstance(f.date_start, dt.date) and isinstance(f.date_end, dt.date)):
            return [t("filters_dates_required")]
        if f.date_start > f.date_end:
            return [t("filters_dates_reversed", start=f.date_start, end=f.date_end)]
    return []


def describe(f: Filters, status: dict) -> str:
    """One line saying what the page shows, for the header (Markdown: names are data)."""
    if f.mode == "realtime":
        scope = t("scope_live", op=status.get("latest_op", ""))
    elif f.mode == "ops":
        scope = (
            t("scope_op", op=f.op_start)
            if f.op_start == f.op_end
            else t("scope_ops", first=f.op_start, last=f.op_end)
        )
    else:
        scope = (
            date(f.date_start)
            if f.date_start == f.date_end
            else f"{date(f.date_start)} – {date(f.date_end)}"
        )
    parts = [scope]
    if f.categories:
        parts.append(", ".join(plain(name) for name in f.categories))
    if f.products:
        parts.append(t("scope_products", n=number(len(f.products))))
    return " · ".join(parts)
