"""Filter state: one mapping of defaults from the model, keyed widgets, validation.

Every filter lives in ``st.session_state`` under a plain key: ``mode``, ``op_start`` and
``op_end`` (with a period), ``date_start`` and ``date_end``, and one key per dimension of
the model (its name). The widgets below only carry ``key=`` (never ``value=``): the value
comes from session state, so a choice survives reruns and page switches, and
``bind="query-params"`` mirrors it in the URL so a filtered view can be shared as a link.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from . import auth, data, db, queries
from .i18n import capitalised, date, label, number, plain, t
from .model import MODEL
from .modeling import Breakdown, Ranking, Series
from .queries import DATES, OPS, REALTIME, Filters, default_filters
from .sections import load

MODES = MODEL.modes  # labels: t("mode_<mode>"), or the period's name for "ops"
LARGE_DIMENSION = queries.LARGE_DIMENSION  # more values than this: search as you type
MOST_MATCHES = 50  # values a search offers at once
SEARCH_SUFFIX = "__search"  # the search box's key: "<dimension>__search"


def _defaults() -> dict[str, Any]:
    period_keys = {"op_start": None, "op_end": None} if MODEL.period else {}
    detail = MODEL.page.detail
    return {
        "mode": MODEL.default_mode,
        **period_keys,
        "date_start": None,
        "date_end": None,
        **{dimension.name: [] for dimension in MODEL.dimensions},
        # View options of the sections (widgets inside fragments).
        **{s.size_key: s.size for s in MODEL.page.sections if isinstance(s, Ranking)},
        **{s.grain_key: s.grain for s in MODEL.page.sections if isinstance(s, Series)},
        **{s.view_key: "table" for s in MODEL.page.sections if isinstance(s, Breakdown)},
        "detail_load": False,
        "detail_page": 1,
        "detail_cursor": None,
        "detail_page_size": detail.size if detail else 50,
    }


# Pattern: one mapping of filter defaults, derived from the model. Values that depend on
# the data (period and date bounds) are None here and filled by data_defaults().
FILTER_DEFAULTS: dict[str, Any] = _defaults()


def data_defaults(status: dict) -> dict[str, Any]:
    """FILTER_DEFAULTS completed with the bounds from load_status()."""
    first = default_filters(status)
    defaults = dict(FILTER_DEFAULTS)
    if MODEL.period and first.op_end:
        defaults |= {"op_start": first.op_start, "op_end": first.op_end}
    return defaults | {"date_start": first.date_start, "date_end": first.date_end}


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

    A value outside min/max (an old link, data re-seeded with fewer periods) would
    make Streamlit raise instead of showing the widget.
    """
    state = st.session_state
    if MODEL.period and status.get("max_op") is not None:
        lo, hi = int(status["min_op"]), int(status["max_op"])
        for key in ("op_start", "op_end"):
            if isinstance(state.get(key), int):
                state[key] = min(max(state[key], lo), hi)
    if status.get("max_date") is not None:
        lo_d, hi_d = _as_date(status["min_date"]), _as_date(status["max_date"])
        for key in ("date_start", "date_end"):
            if isinstance(state.get(key), dt.date):
                state[key] = min(max(state[key], lo_d), hi_d)
    if state.get("mode") not in MODES:
        state["mode"] = FILTER_DEFAULTS["mode"]


def mode_label(mode: str) -> str:
    return label(MODEL.period.plural) if mode == OPS else t("mode_" + mode)


def render_sidebar(status: dict) -> None:
    """Draw the filter widgets (the app places them in the sidebar, on every page)."""
    state, period = st.session_state, MODEL.period
    st.subheader(t("filters_title"))
    # Pattern: keyed widget seeded from session-state defaults, bound to the URL.
    st.segmented_control(
        t("filters_view"),
        MODES,
        format_func=mode_label,
        key="mode",
        required=True,
        bind="query-params",
        width="stretch",
        help=(
            t(
                "filters_view_help_period",
                period=label(period.label).lower(),
                periods=label(period.plural),
            )
            if period
            else t("filters_view_help")
        ),
    )
    mode = state["mode"]
    if mode == REALTIME:
        if period is None:
            if status.get("max_date"):
                st.caption(t("filters_live_day", date=date(_as_date(status["max_date"]))))
        elif status.get("latest_op") is not None:
            state_word = (
                t("state_open_now")
                if status.get("is_open")
                else (label(period.closed) or t("state_closed"))
            )
            st.caption(
                t(
                    "filters_live_period",
                    period=label(period.label),
                    op=status["latest_op"],
                    state=state_word,
                )
            )
    elif mode == OPS and status.get("max_op") is not None:
        left, right = st.columns(2)
        bounds = {"min_value": int(status["min_op"]), "max_value": int(status["max_op"])}
        # persist_state keeps a hidden widget's value when the mode hides it.
        common = {"step": 1, "persist_state": "session", **bounds}
        name = label(period.label).lower()
        left.number_input(
            capitalised(t("filters_op_from", period=name)),
            key="op_start",
            bind=_url_bind("op_start"),
            **common,
        )
        right.number_input(
            capitalised(t("filters_op_to", period=name)),
            key="op_end",
            bind=_url_bind("op_end"),
            **common,
        )
    elif mode == DATES and status.get("max_date") is not None:
        left, right = st.columns(2)
        bounds = {
            "min_value": _as_date(status["min_date"]),
            "max_value": _as_date(status["max_date"]),
        }
        common = {"format": "YYYY-MM-DD", "bind": "query-params", "persist_state": "session"}
        left.date_input(t("filters_date_from"), key="date_start", **common, **bounds)
        right.date_input(t("filters_date_to"), key="date_end", **common, **bounds)

    for dimension in MODEL.dimensions:
        options = _options(dimension)
        # Options shrink when a broader filter is chosen: drop picks that left the list
        # before the widget is drawn (a value outside the options is an error).
        _keep_only(state, dimension.name, options)
        plural = label(dimension.plural, dimension.name)
        offered = options
        if dimension.searched or len(options) > LARGE_DIMENSION:
            offered = _searched(dimension.name, plural, options)
        st.multiselect(
            plural,
            list(offered),
            # The names of the values offered only: a session keeps its widgets' functions.
            format_func=lambda value, names=offered: names.get(value, str(value)),
            key=dimension.name,
            placeholder=label(dimension.all) or t("filters_all", plural=plural.lower()),
            bind="query-params",
        )
    st.button(
        t("filters_reset"),
        on_click=reset_filters,
        args=(status,),
        icon=":material/restart_alt:",
        width="stretch",
    )


VIEW_MESSAGE = "view_message"  # st.session_state key: what the last save or delete did


def render_saved_views(status: dict, viewer: auth.Viewer) -> None:
    """Save the current filters under a name, apply one, delete one (the viewer's own)."""
    shelf = data.view_shelf(viewer.owner, viewer.anonymous)
    with st.expander(t("views_title"), icon=":material/bookmarks:"):
        try:
            saved = shelf.views()
        except db.DatabaseUnavailable as exc:
            st.warning(t("views_store_down", error=plain(exc)), icon=":material/cloud_off:")
            return
        if saved:
            st.selectbox(t("views_pick"), list(saved), key="view_pick")
            left, right = st.columns(2)
            left.button(
                t("views_apply"), key="view_apply", on_click=_apply_view,
                args=(shelf, status), icon=":material/filter_alt:", width="stretch",
            )  # fmt: skip
            right.button(
                t("views_delete"), key="view_delete", on_click=_delete_view,
                args=(shelf,), icon=":material/delete:", width="stretch",
            )  # fmt: skip
        else:
            st.caption(t("views_none"))
        st.text_input(t("views_name"), key="view_name", placeholder=t("views_name_hint"))
        st.button(
            t("views_save"), key="view_save", on_click=_save_view, args=(shelf,),
            icon=":material/bookmark_add:", width="stretch",
        )  # fmt: skip
        st.caption(t("views_owned_by", owner=plain(viewer.name)))
        kind, text = st.session_state.pop(VIEW_MESSAGE, (None, None))
        if kind == "error":
            st.error(text, icon=":material/error:")
        elif kind:
            st.success(text, icon=":material/check:")


def _say(kind: str, text: str) -> None:
    st.session_state[VIEW_MESSAGE] = (kind, text)


def _save_view(shelf: data.ViewShelf) -> None:
    """Callback of Save: the current filters under the typed name."""
    f, problems = current_filters()
    if f is None:
        _say("error", " ".join(problems))
        return
    try:
        name = shelf.save(st.session_state.get("view_name", ""), f.to_dict())
    except data.ViewRefused as refused:
        values = {
            k: plain(v) if isinstance(v, str) else number(v) for k, v in refused.values.items()
        }
        _say("error", t(refused.key, **values))  # the name typed is shown as text
    except db.DatabaseUnavailable as exc:
        _say("error", t("views_store_down", error=plain(exc)))
    else:
        st.session_state["view_name"] = ""
        st.session_state["view_pick"] = name
        _say("success", t("views_saved", name=plain(name)))


def _apply_view(shelf: data.ViewShelf, status: dict) -> None:
    """Callback of Apply: the saved filters into session state (the widgets follow)."""
    name = st.session_state.get("view_pick")
    try:
        f = Filters.from_dict(shelf.views()[name])
    except (KeyError, TypeError, ValueError):  # deleted meanwhile, or written by hand
        _say("error", t("views_gone", name=plain(name)))
        return
    except db.DatabaseUnavailable as exc:
        _say("error", t("views_store_down", error=plain(exc)))
        return
    state = st.session_state
    state["mode"] = f.mode if f.mode in MODES else FILTER_DEFAULTS["mode"]
    if MODEL.period and f.mode == OPS:
        state["op_start"], state["op_end"] = f.op_start, f.op_end
    if f.date_start and f.date_end:
        state["date_start"], state["date_end"] = f.date_start, f.date_end
    for dimension in MODEL.dimensions:
        state[dimension.name] = list(f.chosen(dimension.name))
    state["detail_page"], state["detail_cursor"] = 1, None
    _clamp_to_bounds(status)  # a view saved before a re-seed may lie outside the data
    _say("success", t("views_applied", name=plain(name)))


def _delete_view(shelf: data.ViewShelf) -> None:
    """Callback of Delete: the view picked."""
    name = st.session_state.pop("view_pick", None)
    try:
        shelf.delete(name)
    except db.DatabaseUnavailable as exc:
        _say("error", t("views_store_down", error=plain(exc)))
    else:
        _say("success", t("views_deleted", name=plain(name)))


def _options(dimension) -> dict:
    """{value: name} a dimension's filter offers: every value (load_members keeps them to
    the row scope), or only those within the broader dimension's chosen values. A forged
    value in the URL is shown as is."""
    members = load(data.load_members, dimension.name)
    if members is None:
        return {}
    within = st.session_state.get(dimension.within) if dimension.within else None
    if within:
        members = members[members["within"].isin(within)]
    return {_plain_value(v): str(n) for v, n in zip(members["value"], members["name"], strict=True)}


# Pattern: search as you type: a dimension too large for a list (a customer among 150,000)
# offers the values its name matches, at most MOST_MATCHES of them, plus the ones chosen;
# the full list stays in the server's cache and never reaches the browser.
def _searched(name: str, plural: str, options: dict) -> dict:
    words = st.text_input(
        t("filters_search", plural=plural.lower(), n=number(len(options))),
        key=f"{name}{SEARCH_SUFFIX}",
        placeholder=t("filters_search_hint"),
    )
    chosen = set(st.session_state.get(name) or ()) | _from_url(name, options)
    offered = {value: options[value] for value in options if value in chosen}
    needle = (words or "").strip().casefold()
    if needle:
        for value, text in options.items():
            if len(offered) >= len(chosen) + MOST_MATCHES:
                break
            if needle in text.casefold():
                offered[value] = text
    return offered


def _from_url(name: str, options: dict) -> set:
    """The values a shared link chooses (URL text: '17' for the value 17)."""
    wanted = set(st.query_params.get_all(name))
    if not wanted:
        return set()
    return {value for value in options if str(value) in wanted}


def _plain_value(value: Any) -> Any:
    """numpy scalars become Python ints and strs (the URL and the cache keys hold them)."""
    return value.item() if hasattr(value, "item") else value


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


def current_filters() -> tuple[Filters | None, list[str]]:
    """Build the hashable Filters from session state, with validation messages."""
    state = st.session_state
    f = Filters(
        mode=state["mode"],
        op_start=state.get("op_start") or 0,
        op_end=state.get("op_end") or 0,
        date_start=state.get("date_start"),
        date_end=state.get("date_end"),
        picks=tuple((d.name, tuple(state.get(d.name) or ())) for d in MODEL.dimensions),
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
    if f.mode == OPS and all(isinstance(op, int) for op in ops) and ops[0] > ops[1]:
        name = label(MODEL.period.label).lower()
        return [t("filters_ops_reversed", period=name, first=f.op_start, last=f.op_end)]
    if f.mode == DATES:
        if not (isinstance(f.date_start, dt.date) and isinstance(f.date_end, dt.date)):
            return [t("filters_dates_required")]
        if f.date_start > f.date_end:
            return [t("filters_dates_reversed", start=f.date_start, end=f.date_end)]
    return []


def describe(f: Filters, status: dict) -> str:
    """One line saying what the page shows, for the header (Markdown: names are data)."""
    period = MODEL.period
    if f.mode == REALTIME and period is not None:
        scope = t("scope_live", period=label(period.label).lower(), op=status.get("latest_op", ""))
    elif f.mode == REALTIME:
        latest = status.get("max_date")
        scope = t("scope_live_day", date=date(_as_date(latest)) if latest else "")
    elif f.mode == OPS:
        scope = (
            t("scope_op", period=label(period.label), op=f.op_start)
            if f.op_start == f.op_end
            else t("scope_ops", periods=label(period.plural), first=f.op_start, last=f.op_end)
        )
    else:
        scope = (
            date(f.date_start)
            if f.date_start == f.date_end
            else f"{date(f.date_start)} – {date(f.date_end)}"
        )
    parts = [scope]
    for dimension in MODEL.dimensions:
        chosen = f.chosen(dimension.name)
        if not chosen:
            continue
        if dimension.key is None:  # the values are the names: list them
            parts.append(", ".join(plain(value) for value in chosen))
        else:  # ids: say how many
            plural = label(dimension.plural, dimension.name)
            parts.append(t("scope_count", plural=plural, n=number(len(chosen))))
    return " · ".join(parts)
