"""The naive data layer: how NOT to feed a dashboard (the benchmark's baseline).

This is the style the caching guide warns against, written carefully so the comparison
is fair: nothing is cached across runs, every table of the model is read whole
(``SELECT *``) into pandas, joined, filtered and aggregated in pandas. The tables are read
once per script run and shared by the sections of that run (a kinder version than one
read per section). The functions have the names and results of ``data.py``, so the bench
can swap them in and draw the very same page; everything comes from model.py, like the
real data layer.

Do not copy this module into an app: it is here to be measured.
"""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Column, Connection, Date, Table, select
from sqlalchemy.sql import elements, operators

from .. import db, queries, stats
from ..data import Loaded
from ..model import MODEL
from ..modeling import (
    FLAG,
    HOUR,
    MONEY,
    NUMBER,
    PERCENT,
    UNIX_SECONDS,
    Count,
    CountDistinct,
    Field,
    Ranking,
    Series,
    Sum,
    tables_of,
)
from ..queries import DATES, OPS, Filters
from ..times import clock_times, start_of

_this_run: dict[str, Any] = {"run_id": None, "tables": {}, "joined": {}}


# --- Whole tables, every run ----------------------------------------------------------


def _name(column: Column) -> str:
    """A column's name in the joined frames: "<table>.<column>" (names repeat across
    tables: two tables may both have a "name")."""
    return f"{column.table.name}.{column.name}"


def _model_tables() -> list[Table]:
    tables = list(MODEL.tables)
    if MODEL.period and MODEL.period.table not in tables:
        tables.append(MODEL.period.table)  # read for its dates, even when not joined
    return tables


def _tables() -> dict[str, pd.DataFrame]:
    """Every model table, read with SELECT * at the first call of each script run."""
    run_id = stats.last_run()["run_id"]
    if _this_run["run_id"] != run_id:
        # Anti-pattern: whole tables, every run (the filters are applied afterwards).
        with db.get_engine().connect() as c:
            tables = {table.name: _read(c, table) for table in _model_tables()}
        _this_run.update(run_id=run_id, tables=tables, joined={})
    return _this_run["tables"]


def _read(c: Connection, table: Table) -> pd.DataFrame:
    # Not pd.read_sql: it would turn zoned times (timestamptz) into UTC ones.
    names = [column.name for column in table.columns]
    rows = c.execute(select(table)).all()
    frame = clock_times(pd.DataFrame.from_records(rows, columns=names, coerce_float=True))
    for column in table.columns:
        if isinstance(column.type, Date):  # Python dates: compare them as timestamps
            frame[column.name] = pd.to_datetime(frame[column.name])
        elif column is MODEL.time and MODEL.time_stored == UNIX_SECONDS:
            frame[column.name] = pd.to_datetime(frame[column.name], unit="s")
    return frame.rename(columns={column.name: _name(column) for column in table.columns})


def _pairs(on) -> list[tuple[Column, Column]]:
    """The column pairs of a join's ON: ``a == b``, or ``a == b AND c == d``."""
    if isinstance(on, elements.BooleanClauseList) and on.operator is operator.and_:
        return [pair for clause in on.clauses for pair in _pairs(clause)]
    if (
        isinstance(on, elements.BinaryExpression)
        and on.operator is operator.eq
        and isinstance(on.left, Column)
        and isinstance(on.right, Column)
    ):
        return [(on.left, on.right)]
    raise NotImplementedError(
        f"naive.py joins only on equal columns (a == b, or several AND-ed): {on}"
    )


def _joined(start: Table | None = None) -> pd.DataFrame:
    """``start`` (the fact) merged in pandas with every table its joins reach.

    From another table (a filter's options, the lookup) only the joins that do not need
    the fact are followed, as queries.source() does in SQL.
    """
    start = MODEL.fact if start is None else start
    tables = _tables()  # first: a new script run forgets the last run's joins
    done = _this_run["joined"]
    if start.name in done:
        return done[start.name]
    rows, reached = tables[start.name], {start}
    for join in MODEL.joins:
        if join.many:  # a link table would repeat rows: read only where a dimension needs it
            continue
        if join.table in reached or not tables_of(join.on) <= reached | {join.table}:
            continue
        left, right = _sides(join)
        # Anti-pattern: a join of whole tables in pandas (SQL would join only the rows
        # in scope, using the indexes).
        rows = rows.merge(tables[join.table.name], left_on=left, right_on=right, how="inner")
        reached.add(join.table)
    done[start.name] = rows
    return rows


def _sides(join) -> tuple[list[str], list[str]]:
    """The column names a join compares: (the side joined before, the joined table's)."""
    left, right = [], []
    for a, b in _pairs(join.on):
        ours, theirs = (a, b) if a.table is not join.table else (b, a)
        left.append(_name(ours))
        right.append(_name(theirs))
    return left, right


def _links(dimension) -> tuple[pd.DataFrame, list[str], list[str]]:
    """A dimension read through a link table: the link table merged with the tables
    joined after it, and the names its join compares (the fact's side, the link's)."""
    bridge = MODEL.bridge(dimension.match) or MODEL.bridge(dimension.column)
    tables = _tables()
    frame = tables[bridge[0].table.name]
    for join in bridge[1:]:
        left, right = _sides(join)
        frame = frame.merge(tables[join.table.name], left_on=left, right_on=right, how="inner")
    outer, inner = _sides(bridge[0])
    return frame, outer, inner


def _has_link(rows: pd.DataFrame, dimension, values) -> pd.Series:
    """The rows with at least one linked value among ``values`` (SQL's EXISTS)."""
    frame, outer, inner = _links(dimension)
    hits = frame[_column(dimension.match, frame).isin(values)][inner]
    found = pd.MultiIndex.from_frame(rows[outer]).isin(pd.MultiIndex.from_frame(hits))
    return pd.Series(found, index=rows.index)


def _per_link(rows: pd.DataFrame, dimension) -> pd.DataFrame:
    """The rows once per linked value (a film once per category), as a GROUP BY over the
    link table's join counts them."""
    frame, outer, inner = _links(dimension)
    return rows.merge(frame, left_on=outer, right_on=inner, how="inner")


# --- A measure's expression over a DataFrame --------------------------------------------

ARITHMETIC = {operator.add, operator.sub, operator.mul, operator.truediv}


def evaluate(expression, rows: pd.DataFrame):
    """The value of an SQL expression of the model over the joined rows: a column is that
    column, a literal its value, and + - * / apply to those (a Series or a number); a
    number cast to text and text joined to text make a numbered label."""
    if isinstance(expression, Column):
        return rows[_name(expression)]
    if isinstance(expression, elements.BindParameter):
        return expression.value  # a literal, e.g. the 100 of "x * 100"
    if isinstance(expression, elements.Grouping | elements.Label):
        return evaluate(expression.element, rows)  # parentheses, or a name given to it
    if isinstance(expression, elements.Cast):  # numbered(): a key as text
        return evaluate(expression.clause, rows).astype(str)
    if isinstance(expression, elements.BinaryExpression):
        left, right = evaluate(expression.left, rows), evaluate(expression.right, rows)
        if expression.operator is operators.concat_op:  # numbered(): "Store " + the key
            return left + right
        if expression.operator in ARITHMETIC:
            return expression.operator(left, right)
    raise NotImplementedError(f"naive.py cannot evaluate {expression!r} in pandas.")


def _column(expression, rows: pd.DataFrame) -> pd.Series:
    """evaluate(), always a Series (a literal repeated on every row)."""
    value = evaluate(expression, rows)
    return value if isinstance(value, pd.Series) else pd.Series(value, index=rows.index)


# --- Scopes: which rows the filters cover ---------------------------------------------


def _in_dates(rows: pd.DataFrame, start: dt.date, end: dt.date) -> pd.Series:
    """Rows of these business dates: the periods of those dates, or, without a period,
    the calendar days of the time column."""
    period = MODEL.period
    if period is None:
        times = _column(MODEL.time, rows)
        first = pd.Timestamp(start)
        return (times >= first) & (times < pd.Timestamp(end) + pd.Timedelta(days=1))
    periods = _tables()[period.table.name]
    dates = periods[_name(period.date)]
    ids = periods.loc[dates.between(pd.Timestamp(start), pd.Timestamp(end)), _name(period.id)]
    return _column(period.key, rows).isin(ids)


def _periods_newest_first() -> pd.DataFrame:
    period = MODEL.period
    return _tables()[period.table.name].sort_values(_name(period.id), ascending=False)


def _realtime(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The latest period against the previous one cut at the same elapsed time (without a
    period: the latest day against the day before, up to the same time of day)."""
    nothing = pd.Series(False, index=rows.index)
    times = _column(MODEL.time, rows)
    period = MODEL.period
    if period is None:
        last = times.max()
        if pd.isna(last):
            return nothing, nothing
        day = last.normalize()
        before = day - pd.Timedelta(days=1)
        return times >= day, (times >= before) & (times <= last - pd.Timedelta(days=1))
    periods = _periods_newest_first()
    if periods.empty:
        return nothing, nothing
    keys = _column(period.key, rows)
    latest = periods.iloc[0]
    current = keys == latest[_name(period.id)]
    if len(periods) < 2:
        return current, nothing
    previous = periods.iloc[1]
    opened = latest[_name(period.opened_at)]
    last = times[current].max()
    elapsed = (last - opened) if pd.notna(last) else pd.Timedelta(0)
    until = previous[_name(period.opened_at)] + elapsed
    return current, (keys == previous[_name(period.id)]) & (times <= until)


def _scopes(f: Filters, rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Row masks of the filters and of the previous comparable scope (queries.previous_scope)."""
    if f.mode == OPS:
        keys = _column(MODEL.period.key, rows)
        n = f.op_end - f.op_start + 1
        current = keys.between(f.op_start, f.op_end)
        previous = keys.between(f.op_start - n, f.op_start - 1)
    elif f.mode == DATES:
        shift = dt.timedelta(days=(f.date_end - f.date_start).days + 1)
        current = _in_dates(rows, f.date_start, f.date_end)
        try:
            previous = _in_dates(rows, f.date_start - shift, f.date_end - shift)
        except OverflowError:  # the range starts near year 1: nothing comes before it
            previous = pd.Series(False, index=rows.index)
    else:
        current, previous = _realtime(rows)
    chosen = pd.Series(True, index=rows.index)
    for dimension in MODEL.dimensions:
        values = f.chosen(dimension.name)
        if values and MODEL.bridged(dimension):
            chosen &= _has_link(rows, dimension, values)
        elif values:
            chosen &= _column(dimension.match, rows).isin(values)
    return current & chosen, previous & chosen


def _in_scope(f: Filters) -> pd.DataFrame:
    rows = _joined()
    return rows[_scopes(f, rows)[0]]


# --- Aggregating in pandas ------------------------------------------------------------


def _aggregate(rows: pd.DataFrame, measures, by: dict[str, pd.Series] | None = None):
    """The SQL aggregates of these measures over ``rows``, per group of ``by`` (name ->
    the group's values per row): Sum -> .sum(), CountDistinct -> .nunique(), Count -> rows."""
    by = by or {}
    values = pd.DataFrame(by, index=rows.index)
    how = {}
    for measure in MODEL.aggregates(measures):
        formula = measure.formula
        if isinstance(formula, Sum | CountDistinct):
            values[measure.name] = _column(formula.expression, rows)
            how[measure.name] = "sum" if isinstance(formula, Sum) else "nunique"
        elif isinstance(formula, Count):
            values[measure.name] = 1
            how[measure.name] = "count"
    if not by:
        return pd.DataFrame([{name: values[name].agg(how[name]) for name in how}])
    # dropna=False: a NULL value is a group of its own, as in SQL's GROUP BY.
    return values.groupby(list(by), as_index=False, sort=False, dropna=False).agg(how)


def _totals(rows: pd.DataFrame, measures) -> dict:
    frame = queries.derive(_aggregate(rows, measures), measures)
    return {name: queries._plain(frame[name].iloc[0]) for name in measures}


def _breakdown(f: Filters, section, limit: int | None) -> pd.DataFrame:
    """Like queries.fetch_breakdown: measures per value of the section's dimension."""
    measures = queries.section_measures(section)
    dimension = MODEL.dimension(section.dimension)
    colour = getattr(section, "colour", None)
    rows = _in_scope(f)
    merged: set = set()  # the link tables (and those after them) the grouping reads
    for name in dict.fromkeys([dimension.name, *([colour] if colour else [])]):
        grouped = MODEL.dimension(name)
        bridge = MODEL.bridge(grouped.column) or MODEL.bridge(grouped.match)
        if bridge and not {join.table for join in bridge} <= merged:
            rows = _per_link(rows, grouped)
            merged |= {join.table for join in bridge}
    for picked in MODEL.dimensions:  # values chosen of a merged link: those rows only
        bridge, values = MODEL.bridge(picked.match), f.chosen(picked.name)
        if values and bridge and {join.table for join in bridge} <= merged:
            rows = rows[_column(picked.match, rows).isin(values)]
    by = {"__key": _column(dimension.match, rows), dimension.name: _column(dimension.column, rows)}
    if colour:
        by[colour] = _column(MODEL.dimension(colour).column, rows)
    frame = _aggregate(rows, measures, by)
    if limit is not None:  # the top N by the first measure's aggregate, as the SQL does
        first = MODEL.aggregates(measures[:1])[0].name
        frame = frame.sort_values([first, "__key"], ascending=[False, True]).head(limit)
    frame = queries.derive(frame.reset_index(drop=True), measures)
    keep = [dimension.name, *([colour] if colour else []), *measures]
    return frame[keep].sort_values(
        [measures[0], dimension.name], ascending=[False, True], ignore_index=True
    )


def _series(f: Filters, section: Series, grain: str | None = None) -> pd.DataFrame:
    """Like queries.fetch_series: per hour of the day (all 24), or per day, week, month or
    quarter (its first day)."""
    measures = queries.section_measures(section)
    grain = queries.series_grain(section, f, grain)
    rows = _in_scope(f)
    moments = _column(MODEL.time, rows)
    hour = grain == HOUR
    if hour:
        bucket = moments.dt.hour
    else:
        bucket = moments.dt.date.map(lambda day: start_of(grain, day) if pd.notna(day) else day)
    frame = _aggregate(rows, measures, {"bucket": bucket})
    if hour:
        frame["bucket"] = frame["bucket"].astype(int)
        frame = frame.set_index("bucket").reindex(range(24)).rename_axis("bucket").reset_index()
    else:
        frame = frame.sort_values("bucket", ignore_index=True)
    return queries.derive(frame, measures)[["bucket", *measures]]


def _fields(rows: pd.DataFrame, fields) -> pd.DataFrame:
    """The columns of a listing (detail, lookup), written as queries._shown() does."""
    out = pd.DataFrame(index=rows.index)
    for field in fields:
        if isinstance(field, Field):
            out[field.name] = _column(field.expression, rows)
            if field.kind in (MONEY, NUMBER, PERCENT):
                out[field.name] = out[field.name].astype(float).round(2)
            elif field.kind == FLAG:
                out[field.name] = out[field.name].astype(bool)
        else:
            out[field] = _column(MODEL.dimension(field).column, rows)
    return out.reset_index(drop=True)


def _sorted(rows: pd.DataFrame, order_by) -> pd.DataFrame:
    """Rows in a listing's ORDER BY (each an expression, or its .desc())."""
    keys, ascending = {}, []
    for i, term in enumerate(order_by):
        descending = getattr(term, "modifier", None) is operators.desc_op
        expression = term.element if isinstance(term, elements.UnaryExpression) else term
        keys[f"__order_{i}"] = _column(expression, rows)
        ascending.append(not descending)
    ordered = rows.assign(**keys).sort_values(list(keys), ascending=ascending, kind="stable")
    return ordered.drop(columns=list(keys))


# --- The loaders, with data.py's names and results -------------------------------------


def load_totals(f: Filters) -> Loaded[dict]:
    rows = _joined()
    current, previous = _scopes(f, rows)
    kpis = MODEL.page.kpis
    totals = {"current": _totals(rows[current], kpis), "previous": _totals(rows[previous], kpis)}
    return Loaded(totals)


def load_section(
    f: Filters, section, limit: int | None = None, grain: str | None = None
) -> Loaded[pd.DataFrame]:
    if isinstance(section, Series):
        return Loaded(_series(f, section, grain))
    if isinstance(section, Ranking):
        limit = max(1, min(int(limit or section.size), queries.MAX_TOP_LIMIT))
        return Loaded(_breakdown(f, section, limit))
    return Loaded(_breakdown(f, section, None))


def load_detail_page(
    f: Filters, page_size: int, cursor: tuple | None = None
) -> Loaded[pd.DataFrame]:
    """Every row of the scope sorted in pandas, then the page sliced out of them."""
    detail = MODEL.page.detail
    size = max(1, min(int(page_size), queries.MAX_PAGE_SIZE))
    rows = _sorted(_in_scope(f), detail.order_by)
    out = _fields(rows, detail.fields)
    for i, (column, _descending) in enumerate(queries.order_terms()):
        out[f"_key_{i}"] = _column(column, rows).to_numpy()
    where, values = cursor or (queries.FIRST, ())
    if where == queries.FIRST:
        page = out.iloc[:size]
    elif where == queries.LAST:
        page = out.iloc[-size:]
    else:
        keys = [f"_key_{i}" for i in range(len(values))]
        same = np.ones(len(out), dtype=bool)
        for key, value in zip(keys, values, strict=True):
            same &= (out[key] == value).to_numpy()
        at = int(np.flatnonzero(same)[0])
        page = (
            out.iloc[at + 1 : at + 1 + size]
            if where == queries.AFTER
            else out.iloc[max(0, at - size) : at]
        )
    return Loaded(page.reset_index(drop=True))


def load_detail_count(f: Filters) -> Loaded[int]:
    return Loaded(len(_in_scope(f)))


def load_members(dimension: str) -> Loaded[pd.DataFrame]:
    """A filter's options (value, name and within), from the dimension's own table."""
    chosen = MODEL.dimension(dimension)
    rows = _joined(next(iter(tables_of(chosen.column))))
    columns = {"value": chosen.match, "name": chosen.column}
    if chosen.within is not None:
        columns["within"] = MODEL.dimension(chosen.within).match
    if not set().union(*(tables_of(e) for e in columns.values())) <= _reached(rows):
        rows = _joined()  # a column only the fact reaches: start from the fact, like SQL
    frame = pd.DataFrame({name: _column(e, rows) for name, e in columns.items()})
    frame = frame.drop_duplicates().sort_values(["name", "value"], ignore_index=True)
    return Loaded(frame)


def _reached(rows: pd.DataFrame) -> set[Table]:
    names = {name.split(".", 1)[0] for name in rows.columns}
    return {table for table in _model_tables() if table.name in names}


def load_lookup() -> Loaded[pd.DataFrame]:
    lookup = MODEL.page.lookup
    rows = _sorted(_joined(lookup.table), lookup.order_by)
    return Loaded(_fields(rows, lookup.fields))


def load_status(fresh: bool = False, within: tuple | None = None) -> Loaded[dict]:  # noqa: ARG001
    """Like queries.fetch_status: the latest period, its totals and the filter bounds;
    ``within``: the totals of only these values of the row scope's dimension."""
    period, rows = MODEL.period, _joined()
    status = queries.empty_status()
    if period is None:
        times = _column(MODEL.time, rows)
        status.update(min_date=_date(times.min()), max_date=_date(times.max()))
        in_latest = _realtime(rows)[0]
    else:
        periods = _periods_newest_first()
        dates = periods[_name(period.date)]
        status.update(min_date=_date(dates.min()), max_date=_date(dates.max()))
        if periods.empty:
            return Loaded(status)
        latest = periods.iloc[0]
        closed = latest[_name(period.closed_at)] if period.closed_at is not None else True
        status.update(
            min_op=int(periods[_name(period.id)].min()),
            max_op=int(latest[_name(period.id)]),
            latest_op=int(latest[_name(period.id)]),
            opened_at=pd.Timestamp(latest[_name(period.opened_at)]).to_pydatetime(),
            is_open=bool(pd.isna(closed)),
        )
        in_latest = _column(period.key, rows) == latest[_name(period.id)]
    if within is not None:
        in_latest &= _column(MODEL.dimension(MODEL.row_scope).match, rows).isin(within)
    if MODEL.page.status and status["max_date"] is not None:
        status["totals"] = _totals(rows[in_latest], MODEL.page.status)
    return Loaded(status)


def _date(value) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def prefetch(f: Filters, limits=None, grains=None) -> list[str]:  # noqa: ARG001
    """A naive app has no prefetch: each section loads when it is drawn."""
    return []
