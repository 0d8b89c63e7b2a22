"""Synthetic rows for the model's tables: what the generic tests and the benchmark run on.

The rows come from the model alone (model.py: its tables, keys and period), never from a
client's data, so a project adapted to another database keeps its whole suite and its
benchmark. Deterministic for a given ``rows``, ``seed`` and ``anchor``.

How the rows are made, table by table (parents first, following the foreign keys):

- the period table (with a period): one period per business day ending at ``anchor``,
  opened at 10:00 and closed at 23:30; the latest one is still open;
- a table that reaches the period through its foreign keys (the fact, an orders table):
  each row belongs to one period, its times and dates fall inside that period, and the
  rows lie in time order (keys numbered as things happened, as in a real table);
- any other table (products, categories): a few dozen rows;
- values by column type: whole numbers 1-9 (ids 1..n), amounts 1.00-199.99, text
  "<table> <column> <n>" (a name per row in a table of things such as products, or where
  the schema says unique; elsewhere, as a fact's "kind" or "status", a few dozen values),
  mostly-true flags, dates and times, a few bytes in a binary column;
- each value fits its column: a Numeric(4, 2) gets at most 99.99, a String(5) five
  characters that still differ row by row;
- keys as the schema has them: a cycle of foreign keys (a store's manager is staff of a
  store) is filled in one pass (a table's keys are known before its rows: 1..n); a key
  of several columns holds each combination once (a link table's pairs) or numbers its
  free part (an order's line 1, 2, 3...); a unique column gets distinct values.

Only into a database the project may fill: every table is marked in the ownership
register before it is created (store.py), and someone else's tables are refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
    select,
    type_coerce,
    update,
)
from sqlalchemy.schema import sort_tables_and_constraints

from . import db, rollups, store, times
from .model import MODEL
from .modeling import UNIX_SECONDS

FACT_ROWS_PER_PERIOD = 3_000  # a busy day of the demo: ~1,000 orders of 3 lines
ROWS_PER_GROUP = 3  # fact rows per row of a table between the fact and the period (orders)
REFERENCE_ROWS = 24  # rows of a table the fact only points at (products, categories)
BATCH_ROWS = 20_000
OPEN_HOUR, CLOSE_HOUR = 10, 23


@dataclasses.dataclass
class Filled:
    rows: dict[str, int]  # table name -> rows written
    periods: int
    seconds: float


def plan(fact_rows: int) -> dict[str, int]:
    """How many rows each model table gets."""
    period_table = MODEL.period.table if MODEL.period else None
    sizes = {}
    for table in MODEL.tables:
        if table is MODEL.fact:
            sizes[table.name] = fact_rows
        elif table is period_table:
            sizes[table.name] = periods_for(fact_rows)
        elif _reaches(table, period_table):  # e.g. orders: a few fact rows each
            sizes[table.name] = max(1, fact_rows // ROWS_PER_GROUP)
        else:
            sizes[table.name] = REFERENCE_ROWS
    return sizes


def periods_for(fact_rows: int) -> int:
    return max(7, round(fact_rows / FACT_ROWS_PER_PERIOD))


def _links(table: Table) -> list[tuple[tuple[str, ...], Table, tuple[str, ...]]]:
    """(columns, referenced table, referenced columns) of each foreign key to another model
    table: one entry per constraint, so a two-column key picks one parent row."""
    tables = {t.name: t for t in MODEL.tables}
    out = []
    for constraint in sorted(table.foreign_key_constraints, key=lambda k: k.column_keys):
        elements = list(constraint.elements)
        target = tables.get(elements[0].column.table.name)
        if target is not None and target is not table:
            out.append(
                (
                    tuple(e.parent.name for e in elements),
                    target,
                    tuple(e.column.name for e in elements),
                )
            )
    return out


def _parents(table: Table) -> list[tuple[str, Table]]:
    """(column name, referenced table) of each foreign key column to another model table."""
    return [(name, target) for names, target, _ in _links(table) for name in names]


def _reaches(table: Table, target: Table | None, seen: frozenset = frozenset()) -> bool:
    """``table`` reaches ``target`` by foreign keys (directly or through other tables; a
    cycle of keys, a store whose manager works in a store, is followed once)."""
    if target is None or table in seen:
        return False
    seen = seen | {table}
    return any(parent is target or _reaches(parent, target, seen) for _, parent in _parents(table))


def _ordered() -> list[Table]:
    """The model's tables, parents before children (a cycle of keys broken where
    SQLAlchemy breaks it: those keys are added after every table exists)."""
    names = {t.name for t in MODEL.tables}
    tables = sorted(MODEL.fact.metadata.tables.values(), key=lambda t: t.key)  # as sorted_tables
    ordered = sort_tables_and_constraints(tables)
    return [table for table, _ in ordered if table is not None and table.name in names]


# --- The values ------------------------------------------------------------------------


def _text(table: Table, column, i: int, width: int) -> str:
    """A text value that names its table too ("categories name 2"), so no two dimensions'
    members share a name (the row-scope tests look for names); shorter where it must, and
    still one value per ``i`` (a 5-character column gets "rat12" or "3f", not "ratin")."""
    for text in (f"{table.name} {column.name} {i}", f"{column.name} {i}"):
        if len(text) <= width:
            return text
    number = np.base_repr(i, 36).lower()
    room = width - len(number)
    return (column.name[:room] + number) if room > 0 else number[-width:]


class _Rows:
    """Column arrays of every table generated so far (children look their parents up)."""

    def __init__(self, rng: np.random.Generator, anchor: dt.date, sizes: dict[str, int]):
        self.rng, self.anchor, self.sizes = rng, anchor, sizes
        self.columns: dict[str, dict[str, np.ndarray]] = {}
        self.period_of: dict[str, np.ndarray] = {}  # table -> period index of each row
        self.n_periods = periods_for(sizes[MODEL.fact.name])
        self.days = [
            anchor - dt.timedelta(days=self.n_periods - 1 - i) for i in range(self.n_periods)
        ]

    def make(self, table: Table) -> dict[str, np.ndarray]:
        n, rng = self.sizes[table.name], self.rng
        period = MODEL.period
        periods = None
        if period is not None and table is period.table:
            periods = np.arange(n)
        cols: dict[str, np.ndarray] = {}
        for names, parent, targets in _links(table):  # foreign keys first: they fix the period
            count = self.sizes[parent.name]
            if parent.name in self.period_of and periods is None:
                # The period busier towards the weekend, the open one only a few hours in.
                weights = self._period_weights()
                chosen_period = rng.choice(self.n_periods, size=n, p=weights)
                rows = self._rows_in_periods(parent.name, chosen_period)
                periods = chosen_period
            elif self._unique(table, names) and n <= count:  # one row each: no two alike
                rows = rng.permutation(count)[:n]
            else:
                popularity = 1.0 / (rng.permutation(count) + 4.0)
                rows = rng.choice(count, size=n, p=popularity / popularity.sum())
            for name, target in zip(names, targets, strict=True):
                cols[name] = self._column_of(parent, target)[rows]
        if periods is None and period is None and table is MODEL.fact:
            periods = rng.choice(self.n_periods, size=n, p=self._period_weights())
        for column in table.columns:
            if column.name not in cols:
                cols[column.name] = self._values(table, column, n, periods)
        keep = self._distinct_keys(table, cols)
        if keep is not None:  # a link table: each pair once (the table gets fewer rows)
            cols = {name: values[keep] for name, values in cols.items()}
            periods = periods[keep] if periods is not None else None
            self.sizes[table.name] = int(keep.sum())
        if periods is not None:
            periods = self._in_time_order(table, cols, periods)
            self.period_of[table.name] = periods
        self.columns[table.name] = cols
        return cols

    @staticmethod
    def _unique(table: Table, names: tuple[str, ...]) -> bool:
        """These columns are the table's key or unique together (a one-to-one link)."""
        sets = [{c.name for c in table.primary_key.columns}]
        sets += [
            {c.name for c in constraint.columns}
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        ]
        sets += [{c.name for c in index.columns} for index in table.indexes if index.unique]
        return set(names) in sets

    def _column_of(self, table: Table, name: str) -> np.ndarray:
        """A column's values, also of a table not made yet (a cycle of keys: a store's
        manager is a staff member of a store): its keys are known in advance."""
        made = self.columns.get(table.name)
        if made is not None:
            return made[name]
        return self._values(table, table.c[name], self.sizes[table.name], None)

    def _distinct_keys(self, table: Table, cols: dict) -> np.ndarray | None:
        """A mask keeping the first row of each key, for a key of several columns; a free
        whole-number part of it (an order's line number) is numbered 1, 2... instead."""
        keys = [c for c in table.primary_key.columns]
        if len(keys) < 2:
            return None
        referring = {name for names, _, _ in _links(table) for name in names}
        free = [c for c in keys if c.name not in referring and isinstance(c.type, Integer)]
        frame = pd.DataFrame({c.name: cols[c.name] for c in keys})
        if free:
            others = [c.name for c in keys if c is not free[-1]]
            cols[free[-1].name] = frame.groupby(others, sort=False).cumcount().to_numpy() + 1
            return None
        return ~frame.duplicated().to_numpy()

    def _in_time_order(self, table: Table, cols: dict, periods: np.ndarray) -> np.ndarray:
        """Rows sorted by period and time, keys numbered in that order: real tables are
        appended as things happen, so their rows lie in time order (and so do reads)."""
        moments = [c.name for c in table.columns if c is MODEL.time]  # Unix seconds too
        moments += [c.name for c in table.columns if isinstance(c.type, DateTime)]
        order = np.lexsort((*(cols[name] for name in moments[:1]), periods))
        keys = {c.name for c in table.primary_key.columns}
        for name in cols:
            if name not in keys:
                cols[name] = cols[name][order]
        return periods[order]

    def _period_weights(self) -> np.ndarray:
        weekday = np.array([0.8, 0.9, 0.95, 1.0, 1.3, 1.45, 1.2])[[d.weekday() for d in self.days]]
        weights = weekday * self.rng.uniform(0.85, 1.15, self.n_periods)
        if MODEL.period is not None:
            weights[-1] *= 0.4  # the open period is only a few hours in
        return weights / weights.sum()

    def _rows_in_periods(self, parent: str, periods: np.ndarray) -> np.ndarray:
        """For each wanted period, a random row of ``parent`` in that period."""
        parent_periods = self.period_of[parent]
        order = np.argsort(parent_periods, kind="stable")
        starts = np.searchsorted(parent_periods[order], np.arange(self.n_periods))
        ends = np.searchsorted(parent_periods[order], np.arange(self.n_periods), side="right")
        counts = ends - starts
        # A period with no parent row takes the nearest earlier one that has some.
        for p in range(self.n_periods):
            if counts[p] == 0:
                q = next((q for q in range(p, -1, -1) if counts[q]), None)
                q = q if q is not None else next(q for q in range(self.n_periods) if counts[q])
                starts[p], ends[p], counts[p] = starts[q], ends[q], counts[q]
        offset = (self.rng.random(len(periods)) * counts[periods]).astype(int)
        return order[starts[periods] + offset]

    def _values(self, table: Table, column, n: int, periods: np.ndarray | None) -> np.ndarray:
        rng, kind = self.rng, column.type
        period = MODEL.period
        if column.primary_key:
            if isinstance(kind, Integer):
                return np.arange(1, n + 1)
            return np.array([f"{table.name}-{i}" for i in range(1, n + 1)], dtype=object)
        if period is not None and table is period.table:
            if column is period.date:
                return np.array(self.days, dtype=object)
            if column is period.opened_at:
                return np.array([self._opened(d) for d in self.days], dtype=object)
            if period.closed_at is not None and column is period.closed_at:
                closed = [self._opened(d).replace(hour=CLOSE_HOUR, minute=30) for d in self.days]
                closed[-1] = None  # the latest period is still open
                return np.array(closed, dtype=object)
        if column is MODEL.time and MODEL.time_stored == UNIX_SECONDS:
            moments = np.asarray(self._times(n, periods), dtype="datetime64[s]")
            return moments.astype(np.int64)  # seconds since 1970
        if isinstance(kind, DateTime):
            return self._times(n, periods)
        if isinstance(kind, Date):
            days = periods if periods is not None else rng.integers(0, self.n_periods, n)
            return np.array([self.days[p] for p in days], dtype=object)
        if isinstance(kind, Time):
            return np.array([dt.time(h, m) for h, m in rng.integers(0, [24, 60], (n, 2))])
        if isinstance(kind, Boolean):
            return rng.random(n) > 0.08
        if isinstance(kind, Numeric | Float):
            return self._amounts(kind, n, self._is_unique(table, column))
        if isinstance(kind, Integer):
            if self._is_unique(table, column):
                return np.arange(1, n + 1)
            return rng.integers(1, 10, n)
        if isinstance(kind, LargeBinary):  # a photo, a document: a few bytes each
            return np.array([f"{table.name} {i}".encode() for i in range(n)], dtype=object)
        if isinstance(kind, String | Text):
            width = getattr(kind, "length", None) or 40
            names = n if self._one_name_per_row(table, column) else min(n, REFERENCE_ROWS)
            values = [_text(table, column, i % names + 1, width) for i in range(n)]
            return np.array(values, dtype=object)
        raise ValueError(
            f"Cannot make synthetic values for {table.name}.{column.name} ({kind!r}): give "
            "it a common type (integer, numeric, string, date, datetime, time, boolean, "
            "binary)."
        )

    def _amounts(self, kind, n: int, unique: bool) -> np.ndarray:
        """Amounts 1.00-199.99, or as large as a narrow type holds (Numeric(4, 2): 99.99);
        a unique column's values all differ."""
        digits = None if isinstance(kind, Float) else kind.precision
        scale = 2 if isinstance(kind, Float) else (kind.scale or 0) if digits else 2
        whole = digits - scale if digits else None
        top = 200.0 if whole is None else min(200.0, 10.0**whole - 10.0**-scale)
        if unique:
            return np.round(np.arange(1, n + 1) * 10.0**-scale, scale)
        low = min(1.0, top / 2)
        return np.round(self.rng.uniform(low, top, n), min(scale, 2))

    @staticmethod
    def _is_unique(table: Table, column) -> bool:
        return bool(column.unique) or _Rows._unique(table, (column.name,))

    def _one_name_per_row(self, table: Table, column) -> bool:
        """A table of things (products, patients) names each row; so does a unique column.
        The fact and the tables between it and the period (orders) hold events, whose text
        (a kind, a status) takes a few values."""
        unique = column.unique or any(
            index.unique and list(index.columns) == [column] for index in table.indexes
        )
        period_table = MODEL.period.table if MODEL.period else None
        events = table is MODEL.fact or _reaches(table, period_table)
        return unique or not events

    def _opened(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(OPEN_HOUR))

    def _times(self, n: int, periods: np.ndarray | None) -> np.ndarray:
        """Times inside each row's period (business hours), in time order per period."""
        rng = self.rng
        periods = periods if periods is not None else rng.integers(0, self.n_periods, n)
        hours = (CLOSE_HOUR - OPEN_HOUR) * 3600
        offset = rng.integers(0, hours, n)
        last = periods == self.n_periods - 1
        offset[last] = (offset[last] * 0.45).astype(offset.dtype)  # the open period: so far
        base = np.array([self._opened(d) for d in self.days], dtype="datetime64[s]")
        return base[periods] + offset.astype("timedelta64[s]")


# --- Writing ---------------------------------------------------------------------------


def row_batches(columns: dict, size: int) -> Iterator[list[dict]]:
    """Column arrays (numpy or lists) -> lists of row dicts, one batch at a time (bounded
    memory); the demo's seeder writes its rows with it too."""
    names = list(columns)
    total = len(columns[names[0]])
    for start in range(0, total, size):
        part = []
        for name in names:
            chunk = columns[name][start : start + size]
            if isinstance(chunk, np.ndarray):
                if chunk.dtype.kind == "M":
                    chunk = chunk.astype("datetime64[us]")
                chunk = chunk.tolist()  # numpy -> Python ints, floats and datetimes
            part.append(chunk)
        yield [dict(zip(names, row, strict=True)) for row in zip(*part, strict=True)]


def _forget_rollups(engine: Engine) -> None:
    """New rows in every period: the app store's rollups of this database no longer hold."""
    app_store = db.make_engine(db.resolve_store_url())
    try:
        rollups.forget(engine, app_store)
    finally:
        app_store.dispose()


def fill(
    engine: Engine,
    rows: int,
    seed: int = 42,
    anchor: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    sizes: dict[str, int] | None = None,
) -> Filled:
    """Create the model's tables in an empty database (or the project's own) and fill
    them with ``rows`` fact rows; the indexes are built after the load. ``sizes``: rows of
    other tables, by name (150,000 products: a dimension too large for a list)."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    if rows < 1:
        raise ValueError("rows must be at least 1")
    tables = _ordered()
    found = store.survey(engine, store.schemas_of(engine, tables))
    names = [store.name_in(engine, table) for table in tables]
    store.refuse_foreign(found, names, db.describe(engine.url))
    store.drop_owned(engine, tables, found)
    _forget_rollups(engine)
    store.create_owned(engine, tables)
    dialect = db.dialect_module(engine.url)
    sizes = plan(rows) | (sizes or {})
    made = _Rows(np.random.default_rng(seed), anchor or dt.date.today(), sizes)
    with engine.connect() as c:
        dialect.begin_bulk_load(c)
        c.commit()
        with c.begin():  # one transaction for every row: far faster than one per batch
            for table in tables:
                columns = made.make(table)
                done = 0
                for batch in row_batches(columns, BATCH_ROWS):
                    dialect.insert_rows(c, table, batch)
                    done += len(batch)
                say(f"  {table.name:<24} {done:>10,} rows")
        dialect.end_bulk_load(c)
        c.commit()
    with engine.begin() as c:
        for table in tables:
            for index in sorted(table.indexes, key=lambda i: i.name or ""):
                index.create(c)
        dialect.catch_up_keys(c, list(tables))
        dialect.update_statistics(c, list(tables))
    seconds = time.perf_counter() - started
    say(f"Synthetic data: {rows:,} fact rows in {seconds:.1f} s.")
    return Filled(dict(sizes), made.n_periods, seconds)


# --- Real-world shapes -----------------------------------------------------------------

FAR_FUTURE = dt.datetime(2199, 5, 1, 12)  # a typing error: far after every other row
UNREADABLE_TIMES = ("01/02/2024 06:19", "Jan 5 2024", "2024-13-45 10:00")
MIDNIGHT_EVERY = 25  # every 25th row of the time's table is moved to its day's midnight


@dataclasses.dataclass
class Shapes:
    """What reshape() did: the counts the data's health must report."""

    midnight: int = 0
    unreadable: int = 0
    late: int = 0
    text_forms: bool = False


def reshape(engine: Engine) -> Shapes:
    """Give filled rows the shapes real databases hold, where the backend can hold them:
    times at midnight, one time dated 2199; on SQLite (a DATETIME column holds any text)
    also times written as other tools write them ('2024-01-19 08:30:00', and a date alone
    for a midnight) and a few that no ISO form reads. Rows are picked by their time, so a
    fact without a key is reshaped too. Only the project's own synthetic tables (fill()
    made them) are changed."""
    table, time = MODEL.time.table, MODEL.time
    found = store.survey(engine, store.schemas_of(engine, [table]))
    store.refuse_foreign(found, [store.name_in(engine, table)], db.describe(engine.url))
    shapes = Shapes()

    def set_time(where, value) -> int:
        return c.execute(update(table).where(where).values({time.name: value})).rowcount

    seconds = MODEL.time_stored == UNIX_SECONDS

    def as_stored(moment: dt.datetime):
        return times.in_seconds(moment) if seconds else moment

    with engine.begin() as c:
        moments = [v for (v,) in c.execute(select(time).distinct().order_by(time))]
        days = []
        for moment in moments[MIDNIGHT_EVERY - 1 :: MIDNIGHT_EVERY]:
            when = times.parse(moment) if seconds else moment
            date = when.date() if isinstance(when, dt.datetime) else when
            day = dt.datetime.combine(date, dt.time())
            shapes.midnight += set_time(time == moment, as_stored(day))
            days.append(day)
        shapes.late = set_time(time == moments[len(moments) // 2], as_stored(FAR_FUTURE))
        if db.dialect_module(engine.url).TIMES_ARE_TEXT and not seconds:
            text = type_coerce(time, String)
            c.execute(update(table).values({time.name: func.substr(text, 1, 19)}))
            for day in days[::2]:
                set_time(text == f"{day:%Y-%m-%d %H:%M:%S}", func.substr(text, 1, 10))
            third = [v for (v,) in c.execute(select(text).distinct().order_by(text))]
            third = third[len(third) // 3 :]
            for old, new in zip(third, UNREADABLE_TIMES, strict=False):
                written = type_coerce(new, String)  # as text, past the DATETIME type
                shapes.unreadable += set_time(text == old, written)
            shapes.text_forms = True
    _forget_rollups(engine)
    return shapes
