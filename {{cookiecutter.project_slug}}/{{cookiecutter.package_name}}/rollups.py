"""Rollups: the model's measures pre-aggregated per closed period, so a year costs what a
week costs.

In the manner of Cube's pre-aggregations and Looker's aggregate tables. A *cube* is a
table with one row per closed period (or closed day, when the model has no period) and
per value of a few dimensions (and, for a series, per hour or day): the sums and counts
of the fact rows of that cell. A query the page asks for is answered from the smallest
cube that covers it, plus the raw rows after the cubes' *watermark* (the open period, and
any period closed since the last build); otherwise from the raw rows alone.

Exactness rules (every answer equals the raw query's, to the cent):
- Sums and counts add up: a range of periods is the sum of its cells.
- A distinct count (orders) adds up only over cells that cannot share a value: across
  periods when what it counts has one period (in the demo an order belongs to one
  operation), and never across the values of a dimension the query neither groups by nor
  pins to one value. A query that would need that is answered from the raw rows.

The cubes live in the app store (store.py), never in the dashboard's database, so a
read-only client database gets them too. ``python -m <package> rollup`` builds what closed
since the last build; readers only use cells up to the watermark they read, so a build
running beside the app never shows a half-built number.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import functools
import hashlib
import time
from collections.abc import Callable

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    bindparam,
    func,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import DropTable
from sqlalchemy.sql import operators

from . import db, exact, queries, stats, store, times
from .i18n import label
from .model import MODEL
from .modeling import AUTO, DAY, HOUR, CountDistinct, Dimension, Sum
from .queries import Filters, Scope

CHUNK_PARTS = 60  # periods (or days) built per transaction: progress, and short locks
BUILD_WORKERS = 2  # cube statements run at once (the database works on both)
ROWS = "n_rows"  # every cube counts its fact rows (the detail's row count)

# The build log: one row per dashboard database, with the model it was built from and how
# far it got. Readers trust a cube's cells only up to this watermark.
catalogue = Table(
    "dashboard_rollups",
    MetaData(),
    Column("source", String(64), primary_key=True),  # which database: source_id()
    Column("signature", String(64), nullable=False),  # a hash of the cubes' definitions
    Column("generation", Integer, nullable=False),  # which set of cube tables is current
    Column("watermark", Integer, nullable=False),  # last period id (or day ordinal) built
    Column("built_at", DateTime, nullable=False),
)


# --- The cubes the page needs ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cube:
    """A grain: the dimensions (names, in the model's order) and the time bucket."""

    dimensions: tuple[str, ...]
    grain: str | None = None  # HOUR or DAY for a series, None otherwise

    @property
    def name(self) -> str:
        return "_".join((*self.dimensions, *([self.grain] if self.grain else []))) or "total"


def _with_broader(names) -> tuple[str, ...]:
    """The dimensions and the broader ones they lie within (a product's category), in
    the model's order: a cube by product is also by category at no cost."""
    wanted = set(names)
    for name in list(wanted):
        while (broader := MODEL.dimension(name).within) is not None:
            wanted.add(broader)
            name = broader
    return tuple(d.name for d in MODEL.dimensions if d.name in wanted)


@functools.cache
def _groupings() -> list[Cube]:
    """What the page groups by: nothing (KPIs), each section's dimensions or buckets."""
    found = [Cube(())]
    for section in MODEL.page.sections:
        if hasattr(section, "grain"):  # a day's cells also answer weeks, months, quarters
            grains = (HOUR, DAY) if section.grain == AUTO else (section.grain,)
            found += [Cube((), _stored_grain(grain)) for grain in grains]
        else:
            colour = getattr(section, "colour", None)
            names = [section.dimension, *([colour] if colour else [])]
            if not any(_linked(name) for name in names):
                found.append(Cube(_with_broader(names)))
    return found


def _linked(name: str) -> bool:
    """A dimension read through a link table: its cells overlap (a film in two
    categories), so no cube holds it and its questions read the raw rows."""
    return MODEL.bridged(MODEL.dimension(name))


@functools.cache
def cubes() -> tuple[Cube, ...]:
    """Each grouping alone and with each filter dimension added (a filter on one
    dimension is then answered from a cube), smallest first."""
    found: dict[Cube, None] = {}
    for grouping in _groupings():
        found[grouping] = None
        for dimension in MODEL.dimensions:
            if _linked(dimension.name):
                continue
            names = _with_broader([*grouping.dimensions, dimension.name])
            found[Cube(names, grouping.grain)] = None
    return tuple(sorted(found, key=lambda cube: (len(cube.dimensions), cube.name)))


def _bound_to_period(formula: CountDistinct) -> bool:
    """Does each counted value belong to one period? True when it is the primary key of
    the table that names the period (orders.order_id, or the fact's column joined to it)."""
    period = MODEL.period
    if period is None:
        return False
    home = next(iter(queries.tables_of(period.key)))
    keys = set(home.primary_key.columns)
    counted = formula.expression
    if any(counted is key for key in keys):
        return True
    for join in MODEL.joins:
        on = join.on
        if join.table is home and getattr(on, "operator", None) is operators.eq:
            sides = (on.left, on.right)
            if any(counted is side for side in sides) and any(
                side is key for side in sides for key in keys
            ):
                return True
    return False


@functools.cache
def stored_measures() -> tuple[str, ...]:
    """The aggregates a cube can hold: sums, counts and period-bound distinct counts."""
    names = [m.name for m in MODEL.measures]
    return tuple(
        m.name
        for m in MODEL.aggregates(names)
        if not isinstance(m.formula, CountDistinct) or _bound_to_period(m.formula)
    )


def raw_by_design() -> list:
    """The model's distinct counts no cube can hold (what they count can fall in several
    periods): a query that needs one always reads the raw rows, and `sql` and the operator
    panel say so."""
    names = [m.name for m in MODEL.measures]
    return [m for m in MODEL.aggregates(names) if m.name not in stored_measures()]


# --- Tables: one per cube, named after the database it summarises -----------------------


def source_id(url) -> str:
    """The dashboard database a cube summarises: a hash of where it is (server and name;
    not the user, nor options such as a read-only file URI)."""
    database = url.database or ""
    if url.get_backend_name() == "sqlite":
        database = database.removeprefix("file:")
    where = f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{database}"
    return hashlib.sha256(where.encode()).hexdigest()[:12]


def _part() -> Column:
    if MODEL.period is not None:
        return Column("part", Integer, nullable=False)  # the period's id
    return Column("part", Date, nullable=False)  # the day


def _bucket_column(grain: str) -> Column:
    return Column("bucket", Integer if grain == HOUR else Date, nullable=False)


@functools.cache
def tables(source: str, generation: int) -> dict[Cube, Table]:
    """The cube tables of one dashboard database (built in a MetaData of their own). A
    full build fills a new generation while readers keep using the current one."""
    metadata = MetaData()
    out = {}
    for cube in cubes():
        name = f"rollup_{source}_{generation}_{cube.name}"
        if len(name) > 60:  # MySQL's limit is 64: keep it readable, make it unique
            digest = hashlib.sha256(cube.name.encode()).hexdigest()[:12]
            name = f"rollup_{source}_{generation}_{digest}"
        columns = [_part()]
        if MODEL.period is not None:
            columns.append(Column("day", Date, nullable=False))  # the business date
        if cube.grain:
            columns.append(_bucket_column(cube.grain))
        for dim in map(MODEL.dimension, cube.dimensions):
            if dim.key is not None:
                columns.append(Column(f"k_{dim.name}", dim.key.type))
            columns.append(Column(f"d_{dim.name}", dim.column.type))
        for measure in map(MODEL.measure, stored_measures()):
            columns.append(Column(f"m_{measure.name}", _measure_type(measure)))
        columns.append(Column(ROWS, BigInteger, nullable=False))
        table = Table(name, metadata, *columns)
        Index(f"ix_{name}_part"[:64], table.c.part)
        out[cube] = table
    return out


def _measure_type(measure):
    formula = measure.formula
    if isinstance(formula, Sum) and exact.scale_of(formula.expression) is not None:
        return exact.Amount(exact.scale_of(formula.expression))  # a total of totals stays exact
    if isinstance(formula, Sum) and not isinstance(formula.expression.type, Integer):
        return Float  # a sum of floats (a REAL or FLOAT column)
    return BigInteger


@functools.cache
def signature() -> str:
    """Changes whenever the cubes would hold something else (model.py edited)."""
    parts = [str(_build_statement(cube, Scope(op_start=0, op_end=0))) for cube in cubes()]
    parts += [f"{name} {_measure_type(MODEL.measure(name))!r}" for name in stored_measures()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


# --- Building ----------------------------------------------------------------------------


def _part_expression():
    period = MODEL.period
    return period.key if period is not None else times.day_of(MODEL.time)


def _stored_grain(grain: str) -> str:
    """Cubes hold hours or days: weeks, months and quarters are added up from days."""
    return grain if grain == HOUR else DAY


def _bucket_expression(grain: str):
    return times.bucket_of(grain, MODEL.time)


def _build_statement(cube: Cube, scope: Scope) -> Select:
    """The cells of one cube for a range of periods (or days), from the raw rows."""
    groups = [_part_expression().label("part")]
    if MODEL.period is not None:
        groups.append(MODEL.period.date.label("day"))
    if cube.grain:
        groups.append(_bucket_expression(cube.grain).label("bucket"))
    for dim in map(MODEL.dimension, cube.dimensions):
        if dim.key is not None:
            groups.append(dim.key.label(f"k_{dim.name}"))
        groups.append(dim.column.label(f"d_{dim.name}"))
    sums = [MODEL.measure(name).formula.sql().label(f"m_{name}") for name in stored_measures()]
    columns = [*groups, *sums, func.count().label(ROWS)]
    stmt = queries.scoped(columns, scope, Filters(queries.DATES))
    if cube.grain:  # as queries.series_statement: a time no form reads has no bucket
        stmt = stmt.where(times.readable(MODEL.time))
    return stmt.group_by(*(g.element for g in groups))


def _closed_parts(c: Connection, after: int | None) -> list:
    """The parts (period ids, or days) closed and not built yet, oldest first: periods
    up to the first one still open; days before the day of the latest row."""
    period = MODEL.period
    if period is not None:
        latest = c.execute(select(func.max(period.id))).scalar()
        if latest is None:
            return []
        stmt = select(period.id).order_by(period.id)
        if after is not None:
            stmt = stmt.where(period.id > bindparam("after", after))
        if period.closed_at is not None:
            first_open = select(func.min(period.id)).where(period.closed_at.is_(None))
            stmt = stmt.where(period.closed_at.is_not(None))
            stmt = stmt.where(period.id < func.coalesce(first_open.scalar_subquery(), latest + 1))
        else:  # no closing time: every period but the latest is closed
            stmt = stmt.where(period.id < bindparam("latest", latest))
        return [row[0] for row in c.execute(stmt)]
    bounds = queries.time_bounds(c)  # the dense range: no part for each day up to an outlier
    first, last = bounds.first, bounds.last
    if last is None:
        return []
    start = queries._as_date(first)
    if after is not None:
        start = max(start, dt.date.fromordinal(after + 1))
    end = queries._as_date(last) - dt.timedelta(days=1)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _as_watermark(part) -> int:
    return part if isinstance(part, int) else part.toordinal()


def _part_value(watermark: int):
    return watermark if MODEL.period is not None else dt.date.fromordinal(watermark)


def _scope_of(first, last) -> Scope:
    if MODEL.period is not None:
        return Scope(op_start=first, op_end=last)
    return Scope(date_start=first, date_end=last)


def _cell(row: dict) -> dict:
    """A row of cells as the cube's column types want it (dates, floats, ints)."""
    out = dict(row)
    for name in ("part", "day", "bucket"):
        value = out.get(name)
        if isinstance(value, str | dt.datetime):
            out[name] = queries._as_date(value)
        elif name == "bucket" and value is not None and not isinstance(value, dt.date):
            out[name] = int(value)
    for name, value in out.items():
        if name.startswith("m_") and value is not None:
            kind = _measure_type(MODEL.measure(name[2:]))
            if kind is BigInteger:  # MySQL's SUM of integers is a Decimal
                out[name] = int(value)
            elif kind is Float:
                out[name] = float(value)  # an Amount takes its Decimal as it is
    return out


@dataclasses.dataclass(frozen=True)
class Built:
    parts: int  # periods (or days) built by this run
    cells: int  # cube rows written
    watermark: int | None
    seconds: float
    tables: int
    full: bool  # a new generation (first build, --rebuild, or model.py changed)


def build(
    data: Engine,
    app_store: Engine,
    rebuild: bool = False,
    progress: Callable[[str], None] | None = None,
    through=None,
) -> Built:
    """Build the cubes of what closed since the last build (all of it: ``rebuild``);
    ``through``: stop at this period id (or day), for a backfill in steps.

    Safe beside the app: an incremental build adds periods after the watermark, a chunk
    and the watermark in one transaction; a full build fills a new generation of tables
    and switches the catalogue to it at the end. Idempotent: a second build, or one
    interrupted, leaves correct cubes.
    """
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    source, sign = source_id(data.url), signature()
    entry = _entry(app_store, source)
    full = rebuild or entry is None or entry["signature"] != sign
    generation = (entry["generation"] + 1 if entry else 1) if full else entry["generation"]
    cube_tables = tables(source, generation)
    _create(app_store, source, cube_tables, keep=() if entry is None else [entry["generation"]])
    with data.connect() as c:
        parts = _closed_parts(c, None if full else entry["watermark"])
    if through is not None:
        parts = [part for part in parts if part <= through]
    cells, watermark = 0, None if full else entry["watermark"]
    for i in range(0, len(parts), CHUNK_PARTS):
        chunk = parts[i : i + CHUNK_PARTS]
        cells += _build_chunk(data, app_store, cube_tables, chunk)
        watermark = _as_watermark(chunk[-1])
        if not full:  # readers use these cells as soon as the watermark says so
            with app_store.begin() as s:
                _save_entry(s, source, sign, generation, watermark)
        say(f"rollup: {_describe_part(chunk[-1])} ({i + len(chunk)} of {len(parts)})")
    if full:
        if watermark is None:
            watermark = _empty_watermark()  # nothing closed yet: empty cubes
        with app_store.begin() as s:
            _save_entry(s, source, sign, generation, watermark)
        if entry is not None:  # the old generation: readers still on it fall back to raw
            _drop(app_store, tables(source, entry["generation"]).values())
    return Built(
        len(parts), cells, watermark, time.perf_counter() - started, len(cube_tables), full
    )


def _build_chunk(data: Engine, app_store: Engine, cube_tables: dict, chunk: list) -> int:
    """Replace the cells of these parts in every cube (one transaction): rows written.
    The cubes' statements run BUILD_WORKERS at a time, each on a connection of its own
    (each is a pass over the chunk's fact rows and their joins: the slow part)."""
    scope = _scope_of(chunk[0], chunk[-1])

    def cells(cube: Cube) -> list[dict]:
        with data.connect() as c:
            return [_cell(row) for row in c.execute(_build_statement(cube, scope)).mappings()]

    with concurrent.futures.ThreadPoolExecutor(BUILD_WORKERS) as pool:
        found = dict(zip(cube_tables, pool.map(cells, cube_tables), strict=True))
    batches = {cube_tables[cube]: rows for cube, rows in found.items()}
    first, last = bindparam("first", chunk[0]), bindparam("last", chunk[-1])
    with app_store.begin() as s:
        for table, rows in batches.items():
            s.execute(table.delete().where(table.c.part.between(first, last)))
            if rows:
                s.execute(table.insert(), rows)
    return sum(len(rows) for rows in batches.values())


def _empty_watermark() -> int:
    return 0 if MODEL.period is not None else dt.date(1, 1, 1).toordinal()


def part_text(watermark: int, period_label: str | None = None) -> str:
    """A watermark in words: "Operation 332", or a day."""
    part = _part_value(watermark)
    if MODEL.period is not None:
        return f"{period_label or MODEL.period.label.get('en', 'period')} {part}"
    return part.isoformat()


def _describe_part(part) -> str:
    return part_text(_as_watermark(part))


def summary(built: Built) -> str:
    """The line `rollup` prints at the end."""
    if not built.parts and not built.full:
        up_to = _watermark_text(built.watermark)
        return f"Rollups are up to date (up to {up_to}): nothing closed since the last build."
    kind = "all" if built.full else "the"
    fresh = "" if built.full else " new"
    return (
        f"Rollups built: {kind} {built.parts}{fresh} closed {_plural(built.parts)} into "
        f"{built.tables} tables ({built.cells:,} rows), up to {_watermark_text(built.watermark)}, "
        f"in {built.seconds:.1f} s."
    )


def _plural(n: int) -> str:
    if MODEL.period is not None:
        return "period" if n == 1 else "periods"
    return "day" if n == 1 else "days"


def _watermark_text(watermark: int) -> str:
    return part_text(watermark)


def _create(app_store: Engine, source: str, cube_tables: dict, keep) -> None:
    """The catalogue and the cube tables, each marked as the project's own; tables of this
    database's other generations (a full build cut short), except ``keep``, are dropped."""
    found = store.survey(app_store)
    current = {table.name for table in cube_tables.values()}
    kept = {t.name for g in keep for t in tables(source, g).values()}
    stale = [
        name
        for name in found.owned
        if name.startswith(f"rollup_{source}_") and name not in current | kept
    ]
    for name in stale:
        _drop(app_store, [Table(name, MetaData())])
    wanted = [catalogue, *cube_tables.values()]
    needed = [table for table in wanted if table.name not in found.owned]
    if not needed:
        return
    where = f"The app store {db.describe(app_store.url)}"
    store.refuse_foreign(found, [t.name for t in needed], where)
    store.create_owned(app_store, needed)
    with app_store.begin() as s:
        for table in needed:
            for index in table.indexes:
                index.create(s)


def _drop(app_store: Engine, cube_tables) -> None:
    """Drop cube tables the register says are ours (a reader still on them falls back
    to the raw rows)."""
    found = store.survey(app_store)
    for table in cube_tables:
        if table.name in found.owned:
            with app_store.begin() as s:
                s.execute(DropTable(table, if_exists=True))
                s.execute(
                    store.register.delete().where(
                        store.register.c.table_name == bindparam("t", table.name)
                    )
                )


def forget(data: Engine, app_store: Engine) -> None:
    """The data was replaced (seed --force, a synthetic fill): its cubes no longer hold.
    The catalogue row goes first, so readers stop using them at once."""
    source = source_id(data.url)
    entry = _entry(app_store, source)
    if entry is None:
        return
    with app_store.begin() as s:
        s.execute(catalogue.delete().where(catalogue.c.source == bindparam("s", source)))
    _drop(app_store, tables(source, entry["generation"]).values())


def _entry(app_store: Engine, source: str) -> dict | None:
    try:
        with app_store.connect() as s:
            row = (
                s.execute(select(catalogue).where(catalogue.c.source == bindparam("s", source)))
                .mappings()
                .first()
            )
    except SQLAlchemyError:  # no catalogue yet
        return None
    return dict(row) if row else None


def _save_entry(s: Connection, source: str, sign: str, generation: int, watermark: int) -> None:
    s.execute(catalogue.delete().where(catalogue.c.source == bindparam("s", source)))
    s.execute(
        catalogue.insert().values(
            source=source,
            signature=sign,
            generation=generation,
            watermark=watermark,
            built_at=dt.datetime.now().replace(microsecond=0),
        )
    )


# --- Answering: a cube when it covers the query, else None (the raw rows) -----------------


def choose(f: Filters, dimensions: tuple[str, ...], grain, measures) -> Cube | None:
    """The smallest cube that answers exactly: it has every grouped and filtered
    dimension, and for a distinct count each other dimension is pinned to one value
    or lies above one that is (a product's category)."""
    needed = MODEL.aggregates(measures) if measures else []
    if any(m.name not in stored_measures() for m in needed):
        return None
    picked = {name for name, values in f.picks if values}
    pinned = {name for name, values in f.picks if len(values) == 1}
    distinct = any(isinstance(m.formula, CountDistinct) for m in needed)
    if distinct and grain is not None and _stored_grain(grain) != grain:
        return None  # a distinct count by month is no sum of distinct counts by day
    fixed = set(_with_broader([*dimensions, *pinned]))
    for cube in cubes():
        if cube.grain != (grain and _stored_grain(grain)):
            continue
        if not {*dimensions, *picked} <= set(cube.dimensions):
            continue
        if distinct and not set(cube.dimensions) <= fixed:
            continue
        return cube
    return None


# Pattern: aggregate awareness: a cube when it answers exactly, else the raw rows.
class Rollups:
    """Answers the page's aggregate queries from the cubes of one dashboard database.

    ``answer()`` returns the same columns as the raw statement would, or None when no cube
    covers the query exactly (the caller then reads the raw rows).
    """

    def __init__(self, app_store: Engine, data_url) -> None:
        self.app_store = app_store
        self.source = source_id(data_url)
        self.signature = signature()

    def current(self) -> tuple[dict[Cube, Table], int] | None:
        """(the current cube tables, the watermark), read fresh; None: no cubes for this
        database and this model.py."""
        entry = _entry(self.app_store, self.source)
        if entry is None or entry["signature"] != self.signature:
            return None
        return tables(self.source, entry["generation"]), entry["watermark"]

    def watermark(self) -> int | None:
        """The last part built (None: no cubes for this database and model)."""
        current = self.current()
        return None if current is None else current[1]

    def answer(
        self,
        c: Connection,
        scope: Scope,
        f: Filters,
        dimensions: tuple[str, ...],
        grain: str | None,
        measures,
        limit: int | None = None,
    ) -> pd.DataFrame | None:
        """The aggregates of ``measures`` by ``dimensions`` (and bucket): cube cells up to
        the watermark plus the raw rows after it. With ``limit``: the top rows by the first
        measure's first aggregate, as the raw statement orders them."""
        cube = choose(f, dimensions, grain, measures)
        current = self.current() if cube is not None else None
        plan = _split(scope, current[1]) if current is not None else None
        if plan is None:
            stats.count_rollup(False)
            return None
        rolled, rest = plan
        table = current[0][cube]
        frames = []
        if rolled is not None:
            stmt = _from_cube(table, cube, rolled, f, dimensions, cube.grain, measures)
            try:
                with self.app_store.connect() as s:
                    frames.append(pd.DataFrame(s.execute(stmt).mappings().all()))
            except SQLAlchemyError:  # a full build just replaced this generation
                stats.count_rollup(False)
                return None
        if rest is not None:
            stmt = _from_raw(rest, f, dimensions, cube.grain, measures)
            frames.append(pd.DataFrame(c.execute(stmt).mappings().all()))
        stats.count_rollup(rolled is not None)  # a view wholly after the watermark is raw
        return _combined(frames, dimensions, grain, measures, limit)

    def explain(self, f: Filters, scope: Scope, dimensions, grain, measures) -> str:
        """One line for `sql`: what would answer this query."""
        cube = choose(f, dimensions, grain, measures)
        if cube is None:
            held = set(stored_measures())
            unheld = [m for m in MODEL.aggregates(measures) if m.name not in held]
            if unheld:
                names = ", ".join(label(m.label, m.name) for m in unheld)
                return (
                    f"raw rows ({names}: a distinct count of values that can fall in several "
                    "periods; a range's count is no sum of its periods' counts, so no rollup "
                    "holds it)"
                )
            if grain is not None and _stored_grain(grain) != grain:
                distinct = [m for m in MODEL.aggregates(measures) if m.name not in stored_measures()
                            or isinstance(m.formula, CountDistinct)]  # fmt: skip
                if distinct:
                    return (
                        f"raw rows (a distinct count by {grain} is no sum of the days' "
                        "counts: the rollups hold days)"
                    )
            asked = dict.fromkeys([*dimensions, *(name for name, values in f.picks if values)])
            linked = [label(MODEL.dimension(name).label, name) for name in asked if _linked(name)]
            if linked:
                return (
                    f"raw rows ({', '.join(linked)}: read through a link table, a fact row "
                    "can count in several of its values, so no rollup holds it)"
                )
            return "raw rows (no rollup answers these filters exactly)"
        current = self.current()
        watermark = None if current is None else current[1]
        plan = _split(scope, watermark)
        if plan is None:
            if watermark is None:
                return f"raw rows (no rollups built: python -m {db.PACKAGE} rollup)"
            return "raw rows (the view is not a range of closed periods)"
        rolled, rest = plan
        added = f" (its days added up by {grain})" if grain and cube.grain != grain else ""
        parts = [f"rollup {current[0][cube].name}{added}"] if rolled else []
        if rest is not None:
            parts.append(f"raw rows after {_watermark_text(watermark)}")
        return " + ".join(parts)


def page_questions(c: Connection, f: Filters) -> dict[str, tuple]:
    """The page's aggregate queries, named as in queries.statements(): (scope, dimensions,
    grain, measures) each."""
    current, previous = queries.current_scope(c, f), queries.previous_scope(c, f)
    kpis = tuple(MODEL.page.kpis)
    out = {
        "totals (KPIs)": (current, (), None, kpis),
        "totals (KPIs), previous period": (previous, (), None, kpis),
    }
    for section in MODEL.page.sections:
        measures = queries.section_measures(section)
        if hasattr(section, "grain"):
            grain = queries.series_grain(section, f)
            out[f"section {section.key}"] = (current, (), grain, measures)
        else:
            colour = getattr(section, "colour", None)
            groups = (section.dimension, *([colour] if colour else []))
            out[f"section {section.key}"] = (current, groups, None, measures)
    if MODEL.page.detail:
        out["detail count"] = (current, (), None, ())
    return out


def _split(scope: Scope, watermark: int | None) -> tuple[Scope | None, Scope | None] | None:
    """(the part of the scope the cubes hold, the part read raw), or None when the scope
    is not a range of whole periods (or days): realtime, a cut-off comparison."""
    if watermark is None or scope.latest or scope.since or scope.until:
        return None
    period = MODEL.period
    if period is not None and scope.op_start is not None:
        start, end = scope.op_start, scope.op_end
        rolled = Scope(op_start=start, op_end=min(end, watermark)) if start <= watermark else None
        rest = Scope(op_start=max(start, watermark + 1), op_end=end) if end > watermark else None
        return rolled, rest
    if scope.date_start is None:
        return None
    if period is not None:  # business dates: cells up to the watermark, raw periods after
        rolled = dataclasses.replace(scope, through_op=watermark)
        return rolled, dataclasses.replace(scope, after_op=watermark)
    last = dt.date.fromordinal(watermark)
    start, end = scope.date_start, scope.date_end
    rolled = Scope(date_start=start, date_end=min(end, last)) if start <= last else None
    rest = None
    if end > last:
        rest = Scope(date_start=max(start, last + dt.timedelta(days=1)), date_end=end)
    return rolled, rest


def _group_labels(dimensions) -> list[str]:
    """A cube's group columns for these dimensions: each key (when it has one) and label."""
    out = []
    for dim in map(MODEL.dimension, dimensions):
        if dim.key is not None:
            out.append(f"k_{dim.name}")
        out.append(f"d_{dim.name}")
    return out


def _cube_match(table: Table, dim: Dimension):
    return table.c[f"k_{dim.name}" if dim.key is not None else f"d_{dim.name}"]


def _aggregate_names(measures) -> list[str]:
    return [m.name for m in MODEL.aggregates(measures)] if measures else []


def _from_cube(table: Table, cube: Cube, scope: Scope, f: Filters, dimensions, grain, measures):
    """SUM of a cube's cells over the scope, by the query's groups, with the filters."""
    groups = [table.c[name] for name in _group_labels(dimensions)]
    if grain:
        groups.insert(0, table.c.bucket)
    sums = [
        func.sum(table.c[f"m_{name}"]).label(f"m_{name}") for name in _aggregate_names(measures)
    ]
    stmt = select(*groups, *sums, func.sum(table.c[ROWS]).label(ROWS))
    if scope.op_start is not None:
        stmt = stmt.where(
            table.c.part.between(
                bindparam("op_start", scope.op_start), bindparam("op_end", scope.op_end)
            )
        )
    else:
        column = table.c.day if MODEL.period is not None else table.c.part
        stmt = stmt.where(
            column.between(
                bindparam("date_start", scope.date_start, type_=Date),
                bindparam("date_end", scope.date_end, type_=Date),
            )
        )
        if scope.through_op is not None:
            stmt = stmt.where(table.c.part <= bindparam("through_op", scope.through_op))
    for index, dim in enumerate(MODEL.dimensions):
        values = f.chosen(dim.name)
        if values:
            chosen = bindparam(f"pick_{index}", list(values), expanding=True)
            stmt = stmt.where(_cube_match(table, dim).in_(chosen))
    return stmt.group_by(*groups) if groups else stmt


def _from_raw(scope: Scope, f: Filters, dimensions, grain, measures) -> Select:
    """The same groups and aggregates from the raw rows (the part after the watermark)."""
    groups = []
    if grain:
        groups.append(_bucket_expression(grain).label("bucket"))
    for dim in map(MODEL.dimension, dimensions):
        if dim.key is not None:
            groups.append(dim.key.label(f"k_{dim.name}"))
        groups.append(dim.column.label(f"d_{dim.name}"))
    sums = [
        MODEL.measure(name).formula.sql().label(f"m_{name}") for name in _aggregate_names(measures)
    ]
    stmt = queries.scoped([*groups, *sums, func.count().label(ROWS)], scope, f)
    return stmt.group_by(*(g.element for g in groups)) if groups else stmt


def _combined(frames, dimensions, grain, measures, limit) -> pd.DataFrame:
    """Cube cells and raw rows added up per group, in the raw statement's columns."""
    groups = (["bucket"] if grain else []) + _group_labels(dimensions)
    values = [f"m_{name}" for name in _aggregate_names(measures)] + [ROWS]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        frame = pd.DataFrame(columns=groups + values)
    else:
        frame = pd.concat(frames, ignore_index=True)
    for name in values:
        if exact.holds_decimals(frame[name]):  # exact sums add up as Decimals
            frame[name] = frame[name].map(exact.as_decimal)
        else:
            frame[name] = pd.to_numeric(frame[name]).astype(float)
    if groups:
        if grain and not frame.empty:  # days added up into weeks, months or quarters
            frame["bucket"] = [
                int(v) if grain == HOUR else times.start_of(grain, queries._as_date(v))
                for v in frame["bucket"]
            ]
        frame = frame.groupby(groups, as_index=False, dropna=False, sort=False)[values].sum()
    else:
        frame = (
            pd.DataFrame([frame[values].sum()])
            if not frame.empty
            else pd.DataFrame([dict.fromkeys(values, None)])
        )
    if limit is not None:
        first, dim = f"m_{_aggregate_names(measures)[0]}", MODEL.dimension(dimensions[0])
        key = f"k_{dim.name}" if dim.key is not None else f"d_{dim.name}"
        frame = frame.sort_values([first, key], ascending=[False, True]).head(limit)
    renamed = {f"d_{name}": name for name in dimensions}
    renamed |= {f"m_{name}": name for name in _aggregate_names(measures)}
    if measures:  # the row count is the answer only to the detail's count (a model may
        frame = frame.drop(columns=ROWS)  # have a measure called "rows" too)
    else:
        renamed[ROWS] = "rows"  # as count_statement
    return frame.rename(columns=renamed).reset_index(drop=True)
