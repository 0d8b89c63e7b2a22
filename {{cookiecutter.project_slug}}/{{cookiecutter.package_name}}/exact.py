"""Exact sums of money: a Decimal in Python, to the cent, on every backend.

A sum of DECIMAL values read as a float is off by cents from about 10^14 (a float holds
15-16 digits). MySQL, PostgreSQL and DuckDB add DECIMAL values exactly, and the driver
returns a Decimal. SQLite has no DECIMAL type (a NUMERIC value is stored as a REAL), so
there each value is rounded to whole minor units (cents, for a scale of 2) and those
integers are added: exact up to 9.2 * 10^18 minor units (9.2 * 10^16 in cents).

A sum is exact when what it adds has a DECIMAL type with a scale (``Numeric(12, 2)``);
integers add up exactly anyway, and a float column (``Float``, ``REAL``) stays a float.
Rollups store exact sums in the same type (``Amount``), so a total of totals stays exact.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import BigInteger, ColumnElement, Float, Numeric, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

PRECISION = 38  # digits of a stored exact sum (DuckDB's most; MySQL takes 65)


def scale_of(expression: ColumnElement) -> int | None:
    """The decimals of a DECIMAL expression; None when its sum needs no care (an integer,
    a float, a DECIMAL of no stated scale)."""
    kind = expression.type
    if isinstance(kind, Numeric) and not isinstance(kind, Float) and kind.scale is not None:
        return kind.scale
    return None


class Amount(TypeDecorator):
    """An exact amount with ``scale`` decimals: DECIMAL where the database has it; on
    SQLite an integer count of minor units. Python always sees a Decimal."""

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int) -> None:
        super().__init__(PRECISION, scale, asdecimal=True)
        self.scale = scale

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(PRECISION, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect) -> Any:
        if value is None:
            return None
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if dialect.name == "sqlite":
            return int(amount.scaleb(self.scale).to_integral_value())
        return amount

    def process_result_value(self, value: Any, dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value)


# Pattern: exact money. One SQL construct, compiled per dialect (sqlalchemy.ext.compiler).
class exact_sum(FunctionElement):  # noqa: N801 (an SQL function's name, as func.sum)
    """SUM(expression) as an exact ``Amount``."""

    name = "exact_sum"
    inherit_cache = True

    def __init__(self, expression: ColumnElement, scale: int) -> None:
        super().__init__(expression)
        self.type = Amount(scale)


@compiles(exact_sum)
def _sum_of_decimals(element: exact_sum, compiler, **kw) -> str:
    return compiler.process(func.sum(*element.clauses), **kw)


@compiles(exact_sum, "sqlite")
def _sum_of_minor_units(element: exact_sum, compiler, **kw) -> str:
    (expression,) = element.clauses
    units = 10**element.type.scale
    return f"SUM(CAST(ROUND(({compiler.process(expression, **kw)}) * {units}) AS INTEGER))"


def total(expression: ColumnElement) -> ColumnElement:
    """SUM(expression): exact when the expression is a DECIMAL with a scale."""
    scale = scale_of(expression)
    return func.sum(expression) if scale is None else exact_sum(expression, scale)


# --- In frames: a column of exact sums holds Decimals (pandas dtype object) --------------

CENT = Decimal("0.01")


def holds_decimals(column: pd.Series) -> bool:
    return column.dtype == object and any(isinstance(v, Decimal) for v in column)


def as_decimal(value: Any) -> Decimal:
    """A Decimal of a value read back (None, NaN and a missing sum are 0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def in_cents(column: pd.Series) -> pd.Series:
    """Exact sums rounded to the cent, as the page shows them (no float on the way)."""
    return column.map(lambda v: as_decimal(v).quantize(CENT))
