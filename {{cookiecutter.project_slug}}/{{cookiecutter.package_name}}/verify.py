"""``python -m <package> verify``: the dashboard's figures against plain SQL, and the health
of the data they come from.

An independent reference. For a set of ranges (the default view, single days,
days whose first rows are at midnight, ranges whose first and last days hold rows, the
whole data), every KPI (and the previous range its delta compares with), breakdown row
and series point is read through the loaders the page uses (both cache levels, rollups)
and compared with the simplest SQL that says the same thing, written here apart from
queries.py and rollups.py: ``WHERE DATE(time) BETWEEN first AND last``, each measure's
aggregate, GROUP BY the dimension. The database is only read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Numeric,
    String,
    and_,
    bindparam,
    cast,
    extract,
    func,
    select,
    type_coerce,
)  # fmt: skip

from . import data, exact, queries, times
from .i18n import date, label, number, t
from .model import MODEL
from .modeling import COUNT, GRAINS, HOUR, CountDistinct, Difference, Ratio, Series, Sum, tables_of
from .queries import DATES, OPS, Filters

CENT = 0.005  # a float sum compares to the cent; an exact one (a Decimal) must be equal
MOST_CASES = 10  # ranges checked (each: KPIs, previous KPIs and every section)


# --- The data's health, in words --------------------------------------------------------


def health_lines(health: dict[str, Any]) -> list[str]:
    """The operator panel's and verify's sentences about the data (queries.fetch_health)."""
    lines = []
    if health["first"] is None:
        lines.append(t("health_empty"))
    else:
        lines.append(
            t(
                "health_rows",
                rows=number(health["rows"]),
                first=date(health["first"].date()),
                last=date(health["last"].date()),
            )
        )
    if health["no_time"]:
        lines.append(t("health_no_time", n=number(health["no_time"])))
    if health["unreadable"]:
        example = repr(health["unreadable_example"])
        lines.append(t("health_unreadable", n=number(health["unreadable"]), example=example))
    if health["late"]:
        latest, last = date(health["latest"].date()), date(health["last"].date())
        lines.append(t("health_late", n=number(health["late"]), latest=latest, last=last))
    if health["early"]:
        earliest, first = date(health["earliest"].date()), date(health["first"].date())
        lines.append(t("health_early", n=number(health["early"]), earliest=earliest, first=first))
    if not health["primary_key"]:
        lines.append(t("health_no_key"))
    if health["duplicates"]:
        lines.append(t("health_duplicates", n=number(health["duplicates"])))
    for name, n in health["large"].items():
        dimension = MODEL.dimension(name)
        lines.append(t("health_large", dimension=label(dimension.plural, name), n=number(n)))
    if len(lines) == 1 and health["first"] is not None and health["primary_key"]:
        lines.append(t("health_ok"))
    return lines


# --- Plain SQL: the reference ------------------------------------------------------------


def _from(*columns):
    """The fact joined with the tables these columns read (and those their joins read)."""
    wanted = set().union(*(tables_of(column) for column in columns)) - {MODEL.fact}
    for join in reversed(MODEL.joins):  # a join may name a table joined before it
        if join.table in wanted:
            wanted |= tables_of(join.on) - {MODEL.fact}
    joined = MODEL.fact
    for join in MODEL.joins:
        if join.table in wanted:
            joined = joined.join(join.table, join.on)
    return joined


def _in_range(f: Filters):
    """WHERE the rows of the filters' range: the period ids, or the calendar days."""
    period = MODEL.period
    if f.mode == OPS:
        return period.key.between(f.op_start, f.op_end), [period.key]
    # Days compare as dates (SQLite writes a bound date as its 'YYYY-MM-DD' text).
    first = bindparam("first", f.date_start, type_=Date)
    last = bindparam("last", f.date_end, type_=Date)
    if period is not None:
        day = type_coerce(func.date(period.date), Date)
        days = select(period.id).where(day.between(first, last))
        return period.key.in_(days), [period.key]
    return type_coerce(times.day_of(MODEL.time), Date).between(first, last), [MODEL.time]


def _on_sqlite(c: Connection) -> bool:
    return c.dialect.name == "sqlite"


def _aggregates(names, sqlite: bool) -> list:
    out = []
    for measure in MODEL.aggregates(names):
        formula = measure.formula
        if isinstance(formula, CountDistinct):
            out.append(func.count(formula.expression.distinct()).label(measure.name))
        elif isinstance(formula, Sum):
            out.append(_plain_sum(formula.expression, sqlite).label(measure.name))
        else:
            out.append(func.count().label(measure.name))
    return out


def _plain_sum(column, sqlite: bool):
    """SUM(column), exact for a DECIMAL: the database's own DECIMAL sum, or on SQLite (no
    DECIMAL type) a sum of integer minor units, read back by ``_finish``."""
    scale = exact.scale_of(column)
    if scale is None:
        return func.sum(column)
    if sqlite:
        return func.sum(cast(func.round(column * 10**scale), BigInteger))
    return type_coerce(func.sum(column), Numeric(asdecimal=True))


def _finish(row: dict, names, sqlite: bool) -> dict:
    """The measures as the page rounds them, derived ones from the aggregates."""
    values = {k: _read(k, v, sqlite) for k, v in row.items()}

    def value(name: str) -> float | Decimal:
        measure = MODEL.measure(name)
        formula = measure.formula
        if isinstance(formula, Ratio):
            top, bottom = float(value(formula.numerator)), float(value(formula.denominator))
            return top / bottom * formula.scale if bottom else 0.0
        if isinstance(formula, Difference):
            minuend, subtrahend = value(formula.minuend), value(formula.subtrahend)
            if isinstance(minuend, Decimal) and isinstance(subtrahend, Decimal):
                return minuend - subtrahend
            return float(minuend) - float(subtrahend)
        return values[name]

    out = {}
    for name in names:
        measure = MODEL.measure(name)
        x = value(name)
        out[name] = round(x) if measure.kind == COUNT and not measure.parts else round(x, 2)
    return out


def _read(name: str, value: Any, sqlite: bool) -> float | Decimal:
    """An aggregate as read: a DECIMAL sum stays a Decimal (SQLite's comes in minor units)."""
    formula = MODEL.measure(name).formula
    scale = exact.scale_of(formula.expression) if isinstance(formula, Sum) else None
    if scale is None:
        return float(value or 0)
    if sqlite:
        return Decimal(int(value or 0)).scaleb(-scale)
    return exact.as_decimal(value)


# Pattern: an independent reference: the simplest SQL that says the same thing.
def reference_totals(c: Connection, f: Filters, names) -> dict:
    where, reads = _in_range(f)
    columns = _aggregates(names, _on_sqlite(c))
    row = c.execute(select(*columns).select_from(_from(*columns, *reads)).where(where)).one()
    return _finish(row._asdict(), names, _on_sqlite(c))


def reference_groups(c: Connection, f: Filters, section, grain: str | None = None) -> dict:
    """{group: measures} of a section: a dimension's value, or a series' bucket."""
    names = queries.section_measures(section)
    where, reads = _in_range(f)
    if isinstance(section, Series):
        grain = queries.series_grain(section, f, grain)  # AUTO: the grain the range suits
        if grain == HOUR:
            group = times.hour_of(MODEL.time)
        else:  # the first day of the bar's day, week, month or quarter
            group = type_coerce(times.bucket_of(grain, MODEL.time), String)
        keys, where = [group], and_(where, group.is_not(None))  # a bar needs a time
    else:
        dimension = MODEL.dimension(section.dimension)
        group, keys = dimension.column, [dimension.match, dimension.column]
    columns = [group.label("group"), *_aggregates(names, _on_sqlite(c))]
    stmt = select(*columns).select_from(_from(*columns, *keys, *reads)).where(where)
    rows = c.execute(stmt.group_by(*dict.fromkeys(keys))).mappings().all()
    out: dict = {}
    for row in rows:
        key = row["group"]
        values = _finish({k: v for k, v in row.items() if k != "group"}, names, _on_sqlite(c))
        out.setdefault(_group_key(key), []).append(values)
    return out


def _group_key(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- The ranges ---------------------------------------------------------------------------


def _days(c: Connection, bounds: queries.TimeBounds, midnight: bool) -> list[dt.date]:
    """The days in the dense range that hold rows (with ``midnight``: rows at 00:00)."""
    day = type_coerce(times.day_of(MODEL.time), String)
    stmt = select(day).select_from(_from(MODEL.time)).where(day.is_not(None)).distinct()
    if midnight:
        moment = times.moment(MODEL.time)
        stmt = stmt.where(*(extract(part, moment) == 0 for part in ("hour", "minute", "second")))
    found = sorted(dt.date.fromisoformat(str(v)[:10]) for (v,) in c.execute(stmt.limit(5000)))
    return [d for d in found if bounds.first.date() <= d <= bounds.last.date()]


def cases(c: Connection) -> list[Filters]:
    """The filters verify checks: the page's default view first."""
    status = queries.fetch_status(c)
    bounds = queries.time_bounds(c)
    if bounds.last is None:
        return []
    out = [queries.default_filters(status)]
    if MODEL.period is not None and status.get("latest_op") is not None:
        first, last = int(status["min_op"]), out[0].op_end
        out.append(Filters(OPS, op_start=first, op_end=first))
        out.append(Filters(OPS, op_start=first, op_end=last))
    days = _days(c, bounds, midnight=False)
    midnights = _days(c, bounds, midnight=True)
    ranges: list[tuple[dt.date, dt.date]] = [(days[0], days[-1])]
    for day in (midnights[:1] + midnights[-1:]) or [days[0], days[-1]]:
        ranges.append((day, day))
    # A week whose first and last days hold rows (at midnight, where there are such days).
    marked = midnights if len(midnights) > 2 else days
    for start in (marked[0], marked[len(marked) // 2]):
        ends = [d for d in marked if start < d <= start + dt.timedelta(days=6)]
        if ends:
            ranges.append((start, ends[-1]))
    for first, last in dict.fromkeys(ranges):
        out.append(Filters(DATES, date_start=first, date_end=last))
    unique = {describe(f): f for f in reversed(out)}  # the first of equal ranges stays
    return list(reversed(unique.values()))[:MOST_CASES]


# --- Comparing ----------------------------------------------------------------------------


@dataclasses.dataclass
class Report:
    checked: int = 0
    differences: list[str] = dataclasses.field(default_factory=list)

    def compare(self, where: str, what: str, shown: Any, want: Any, kind: str) -> None:
        self.checked += 1
        if isinstance(want, Decimal):  # an exact sum: equal to the cent, or it is wrong
            shown = exact.as_decimal(shown)
            differs = shown.quantize(exact.CENT) != want.quantize(exact.CENT)
            shown, want = str(shown), str(want)
        else:
            shown = float(shown or 0)
            differs = abs(shown - float(want)) > (CENT if kind != COUNT else 0.5)
        if differs:
            self.differences.append(f"{where} {what}: dashboard {shown}, plain SQL {want}")


def describe(f: Filters) -> str:
    if f.mode == OPS:
        return f"{label(MODEL.period.plural).lower()} {f.op_start}..{f.op_end}"
    return f"days {f.date_start}..{f.date_end}"


def check_case(c: Connection, f: Filters, report: Report) -> None:
    where = describe(f)
    kpis = MODEL.page.kpis
    shown = data.load_totals(f).value
    want = reference_totals(c, f, kpis)
    previous = _previous(f)
    for name in kpis:
        kind = MODEL.measure(name).kind
        report.compare(where, f"KPI {name}", shown["current"][name], want[name], kind)
    if previous is not None:
        before = reference_totals(c, previous, kpis)
        for name in kpis:
            kind = MODEL.measure(name).kind
            report.compare(
                describe(previous), f"KPI {name} (previous range)", shown["previous"][name],
                before[name], kind,
            )  # fmt: skip
    for section in MODEL.page.sections:
        if isinstance(section, Series):  # every grain a reader may switch to
            for grain in GRAINS:
                _check_section(c, f, section, where, report, grain)
        else:
            _check_section(c, f, section, where, report)


def _previous(f: Filters) -> Filters | None:
    if f.mode == OPS:
        n = f.op_end - f.op_start + 1
        return Filters(OPS, op_start=f.op_start - n, op_end=f.op_start - 1)
    length = (f.date_end - f.date_start).days + 1
    try:
        shift = dt.timedelta(days=length)
        return Filters(DATES, date_start=f.date_start - shift, date_end=f.date_end - shift)
    except OverflowError:
        return None


def _check_section(
    c: Connection, f: Filters, section, where: str, report: Report, grain: str | None = None
) -> None:
    names = queries.section_measures(section)
    limit = getattr(section, "size", None)
    frame = data.load_section(f, section, limit, grain).value
    want = reference_groups(c, f, section, grain)
    if grain is not None:
        where = f"{where} by {grain}"
    group = "bucket" if isinstance(section, Series) else section.dimension
    shown_groups = set()
    for row in frame.to_dict("records"):
        key = _group_key(row[group])
        shown_groups.add(key)
        candidates = want.get(key)
        if not candidates:
            if any(row[name] for name in names):
                report.differences.append(
                    f"{where} {section.key} {key}: the dashboard shows {row[names[0]]!r}, "
                    "plain SQL has no such row"
                )
            continue
        # Equal names (two products called the same): the group closest to the row shown.
        first = float(row[names[0]] or 0)
        expected = min(candidates, key=lambda v: abs(float(v[names[0]]) - first))
        for name in names:
            kind = MODEL.measure(name).kind
            report.compare(where, f"{section.key} {key} {name}", row[name], expected[name], kind)
    if limit is None:  # every group plain SQL has is on the page
        for key in set(want) - shown_groups:
            report.differences.append(f"{where} {section.key} {key}: missing from the dashboard")


def run(say=print) -> int:
    """The verify command: health, then every case; exit 1 on any difference."""
    from . import db

    engine = db.get_engine()
    with engine.connect() as c:
        health = queries.fetch_health(c)
        say(t("health_title"))
        for line in health_lines(health):
            say(f"  {line}")
        report = Report()
        found = cases(c)
        for f in found:
            before = len(report.differences)
            check_case(c, f, report)
            state = "ok  " if len(report.differences) == before else "DIFF"
            say(f"  {state} {describe(f)}")
    for line in report.differences:
        say(f"DIFFERENCE {line}")
    if report.differences:
        say(f"{len(report.differences)} figures differ from plain SQL ({len(found)} ranges).")
        return 1
    say(f"Verified: {report.checked:,} figures in {len(found)} ranges equal plain SQL.")
    return 0
