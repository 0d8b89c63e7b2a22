"""Statements built from the model: every SQL statement the dashboard runs.

No Streamlit here, so this module is tested and reused without a running app.
Rules: every value is a bound parameter; every identifier comes from model.py (the
allow-list: a table or column the model does not declare cannot appear); aggregation
happens in SQL (GROUP BY), and only derived measures (a ratio, a difference) are computed
in Python, from the aggregated rows. SQLAlchemy Core compiles the same statements for
SQLite and MySQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Date,
    FromClause,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql import operators, visitors

from . import exact, times
from .model import MODEL
from .modeling import (
    AUTO,
    COUNT,
    DAY,
    FLAG,
    GRAINS,
    HOUR,
    LARGE_DIMENSION,
    MONEY,
    NUMBER,
    PERCENT,
    Difference,
    Dimension,
    Field,
    Measure,
    Ratio,
    grain_for,
    tables_of,
)

REALTIME, OPS, DATES = "realtime", "ops", "dates"
MODES = MODEL.modes
HISTORICAL_MODES = tuple(mode for mode in MODES if mode != REALTIME)

MAX_PAGE_SIZE = 1000
MAX_TOP_LIMIT = 100
MAX_FILTER_VALUES = 500
MAX_ID = 2**31 - 1  # period ids and integer keys are INT columns; larger numbers are input errors
MAX_TEXT = 500  # a chosen text value longer than this matches nothing anyway
DEFAULT_SPAN = 7  # periods (or days) the default historical view covers


# --- Filters ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Filters:
    """The dashboard filters: plain, hashable values (safe as cache keys).

    ``picks`` holds the chosen values per dimension, ``((name, values), ...)`` in the
    model's order; an absent or empty entry means "every value".
    """

    mode: str
    op_start: int = 0
    op_end: int = 0
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    picks: tuple[tuple[str, tuple], ...] = ()

    def chosen(self, name: str) -> tuple:
        return dict(self.picks).get(name, ())

    def validate(self) -> list[str]:
        """Human-readable problems; an empty list means the filters are valid."""
        problems = []
        if self.mode not in MODES:
            problems.append(f"Unknown mode {self.mode!r}: use one of {', '.join(MODES)}.")
        if self.mode == OPS:
            if not (_is_id(self.op_start) and _is_id(self.op_end)):
                problems.append(f"Period numbers must be whole numbers up to {MAX_ID}.")
            elif self.op_start > self.op_end:
                problems.append(
                    f"The first period ({self.op_start}) is after the last ({self.op_end})."
                )
        if self.mode == DATES:
            if not (_is_date(self.date_start) and _is_date(self.date_end)):
                problems.append("Both dates are required.")
            elif self.date_start > self.date_end:
                problems.append(
                    f"The start date ({self.date_start}) is after the end date ({self.date_end})."
                )
        names = {dimension.name for dimension in MODEL.dimensions}
        for name, values in self.picks:
            if name not in names:
                problems.append(f"Unknown filter {name!r}: use one of {', '.join(names)}.")
            elif not isinstance(values, tuple) or not all(_is_value(v) for v in values):
                problems.append(f"The values chosen for {name} must be names or whole numbers.")
            elif len(values) > MAX_FILTER_VALUES:
                problems.append(f"Choose at most {MAX_FILTER_VALUES} values for {name}.")
        return problems

    def cache_key(self) -> tuple:
        """Only the fields that matter in this mode, as primitives (better cache hits)."""
        ops = (int(self.op_start), int(self.op_end)) if self.mode == OPS else (0, 0)
        dates = (
            (self.date_start.isoformat(), self.date_end.isoformat())
            if self.mode == DATES
            else ("", "")
        )
        picks = tuple(
            (name, tuple(sorted(values, key=repr))) for name, values in self.picks if values
        )
        return (self.mode, *ops, *dates, picks)

    @classmethod
    def from_cache_key(cls, key: tuple) -> Filters:
        mode, op_start, op_end, d0, d1, picks = key
        return cls(
            mode=mode,
            op_start=op_start,
            op_end=op_end,
            date_start=dt.date.fromisoformat(d0) if d0 else None,
            date_end=dt.date.fromisoformat(d1) if d1 else None,
            picks=picks,
        )

    def restricted(self, name: str, allowed: tuple) -> Filters:
        """These filters within the values of dimension ``name`` a viewer may see: the
        chosen ones that are allowed, or all the allowed ones when none is (never more)."""
        if not allowed:
            raise ValueError(f"No value of {name} is allowed: nothing can be shown.")
        chosen = tuple(v for v in self.chosen(name) if v in allowed) or tuple(allowed)
        picks = dict(self.picks) | {name: chosen}
        order = [d.name for d in MODEL.dimensions if d.name in picks]
        return dataclasses.replace(self, picks=tuple((n, tuple(picks[n])) for n in order))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (for saved views)."""
        return {
            "mode": self.mode,
            "op_start": int(self.op_start),
            "op_end": int(self.op_end),
            "date_start": self.date_start.isoformat() if self.date_start else None,
            "date_end": self.date_end.isoformat() if self.date_end else None,
            "picks": {name: list(values) for name, values in self.picks if values},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Filters:
        def as_date(v: Any) -> dt.date | None:
            if v is None or isinstance(v, dt.date):
                return v
            return dt.date.fromisoformat(str(v))

        picks = d.get("picks") or {}
        return cls(
            mode=str(d["mode"]),
            op_start=int(d.get("op_start") or 0),
            op_end=int(d.get("op_end") or 0),
            date_start=as_date(d.get("date_start")),
            date_end=as_date(d.get("date_end")),
            picks=tuple((str(name), tuple(values)) for name, values in picks.items()),
        )


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_id(v: Any) -> bool:
    """A whole number the database can compare with an INT column (no overflow)."""
    return _is_int(v) and -MAX_ID <= v <= MAX_ID


def _is_value(v: Any) -> bool:
    return _is_id(v) or (isinstance(v, str) and len(v) <= MAX_TEXT)


def _is_date(v: Any) -> bool:
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime)


def default_filters(status: dict) -> Filters:
    """The first view: the model's default mode over the last DEFAULT_SPAN closed periods
    (or days), from the bounds that fetch_status() read."""
    values: dict[str, Any] = {"mode": MODEL.default_mode}
    if MODEL.period and status.get("latest_op") is not None:
        min_op, latest = int(status["min_op"]), int(status["latest_op"])
        # Historical views end at the last closed period: the open one is "Live".
        op_end = latest - 1 if status.get("is_open") and latest > min_op else latest
        values |= {"op_start": max(min_op, op_end - DEFAULT_SPAN + 1), "op_end": op_end}
    if status.get("max_date") is not None:
        last = status["max_date"]
        first = max(status["min_date"], last - dt.timedelta(days=DEFAULT_SPAN - 1))
        values |= {"date_start": first, "date_end": last}
    return Filters(**values)


# --- Scopes: what rows a filter covers ---------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Scope:
    """A concrete set of fact rows: the latest period, a period range, a date range, or
    a span of time. ``until`` cuts rows off at a moment (the realtime comparison)."""

    latest: bool = False
    op_start: int | None = None
    op_end: int | None = None
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    # Only the periods after (or up to) this one: the rest of a view whose earlier
    # periods a rollup holds (rollups.py).
    after_op: int | None = None
    through_op: int | None = None


NOTHING = Scope(op_start=0, op_end=-1) if MODEL.period else Scope(since=dt.datetime.max)


def current_scope(c: Connection, f: Filters) -> Scope:
    """What the filters cover. Realtime: the latest period (or, without one, the day of
    the latest fact row), read fresh."""
    if f.mode == OPS:
        return Scope(op_start=f.op_start, op_end=f.op_end)
    if f.mode == DATES:
        return Scope(date_start=f.date_start, date_end=f.date_end)
    if MODEL.period:
        return Scope(latest=True)
    last = _latest_time(c)
    if last is None:
        return NOTHING
    return Scope(since=_day_start(last))


def _day_start(moment: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(moment.date(), dt.time())


def previous_scope(c: Connection, f: Filters) -> Scope:
    """The previous comparable scope: the same length, immediately before.

    Realtime compares the open period with the previous one cut at the same elapsed time,
    so a half-finished day is not compared with a full one.
    """
    if f.mode == OPS:
        n = f.op_end - f.op_start + 1
        return Scope(op_start=f.op_start - n, op_end=f.op_start - 1)
    if f.mode == DATES:
        shift = dt.timedelta(days=(f.date_end - f.date_start).days + 1)
        try:
            return Scope(date_start=f.date_start - shift, date_end=f.date_end - shift)
        except OverflowError:  # the range starts near year 1: nothing comes before it
            return NOTHING
    period = MODEL.period
    if period is None:
        last = _latest_time(c)
        if last is None:
            return NOTHING
        day = dt.datetime.combine(last.date(), dt.time()) - dt.timedelta(days=1)
        return Scope(since=day, until=day + (last - day - dt.timedelta(days=1)))
    last_two = (
        c.execute(
            select(period.id.label("id"), period.opened_at.label("opened_at"))
            .order_by(period.id.desc())
            .limit(bindparam("n", 2))
        )
        .mappings()
        .all()
    )
    if len(last_two) < 2:
        return NOTHING
    latest, previous = last_two
    last = c.execute(
        select(func.max(MODEL.time))
        .select_from(source(MODEL.time, period.key))
        .where(period.key == bindparam("op", latest["id"]), times.readable(MODEL.time))
    ).scalar()
    elapsed = (_as_datetime(last) or latest["opened_at"]) - latest["opened_at"]
    op = previous["id"]
    return Scope(op_start=op, op_end=op, until=previous["opened_at"] + elapsed)


def _latest_time(c: Connection) -> dt.datetime | None:
    """The latest readable time where the rows are dense (an outlier is not "live")."""
    latest = _edge(c, latest=True)
    return latest[_beyond_gap(latest)] if latest else None


def _as_datetime(value: Any) -> dt.datetime | None:
    return times.parse(value)


# --- The time column's bounds: where the rows are dense, and the outliers ---------------

OUTLIER_GAP = dt.timedelta(days=366)  # a time this far from the rest of the rows is an outlier
MOST_OUTLIERS = 10  # more rows than this beyond a gap are not outliers: they are data
EDGE_ROWS = MOST_OUTLIERS + 1  # the rows read at each end of the time column (_beyond_gap)


@dataclasses.dataclass(frozen=True)
class TimeBounds:
    """The first and last readable times where the rows are dense, and the readable
    times beyond them (outliers: never opened on, named on the operator panel)."""

    first: dt.datetime | None
    last: dt.datetime | None
    early: tuple[dt.datetime, ...] = ()  # outliers before ``first``, earliest first
    late: tuple[dt.datetime, ...] = ()  # outliers after ``last``, latest first


def _edge(c: Connection, latest: bool) -> list[dt.datetime]:
    """The readable times at one end of the column (an index walk, not a scan)."""
    time = times.stored(MODEL.time)
    stmt = (
        select(times.parsed(MODEL.time))
        .select_from(source(MODEL.time))
        .where(times.readable(MODEL.time))
        .order_by(time.desc() if latest else time)
        .limit(bindparam("edge_rows", EDGE_ROWS))
    )
    return [value for (value,) in c.execute(stmt) if value is not None]


def _beyond_gap(edge: list[dt.datetime]) -> int:
    """How many values at the start of ``edge`` (sorted from the end inward) lie beyond a
    gap of OUTLIER_GAP from the rest: 0 when none, or when too many to be outliers."""
    for i in range(1, min(len(edge), MOST_OUTLIERS + 1)):
        if abs(edge[i] - edge[i - 1]) > OUTLIER_GAP:
            return i
    return 0


def time_bounds(c: Connection) -> TimeBounds:
    latest = _edge(c, latest=True)
    if not latest:
        return TimeBounds(None, None)
    earliest = _edge(c, latest=False)
    late, early = _beyond_gap(latest), _beyond_gap(earliest)
    return TimeBounds(
        first=earliest[early],
        last=latest[late],
        early=tuple(earliest[:early]),
        late=tuple(latest[:late]),
    )


# --- Building statements from the model -------------------------------------------------


def _tables_needed(expressions, start) -> set:
    """The tables besides ``start`` that these expressions and their joins read."""
    needed = set().union(*(tables_of(e) for e in expressions)) - {start}
    for join in reversed(MODEL.joins):
        if join.table in needed:
            needed |= tables_of(join.on) - {start, join.table}
    return needed


def source(*expressions, start=None) -> FromClause:
    """``start`` (the fact) joined with just the tables these expressions read.

    The joins come from MODEL.joins, in their order; a join's own ON clause may need an
    earlier join (categories are reached through products), so those are added too.
    """
    start = MODEL.fact if start is None else start
    needed = _tables_needed(expressions, start)
    if MODEL.fact in needed:  # reached only through the fact: start from it
        return source(*expressions)
    joined = start
    for join in MODEL.joins:
        if join.table in needed:
            joined = joined.join(join.table, join.on)
    return joined


def scoped(columns: list, scope: Scope, f: Filters) -> Select:
    """SELECT ``columns`` FROM the joins they and the filters need, WHERE the scope and
    the chosen values hold (every value a bound parameter)."""
    period = MODEL.period
    conditions, compared = [], []  # compared: the columns the conditions read
    if period is not None and scope.latest:
        newest = select(func.max(period.id)).scalar_subquery()
        conditions.append(period.key == newest)
        compared.append(period.key)
    elif period is not None and scope.op_start is not None:
        start, end = bindparam("op_start", scope.op_start), bindparam("op_end", scope.op_end)
        conditions.append(period.key.between(start, end))
        compared.append(period.key)
    elif period is not None and scope.date_start is not None:
        in_range = select(period.id).where(
            period.date.between(
                bindparam("date_start", scope.date_start, type_=Date),
                bindparam("date_end", scope.date_end, type_=Date),
            )
        )
        conditions.append(period.key.in_(in_range))
        compared.append(period.key)
    elif scope.date_start is not None:  # no period: the calendar days of the time column
        start = dt.datetime.combine(scope.date_start, dt.time())
        last = scope.date_end
        # Up to the start of the next day (year 9999 has none: the end of time instead).
        end = (
            dt.datetime.combine(last, dt.time()) + dt.timedelta(days=1)
            if last < dt.date.max
            else dt.datetime.max
        )
        # Compared as stored (times.py): a day bound in the column's own form.
        time = times.stored(MODEL.time)
        conditions.append(time >= times.bound("date_start", start))
        conditions.append(time < times.bound("date_end", end))
        compared.append(MODEL.time)
    if period is not None and scope.after_op is not None:
        conditions.append(period.key > bindparam("after_op", scope.after_op))
    if period is not None and scope.through_op is not None:
        conditions.append(period.key <= bindparam("through_op", scope.through_op))
    if scope.since is not None:
        conditions.append(times.stored(MODEL.time) >= times.bound("since", scope.since))
        compared.append(MODEL.time)
    if scope.until is not None:
        conditions.append(times.stored(MODEL.time) <= times.bound_through("until", scope.until))
        compared.append(MODEL.time)
    if any(column is MODEL.time for column in compared):
        # Text no form reads ('01/01/2026 06:19') belongs to no day (fetch_health counts it).
        conditions.append(times.readable(MODEL.time))
    grouped = _tables_needed(columns, MODEL.fact)  # the tables the selected columns join
    for index, dimension in enumerate(MODEL.dimensions):
        values = f.chosen(dimension.name)
        if values:
            # Pattern: expanding bind parameter for IN lists (one placeholder per value).
            stored = as_stored(dimension.match, values)
            chosen = bindparam(f"pick_{index}", stored, expanding=True, type_=dimension.match.type)
            bridge = MODEL.bridge(dimension.match)
            if bridge and not {join.table for join in bridge} <= grouped:
                conditions.append(linked(bridge, dimension.match.in_(chosen)))
                compared.extend(_outer_columns(bridge))
            else:  # a column of the joined rows (grouped by a linked value: that value)
                conditions.append(dimension.match.in_(chosen))
                compared.append(dimension.match)
    return select(*columns).select_from(source(*columns, *compared)).where(*conditions)


# Beyond these an integer column holds nothing (PostgreSQL refuses to compare, others wrap).
_INTEGER_LIMITS = {"SmallInteger": 2**15, "SMALLINT": 2**15, "Integer": 2**31, "INTEGER": 2**31}


def as_stored(column: ColumnElement, values: tuple) -> list:
    """The chosen values as the column holds them: compare like with like (PostgreSQL
    refuses an integer column = text). A value the column cannot hold ('x' for an integer
    id) can match no row: it is left out, and nothing chosen matches nothing."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return list(values)
    out = []
    for value in values:
        try:
            if kind is str:
                if "\x00" not in str(value):  # no text holds NUL on PostgreSQL: it names nothing
                    out.append(str(value))
            elif kind is int and not isinstance(value, bool):
                number = int(str(value).strip())
                if abs(number) < _INTEGER_LIMITS.get(type(column.type).__name__, 2**63):
                    out.append(number)
            elif kind is Decimal:
                out.append(Decimal(str(value).strip()))
            elif kind is dt.date:
                out.append(value if isinstance(value, dt.date) else dt.date.fromisoformat(value))
            else:
                out.append(value)
        except (ValueError, ArithmeticError):
            continue
    return out


# Pattern: a semijoin (EXISTS) through a link table: each fact row counted once.
def linked(bridge, condition) -> ColumnElement:
    """EXISTS a linked row (one of a film's categories) where ``condition`` holds: the fact
    rows whose film has a chosen category, each once, as a join would not keep them."""
    inner = bridge[0].table
    for join in bridge[1:]:
        inner = inner.join(join.table, join.on)
    return select(literal_column("1")).select_from(inner).where(bridge[0].on, condition).exists()


def _outer_columns(bridge) -> list:
    """The columns a link table's join compares on the fact's side (film.film_id)."""
    inside = {join.table for join in bridge}
    return [
        element
        for element in visitors.iterate(bridge[0].on)
        if isinstance(element, Column) and element.table not in inside
    ]


def aggregates(names) -> list:
    """The labelled SQL aggregates these measures need (derived ones are computed later)."""
    return [measure.formula.sql().label(measure.name) for measure in MODEL.aggregates(names)]


def derive(frame: pd.DataFrame, names) -> pd.DataFrame:
    """Add the derived measures (ratios, differences) and round every measure for display;
    the frame holds the aggregates of the same rows."""
    done: set[str] = set(frame.columns)

    def add(measure: Measure) -> None:
        if measure.name in done:
            return
        for part in measure.parts:
            add(MODEL.measure(part))
        formula = measure.formula
        if isinstance(formula, Ratio):
            top, bottom = frame[formula.numerator], frame[formula.denominator]
            ratio = top.astype(float) / bottom.astype(float).where(bottom != 0)
            frame[measure.name] = (ratio * formula.scale).fillna(0.0)
        elif isinstance(formula, Difference):
            minuend, subtrahend = frame[formula.minuend], frame[formula.subtrahend]
            if exact.holds_decimals(minuend) and exact.holds_decimals(subtrahend):
                minuend, subtrahend = (
                    minuend.map(exact.as_decimal),
                    subtrahend.map(exact.as_decimal),
                )
            else:  # a float on one side: floats on both
                minuend, subtrahend = minuend.astype(float), subtrahend.astype(float)
            frame[measure.name] = minuend - subtrahend
        done.add(measure.name)

    for name in names:
        add(MODEL.measure(name))
    for name in names:
        measure = MODEL.measure(name)
        if exact.holds_decimals(frame[name]):  # an exact sum stays exact (exact.py)
            frame[name] = exact.in_cents(frame[name])
            continue
        values = frame[name].astype(float).fillna(0.0)
        counts = measure.kind == COUNT and not measure.parts
        frame[name] = values.round().astype(int) if counts else values.round(2)
    return frame


def _frame(c: Connection, stmt: Select, columns: list[str]) -> pd.DataFrame:
    """Run a statement into a DataFrame with known columns (also when there are no rows)."""
    rows = c.execute(stmt).all()
    return times.clock_times(pd.DataFrame([tuple(r) for r in rows], columns=columns))


def _names(columns) -> list[str]:
    return [column.name for column in columns]


# --- Statements -------------------------------------------------------------------------


def totals_statement(scope: Scope, f: Filters, measures) -> Select:
    return scoped(aggregates(measures), scope, f)


def breakdown_statement(
    scope: Scope,
    f: Filters,
    dimension: str,
    measures,
    limit: int | None = None,
    colour: str | None = None,
) -> Select:
    """Measures per value of a dimension, best first (the top ``limit`` when given)."""
    dim = MODEL.dimension(dimension)
    groups = [dim.column.label(dim.name)]
    if colour is not None:
        groups.append(MODEL.dimension(colour).column.label(colour))
    columns = [*groups, *aggregates(measures)]
    keys = [dim.match, *(g.element for g in groups)]
    stmt = scoped(columns, scope, f).group_by(*dict.fromkeys(keys))
    if limit is not None:
        first = MODEL.aggregates([measures[0]])[0]
        stmt = stmt.order_by(first.formula.sql().desc(), dim.match).limit(bindparam("limit", limit))
    return stmt


def series_grain(section, f: Filters, chosen: str | None = None) -> str:
    """The grain a series is drawn at: the one chosen on the page, else the section's."""
    return grain_of(chosen if chosen in GRAINS else section.grain, f)


def grain_of(grain: str, f: Filters) -> str:
    """AUTO: the grain that suits the length of the range shown (modeling.grain_for)."""
    if grain != AUTO:
        return grain
    if f.mode == REALTIME:
        return HOUR
    if f.mode == OPS and f.op_start is not None and f.op_end is not None:
        return grain_for(f.op_end - f.op_start + 1)  # a period is about a day
    if f.date_start is not None and f.date_end is not None:
        return grain_for((f.date_end - f.date_start).days + 1)
    return DAY


def series_statement(scope: Scope, f: Filters, grain: str, measures) -> Select:
    """Measures per bucket; a row whose time no form reads has no bucket (it is counted by
    fetch_health, and still in the totals of its period)."""
    bucket = times.bucket_of(grain, MODEL.time).label("bucket")
    stmt = scoped([bucket, *aggregates(measures)], scope, f)
    return stmt.where(times.readable(MODEL.time)).group_by(bucket.element)


def detail_columns(fields) -> list:
    """Labelled expressions of a listing's fields (a Field, or a dimension's name)."""
    columns = []
    for field in fields:
        if isinstance(field, Field) and field.expression is MODEL.time:
            columns.append(times.parsed(field.expression).label(field.name))
        elif isinstance(field, Field):
            columns.append(field.expression.label(field.name))
        else:
            columns.append(MODEL.dimension(field).column.label(field))
    return columns


# Where a page of detail rows starts: the first page, the rows after or before a row's key
# (keyset pagination), or the last page. A cursor is (where, key values of that row).
FIRST, AFTER, BEFORE, LAST = "first", "after", "before", "last"
CURSORS = (FIRST, AFTER, BEFORE, LAST)


def order_terms() -> list[tuple[ColumnElement, bool]]:
    """(column, descending) for each term of the detail's order (newest first)."""
    terms = []
    for term in MODEL.page.detail.order_by:
        modifier = getattr(term, "modifier", None)
        if modifier in (operators.desc_op, operators.asc_op):
            terms.append((term.element, modifier is operators.desc_op))
        else:
            terms.append((term, False))
    return terms


def _beyond(values: tuple, forward: bool) -> ColumnElement:
    """The rows after (forward) or before the row whose order keys are ``values``:
    (a, b) after (x, y) in descending order is a < x OR (a = x AND b < y)."""
    terms = [(_as_key(column), descending) for column, descending in order_terms()]
    values = tuple(
        _cursor_value(column, value) for (column, _), value in zip(terms, values, strict=True)
    )
    either = []
    for i, ((column, descending), value) in enumerate(zip(terms, values, strict=True)):
        past = column < value if descending == forward else column > value
        same = [earlier == v for (earlier, _), v in zip(terms[:i], values, strict=False)]
        either.append(and_(*same, past))
    return or_(*either)


def _cursor_value(column: ColumnElement, value: Any) -> Any:
    """A cursor's value as its key column holds it (a page's own keys always are); one
    that column cannot hold is no row's key: refused with a message."""
    if value is None or isinstance(column.type, times.Stored):
        return value
    stored = as_stored(column, (value,))
    if not stored:
        raise ValueError(f"The page cursor's value {value!r} is not a {column.name}.")
    return stored[0]


def _as_key(column: ColumnElement) -> ColumnElement:
    """A cursor holds the time as stored, so the next page compares like with like."""
    return times.stored(column) if column is MODEL.time else column


# Pattern: keyset pagination: a page starts after (or before) the key of a row shown.
def detail_statement(scope: Scope, f: Filters, size: int, cursor: tuple | None = None) -> Select:
    """One page of detail rows, in the detail's order: the last page of a million rows
    costs what the first costs (no OFFSET walking past the rows before it)."""
    where, values = cursor or (FIRST, ())
    terms = order_terms()
    keys = [_as_key(column).label(f"_key_{i}") for i, (column, _) in enumerate(terms)]
    stmt = scoped([*detail_columns(MODEL.page.detail.fields), *keys], scope, f)
    if where in (AFTER, BEFORE):
        stmt = stmt.where(_beyond(values, forward=where == AFTER))
    backwards = where in (BEFORE, LAST)  # read the other way, then turned round
    order = [
        column.asc() if descending == backwards else column.desc() for column, descending in terms
    ]
    return stmt.order_by(*order).limit(bindparam("page_size", size))


def count_statement(scope: Scope, f: Filters) -> Select:
    return scoped([func.count().label("rows")], scope, f)


def members_statement(dimension: Dimension) -> Select:
    """The values a filter offers (and, for a narrower dimension, each one's broader value)."""
    columns = [dimension.match.label("value"), dimension.column.label("name")]
    if dimension.within is not None:
        columns.append(MODEL.dimension(dimension.within).match.label("within"))
    start = next(iter(tables_of(dimension.column)))
    return (
        select(*columns)
        .select_from(source(*columns, start=start))
        .distinct()
        .order_by(*dict.fromkeys([dimension.column, dimension.match]))
    )


def lookup_statement(allowed: tuple | None = None) -> Select:
    """The lookup's rows; with ``allowed``, only those within the row scope's values."""
    lookup = MODEL.page.lookup
    columns = detail_columns(lookup.fields)
    reads = [*columns, *lookup.order_by]
    if allowed is not None:
        reads.append(MODEL.dimension(MODEL.row_scope).match)
    stmt = select(*columns).select_from(source(*reads, start=lookup.table))
    if allowed is not None:
        match = MODEL.dimension(MODEL.row_scope).match
        stmt = stmt.where(match.in_(bindparam("scope", list(allowed), expanding=True)))
    return stmt.order_by(*lookup.order_by)


def lookup_scopable() -> bool:
    """Can the lookup be narrowed to the row scope without reading the fact rows?"""
    if MODEL.row_scope is None or MODEL.page.lookup is None:
        return False
    match = MODEL.dimension(MODEL.row_scope).match
    return MODEL.fact not in _tables_needed([match], MODEL.page.lookup.table)


# --- Fetching: statements run, rows shaped for the sections ------------------------------


# Aggregate awareness (rollups.py): each aggregate fetch asks the rollups first (``rollups``:
# a rollups.Rollups, or None); they answer when a cube covers the query, else None and
# the raw rows answer.


def _rolled(rollups, c: Connection, scope: Scope, f: Filters, *question) -> pd.DataFrame | None:
    return None if rollups is None else rollups.answer(c, scope, f, *question)


def fetch_totals(c: Connection, f: Filters, measures=None, rollups=None) -> dict[str, dict]:
    """The measures for the filters and for the previous comparable scope (for deltas)."""
    measures = tuple(measures or MODEL.page.kpis)

    def values(scope: Scope) -> dict:
        frame = _rolled(rollups, c, scope, f, (), None, measures)
        if frame is None:
            stmt = totals_statement(scope, f, measures)
            frame = _frame(c, stmt, _names(stmt.selected_columns))
        frame = derive(frame, measures)
        return {name: _plain(frame[name].iloc[0]) for name in measures}

    return {"current": values(current_scope(c, f)), "previous": values(previous_scope(c, f))}


def fetch_breakdown(
    c: Connection,
    f: Filters,
    dimension: str,
    measures,
    limit: int | None = None,
    colour: str | None = None,
    rollups=None,
) -> pd.DataFrame:
    measures = tuple(measures)
    if limit is not None:
        limit = max(1, min(int(limit), MAX_TOP_LIMIT))
    scope = current_scope(c, f)
    groups = (dimension, *([colour] if colour and colour != dimension else []))
    frame = _rolled(rollups, c, scope, f, groups, None, measures, limit)
    if frame is None:
        stmt = breakdown_statement(scope, f, dimension, measures, limit, colour)
        frame = _frame(c, stmt, _names(stmt.selected_columns))
    frame = derive(frame, measures)
    keep = [dimension, *([colour] if colour else []), *measures]
    return frame[keep].sort_values(
        [measures[0], dimension], ascending=[False, True], ignore_index=True
    )


def fetch_series(c: Connection, f: Filters, grain: str, measures, rollups=None) -> pd.DataFrame:
    """Measures per hour of the day (all 24, zero where nothing happened), or per day,
    week, month or quarter (the bucket: its first day)."""
    measures = tuple(measures)
    grain = grain_of(grain, f)
    scope = current_scope(c, f)
    frame = _rolled(rollups, c, scope, f, (), grain, measures)
    if frame is None:
        stmt = series_statement(scope, f, grain, measures)
        frame = _frame(c, stmt, _names(stmt.selected_columns))
    if grain == HOUR:
        frame["bucket"] = frame["bucket"].astype(int)
        frame = frame.set_index("bucket").reindex(range(24)).rename_axis("bucket").reset_index()
    else:
        frame["bucket"] = pd.to_datetime(frame["bucket"]).dt.date
        frame = frame.sort_values("bucket", ignore_index=True)
    return derive(frame, measures)[["bucket", *measures]]


def fetch_detail_page(
    c: Connection, f: Filters, size: int, cursor: tuple | None = None
) -> pd.DataFrame:
    """One page of fact rows in the detail's order; the columns ``_key_<i>`` hold each
    row's order keys (for the next cursor)."""
    size = max(1, min(int(size), MAX_PAGE_SIZE))
    stmt = detail_statement(current_scope(c, f), f, size, cursor)
    frame = _frame(c, stmt, _names(stmt.selected_columns))
    if (cursor or (FIRST,))[0] in (BEFORE, LAST):
        frame = frame.iloc[::-1].reset_index(drop=True)
    return _shown(frame, MODEL.page.detail.fields)


def row_key(rows: pd.DataFrame, index: int) -> tuple:
    """The order keys of one row of a detail page (a cursor's values)."""
    keys = [name for name in rows.columns if name.startswith("_key_")]
    return tuple(_plain(rows[name].iloc[index]) for name in keys)


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as Python values (cache keys and bound parameters)."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def fetch_detail_count(c: Connection, f: Filters, rollups=None) -> int:
    scope = current_scope(c, f)
    frame = _rolled(rollups, c, scope, f, (), None, ())
    if frame is not None:
        return int(frame["rows"].fillna(0).sum())
    return int(c.execute(count_statement(scope, f)).scalar() or 0)


def fetch_members(c: Connection, dimension: str) -> pd.DataFrame:
    """Columns value, name (and within): the options of a dimension's filter."""
    stmt = members_statement(MODEL.dimension(dimension))
    return _frame(c, stmt, _names(stmt.selected_columns))


def fetch_lookup(c: Connection, allowed: tuple | None = None) -> pd.DataFrame:
    stmt = lookup_statement(allowed)
    return _shown(_frame(c, stmt, _names(stmt.selected_columns)), MODEL.page.lookup.fields)


def _shown(frame: pd.DataFrame, fields) -> pd.DataFrame:
    """Money and numbers as floats, flags as booleans (drivers return Decimals and ints)."""
    for field in fields:
        if isinstance(field, Field) and field.kind in (MONEY, NUMBER, PERCENT):
            frame[field.name] = frame[field.name].astype(float).round(2)
        elif isinstance(field, Field) and field.kind == FLAG:
            frame[field.name] = frame[field.name].astype(bool)
    return frame


def empty_status() -> dict[str, Any]:
    """The status before anything is read: no period, nothing open, zero totals."""
    return {
        "min_op": None,
        "max_op": None,
        "latest_op": None,
        "is_open": False,
        "opened_at": None,
        "totals": {name: 0 for name in MODEL.page.status},
    }


def fetch_status(c: Connection, f: Filters | None = None) -> dict[str, Any]:
    """The latest period (open or not), its totals, and the bounds of the filter widgets.
    The totals are taken with ``f``'s picks (a viewer's row scope); the bounds are the
    whole table's, which name no member."""
    picks = f or Filters(REALTIME)
    period = MODEL.period
    status = empty_status()
    if period is None:
        bounds = time_bounds(c)  # the dense range: an outlier is never opened on
        status.update(min_date=_as_date(bounds.first), max_date=_as_date(bounds.last))
        scope = Scope(since=_day_start(bounds.last)) if bounds.last is not None else NOTHING
    else:
        bounds = c.execute(
            select(
                func.min(period.id),
                func.max(period.id),
                func.min(period.date),
                func.max(period.date),
            )
        ).one()
        status.update(min_op=bounds[0], max_op=bounds[1])
        status.update(min_date=_as_date(bounds[2]), max_date=_as_date(bounds[3]))
        if bounds[1] is None:
            return status
        columns = [period.id, period.opened_at]
        if period.closed_at is not None:
            columns.append(period.closed_at)
        latest = c.execute(select(*columns).where(period.id == bindparam("op", bounds[1]))).one()
        status.update(
            latest_op=latest[0],
            opened_at=_as_datetime(latest[1]),
            is_open=period.closed_at is not None and latest[2] is None,
        )
        scope = Scope(op_start=latest[0], op_end=latest[0])
    if MODEL.page.status and status.get("max_date") is not None:
        measures = MODEL.page.status
        stmt = totals_statement(scope, picks, measures)
        frame = derive(_frame(c, stmt, _names(stmt.selected_columns)), measures)
        status["totals"] = {name: _plain(frame[name].iloc[0]) for name in measures}
    return status


def _as_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    return _as_datetime(value).date()


# --- Data health: what the figures leave out, counted ----------------------------------


def fetch_health(c: Connection) -> dict[str, Any]:
    """The fact rows the page cannot place in time (no time, a time no form reads), the
    outliers beyond the dense range, and the dimensions too large for a list: counted,
    for the operator panel and ``verify`` (a full read of the fact: not for every page)."""
    time = MODEL.time
    no_time = case((time.is_(None), 1), else_=0)
    unreadable = case((and_(time.is_not(None), ~times.readable(time)), 1), else_=0)
    rows, nulls, odd = c.execute(
        select(func.count(), func.sum(no_time), func.sum(unreadable)).select_from(source(time))
    ).one()
    example = None
    if odd:
        example = c.execute(
            select(type_coerce(time, String))
            .select_from(source(time))
            .where(time.is_not(None), ~times.readable(time))
            .limit(1)
        ).scalar()
    bounds = time_bounds(c)
    health = {
        "rows": int(rows or 0),
        "no_time": int(nulls or 0),
        "unreadable": int(odd or 0),
        "unreadable_example": None if example is None else str(example),
        "first": bounds.first,
        "last": bounds.last,
        "early": 0,
        "late": 0,
        "earliest": bounds.early[-1] if bounds.early else None,
        "latest": bounds.late[0] if bounds.late else None,
        "primary_key": bool(MODEL.fact.primary_key.columns),
        "duplicates": 0,
        "large": {},
    }
    if not health["primary_key"]:
        health["duplicates"] = _duplicate_rows(c)
    stored = times.stored(time)
    if bounds.early:
        before = times.bound("first", _day_start(bounds.first))
        health["early"] = _count_where(c, times.readable(time), stored < before)
    if bounds.late:
        after = times.bound("after", _day_start(bounds.last) + dt.timedelta(days=1))
        health["late"] = _count_where(c, times.readable(time), stored >= after)
    for dimension in MODEL.dimensions:
        values = members_statement(dimension).subquery()
        n = c.execute(select(func.count()).select_from(values)).scalar() or 0
        if n > LARGE_DIMENSION:
            health["large"][dimension.name] = int(n)
    return health


def _duplicate_rows(c: Connection) -> int:
    """Rows of a keyless fact that repeat another row in every column (the copies only)."""
    groups = select(func.count().label("n")).select_from(MODEL.fact)
    groups = groups.group_by(*MODEL.fact.columns).subquery()
    stmt = select(func.sum(groups.c.n - 1)).where(groups.c.n > 1)
    return int(c.execute(stmt).scalar() or 0)


def _count_where(c: Connection, *conditions) -> int:
    stmt = select(func.count()).select_from(source(MODEL.time)).where(*conditions)
    return int(c.execute(stmt).scalar() or 0)


# --- What each loader runs, for `python -m <package> sql` --------------------------------


def statements(c: Connection, f: Filters) -> dict[str, Select]:
    """Every statement the page runs for these filters, by loader and section."""
    current, previous = current_scope(c, f), previous_scope(c, f)
    out = {
        "status": None,  # several small statements: fetch_status()
        "totals (KPIs)": totals_statement(current, f, MODEL.page.kpis),
        "totals (KPIs), previous period": totals_statement(previous, f, MODEL.page.kpis),
    }
    for section in MODEL.page.sections:
        out[f"section {section.key}"] = section_statement(current, f, section)
    if MODEL.page.detail:
        out["detail count"] = count_statement(current, f)
        out["detail page 1"] = detail_statement(current, f, MODEL.page.detail.size)
        out["detail, last page (keyset: no OFFSET)"] = detail_statement(
            current, f, MODEL.page.detail.size, (LAST, ())
        )
    for dimension in MODEL.dimensions:
        out[f"filter options: {dimension.name}"] = members_statement(dimension)
    if MODEL.page.lookup:
        out["lookup"] = lookup_statement()
    return {name: stmt for name, stmt in out.items() if stmt is not None}


def section_statement(scope: Scope, f: Filters, section) -> Select:
    """The statement a page section's loader runs (see data.section_call)."""
    measures = section_measures(section)
    if hasattr(section, "grain"):
        return series_statement(scope, f, series_grain(section, f), measures)
    limit = getattr(section, "size", None)
    return breakdown_statement(
        scope, f, section.dimension, measures, limit, getattr(section, "colour", None)
    )


def section_measures(section) -> tuple[str, ...]:
    """The measures a section shows: its main one(s), then its tooltip's."""
    main = getattr(section, "measures", None) or (section.measure,)
    return tuple(dict.fromkeys((*main, *getattr(section, "tooltip", ()))))
