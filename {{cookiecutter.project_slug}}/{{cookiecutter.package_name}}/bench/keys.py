"""Filter keys for the bench, taken from the model: the window of the filter that moves.

With a period (model.py: ``MODEL.period``) the bench moves the period range (the number
inputs ``op_start`` and ``op_end``, mode "ops"); without one, the date range (the date
inputs ``date_start`` and ``date_end``, mode "dates"). A window is ``(first, last)``:
two period ids, or two dates. Each distinct window is a new cache key for every
filter-dependent loader.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from ..model import MODEL
from ..queries import DATES, OPS, Filters

MODE = OPS if MODEL.period else DATES
START, END = ("op_start", "op_end") if MODEL.period else ("date_start", "date_end")
WIDGET = "number_input" if MODEL.period else "date_input"  # the widgets of START and END
NOUN = "periods" if MODEL.period else "days"  # what a window counts, for messages

Window = tuple[Any, Any]  # (first, last): period ids or dates


def _range(status: dict) -> tuple[int, int, int]:
    """(first, last closed, latest) as whole numbers: period ids, or day ordinals.

    The latest period (or day) is the live one: windows end before it, as the
    dashboard's historical default view does.
    """
    if MODEL.period:
        if status.get("latest_op") is None:
            raise ValueError("The database has no periods: fill it first (--seed).")
        first, latest = int(status["min_op"]), int(status["latest_op"])
        last_closed = latest - 1 if status.get("is_open") and latest > first else latest
        return first, last_closed, latest
    if status.get("max_date") is None:
        raise ValueError(f"The database has no rows in {MODEL.fact.name}: fill it first (--seed).")
    first, latest = status["min_date"].toordinal(), status["max_date"].toordinal()
    return first, max(first, latest - 1), latest


def _window(first: int, last: int) -> Window:
    if MODEL.period:
        return (first, last)
    return (dt.date.fromordinal(first), dt.date.fromordinal(last))


def windows(status: dict, span: int, count: int) -> list[Window]:
    """``count`` distinct windows of ``span`` periods (or days), newest first.

    They end before the dashboard's default view (the latest closed periods or days),
    so none of them is cached by merely opening the page.
    """
    first, last_closed, _latest = _range(status)
    span = max(1, min(span, (last_closed - first) // 2))
    end = last_closed - 1
    out = []
    while len(out) < count and end - span + 1 >= first:
        out.append(_window(end - span + 1, end))
        end -= 1
    if len(out) < count:
        raise ValueError(f"The database has too few {NOUN} for {count} filter keys.")
    return out


def distinct_keys(status: dict, count: int) -> list[Window]:
    """``count`` distinct windows over the whole range, narrow ones first (cheap)."""
    first, _last_closed, latest = _range(status)
    keys = []
    for width in range(1, latest - first + 2):
        for start in range(first, latest - width + 2):
            keys.append(_window(start, start + width - 1))
            if len(keys) == count:
                return keys
    raise ValueError(f"The database has too few {NOUN} for {count} filter keys.")


def filters(window: Window) -> Filters:
    """The Filters of the page showing this window (no dimension chosen)."""
    return Filters(mode=MODE, **widget_values(window))


def widget_values(window: Window) -> dict[str, Any]:
    """The sidebar widgets' values for this window, by session-state key."""
    return {START: window[0], END: window[1]}


def query_string(window: Window | None = None) -> str:
    """A link's query string: the bench's mode (when it is not the page's first view)
    and the window. The filters are bound to the URL (bind="query-params")."""
    from ..filters import mode_label  # the mode widget's URL value is its label

    params = {}
    if MODEL.default_mode != MODE:
        params["mode"] = mode_label(MODE)
    if window is not None:
        params |= {key: str(value) for key, value in widget_values(window).items()}
    return urlencode(params)


def to_json(window: Window) -> list:
    return [value.isoformat() if isinstance(value, dt.date) else value for value in window]


def from_json(values: list) -> Window:
    if MODEL.period:
        return (int(values[0]), int(values[1]))
    return (dt.date.fromisoformat(values[0]), dt.date.fromisoformat(values[1]))
