"""The time column as the database stores it: bound values, readable rows, parsing.

Compare like with like. A bound value is written the way the column holds its
values, so the database compares text with text or times with times, and an index on the
column stays usable. SQLite has no time type: a "DATETIME" column holds text, written by
whoever wrote the rows ('2021-01-19 00:00:00', '2021-01-19T08:30', '2021-01-19'), and
SQLite compares it as text. A day is therefore bound as 'YYYY-MM-DD': every ISO form of
that day sorts at or after it, and before the next day's.

model.py records the form (``Model(time_stored=...)``; ``inspect`` samples the column):
NATIVE (the database's own date/time type), ISO_TEXT ('YYYY-MM-DD HH:MM:SS' or a date
alone, in a text column), ISO_TEXT_T ('YYYY-MM-DDTHH:MM:SS') or UNIX_SECONDS (an integer
column of seconds since 1970-01-01 00:00 UTC: ranges are bound as such integers, and days
and hours are taken in UTC by the database's own date arithmetic). A value that no form
reads ('01/01/2026 06:19') belongs to no day: it is counted and said
(queries.fetch_health), never a failed page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Date,
    DateTime,
    String,
    bindparam,
    extract,
    func,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from . import db
from .model import MODEL
from .modeling import (
    DAY,
    HOUR,
    ISO_TEXT,
    ISO_TEXT_T,
    MONTH,
    NATIVE,
    QUARTER,
    UNIX_SECONDS,
    WEEK,
)

EPOCH = dt.datetime(1970, 1, 1)  # Unix seconds count from here, in UTC

_TEXT_DIALECTS: dict[str, bool] = {}  # dialect name: its time types hold text


def _text_on(dialect) -> bool:
    """Does this backend hold the time column as text (SQLite always; any backend when
    model.py says the column is ISO text)?"""
    if MODEL.time_stored in (ISO_TEXT, ISO_TEXT_T):
        return True
    if dialect.name not in _TEXT_DIALECTS:
        module = db.dialect_named(dialect.name)
        _TEXT_DIALECTS[dialect.name] = module.TIMES_ARE_TEXT
    return _TEXT_DIALECTS[dialect.name]


def _in_seconds() -> bool:
    return MODEL.time_stored == UNIX_SECONDS


def parse(value: Any) -> dt.datetime | None:
    """A stored time as a datetime; None when it is NULL or no ISO form reads it."""
    if isinstance(value, dt.datetime):
        # A zoned time (PostgreSQL's timestamptz) arrives in the session's zone: its clock
        # time there, as every bound is compared (dialects/postgresql.py).
        return value.replace(tzinfo=None)
    if value is None:
        return value
    if isinstance(value, int | float) and _in_seconds():
        return EPOCH + dt.timedelta(seconds=int(value))
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    try:
        moment = dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    # Shown in the zone it was written in: an offset ('Z', '+02:00') is dropped, not applied.
    return moment.replace(tzinfo=None)


def clock_times(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame whose zoned times (timestamptz, read in the session's zone) are the clock
    times there, as parse() reads one value: compared with the page's plain bounds."""
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.DatetimeTZDtype):
            frame[name] = frame[name].dt.tz_localize(None)
    return frame


def in_seconds(moment: dt.datetime | dt.date) -> int:
    """A moment as Unix seconds (the moment read as UTC)."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time())
    return int((moment - EPOCH).total_seconds())


def text_of(moment: dt.datetime | dt.date) -> str:
    """A moment written as the column's text: a midnight as the date alone, which sorts
    before every form of that day."""
    if not isinstance(moment, dt.datetime):
        return moment.isoformat()
    if moment.time() == dt.time():
        return moment.date().isoformat()
    if MODEL.time_stored == NATIVE:  # SQLite's DATETIME, as SQLAlchemy writes it
        return moment.isoformat(" ", timespec="microseconds")
    return moment.isoformat("T" if MODEL.time_stored == ISO_TEXT_T else " ")


# Pattern: compare like with like: a bound value in the form the column stores.
class Stored(TypeDecorator):
    """The time column's values as stored: text where the column holds text (bound values
    written in its form, results left as text), the database's time type elsewhere."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if _in_seconds():
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(String() if _text_on(dialect) else DateTime())

    def process_bind_param(self, value, dialect):
        if value is None or isinstance(value, str | int):
            return value
        if _in_seconds():
            return in_seconds(value)
        if _text_on(dialect):
            return text_of(value)
        return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


class Parsed(Stored):
    """The time column read back as datetimes; a value no ISO form reads comes back None."""

    cache_ok = True

    def process_result_value(self, value, dialect):  # noqa: ARG002
        return parse(value)


def stored(column: ColumnElement) -> ColumnElement:
    """The column compared and read as stored (a detail page's keyset cursor holds these)."""
    return type_coerce(column, Stored())


def parsed(column: ColumnElement) -> ColumnElement:
    """The column read as datetimes (None where unreadable): bounds, listings."""
    return type_coerce(column, Parsed())


class Through(Stored):
    """An inclusive upper bound (``<=``): on text, the moment written to the microsecond,
    so every way of writing that very moment ('...:37', '...:37.000000', a midnight's date
    alone) is at most it, as the moment itself is."""

    cache_ok = True

    def process_bind_param(self, value, dialect):
        if isinstance(value, dt.datetime) and not _in_seconds() and _text_on(dialect):
            sep = "T" if MODEL.time_stored == ISO_TEXT_T else " "
            return value.isoformat(sep, timespec="microseconds")
        return super().process_bind_param(value, dialect)


def bound(name: str, value: dt.datetime | dt.date) -> BindParameter:
    return bindparam(name, value, type_=Stored())


def bound_through(name: str, value: dt.datetime) -> BindParameter:
    """A bound the time may equal (``time <= ...``), in the column's form (Through)."""
    return bindparam(name, value, type_=Through())


def readable(column: ColumnElement) -> ColumnElement:
    """The rows whose time the database itself reads as a date (NULL and text such as
    '01/01/2026 06:19' are not): the rows any range can hold."""
    return day_of(column).is_not(None)


def day_of(column: ColumnElement) -> ColumnElement:
    """The calendar day of the time column, by the database (a series' bucket)."""
    return func.date(moment(column))


def hour_of(column: ColumnElement) -> ColumnElement:
    """The hour of the day (0-23) of the time column, by the database."""
    return extract("hour", moment(column))


def bucket_of(grain: str, column: ColumnElement) -> ColumnElement:
    """A series' bucket, by the database: the hour of the day (0-23), or the first day of
    the row's day, week (Monday), month or quarter."""
    if grain == HOUR:
        return hour_of(column)
    if grain == DAY:
        return day_of(column)
    return {WEEK: week_start, MONTH: month_start, QUARTER: quarter_start}[grain](moment(column))


def start_of(grain: str, day: dt.date) -> dt.date:
    """The first day of ``day``'s week (Monday), month or quarter, as bucket_of() says it
    (a rollup's days regrouped in Python)."""
    if grain == WEEK:
        return day - dt.timedelta(days=day.weekday())
    if grain == MONTH:
        return day.replace(day=1)
    if grain == QUARTER:
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return day


class week_start(FunctionElement):  # noqa: N801 (an SQL function's name)
    """The Monday of a time's week, as a date; compiled per dialect."""

    type = Date()
    name = "week_start"
    inherit_cache = True


class month_start(FunctionElement):  # noqa: N801
    """The first day of a time's month."""

    type = Date()
    name = "month_start"
    inherit_cache = True


class quarter_start(FunctionElement):  # noqa: N801
    """The first day of a time's quarter (January, April, July or October)."""

    type = Date()
    name = "quarter_start"
    inherit_cache = True


# MySQL and MariaDB (the default); SQLite below: its date() modifiers.
@compiles(week_start)
def _monday(element, compiler, **kw) -> str:
    x = compiler.process(element.clauses, **kw)
    return f"DATE_SUB(DATE({x}), INTERVAL WEEKDAY({x}) DAY)"


@compiles(month_start)
def _first_of_month(element, compiler, **kw) -> str:
    x = compiler.process(element.clauses, **kw)
    return f"DATE_SUB(DATE({x}), INTERVAL (DAYOFMONTH({x}) - 1) DAY)"


@compiles(quarter_start)
def _first_of_quarter(element, compiler, **kw) -> str:
    x = compiler.process(element.clauses, **kw)
    return f"(MAKEDATE(YEAR({x}), 1) + INTERVAL (QUARTER({x}) - 1) QUARTER)"


@compiles(week_start, "sqlite")
def _sqlite_monday(element, compiler, **kw) -> str:
    # Back six days, then forward to the next Monday: the Monday on or before the day.
    return f"date({compiler.process(element.clauses, **kw)}, '-6 days', 'weekday 1')"


@compiles(month_start, "sqlite")
def _sqlite_first_of_month(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(quarter_start, "sqlite")
def _sqlite_first_of_quarter(element, compiler, **kw) -> str:
    x = compiler.process(element.clauses, **kw)
    back = f"((CAST(strftime('%m', {x}) AS INTEGER) - 1) % 3)"  # || binds tighter than %
    return f"date({x}, 'start of month', '-' || {back} || ' months')"


@compiles(week_start, "postgresql")
@compiles(week_start, "duckdb")
def _truncated_to_week(element, compiler, **kw) -> str:
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start, "postgresql")
@compiles(month_start, "duckdb")
def _truncated_to_month(element, compiler, **kw) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(quarter_start, "postgresql")
@compiles(quarter_start, "duckdb")
def _truncated_to_quarter(element, compiler, **kw) -> str:
    return f"CAST(date_trunc('quarter', {compiler.process(element.clauses, **kw)}) AS DATE)"


def moment(column: ColumnElement) -> ColumnElement:
    """The time column as the database's own date and time, for its date functions: the
    column itself, Unix seconds turned into a UTC time, or text read as a time where it
    reads as one (NULL where it does not)."""
    if _in_seconds():
        return from_unix_seconds(column)
    if MODEL.time_stored in (ISO_TEXT, ISO_TEXT_T):
        return time_of_text(column)
    return column


class time_of_text(FunctionElement):  # noqa: N801 (an SQL function's name)
    """An ISO text as a time, NULL when it is not one ('01/01/2026 06:19', '2024-02-30')."""

    type = DateTime()
    name = "time_of_text"
    inherit_cache = True


@compiles(time_of_text)
def _text_as_is(element, compiler, **kw) -> str:
    # SQLite and MySQL date functions read ISO text themselves, NULL where they cannot.
    return compiler.process(element.clauses, **kw)


@compiles(time_of_text, "duckdb")
def _try_cast(element, compiler, **kw) -> str:
    return f"TRY_CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMP)"


# PostgreSQL's CAST fails the whole statement on one bad text: cast only what is an ISO
# time, on a day the calendar has (30 days hath September...; 29 February of leap years).
ISO_TIME = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"([ T]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
)
NO_SUCH_DAY = "('02-30', '02-31', '04-31', '06-31', '09-31', '11-31')"


@compiles(time_of_text, "postgresql")
def _cast_when_iso(element, compiler, **kw) -> str:
    x = compiler.process(element.clauses, **kw)
    year = f"CAST(substr({x}, 1, 4) AS INTEGER)"
    leap = f"(mod({year}, 4) = 0 AND (mod({year}, 100) <> 0 OR mod({year}, 400) = 0))"
    return (
        f"CASE WHEN {x} ~ '{ISO_TIME}' AND substr({x}, 6, 5) NOT IN {NO_SUCH_DAY} "
        f"AND (substr({x}, 6, 5) <> '02-29' OR {leap}) "
        f"THEN CAST({x} AS TIMESTAMP) END"  # an offset is dropped, as parse() drops it
    )


class from_unix_seconds(FunctionElement):  # noqa: N801 (an SQL function's name)
    """A UTC date and time from seconds since 1970, compiled per dialect."""

    type = DateTime()
    name = "from_unix_seconds"
    inherit_cache = True


@compiles(from_unix_seconds)
def _seconds_added_to_1970(element, compiler, **kw) -> str:
    # Date arithmetic, not FROM_UNIXTIME(): that one reads the session's time zone.
    seconds = compiler.process(element.clauses, **kw)
    return f"(TIMESTAMP('1970-01-01') + INTERVAL ({seconds}) SECOND)"


@compiles(from_unix_seconds, "sqlite")
def _sqlite_unixepoch(element, compiler, **kw) -> str:
    return f"datetime({compiler.process(element.clauses, **kw)}, 'unixepoch')"
