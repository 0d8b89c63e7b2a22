"""The words model.py is written in: a fact table and its joins, a period, measures,
dimensions and the page.

Plain frozen dataclasses: no Streamlit and no database access. model.py describes one
business with them; queries.py turns the description into SQL, data.py caches the
results and the sections draw them. ``Model`` checks the description when it is built,
so a typo in model.py is a message naming the value and the fix, not a page error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    String,
    Table,
    UniqueConstraint,
    cast,
    func,
    literal,
)
from sqlalchemy.sql import visitors

from . import exact

Text = Mapping[str, str]  # one text per language: {"en": "Sales", "es": "Ventas"}

# How a value is written (measures and fields).
MONEY, COUNT, PERCENT = "money", "count", "percent"
TIME, DATE, ID, TEXT, NUMBER, FLAG = "time", "date", "id", "text", "number", "flag"
# Which direction of a change is good, for the colour of a KPI's delta (None: neither).
UP, DOWN = "up", "down"
# Grains of a time series: the hour of the day (0-23), the calendar day, the week (from
# Monday), the month and the quarter. AUTO: the grain that suits the range shown (grain_for).
HOUR, DAY, WEEK, MONTH, QUARTER = "hour", "day", "week", "month", "quarter"
GRAINS = (HOUR, DAY, WEEK, MONTH, QUARTER)
AUTO = "auto"
# How the time column is stored (times.py): the database's own date/time type, or ISO 8601
# text ('2021-01-19 08:30:00', or a date alone; ISO_TEXT_T: '2021-01-19T08:30:00').
# UNIX_SECONDS: an integer column of seconds since 1970-01-01 00:00 UTC.
NATIVE, ISO_TEXT, ISO_TEXT_T = "native", "iso_text", "iso_text_t"
UNIX_SECONDS = "unix_seconds"
TIME_FORMS = (NATIVE, ISO_TEXT, ISO_TEXT_T, UNIX_SECONDS)
LARGE_DIMENSION = 1000  # a dimension with more values than this is too large for a list


def tables_of(expression: ColumnElement) -> set[Table]:
    """The tables whose columns an SQL expression reads."""
    return {
        element.table
        for element in visitors.iterate(expression)
        if isinstance(getattr(element, "table", None), Table)
    }


def numbered(word: str, key: ColumnElement) -> ColumnElement:
    """ "Store 1", "Store 2"...: a dimension's label for rows with a number and no name,
    made in SQL (SQLite's ||, MySQL's CONCAT). The word is written into the statement as
    an escaped literal (literal_execute), so its GROUP BY repeats the very same text."""
    prefix = literal(f"{word} ", String(len(word) + 21), literal_execute=True)
    return prefix + cast(key, String(20))


# --- Measures ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Sum:
    """SUM(expression) over the fact rows: additive (the total of totals is the total);
    exact to the cent when the expression is a DECIMAL (exact.py)."""

    expression: ColumnElement

    def sql(self) -> ColumnElement:
        return exact.total(self.expression)


@dataclasses.dataclass(frozen=True)
class CountDistinct:
    """COUNT(DISTINCT expression): how many different values, e.g. orders of the lines."""

    expression: ColumnElement

    def sql(self) -> ColumnElement:
        return func.count(self.expression.distinct())


@dataclasses.dataclass(frozen=True)
class Count:
    """COUNT(*): how many fact rows."""

    def sql(self) -> ColumnElement:
        return func.count()


@dataclasses.dataclass(frozen=True)
class Ratio:
    """numerator / denominator, two other measures (times ``scale``: 100 for a percent)."""

    numerator: str
    denominator: str
    scale: float = 1.0


@dataclasses.dataclass(frozen=True)
class Difference:
    """minuend - subtrahend, two other measures (e.g. sales minus cost)."""

    minuend: str
    subtrahend: str


Aggregate = Sum | CountDistinct | Count  # computed in SQL
Formula = Aggregate | Ratio | Difference  # Ratio and Difference: from other measures


@dataclasses.dataclass(frozen=True)
class Measure:
    """A number the dashboard shows: an aggregate in SQL, or derived from other measures
    (computed from their results, so a ratio of totals is never an average of ratios)."""

    name: str
    formula: Formula
    label: Text
    kind: str = COUNT  # MONEY, COUNT or PERCENT (a value already in percent)
    good: str | None = UP  # UP, DOWN or None: the colour of a change
    help: Text | None = None
    decimals: int | None = None  # on the KPI cards (default: money 2, count 0, percent 1)

    @property
    def parts(self) -> tuple[str, ...]:
        """The measures a derived one is computed from (none for an aggregate)."""
        if isinstance(self.formula, Ratio):
            return (self.formula.numerator, self.formula.denominator)
        if isinstance(self.formula, Difference):
            return (self.formula.minuend, self.formula.subtrahend)
        return ()


# --- Dimensions, the period, joins and fields ----------------------------------------


@dataclasses.dataclass(frozen=True)
class Dimension:
    """Something to filter by and break down by: a column reached through the joins.

    ``name`` is also the filter's key in st.session_state and in the URL.
    """

    name: str
    column: ColumnElement  # what is shown and grouped by
    label: Text  # one ("Category"): column headers
    plural: Text  # many ("Categories"): the filter's label
    key: ColumnElement | None = None  # what a filter compares, when not the column (an id)
    within: str | None = None  # a broader dimension whose choice narrows this one's options
    all: Text | None = None  # the filter's placeholder ("All categories")
    # Too many values for a list (inspect marks one above 1,000): the filter searches as
    # you type. A dimension found that large at run time searches too.
    searched: bool = False

    @property
    def match(self) -> ColumnElement:
        """The column a filter compares with the chosen values."""
        return self.column if self.key is None else self.key


@dataclasses.dataclass(frozen=True)
class Period:
    """A business day or shift with a whole-number id; the latest one may still be open.

    The "ops" view is a range of ids, "dates" the periods of those business dates, and
    "realtime" the latest period, read fresh on every run.
    """

    id: Column  # the period table's id
    key: ColumnElement  # where fact rows name their period (filtered without a join)
    date: Column  # the business date
    opened_at: Column
    closed_at: Column | None  # NULL while the period is open
    label: Text  # "Operation"
    plural: Text  # "Operations"
    short: Text | None = None  # "op", in "vs prev. op"
    shorts: Text | None = None  # "ops", in "vs prev. 7 ops"
    open: Text | None = None  # "open", in "Operation #7 open since 10:00"
    closed: Text | None = None  # "closed"

    @property
    def table(self) -> Table:
        return self.id.table


@dataclasses.dataclass(frozen=True)
class Join:
    """A table joined to the fact (directly or through an earlier join) ON a condition.

    ``many=True``: a link table (film_category between films and categories), where one
    row may match several. A dimension reached through it filters with EXISTS (each fact
    row counted once) and groups per member (a film counts in each of its categories);
    it has no share, no rollup and no detail column, since its groups overlap."""

    table: Table
    on: ColumnElement
    many: bool = False


@dataclasses.dataclass(frozen=True)
class Field:
    """A column of a table the page lists (the detail rows, the lookup table)."""

    name: str
    expression: ColumnElement
    label: Text
    kind: str = TEXT  # TIME, DATE, ID, TEXT, NUMBER, COUNT, MONEY, PERCENT or FLAG


# --- The page ------------------------------------------------------------------------


def grain_for(days: int) -> str:
    """The grain of an AUTO series for a range of this many days: a day by hour, a month
    by day, a year by week, a few years by month, longer by quarter (at most ~100 bars)."""
    if days <= 2:
        return HOUR
    if days <= 92:
        return DAY
    if days <= 550:
        return WEEK
    if days <= 5 * 366:
        return MONTH
    return QUARTER


@dataclasses.dataclass(frozen=True)
class Series:
    """A measure over time, as bars: by hour of the day (HOUR), day, week, month or
    quarter, or AUTO (by the range shown); the page lets the reader switch the grain."""

    key: str
    measure: str
    grain: str = HOUR
    tooltip: tuple[str, ...] = ()  # more measures shown on hover
    title: Text | None = None  # default: "<measure> by hour"
    width: float = 1.0  # share of its row

    @property
    def grain_key(self) -> str:
        """The session-state key of the grain control."""
        return f"{self.key}_grain"


@dataclasses.dataclass(frozen=True)
class Share:
    """Each value of a dimension's share of a measure, as a donut."""

    key: str
    dimension: str
    measure: str
    tooltip: tuple[str, ...] = ()
    title: Text | None = None  # default: "<measure> by <dimension>"
    width: float = 1.0


@dataclasses.dataclass(frozen=True)
class Ranking:
    """The top N values of a dimension by a measure, as bars (N chosen on the page)."""

    key: str
    dimension: str
    measure: str
    colour: str | None = None  # a broader dimension that colours the bars
    sizes: tuple[int, ...] = (5, 10, 15)
    size: int = 10  # the size shown first
    tooltip: tuple[str, ...] = ()
    title: Text | None = None  # with {n}; default: "Top {n} <dimension> by <measure>"
    width: float = 1.0

    @property
    def size_key(self) -> str:
        """The session-state key of the N control."""
        return f"{self.key}_n"


@dataclasses.dataclass(frozen=True)
class Breakdown:
    """Several measures by a dimension: a table, or the ``stack`` measures as bars."""

    key: str
    dimension: str
    measures: tuple[str, ...]
    stack: tuple[str, ...] = ()  # the chart view: these measures stacked (empty: the first)
    title: Text | None = None  # default: "<first measure> by <dimension>"
    width: float = 1.0

    @property
    def view_key(self) -> str:
        """The session-state key of the table/chart switch."""
        return f"{self.key}_view"


Section = Series | Share | Ranking | Breakdown


@dataclasses.dataclass(frozen=True)
class Detail:
    """The fact rows themselves, on their own page, loaded on demand one page at a time."""

    label: Text  # "Order lines": the page's title
    fields: tuple[Field | str, ...]  # a Field, or the name of a dimension
    order_by: tuple[ColumnElement, ...]  # newest first, ending with a unique key
    sizes: tuple[int, ...] = (25, 50, 100)
    size: int = 50


@dataclasses.dataclass(frozen=True)
class Lookup:
    """A table of reference rows (e.g. the products and prices) under the detail."""

    table: Table  # where its rows start; other tables are joined as the fields need
    fields: tuple[Field | str, ...]
    order_by: tuple[ColumnElement, ...]
    title: Text


@dataclasses.dataclass(frozen=True)
class Page:
    """What the overview shows, row by row, and the detail page."""

    kpis: tuple[str, ...]  # measures on the KPI cards
    rows: tuple[tuple[Section, ...], ...]  # sections, drawn side by side in each row
    detail: Detail | None = None
    lookup: Lookup | None = None
    status: tuple[str, ...] = ()  # measures of the latest period, in the header
    subtitle: Text | None = None  # under the title (default: "Overview")
    default_mode: str | None = None  # the first view: "ops" with a period, else "dates"

    @property
    def sections(self) -> tuple[Section, ...]:
        return tuple(section for row in self.rows for section in row)


# --- The model -------------------------------------------------------------------------


class ModelError(ValueError):
    """model.py describes something that cannot work; the message names it and the fix."""


@dataclasses.dataclass(frozen=True)
class Model:
    """One business: the fact table, how to reach the others, and what to show."""

    fact: Table
    time: Column  # when each fact row happened (the fact's or a joined table's column)
    joins: tuple[Join, ...]
    measures: tuple[Measure, ...]
    dimensions: tuple[Dimension, ...]
    page: Page
    period: Period | None = None
    # Row-level scope: the dimension whose values each signed-in user may see only as far
    # as [dashboard.scopes] in secrets allows (None: every user sees every row).
    row_scope: str | None = None
    # How the time column holds its values: NATIVE, ISO_TEXT or ISO_TEXT_T (times.py).
    time_stored: str = NATIVE

    def __post_init__(self) -> None:
        check(self)

    def measure(self, name: str) -> Measure:
        for measure in self.measures:
            if measure.name == name:
                return measure
        raise ModelError(f"No measure named {name!r}: use one of {self._names(self.measures)}.")

    def dimension(self, name: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.name == name:
                return dimension
        names = self._names(self.dimensions)
        raise ModelError(f"No dimension named {name!r}: use one of {names}.")

    def section(self, key: str) -> Section:
        for section in self.page.sections:
            if section.key == key:
                return section
        raise ModelError(f"No section with key {key!r}.")

    def bridge(self, expression: ColumnElement) -> tuple[Join, ...]:
        """The joins from a link table (``Join(many=True)``) on that ``expression`` reads
        through; empty when it reads no table beyond one."""
        needed = set(tables_of(expression))
        for join in reversed(self.joins):  # a join may name a table joined before it
            if join.table in needed:
                needed |= tables_of(join.on)
        chain = [join for join in self.joins if join.table in needed]
        for index, join in enumerate(chain):
            if join.many:
                return tuple(chain[index:])
        return ()

    def bridged(self, dimension: Dimension) -> bool:
        """Is this dimension reached through a link table (several values per fact row)?"""
        return bool(self.bridge(dimension.column) or self.bridge(dimension.match))

    @staticmethod
    def _names(items) -> str:
        return ", ".join(item.name for item in items) or "(none declared)"

    @property
    def modes(self) -> tuple[str, ...]:
        """The views: realtime, ops (only with a period) and dates."""
        return ("realtime", "ops", "dates") if self.period else ("realtime", "dates")

    @property
    def default_mode(self) -> str:
        return self.page.default_mode or ("ops" if self.period else "dates")

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every table the dashboard reads: the fact and the joined tables."""
        return (self.fact, *(join.table for join in self.joins))

    def aggregates(self, names) -> list[Measure]:
        """The SQL aggregates needed to compute these measures (derived ones resolved)."""
        found: dict[str, Measure] = {}

        def visit(name: str) -> None:
            measure = self.measure(name)
            for part in measure.parts:
                visit(part)
            if not measure.parts:
                found.setdefault(name, measure)

        for name in names:
            visit(name)
        return list(found.values())


def _reaches_a_key(join: Join) -> bool:
    """Does the join compare every column of the joined table's primary key, or of one of
    its unique columns or constraints? Then a fact row matches at most one of its rows
    (Cube's many_to_one): a join can never multiply a sum."""
    compared = {
        element
        for element in visitors.iterate(join.on)
        if isinstance(element, Column) and element.table is join.table
    }
    keys = [set(join.table.primary_key.columns)]
    keys += [{column} for column in join.table.columns if column.unique]
    keys += [
        set(constraint.columns)
        for constraint in join.table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    keys += [set(index.columns) for index in join.table.indexes if index.unique]
    return any(key and key <= compared for key in keys)


def _check_bridges(model: Model) -> None:
    """What reads through a link table (Join(many=True)) can only be a dimension to filter
    and group by: a measure, the time, the period or a listed column would count a fact
    row once per linked row."""
    linked = "is read through the link table {table!r} (Join(many=True)): {why}"
    reads = [(f"Measure {m.name!r}", m.formula.expression) for m in model.measures
             if hasattr(m.formula, "expression")]  # fmt: skip
    reads += [("The time column", model.time)]
    if model.period is not None:
        reads += [("The period's key", model.period.key)]
    for what, expression in reads:
        bridge = model.bridge(expression)
        if bridge:
            why = "each fact row would count once per linked row. Read it from the fact side."
            raise ModelError(f"{what} " + linked.format(table=bridge[0].table.name, why=why))
    page = model.page
    bridged = {d.name for d in model.dimensions if model.bridged(d)}
    for dimension in model.dimensions:
        narrows = dimension.within is not None and {dimension.name, dimension.within} & bridged
        if narrows:
            raise ModelError(
                f"Dimension {dimension.name!r} (within={dimension.within!r}): a dimension "
                "read through a link table neither narrows nor is narrowed. Drop within=."
            )
    if model.row_scope in bridged:
        raise ModelError(
            f"row_scope={model.row_scope!r} is read through a link table: a fact row would "
            "belong to several scopes. Scope by a dimension of the fact's own keys."
        )
    for section in page.sections:
        if isinstance(section, Share) and section.dimension in bridged:
            raise ModelError(
                f"Share {section.key!r}: {section.dimension!r} is read through a link table, "
                "so a fact row counts in several slices and they add up to more than the "
                "whole. Use a Ranking or a Breakdown."
            )
    for listing in (page.detail, page.lookup):
        for field in listing.fields if listing else ():
            if isinstance(field, str):
                expression = model.dimension(field).column
            else:
                expression = field.expression
            bridge = model.bridge(expression)
            if bridge:
                why = "a listed row would repeat once per linked row. Leave it out of the list."
                what = f"Listed column {getattr(field, 'name', field)!r}"
                raise ModelError(f"{what} " + linked.format(table=bridge[0].table.name, why=why))


def check(model: Model) -> None:
    """Every name the page and the measures use exists; every join can be reached."""
    for measure in model.measures:
        for part in measure.parts:
            model.measure(part)
        if measure.kind not in (MONEY, COUNT, PERCENT):
            raise ModelError(
                f"Measure {measure.name!r}: kind {measure.kind!r} is not money, count or percent."
            )
    reached = {model.fact}
    for join in model.joins:
        unknown = tables_of(join.on) - reached - {join.table}
        if unknown:
            names = ", ".join(sorted(t.name for t in unknown))
            raise ModelError(
                f"The join to {join.table.name!r} uses {names} before it is joined: "
                "list the joins so each one names only the fact or earlier tables."
            )
        reached.add(join.table)
        if not join.many and not _reaches_a_key(join):
            raise ModelError(
                f"The join to {join.table.name!r} does not compare its primary key (or a "
                "unique column): each fact row could match several of its rows and every "
                "sum would count them more than once. Join on its key; if the column is "
                "unique, declare it so (Column(..., unique=True)); if it is a link table "
                "(several rows per fact row on purpose), mark it Join(..., many=True)."
            )
    _check_bridges(model)
    for dimension in model.dimensions:
        if dimension.within is not None:
            model.dimension(dimension.within)
    page = model.page
    for name in (*page.kpis, *page.status):
        model.measure(name)
    for section in page.sections:
        if isinstance(section, Ranking) and model.measure(section.measure).parts:
            raise ModelError(
                f"Ranking {section.key!r} ranks by {section.measure!r}, a derived measure: "
                "rank by an aggregate (Sum, CountDistinct or Count), computed in SQL."
            )
        for name in (
            getattr(section, "measure", None),
            *getattr(section, "measures", ()),
            *getattr(section, "tooltip", ()),
            *getattr(section, "stack", ()),
        ):
            if name is not None:
                model.measure(name)
        for name in (getattr(section, "dimension", None), getattr(section, "colour", None)):
            if name is not None:
                model.dimension(name)
    for section in page.sections:
        if isinstance(section, Series) and section.grain not in (*GRAINS, AUTO):
            raise ModelError(
                f"Series {section.key!r}: grain {section.grain!r} is not one of "
                f"{', '.join((*GRAINS, AUTO))}."
            )
    keys = [section.key for section in page.sections]
    if len(set(keys)) != len(keys):
        raise ModelError(f"Section keys must differ: {', '.join(keys)}.")
    for listing in (page.detail, page.lookup):
        for field in listing.fields if listing else ():
            if isinstance(field, str):
                model.dimension(field)
    if model.row_scope is not None:
        model.dimension(model.row_scope)
    if model.time_stored not in TIME_FORMS:
        raise ModelError(
            f"time_stored {model.time_stored!r}: use one of {', '.join(TIME_FORMS)} "
            "(python -m <package> inspect samples the column and says which)."
        )
    if model.time_stored == UNIX_SECONDS and not isinstance(model.time.type, Integer):
        raise ModelError(
            f"time_stored=UNIX_SECONDS: {model.time} must be an integer column (seconds "
            f"since 1970), not {model.time.type!r}; or set the form inspect finds."
        )
    if page.default_mode is not None and page.default_mode not in model.modes:
        raise ModelError(
            f"default_mode {page.default_mode!r}: use one of {', '.join(model.modes)}."
        )
