"""``python -m <package> inspect``: a first model.py written from an existing database.

Like Django's ``inspectdb``: the database is reflected (read-only: the SQLite file is
opened read-only, the MySQL session is READ ONLY, and the only statements are SELECTs),
a model is proposed from what the schema says, and the proposal is printed (or written
to model.py) as plain Python for a person to review. The guesses are simple and listed
in the file's docstring under "Review by hand".

How the proposal is made:

- the fact table: the largest table with a date/time column and a numeric column;
- the joins: the fact's foreign keys, and theirs in turn, shortest path first (a longer
  path to a table already joined is a comment beside its join); guessed from ``<x>_id``
  names when the database declares no foreign keys at all;
- the measures: the row count, a sum per numeric column, a distinct count per key (not
  of a small lookup table);
- the dimensions: the name of each joined table's rows (or "<Table> <n>" for a table
  with no text), and the fact's own text columns with few values; none with one value,
  none of free text (an address, a note); each candidate skipped is listed with why;
- the page: KPI cards (money first), a series at the grain the range suits, two
  rankings (or a ranking and a share), a breakdown and the detail.

No Streamlit here: the command line and the tests use it as plain Python.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import keyword
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy import (
    URL,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Enum,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    create_engine,
    func,
    select,
    type_coerce,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from . import db, store
from .i18n import t
from .modeling import ISO_TEXT, ISO_TEXT_T, LARGE_DIMENSION, NATIVE, UNIX_SECONDS

LINE = 100  # ruff's line length in this project: the written file passes ruff as it is
FEW_VALUES = 50  # a fact's text column with at most this many values becomes a dimension
MAX_KPIS = 5
MAX_BREAKDOWN = 4
# Session-state keys the filters already use: a dimension's name must differ from them.
TAKEN_KEYS = {
    "mode",
    "op_start",
    "op_end",
    "date_start",
    "date_end",
    "detail_load",
    "detail_page",
    "detail_page_size",
    "detail_cursor",
    "detail_of",
}
# Column labels the statements give their own columns (a series' bucket, a filter's options).
TAKEN_LABELS = {"bucket", "value", "name", "within"}
LABEL_WORDS = ("name", "title", "label", "description")
MONEY_WORDS = ("price", "amount", "cost", "total", "fee", "revenue", "sales")
TIME_WORDS = ("created", "at", "time", "date", "when", "ts", "timestamp", "epoch")
# Text people write, never a category to filter by (the words of a column's name).
FREE_TEXT_WORDS = ("address", "street", "note", "notes", "comment", "comments", "email",
                   "phone", "url", "remark", "remarks", "memo", "message")  # fmt: skip
FREE_TEXT_LENGTH = 40  # characters: a longer mean value is free text, not a category
SMALL_LOOKUP = 20  # rows: a distinct count of a smaller table is no KPI (3 stores)
TIME_SAMPLE = 1000  # values of the time column read to see how it is stored
# Unix seconds of 2000-01-01 and 2100-01-01: an integer column named for a time whose
# values all lie in between holds seconds since 1970 (time_stored=UNIX_SECONDS).
UNIX_SECONDS_RANGE = (946_684_800, 4_102_444_800)
# How SQLAlchemy writes a DATETIME (or a DATE) into SQLite's text: the "native" form there.
# Time text no ISO form reads, named in the review (the dashboard reads none of them).
TEXT_PATTERNS = (
    (re.compile(r"\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}(:\d{2})?)?"),
     "day/month/year or month/day/year: ambiguous"),
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}( \d{1,2}:\d{2}(:\d{2})?)?"), "day.month.year"),
    (re.compile(r"[A-Za-z]{3,9}\.? \d{1,2},? \d{4}.*"), "a month's name first"),
    (re.compile(r"\d{1,2} [A-Za-z]{3,9}\.? \d{4}.*"), "a month's name"),
    (re.compile(r"\d{10}"), "Unix seconds written as text"),
    (re.compile(r"\d{13}"), "Unix milliseconds written as text"),
    (re.compile(r"\d{8}( ?\d{4,6})?"), "digits without separators (YYYYMMDD)"),
)  # fmt: skip
SQLALCHEMY_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}\.\d{6})?")
# Names the written file imports or defines: a table's variable must not hide one.
FILE_NAMES = {"metadata", "model", "and_"}

# Points every proposal asks a person to review (after the ones particular to the database).
ALWAYS_REVIEW = (
    "Names: the measures, dimensions and sections are named after the tables and "
    "columns; rename them to the words your users use (a dimension's name is also "
    "its filter's key in the URL).",
    'Labels: every label is the same text in English and Spanish ("en" and "es"): '
    "translate them, and turn the plurals into real ones.",
    "No period was guessed: see the comment above period=None for what a Period is "
    "and how to add one.",
    "Measures: a sum per numeric column of the fact; drop the ones that add nothing "
    "(a sum of ages...), and add ratios and differences (modeling.Ratio, Difference).",
)


class InspectionError(ValueError):
    """The database gives nothing to propose (or the options are wrong): a plain message."""


# --- Opening the database read-only -------------------------------------------------


def read_only_engine(url: URL) -> Engine:
    """An engine that cannot write: SQLite opened with mode=ro, a MySQL READ ONLY session.

    Not db.make_engine: it would create a missing SQLite file, and it may write (the
    app store, the demo), where inspecting must not be able to.
    """
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = Path(url.database or "").expanduser()
        if not url.database or url.database == ":memory:" or not path.is_file():
            raise InspectionError(
                f"There is no SQLite database file at {url.database or '(no path)'}: "
                "set DATABASE_URL to the database to inspect."
            )
        # The file as a URI (spaces and Windows drives included) with mode=ro.
        read_only = url.set(
            database=path.resolve().as_uri(), query={**url.query, "mode": "ro", "uri": "true"}
        )
        return _engine(url, read_only, {})
    module = db.dialect_module(url)
    final_url, options = module.engine_options(url)
    engine = _engine(url, final_url, options)
    module.prepare(engine, url)
    module.forbid_writes(engine)
    return engine


def _engine(url: URL, final_url: URL, options: dict[str, Any]) -> Engine:
    try:
        return create_engine(final_url, **options)
    except (NoSuchModuleError, ImportError) as exc:
        raise db.no_driver(url, exc) from None
    except ArgumentError as exc:
        raise db.DatabaseUnavailable(
            db.mask(t("db_cannot_use", where=db.describe(url), reason=exc), url), "unreachable"
        ) from None


def reflect(c: Connection, schema: str | None = None) -> MetaData:
    """Every table of the database (of ``schema``: PostgreSQL's, MySQL's other database),
    except the project's own bookkeeping tables."""
    metadata = MetaData()
    if schema is not None and schema not in sa_inspect(c).get_schema_names():
        names = listing(sorted(sa_inspect(c).get_schema_names()))
        raise InspectionError(f"There is no schema named {schema!r}: the database has {names}.")
    # A database of views only (DuckDB on a folder of Parquet/CSV files): its views are
    # its tables, and their keys are found by name (a view declares none).
    views_only = not sa_inspect(c).get_table_names(schema)
    metadata.reflect(bind=c, schema=schema, views=views_only)
    for name in (store.register.name, *(table.name for table in store.STORE_TABLES)):
        if name in by_name(metadata):
            metadata.remove(by_name(metadata)[name])
    if views_only:
        for table in by_name(metadata).values():
            _find_key(c, table)
    return metadata


def _find_key(c: Connection, table: Table) -> None:
    """A table without a declared key (a file) gets the ``id`` or ``<its name>_id``
    column as its key when that column is never empty and never repeated (counted here:
    a repeated key would join each row several times and multiply the sums)."""
    for column in table.columns:
        lowered = column.name.lower()
        stem = lowered.removesuffix("_id")
        named = lowered == "id" or (
            lowered.endswith("_id")
            and table.name.lower() in (stem, stem + "s", stem + "es", _plural(stem).lower())
        )
        if not named:
            continue
        rows, distinct = c.execute(
            select(func.count(), func.count(column.distinct())).select_from(table)
        ).one()
        if rows and rows == distinct:
            table.append_constraint(PrimaryKeyConstraint(column))
            table.info["key_found_by_name"] = column.name
        return


def by_name(metadata: MetaData) -> dict[str, Table]:
    """The tables by their own name (without their schema: one schema is read at a time)."""
    return {table.name: table for table in metadata.tables.values()}


# --- What a column is ---------------------------------------------------------------


def generic(column: Column):
    """The column's type without dialect details, or None when it has no generic kind."""
    kind = column.type
    if type(kind).__name__ == "TINYINT" and getattr(kind, "display_width", None) == 1:
        return Boolean()  # MySQL's BOOL is TINYINT(1)
    try:
        return kind.as_generic()
    except NotImplementedError:
        return None


def is_time(column: Column) -> bool:
    return isinstance(generic(column), DateTime | Date)


def is_number(column: Column) -> bool:
    return isinstance(generic(column), Integer | Numeric | Float)  # Float: not a Numeric


def time_named(column: Column) -> bool:
    words = re.split(r"[^a-z0-9]+", column.name.lower())
    return "created" in column.name.lower() or any(w in TIME_WORDS for w in words)


def holds_unix_seconds(c: Connection, column: Column) -> bool:
    """An integer column named for a time (created_at, paid_ts...) whose sampled values
    lie between 2000 and 2100 as seconds since 1970 (nine in ten: an outlier is data too)."""
    if not isinstance(generic(column), Integer) or not time_named(column):
        return False
    stmt = select(column).where(column.is_not(None)).limit(TIME_SAMPLE)
    values = [value for (value,) in c.execute(stmt)]
    low, high = UNIX_SECONDS_RANGE
    inside = sum(isinstance(v, int) and low <= v < high for v in values)
    return bool(values) and inside * 10 >= len(values) * 9


def is_text(column: Column) -> bool:
    return isinstance(generic(column), String)


def looks_like_money(column: Column) -> bool:
    kind = generic(column)
    exact = isinstance(kind, Numeric) and not isinstance(kind, Float) and kind.scale == 2
    return exact or any(word in column.name.lower() for word in MONEY_WORDS)


def _is_id_name(name: str) -> bool:
    lowered = name.lower()
    return lowered == "id" or lowered.endswith("_id")


# --- Keys between tables --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Link:
    """Columns of one table that name rows of another (a foreign key, declared or guessed)."""

    table: Table
    columns: tuple[Column, ...]
    target: Table
    target_columns: tuple[Column, ...]
    guessed: bool = False
    many: bool = False  # into a link table: several of its rows per row here

    def text(self) -> str:
        here = ", ".join(f"{self.table.name}.{c.name}" for c in self.columns)
        there = ", ".join(f"{self.target.name}.{c.name}" for c in self.target_columns)
        return f"{here} -> {there}"


def links(metadata: MetaData) -> dict[str, list[Link]]:
    """{table name: its links}: the declared foreign keys, or when the database declares
    none at all, the ones guessed from the names."""
    declared = {name: _declared(table) for name, table in by_name(metadata).items()}
    if any(declared.values()):
        return declared
    return {name: _guessed(table, metadata) for name, table in by_name(metadata).items()}


def _declared(table: Table) -> list[Link]:
    found = []
    for constraint in table.foreign_key_constraints:
        elements = list(constraint.elements)
        found.append(
            Link(
                table,
                tuple(element.parent for element in elements),
                elements[0].column.table,
                tuple(element.column for element in elements),
            )
        )
    return sorted(found, key=lambda link: _position(link.columns[0]))


def _position(column: Column) -> int:
    return list(column.table.columns).index(column)


def _guessed(table: Table, metadata: MetaData) -> list[Link]:
    """``<x>_id`` names the primary key of another table: one whose key has that same
    name, or a table named x (or xs) whatever its key is called."""
    found = []
    for column in table.columns:
        lowered = column.name.lower()
        if not lowered.endswith("_id") or _sole_key(table) is column:
            continue
        stem = lowered[: -len("_id")]
        for other in sorted(by_name(metadata).values(), key=lambda t: t.name):
            key = _sole_key(other)
            if other is table or key is None or not _same_family(column, key):
                continue
            named = other.name.lower() in (stem, stem + "s", stem + "es", _plural(stem))
            if key.name.lower() == lowered or named:
                found.append(Link(table, (column,), other, (key,), guessed=True))
                break
    return found


def _sole_key(table: Table) -> Column | None:
    keys = list(table.primary_key.columns)
    return keys[0] if len(keys) == 1 else None


def _same_family(a: Column, b: Column) -> bool:
    return (is_number(a) and is_number(b)) or (is_text(a) and is_text(b))


def key_columns(table: Table, table_links: list[Link]) -> set[Column]:
    """Columns that identify rows (keys, references, ``*_id``): never summed or shown as text."""
    keys = set(table.primary_key.columns)
    for link in table_links:
        keys.update(link.columns)
    keys.update(c for c in table.columns if _is_id_name(c.name))
    return keys


# --- The proposal -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Proposal:
    """A model proposed for one database: the Python source and what it is made of."""

    source: str
    fact: str
    rows: int
    time: str
    joins: tuple[str, ...]
    measures: tuple[str, ...]
    dimensions: tuple[str, ...]
    review: tuple[str, ...]

    @property
    def summary(self) -> str:
        return (
            f"Model proposed: fact {self.fact!r} ({self.rows:,} rows), time {self.time!r}, "
            f"{len(self.joins)} joins, {len(self.measures)} measures, "
            f"{len(self.dimensions)} dimensions; {len(self.review)} points to review by hand."
        )


@dataclasses.dataclass
class _Dimension:
    name: str
    column: Column
    label: str
    plural: str
    key: Column | None = None
    within: str | None = None
    values: int = 0  # distinct values, counted up to FEW_VALUES + 1
    searched: bool = False  # more than LARGE_DIMENSION values: a filter that searches
    numbered: str | None = None  # no name, only a number: "Store 1" (modeling.numbered)
    linked: bool = False  # reached through a link table: no share, no detail column


@dataclasses.dataclass
class _Measure:
    name: str
    formula: str  # "count", "sum" or "distinct"
    column: Column | None
    label: str
    kind: str


class _Names:
    """Unique Python identifiers made from database names."""

    def __init__(self, taken=()) -> None:
        self.taken = set(taken)

    def make(self, text: str, fallback: str = "x") -> str:
        name = identifier(text, fallback)
        base, n = name, 2
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name


def identifier(text: str, fallback: str = "x") -> str:
    """A lowercase Python identifier from any name ("Visit Fee" -> "visit_fee")."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", name).strip("_").lower()
    name = re.sub(r"_+", "_", name)
    if not name:
        name = fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def humanize(name: str) -> str:
    """ "visit_fee" -> "Visit fee", "visitedAt" -> "Visited at" ("ICU" stays)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    parts = re.sub(r"[_\s]+", " ", spaced).strip().split(" ")
    parts = [part if part.isupper() else part.lower() for part in parts]
    text = " ".join(parts)
    return text[:1].upper() + text[1:] if text else name


def words(name: str) -> str:
    """A name without its punctuation ("Group's" -> "Groups")."""
    return re.sub(r"[^\w\s]+", "", name) or name


def singular(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith("ies") and len(name) > 3:
        return name[:-3] + "y"
    if re.search(r"(ss|x|z|ch|sh)es$", lowered):
        return name[:-2]
    if lowered.endswith("lves"):  # shelves, halves: shelf, half
        return name[:-3] + "f"
    if lowered.endswith(("ss", "us", "is")) or not lowered.endswith("s") or len(name) < 3:
        return name
    return name[:-1]


def _plural(name: str) -> str:
    lowered = name.lower()
    if re.search(r"[^aeiou]y$", lowered):
        return name[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", lowered):
        return name + "es"
    if re.search(r"lf$", lowered):  # shelf, half: shelves, halves
        return name[:-1] + "ves"
    return name + "s"


def propose(
    c: Connection,
    fact: str | None = None,
    origin: str = "",
    today: dt.date | None = None,
    schema: str | None = None,
) -> Proposal:
    """A model for the database behind ``c`` (read only: reflection and SELECTs).

    ``fact``: the fact table's name (default: the largest usable table); ``origin``: the
    database as the file's docstring names it (a masked URL); ``schema``: the schema whose
    tables are read (default: the connection's own), recorded in each Table of the model.
    """
    metadata = reflect(c, schema)
    all_links = links(metadata)
    review: list[str] = []
    fact_table, rows = _choose_fact(c, metadata, all_links, fact, review)
    other_paths: dict[str, list[Link]] = {}
    joins = _follow(fact_table, all_links, review, other_paths)
    joined = [link.target for link in joins]
    time = _choose_time(c, fact_table, joined)
    if time is None:
        raise InspectionError(
            f"The table {fact_table.name!r} has no date or time column (nor do the tables it "
            "refers to): the dashboard needs one to place each row in time. Choose another "
            "table with --fact."
        )
    time_form = _time_form(c, time, review)
    joins += _bridges(joins, fact_table, all_links, review)
    joined = [link.target for link in joins]
    keys = key_columns(fact_table, all_links.get(fact_table.name, []))
    dimensions = _dimensions(c, fact_table, joins, keys, all_links, review)
    # The time column is no measure, even when it is a number (Unix seconds).
    fact_links = all_links.get(fact_table.name, [])
    measures = _measures(c, fact_table, fact_links, keys | {time}, dimensions, review)
    _say_numbers_in_text(c, fact_table, keys, review)
    writer = _Writer(
        fact=fact_table,
        time=time,
        time_form=time_form,
        rows=rows,
        joins=joins,
        other_paths=other_paths,
        measures=measures,
        dimensions=dimensions,
        keys=keys,
        origin=origin,
        today=today or dt.date.today(),
        review=review,
    )
    source = writer.source()
    return Proposal(
        source=source,
        fact=fact_table.name,
        rows=rows,
        time=time.name,
        joins=tuple(table.name for table in joined),
        measures=tuple(m.name for m in measures),
        dimensions=tuple(d.name for d in dimensions),
        review=tuple(review),
    )


def _choose_fact(
    c: Connection,
    metadata: MetaData,
    all_links: dict[str, list[Link]],
    wanted: str | None,
    review: list[str],
) -> tuple[Table, int]:
    tables = by_name(metadata)
    names = sorted(tables)
    found = listing(names) or "none"
    schema = next(iter(metadata.tables.values())).schema if tables else None
    if wanted is not None:
        if wanted not in tables and wanted in sa_inspect(c).get_view_names(schema):
            # a view: read as a table, never written
            Table(wanted, metadata, autoload_with=c, schema=schema)
            tables = by_name(metadata)
            review.append(
                f"{wanted} is a view: it declares no keys, so no join was followed from it and "
                "its detail rows are ordered by time; add Join(...) lines if it needs them."
            )
        if wanted not in tables:
            raise InspectionError(
                f"There is no table or view named {wanted!r}: the database has {found}."
            )
        table = tables[wanted]
        return table, _count(c, table)
    usable = []
    for name in names:
        table = tables[name]
        keys = key_columns(table, all_links.get(name, []))
        seconds = {col for col in table.columns if holds_unix_seconds(c, col)}
        has_number = any(is_number(col) and col not in keys | seconds for col in table.columns)
        if has_number and (seconds or any(is_time(col) for col in table.columns)):
            usable.append((table, _count(c, table)))
    if not usable:
        raise InspectionError(
            "No table can be the fact table: inspect looks for a table with a date/time "
            f"column and a numeric column (one row per visit, payment, event...). Tables found: "
            f"{found}."
        )
    table, rows = max(usable, key=lambda pair: pair[1])  # the first of equals: by name
    others = [t.name for t, _ in usable if t is not table]
    if others:
        review.append(
            f"The fact table is {table.name} ({rows:,} rows), the largest with a date/time "
            f"column and a numeric column; the others were {listing(others)}: choose one "
            "with --fact."
        )
    return table, rows


def listing(names: list[str], most: int = 20) -> str:
    """Names for a message: the first ``most`` of them, and how many there are."""
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:most])} ... ({len(names)} in all)"


def _count(c: Connection, table: Table) -> int:
    return c.execute(select(func.count()).select_from(table)).scalar_one()


def _few_values(c: Connection, column: Column, most: int = FEW_VALUES) -> int:
    """Distinct values of a column, counted up to ``most`` + 1 (stops reading there)."""
    stmt = select(column).distinct().limit(most + 1)
    return len(c.execute(stmt).all())


def _follow(
    fact: Table, all_links: dict[str, list[Link]], review: list[str], others: dict
) -> list[Link]:
    """The fact's links, then the links of each table reached: breadth first, so each
    table is joined once, by the shortest path (the fact's own keys first). A longer path
    to a table already joined goes into ``others`` (by table name)."""
    reached, joins, queue = [fact], [], [fact]
    while queue:
        table = queue.pop(0)
        for link in all_links.get(table.name, []):
            if link.target in reached:
                if link.target is not table and link.target is not fact:
                    others.setdefault(link.target.name, []).append(link)
                    review.append(
                        f"{link.text()}: another path to {link.target.name}, not joined "
                        "(the first found is, shortest first; model.py names both where the "
                        "join is)."
                    )
                continue
            joins.append(link)
            reached.append(link.target)
            queue.append(link.target)
            if link.guessed:
                review.append(
                    f"Guessed key {link.text()}: the database declares no foreign keys, so "
                    "this join was guessed from the names. Check it; once confirmed, declare "
                    f'ForeignKey("{link.target.name}.{link.target_columns[0].name}") on the '
                    "column (the synthetic test rows follow foreign keys)."
                )
            if link.target.info.get("key_found_by_name"):
                review.append(
                    f"{link.target.name}.{link.target_columns[0].name} is taken as the key of "
                    f"{link.target.name} (declared nowhere: a view or a file): its values are "
                    "all there and all different today; the join relies on it staying so."
                )
    return joins


def _bridges(
    joins: list[Link], fact: Table, all_links: dict[str, list[Link]], review: list[str]
) -> list[Link]:
    """Link tables (film_category: a film's categories): a table of exactly two foreign
    keys and nothing else to count, one to a table already joined, the other to one not
    joined yet. Each gives two joins: to the link table (many=True), then to the table
    it names, whose label becomes a dimension."""
    reached = {fact, *(link.target for link in joins)}
    found: list[Link] = []
    for name in sorted(all_links):
        table_links = all_links[name]
        if len(table_links) != 2 or table_links[0].table in reached:
            continue
        table = table_links[0].table
        counted = {column for link in table_links for column in link.columns}
        counted |= set(table.primary_key.columns)
        extra = [col for col in table.columns if col not in counted and not is_time(col)]
        if extra:  # more than a link: a table of its own (payments with an amount)
            continue
        for near, far in (table_links, table_links[::-1]):
            if near.target in reached and far.target not in reached | {table}:
                into = Link(near.target, near.target_columns, table, near.columns, many=True)
                found += [into, far]
                reached |= {table, far.target}
                review.append(
                    f"{table.name} links {near.target.name} to {far.target.name} (a link "
                    f"table): one {singular(near.target.name)} may have several, so the "
                    f"{singular(far.target.name)} filter keeps the rows with any chosen one "
                    "(EXISTS) and its charts count a row once per value (Join(..., "
                    "many=True)); no share, rollup or detail column for it."
                )
                break
    return found


def _choose_time(c: Connection, fact: Table, joined: list[Table]) -> Column | None:
    """The fact's DateTime column with the most telling name (else a Date, else Unix
    seconds, else a joined table's)."""

    def rank(column: Column) -> tuple:
        return (isinstance(generic(column), DateTime), time_named(column))

    for table in (fact, *joined):
        times = [column for column in table.columns if is_time(column)]
        if times:
            return max(times, key=rank)  # the first of equals, in column order
        seconds = [column for column in table.columns if holds_unix_seconds(c, column)]
        if seconds:
            return seconds[0]
    return None


def _time_form(c: Connection, column: Column, review: list[str]) -> str:
    """How the time column holds its values (modeling.NATIVE, ISO_TEXT or ISO_TEXT_T), from
    a sample: a database time type is native; SQLite's text is native only in the form
    SQLAlchemy writes, else ISO text with a space (or a date alone) or with a "T"."""
    dialect = db.dialect_named(c.dialect.name)
    if isinstance(generic(column), Integer):  # _choose_time saw Unix seconds in it
        first = c.execute(select(func.min(column))).scalar()
        review.append(
            f"{column.table.name}.{column.name} holds Unix seconds (such as {first}, "
            f"{dt.datetime(1970, 1, 1) + dt.timedelta(seconds=first):%Y-%m-%d %H:%M} UTC): "
            "time_stored=UNIX_SECONDS binds ranges as seconds; days and hours are UTC."
        )
        return UNIX_SECONDS
    if not dialect.TIMES_ARE_TEXT:
        return NATIVE
    stmt = select(type_coerce(column, String)).where(column.is_not(None)).limit(TIME_SAMPLE)
    values = [str(value).strip() for (value,) in c.execute(stmt)]
    readable = [value for value in values if _iso_time(value)]
    where = f"{column.table.name}.{column.name}"
    if len(readable) < len(values):
        odd = next(value for value in values if not _iso_time(value))
        pattern = text_pattern(odd)
        named = f", {pattern}" if pattern else ""
        review.append(
            f"{where}: {len(values) - len(readable):,} of {len(values):,} values read hold no "
            f"ISO date (such as {shown(odd)}{named}): those rows belong to no day; `python -m "
            "<package> verify` counts them. Fix them in the database, or leave them out."
        )
    if all(SQLALCHEMY_TEXT.fullmatch(value) for value in readable):
        return NATIVE
    with_t = sum(len(value) > 10 and value[10] == "T" for value in readable)
    form = ISO_TEXT_T if with_t * 2 > len(readable) else ISO_TEXT
    example = next(value for value in readable if not SQLALCHEMY_TEXT.fullmatch(value))
    review.append(
        f"{where} holds its times as text such as {shown(example)}: time_stored="
        f"{form.upper()} makes every range compare text with text."
    )
    return form


def text_pattern(value: str) -> str | None:
    """What a time written as no ISO form looks like, in words (None: nothing we know)."""
    return next((name for form, name in TEXT_PATTERNS if form.fullmatch(value.strip())), None)


def _iso_time(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def free_text(column: Column) -> bool:
    """Named as text people write (an address, a note, an e-mail): never a category."""
    words = re.split(r"[^a-z0-9]+", column.name.lower())
    return any(word in FREE_TEXT_WORDS for word in words)


def _label_column(table: Table, keys: set[Column]) -> Column | None:
    """The column that names a table's rows: a name, title or label, else its first text
    that is not free text (an address names no one)."""
    texts = [
        column
        for column in table.columns
        if is_text(column) and column not in keys and not free_text(column)
    ]
    for word in LABEL_WORDS:
        for column in texts:
            if word in column.name.lower():
                return column
    return texts[0] if texts else None


def _mean_length(c: Connection, column: Column) -> float:
    """The mean length of a sample of the column's values (bounded: TIME_SAMPLE rows)."""
    sample = select(column.label("v")).where(column.is_not(None)).limit(TIME_SAMPLE).subquery()
    return float(c.execute(select(func.avg(func.length(sample.c.v)))).scalar() or 0)


def _is_free_text(c: Connection, column: Column) -> bool:
    return free_text(column) or _mean_length(c, column) > FREE_TEXT_LENGTH


def _dimensions(
    c: Connection,
    fact: Table,
    joins: list[Link],
    fact_keys: set[Column],
    all_links: dict[str, list[Link]],
    review: list[str],
) -> list[_Dimension]:
    """A label per joined table, then the fact's text columns with few values; the fewest
    values first (the breakdown uses the first, the rankings the last). A candidate a
    person would not filter by is skipped, and the review says why."""
    names = _Names(TAKEN_KEYS | TAKEN_LABELS | {"rows"})
    found: list[_Dimension] = []
    skipped: list[str] = []
    by_table: dict[str, _Dimension] = {}
    through_links = {link.target.name for link in joins if link.many}
    for link in joins:
        table = link.target
        if link.many:  # the link table itself names nothing
            continue
        key = _sole_key(table)
        column = _label_column(table, key_columns(table, all_links.get(table.name, [])))
        word = humanize(singular(words(table.name)))
        plural = humanize(_plural(singular(words(table.name))))
        numbered_by = None
        if column is None:
            rows = _few_values(c, key) if key is not None and is_number(key) else None
            if rows is None or rows > FEW_VALUES:
                many = "" if rows is None else f" and more than {FEW_VALUES} rows"
                skipped.append(f"{table.name} (no text column to name its rows by{many})")
                continue
            column, numbered_by = key, word  # "Store 1", "Store 2"...
        values = _few_values(c, column)
        if values <= 1:
            skipped.append(f"{table.name}.{column.name} (one value: the same for every row)")
            continue
        if numbered_by is None and _is_free_text(c, column):
            skipped.append(f"{table.name}.{column.name} (free text, such as an address)")
            continue
        dimension = _Dimension(
            names.make(singular(table.name), "dim"),
            column,
            word,
            plural,
            key=key if key is not column else None,
            values=values,
            numbered=numbered_by,
            linked=link.table.name in through_links,
        )
        if numbered_by is not None:
            dimension.key = key
            review.append(
                f"{table.name} has no text column: its rows are named by number "
                f'(numbered("{numbered_by}", ...): "{numbered_by} 1", "{numbered_by} 2"...); '
                "point the dimension at a name if another table holds one."
            )
        if dimension.values > FEW_VALUES:
            dimension.searched = _few_values(c, column, LARGE_DIMENSION) > LARGE_DIMENSION
        if dimension.searched:
            review.append(
                f"{dimension.name} has more than {LARGE_DIMENSION:,} values: its filter "
                "searches as you type (searched=True), and a ranking shows its top ones."
            )
        found.append(dimension)
        by_table[table.name] = dimension
    # A table that refers to a smaller one's is within it (a city within its country), when
    # that key is the join the model takes to it; not the other way round (a store is not
    # within the staff member who manages it), nor along a key the joins do not follow.
    joined_from = {link.target.name: link.table.name for link in joins}
    for name, inner in by_table.items():
        for link in all_links.get(name, []):
            outer = by_table.get(link.target.name)
            if outer is None or outer is inner or joined_from.get(link.target.name) != name:
                continue
            if inner.linked or outer.linked:  # a film's categories narrow nothing
                continue
            if outer.values < inner.values:
                inner.within = outer.name
                break
    for column in fact.columns:
        if not is_text(column) or column in fact_keys:
            continue
        values = _few_values(c, column)
        where = f"{fact.name}.{column.name}"
        if values > FEW_VALUES:
            skipped.append(f"{where} (more than {FEW_VALUES} values: no category)")
        elif values <= 1:
            skipped.append(f"{where} (one value: the same for every row)")
        elif _is_free_text(c, column):
            skipped.append(f"{where} (free text)")
        else:
            name = names.make(column.name, "dim")
            label = humanize(column.name)
            found.append(_Dimension(name, column, label, _plural(label), values=values))
    if skipped:
        review.append(f"Not proposed as dimensions: {'; '.join(skipped)}.")
    return sorted(found, key=lambda d: d.values)


def _measures(
    c: Connection,
    fact: Table,
    fact_links: list[Link],
    keys: set[Column],
    dimensions: list[_Dimension],
    review: list[str],
) -> list[_Measure]:
    """rows, a sum per numeric column, then a distinct count per key the fact refers by
    (not of a small lookup table: "3 stores" says little on a card)."""
    names = _Names({d.name for d in dimensions} | TAKEN_LABELS | {"rows"})
    found = [_Measure("rows", "count", None, humanize(fact.name), "count")]
    for column in fact.columns:
        if is_number(column) and column not in keys:
            kind = "money" if looks_like_money(column) else "count"
            found.append(
                _Measure(names.make(column.name, "m"), "sum", column, humanize(column.name), kind)
            )
    skipped = []
    for link in fact_links:
        if len(link.columns) != 1:
            continue
        column = link.columns[0]
        few = _few_values(c, link.target_columns[0], SMALL_LOOKUP - 1)
        if few < SMALL_LOOKUP:
            skipped.append(
                f"distinct {fact.name}.{column.name} ({link.target.name} has {few} rows: a "
                "small lookup)"
            )
            continue
        stem = re.sub(r"_?id$", "", column.name, flags=re.IGNORECASE) or column.name
        name = names.make(f"distinct_{column.name}", "m")
        found.append(_Measure(name, "distinct", column, humanize(_plural(stem)), "count"))
    if skipped:
        review.append(f"Not proposed as measures: {'; '.join(skipped)}.")
    return found


NUMBER_TEXT = re.compile(r"-?\d+\.\d+")  # '12.50': an amount written as text


def _say_numbers_in_text(c: Connection, fact: Table, keys: set[Column], review: list[str]) -> None:
    """A text column of the fact whose values are amounts ('12.50') is no measure here (a
    code such as '00123' looks the same without its decimals): named, with the fix."""
    for column in fact.columns:
        if column in keys or not is_text(column):
            continue
        stmt = select(column).where(column.is_not(None)).limit(TIME_SAMPLE)
        values = [str(value).strip() for (value,) in c.execute(stmt)]
        if values and all(NUMBER_TEXT.fullmatch(value) for value in values):
            review.append(
                f"{fact.name}.{column.name} holds amounts as text (such as {shown(values[0])}), "
                "so it is no measure: to sum it, declare it Numeric(18, 2) in its Column(...) "
                "and add a Measure with Sum(...) (the database converts the text)."
            )


# --- Writing the file -------------------------------------------------------------------


def q(text: str) -> str:
    """A string literal the way ruff format writes it (double quotes unless more escapes)."""
    literal = repr(text)
    if literal[0] == '"':  # the text holds ' and no "
        return literal
    body = literal[1:-1]
    if '"' not in text:
        return '"' + body.replace("\\'", "'") + '"'
    if text.count('"') > text.count("'"):
        return literal  # single quotes need fewer escapes
    return '"' + body.replace("\\'", "'").replace('"', '\\"') + '"'


def shown(text: str) -> str:
    """A name as written in a comment or the docstring (odd characters escaped)."""
    return text if text.isprintable() and "\\" not in text else repr(text)


@dataclasses.dataclass
class Call:
    """Code for a call, a tuple or a dict: on one line when it fits, else one item a line."""

    open: str
    items: list  # str, (prefix, item) or Comment
    close: str = ")"

    def flat(self) -> str | None:
        parts = []
        for item in self.items:
            if isinstance(item, Comment):
                return None
            prefix, value = item if isinstance(item, tuple) else ("", item)
            text = value if isinstance(value, str) else value.flat()
            if text is None:
                return None
            parts.append(prefix + text)
        single = "," if self.open == "(" and len(parts) == 1 else ""  # a one-item tuple
        return self.open + ", ".join(parts) + single + self.close


@dataclasses.dataclass
class Comment:
    text: str


@dataclasses.dataclass
class Compare:
    """``left == right``: split before the operator when it does not fit (as ruff does)."""

    left: str
    right: str

    def flat(self) -> str:
        return f"{self.left} == {self.right}"


def render(value, indent: int = 0, prefix: str = "", suffix: str = "") -> list[str]:
    pad = " " * indent
    flat = value if isinstance(value, str) else value.flat()
    if flat is not None and len(pad + prefix + flat + suffix) <= LINE:
        return [pad + prefix + flat + suffix]
    if isinstance(value, Compare):
        return [pad + prefix + value.left, f"{pad}== {value.right}{suffix}"]
    if not isinstance(value, Call) or not value.items:
        return [pad + prefix + (flat or "") + suffix]
    lines = [pad + prefix + value.open]
    for item in value.items:
        if isinstance(item, Comment):
            lines += comment(item.text, indent + 4)
            continue
        item_prefix, item_value = item if isinstance(item, tuple) else ("", item)
        lines += render(item_value, indent + 4, item_prefix, ",")
    return [*lines, pad + value.close + suffix]


def comment(text: str, indent: int = 0) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(
        text,
        LINE - indent,
        initial_indent=pad + "# ",
        subsequent_indent=pad + "# ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def text_of(words: str) -> Call:
    """The same words for every language (the review list asks to translate them)."""
    return Call("{", [f'"en": {q(words)}', f'"es": {q(words)}'], "}")


def tuple_of(items) -> Call:
    return Call("(", list(items), ")")


# The names the file imports, in ruff's (isort's) order: constants, classes, functions.
def import_order(name: str) -> tuple:
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return (kind, name.lower(), name)


@dataclasses.dataclass
class _Writer:
    """Turns the proposal into model.py's source, formatted as ruff format would."""

    fact: Table
    time: Column
    time_form: str  # modeling.NATIVE, ISO_TEXT, ISO_TEXT_T or UNIX_SECONDS
    rows: int
    joins: list[Link]
    other_paths: dict[str, list[Link]]  # longer paths to a joined table, by its name
    measures: list[_Measure]
    dimensions: list[_Dimension]
    keys: set[Column]  # the fact's key columns
    origin: str
    today: dt.date
    review: list[str]  # points to review; writing adds to them

    def __post_init__(self) -> None:
        self.sqlalchemy: set[str] = {"Column", "MetaData", "Table"}  # what the file imports
        self.modeling: set[str] = {"Count", "Detail", "Field", "Measure", "Model", "Page"}
        self.tables = [self.fact, *(link.target for link in self.joins)]
        names = _Names(FILE_NAMES)
        self.var = {table.name: names.make(table.name, "t") for table in self.tables}

    # -- pieces of code

    def col(self, column: Column) -> str:
        """``visits.c.fee``, or ``visits.c["odd name"]`` when the name cannot be an attribute
        (not an identifier, or the name of one of the collection's own methods: "keys")."""
        name = column.name
        columns = f"{self.var[column.table.name]}.c"
        plain = name.isidentifier() and not keyword.iskeyword(name)
        if plain and getattr(column.table.c, name, None) is column:
            return f"{columns}.{name}"
        return f"{columns}[{q(name)}]"

    def imported(self, name: str) -> str:
        """A name from modeling, added to the file's import."""
        self.modeling.add(name)
        return name

    def type_code(self, column: Column) -> tuple[str, str | None]:
        """(code, note): the generic type's code, and a note when it is only a stand-in."""
        kind = generic(column)
        simple = (
            (Boolean, "Boolean"),
            (BigInteger, "BigInteger"),
            (SmallInteger, "SmallInteger"),
            (Integer, "Integer"),
            (Float, "Float"),
            (DateTime, "DateTime"),
            (Date, "Date"),
            (Time, "Time"),
            (LargeBinary, "LargeBinary"),
        )
        if isinstance(kind, DateTime) and kind.timezone:  # PostgreSQL's timestamptz
            self.sqlalchemy.add("DateTime")
            return "DateTime(timezone=True)", None
        for cls, name in simple:
            if isinstance(kind, cls):
                self.sqlalchemy.add(name)
                return name, None
        if isinstance(kind, Numeric):
            self.sqlalchemy.add("Numeric")
            args = [str(n) for n in (kind.precision, kind.scale) if n is not None]
            if kind.precision is None and kind.scale is not None:
                args = [f"scale={kind.scale}"]
            # asdecimal=False: a row's value is a float in Python, like the demo's money;
            # its sums stay exact to the cent all the same (exact.py reads the scale).
            return f"Numeric({', '.join([*args, 'asdecimal=False'])})", None
        if isinstance(kind, Enum):
            self.sqlalchemy.add("String")
            return f"String({max((len(v) for v in kind.enums), default=1)})", None
        if isinstance(kind, String) and not isinstance(kind, Text) and kind.length:
            self.sqlalchemy.add("String")
            return f"String({kind.length})", None
        self.sqlalchemy.add("Text")
        if isinstance(kind, String):
            return "Text", None
        return "Text", f"its type {column.type!r} has no common equivalent: declared as Text"

    def column(self, column: Column, targets: dict[Column, Column]) -> Call:
        code, note = self.type_code(column)
        items: list = []
        if note:
            items.append(Comment(f"{shown(column.name)}: {note}."))
            self.review.append(f"{column.table.name}.{column.name}: {note}; check it.")
        items += [q(column.name), code]
        target = targets.get(column)
        if target is not None:
            self.sqlalchemy.add("ForeignKey")
            where = f"{target.table.schema}." if target.table.schema else ""
            items.append(f"ForeignKey({q(f'{where}{target.table.name}.{target.name}')})")
        if column.primary_key:
            items.append("primary_key=True")
        elif not column.nullable:
            items.append("nullable=False")
        return Call("Column(", items)

    def table(self, table: Table) -> list[str]:
        """The table's declaration: its columns, its declared foreign keys to model tables."""
        declared = {c.name for c in self.tables}
        targets: dict[Column, Column] = {}
        composite = []
        for link in _declared(table):
            if link.target.name not in declared:
                continue  # a table the model does not read: the key would not resolve
            if len(link.columns) == 1:
                targets[link.columns[0]] = link.target_columns[0]
            else:
                composite.append(link)
        items: list = [q(table.name), "metadata"]
        items += [self.column(column, targets) for column in table.columns]
        if table.schema:  # read from another schema than the connection's own
            items.append(f"schema={q(table.schema)}")
        for link in composite:
            self.sqlalchemy.add("ForeignKeyConstraint")
            here = tuple_of(q(c.name) for c in link.columns)
            where = f"{link.target.schema}." if link.target.schema else ""
            there = tuple_of(q(f"{where}{link.target.name}.{c.name}") for c in link.target_columns)
            here.open, here.close, there.open, there.close = "[", "]", "[", "]"
            items.append(Call("ForeignKeyConstraint(", [here, there]))
        return render(Call("Table(", items), 0, f"{self.var[table.name]} = ")

    def on(self, link: Link) -> Compare | Call:
        pairs = [
            Compare(self.col(a), self.col(b))
            for a, b in zip(link.columns, link.target_columns, strict=True)
        ]
        if len(pairs) == 1:
            return pairs[0]
        self.sqlalchemy.add("and_")
        return Call("and_(", pairs)

    def measure(self, measure: _Measure) -> Call:
        kind = self.imported(measure.kind.upper())
        if measure.formula == "count":
            formula = "Count()"
        else:
            name = self.imported("Sum" if measure.formula == "sum" else "CountDistinct")
            formula = Call(f"{name}(", [self.col(measure.column)])
        return Call("Measure(", [q(measure.name), formula, text_of(measure.label), kind])

    def dimension(self, dimension: _Dimension) -> Call:
        self.imported("Dimension")
        column = self.col(dimension.column)
        if dimension.numbered is not None:  # no name, only a number: "Store 1"
            column = Call(f"{self.imported('numbered')}(", [q(dimension.numbered), column])
        items = [
            q(dimension.name),
            column,
            ("label=", text_of(dimension.label)),
            ("plural=", text_of(dimension.plural)),
        ]
        if dimension.key is not None:
            items.append(("key=", self.col(dimension.key)))
        if dimension.within is not None:
            items.append(("within=", q(dimension.within)))
        if dimension.searched:
            items.append(("searched=", "True"))
        return Call("Dimension(", items)

    def sections(self) -> Call:
        """Row 1: a series at the grain the range suits (AUTO); row 2: rankings of the two
        dimensions with the most values (or a ranking and a share); row 3: a breakdown by
        one reached through a link table, else the one with the fewest values (a table of
        up to five columns gets the page's width, so every column shows)."""
        sums = [m.name for m in self._kpi_order() if m.formula == "sum"]
        measure = sums[0] if sums else "rows"
        tooltip = [("tooltip=", tuple_of([q("rows")]))] if measure != "rows" else []
        series = Call(
            f"{self.imported('Series')}(",
            [q("over_time"), q(measure), f"grain={self.imported('AUTO')}", *tooltip],
        )
        dims = [d.name for d in self.dimensions]  # fewest values first
        if not dims:
            return tuple_of([tuple_of([series])])

        def ranking(name: str) -> Call:
            return Call(f"{self.imported('Ranking')}(", [q(f"top_{name}"), q(name), q(measure)])

        first = dims[0]
        unlinked = [d.name for d in self.dimensions if not d.linked]  # their slices add up
        if len(dims) >= 3:
            middle = tuple_of([ranking(dims[-1]), ranking(dims[-2])])
        elif unlinked:  # two dimensions or one: rank the larger, share of the smaller
            shared = unlinked[0]
            share = Call(
                f"{self.imported('Share')}(", [q(f"share_by_{shared}"), q(shared), q(measure)]
            )
            middle = tuple_of([ranking(dims[-1]), share])
        else:  # linked dimensions only: their slices overlap, so rankings, no share
            middle = tuple_of([ranking(name) for name in dict.fromkeys([dims[-1], first])])
        shown_measures = tuple_of(q(m.name) for m in self._kpi_order()[:MAX_BREAKDOWN])
        # A dimension through a link table (a film's categories) is the one the fact's own
        # keys cannot give: the table shows it; else the dimension with the fewest values.
        tabled = next((d.name for d in self.dimensions if d.linked), first)
        breakdown = Call(
            f"{self.imported('Breakdown')}(", [q(f"{tabled}_table"), q(tabled), shown_measures]
        )
        return tuple_of([tuple_of([series]), middle, tuple_of([breakdown])])

    def _kpi_order(self) -> list[_Measure]:
        """Money first (revenue before the rest), then other sums, the row count and the
        distinct counts: the order of the KPI cards."""

        def rank(measure: _Measure) -> int:
            if measure.formula == "sum":
                return 0 if measure.kind == "money" else 1
            return 2 if measure.formula == "count" else 3

        return sorted(self.measures, key=rank)

    def detail(self) -> Call:
        names = _Names({d.name for d in self.dimensions})
        moment = isinstance(generic(self.time), DateTime) or self.time_form == UNIX_SECONDS
        time_kind = self.imported("TIME" if moment else "DATE")
        fields: list = [self.field(names, self.time, time_kind)]
        order = [f"{self.col(self.time)}.desc()"]
        for key in self.fact.primary_key.columns:
            fields.append(self.field(names, key, self.imported("ID")))
            order.append(f"{self.col(key)}.desc()")
        if not self.fact.primary_key.columns:
            # No key: every NOT NULL column after the time, so rows of the same time still
            # have an order a page can start after (a NULL compares with nothing).
            others = [c for c in self.fact.columns if not c.nullable and c is not self.time]
            order += [self.col(column) for column in others]
            self.review.append(
                f"{self.fact.name} has no primary key: the detail rows are ordered by time, "
                "then by every column that holds no NULL, so only rows alike in all of them "
                "can repeat or be skipped where a page ends; declare a unique column as its "
                "key if it has one."
            )
        fields += [q(d.name) for d in self.dimensions if not d.linked]
        for column in self.fact.columns:
            if is_number(column) and column not in self.keys and column is not self.time:
                if looks_like_money(column):
                    kind = "MONEY"
                elif isinstance(generic(column), Integer):
                    kind = "COUNT"
                else:
                    kind = "NUMBER"
                fields.append(self.field(names, column, self.imported(kind)))
        return Call(
            "Detail(",
            [
                ("label=", text_of(humanize(self.fact.name))),
                ("fields=", tuple_of(fields)),
                ("order_by=", tuple_of(order)),
            ],
        )

    def field(self, names: _Names, column: Column, kind: str) -> Call:
        name = names.make(column.name, "f")
        return Call("Field(", [q(name), self.col(column), text_of(humanize(column.name)), kind])

    def model(self) -> list[str]:
        kpis = [m.name for m in self._kpi_order()]
        joins = []
        for link in self.joins:
            self.imported("Join")
            if link.guessed:
                joins.append(Comment(f"Guessed from the names: {shown(link.text())}."))
            many = ["many=True"] if link.many else []
            joins.append(Call("Join(", [self.var[link.target.name], self.on(link), *many]))
            for other in self.other_paths.get(link.target.name, []):
                joins.append(
                    Comment(
                        f"Another path reaches {link.target.name}: {other.text()}. This "
                        f"model joins it through {link.table.name} (shortest path first); "
                        "where the two differ in meaning, join the one you mean (both: "
                        "sqlalchemy.orm.aliased)."
                    )
                )
        period_hint = Comment(
            "No period was guessed. A Period is a business day or shift with a whole-number "
            "id (a table such as shifts(shift_id, shift_day, started_at, ended_at)) that "
            "each fact row names through a key: with one, the dashboard gets the view by "
            "period and the live status of the open one. Declare its table, join it, and "
            "write period=Period(id=..., key=..., date=..., opened_at=..., closed_at=..., "
            "label=..., plural=...) (see modeling.Period)."
        )
        page = Call(
            "Page(",
            [
                ("kpis=", tuple_of(q(name) for name in kpis[:MAX_KPIS])),
                "status=()",
                ("rows=", self.sections()),
                ("detail=", self.detail()),
                "lookup=None",
            ],
        )
        model = Call(
            "Model(",
            [
                f"fact={self.var[self.fact.name]}",
                f"time={self.col(self.time)}",
                f"time_stored={self.imported(self.time_form.upper())}",
                ("joins=", tuple_of(joins)),
                period_hint,
                "period=None",
                ("measures=", tuple_of(self.measure(m) for m in self.measures)),
                ("dimensions=", tuple_of(self.dimension(d) for d in self.dimensions)),
                ("page=", page),
            ],
        )
        return render(model, 0, "MODEL = ")

    def docstring(self) -> list[str]:
        def escaped(text: str) -> str:
            return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')

        def para(text: str, first: str = "", rest: str = "") -> list[str]:
            return textwrap.wrap(
                escaped(text),
                LINE - 4,
                initial_indent=first,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )

        lines = [
            f'"""The model of the data, written by ``python -m {db.PACKAGE} inspect`` from',
            escaped(self.origin or "(the configured database)"),  # alone: a URL may be long
            f"on {self.today.isoformat()}.",
            "",
        ]
        lines += para(
            f"The fact table is {shown(self.fact.name)} ({self.rows:,} rows when inspected): "
            f"each of its rows is one fact, placed in time by {shown(self.time.name)}. "
            "Everything the dashboard shows derives from MODEL (the words are in modeling.py)."
        )
        lines += ["", "Review by hand:", ""]
        for point in self.review:
            lines += para(point, "- ", "  ")
        return [*lines, '"""']

    def source(self) -> str:
        tables = []
        for table in reversed(self.tables):  # the tables joined last (the broadest) first
            tables += [*self.table(table), ""]
        model = self.model()
        if any(len(line) > LINE for line in (*tables, *model)):  # names too long to fit
            self.review.append(
                f"Some lines are longer than {LINE} characters (very long names): ruff check "
                "reports them (E501); shorten them by hand."
            )
        self.review.extend(ALWAYS_REVIEW)
        docstring = self.docstring()  # last: the pieces above add to the review list
        imports = render(
            Call("from sqlalchemy import (", sorted(self.sqlalchemy, key=import_order)), 0
        )
        modeling = render(
            Call("from .modeling import (", sorted(self.modeling, key=import_order)), 0
        )
        heading = "# --- The tables the model reads (reflected; generic types) "
        showing = "# --- What the dashboard shows "
        lines = [
            *docstring,
            "",
            *_import(imports),
            "",
            *_import(modeling),
            "",
            "metadata = MetaData()",
            "",
            heading.ljust(88, "-"),
            "",
            *tables,
            showing.ljust(88, "-"),
            "",
            *model,
        ]
        return "\n".join(lines) + "\n"


def _import(lines: list[str]) -> list[str]:
    """An import on one line is written without the parentheses."""
    if len(lines) == 1:
        return [lines[0].replace("import (", "import ").removesuffix(")")]
    return lines


# --- The command ---------------------------------------------------------------------------


def inspect_database(url: URL, fact: str | None = None, schema: str | None = None) -> Proposal:
    """Open the database read-only, propose a model, close it again."""
    engine = read_only_engine(url)
    try:
        with engine.connect() as c:
            return propose(c, fact, origin=db.describe(url), schema=schema)
    except SQLAlchemyError as exc:
        if db.dialect_module(url).is_missing_schema(exc):  # MySQL: no such database
            raise InspectionError(
                f"The database {db.describe(url)} does not exist (or is not readable)."
            ) from None
        raise
    finally:
        engine.dispose()


def write(source: str, target: Path, force: bool = False) -> None:
    """Write the model to ``target``; an existing file only with ``force``."""
    if target.exists() and not force:
        raise InspectionError(
            f"{target} already exists: add --force to replace it (or run without --write "
            "to see the proposal)."
        )
    target.write_text(source, encoding="utf-8")


def model_path() -> Path:
    return db.PROJECT_ROOT / db.PACKAGE / "model.py"


def run(
    url: URL,
    fact: str | None = None,
    write_file: bool = False,
    force: bool = False,
    target: Path | None = None,
    schema: str | None = None,
) -> int:
    """The ``inspect`` command: print the proposal, or write it to model.py (``target``)."""
    proposal = inspect_database(url, fact, schema)
    if write_file:
        target = target or model_path()
        write(proposal.source, target, force)
        print(f"{proposal.summary} Written to {target}.", file=sys.stderr)
    else:
        sys.stdout.write(proposal.source)
        print(proposal.summary, file=sys.stderr)
    return 0
