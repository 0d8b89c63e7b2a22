"""Query store: the schema and every SQL statement of the dashboard.

No Streamlit here, so this module is tested and reused without a running app.
Rules: every value is a bound parameter, identifiers come only from the Table objects
below (an allow-list), and aggregation happens in SQL (GROUP BY), never in pandas.
SQLAlchemy Core compiles the same statements for SQLite and MySQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    Select,
    String,
    Table,
    bindparam,
    extract,
    func,
    select,
)

REALTIME, OPS, DATES = "realtime", "ops", "dates"
MODES = (REALTIME, OPS, DATES)
HISTORICAL_MODES = (OPS, DATES)

MAX_PAGE_SIZE = 1000
MAX_TOP_LIMIT = 100
MAX_FILTER_VALUES = 500
MAX_ID = 2**31 - 1  # operation and product ids are INT columns; larger numbers are input errors
MAX_OFFSET = 2**31 - 1

# --- Schema: the single place where tables and indexes are declared -------------------

metadata = MetaData()


def _money(name: str, nullable: bool = False) -> Column:
    # asdecimal=False: floats in Python on both backends (SQLite has no DECIMAL type).
    return Column(name, Numeric(12, 2, asdecimal=False), nullable=nullable)


operations = Table(
    "operations",
    metadata,
    Column("op_id", Integer, primary_key=True, autoincrement=False),
    Column("business_date", Date, nullable=False),
    Column("opened_at", DateTime, nullable=False),
    Column("closed_at", DateTime, nullable=True),  # NULL while the operation is open
    Index("ix_operations_business_date", "business_date"),
)

categories = Table(
    "categories",
    metadata,
    Column("category_id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(80), nullable=False, unique=True),
)

products = Table(
    "products",
    metadata,
    Column("product_id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(120), nullable=False),
    Column("category_id", Integer, ForeignKey("categories.category_id"), nullable=False),
    _money("price"),
    _money("cost"),
    Column("enabled", Boolean, nullable=False, default=True),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", Integer, primary_key=True),
    Column("op_id", Integer, ForeignKey("operations.op_id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("table_no", Integer, nullable=False),
    Index("ix_orders_op_id", "op_id"),
    Index("ix_orders_created_at", "created_at"),
)

order_items = Table(
    "order_items",
    metadata,
    Column("item_id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.order_id"), nullable=False),
    Column("product_id", Integer, ForeignKey("products.product_id"), nullable=False),
    Column("qty", Integer, nullable=False),
    _money("unit_price"),
    _money("unit_cost"),
    Column("created_at", DateTime, nullable=False),
    Index("ix_order_items_order_id", "order_id"),
    Index("ix_order_items_product_id", "product_id"),
    Index("ix_order_items_created_at", "created_at"),
)

# What the seeder wrote (rows, random seed, anchor date): makes seeding idempotent.
seed_info = Table(
    "seed_info",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

# Demo tables in creation order (parents first).
DEMO_TABLES = (operations, categories, products, orders, order_items, seed_info)


# --- Filters ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Filters:
    """The dashboard filters: plain, hashable values (safe as cache keys)."""

    mode: str
    op_start: int
    op_end: int
    date_start: dt.date
    date_end: dt.date
    categories: tuple[str, ...] = ()
    products: tuple[int, ...] = ()

    def validate(self) -> list[str]:
        """Human-readable problems; an empty list means the filters are valid."""
        problems = []
        if self.mode not in MODES:
            problems.append(f"Unknown mode {self.mode!r}: use one of {', '.join(MODES)}.")
        if self.mode == OPS:
            if not (_is_id(self.op_start) and _is_id(self.op_end)):
                problems.append(f"Operation numbers must be whole numbers up to {MAX_ID}.")
            elif self.op_start > self.op_end:
                problems.append(
                    f"The first operation ({self.op_start}) is after the last ({self.op_end})."
                )
        if self.mode == DATES:
            if not (_is_date(self.date_start) and _is_date(self.date_end)):
                problems.append("Both dates are required.")
            elif self.date_start > self.date_end:
                problems.append(
                    f"The start date ({self.date_start}) is after the end date ({self.date_end})."
                )
        if not all(isinstance(c, str) for c in self.categories):
            problems.append("Categories must be names.")
        if not all(_is_id(p) for p in self.products):
            problems.append("Products must be product ids.")
        if len(self.categories) > MAX_FILTER_VALUES or len(self.products) > MAX_FILTER_VALUES:
            problems.append(f"Select at most {MAX_FILTER_VALUES} categories or products.")
        return problems

    def cache_key(self) -> tuple:
        """Only the fields that matter in this mode, as primitives (better cache hits)."""
        ops = (int(self.op_start), int(self.op_end)) if self.mode == OPS else (0, 0)
        dates = (
            (self.date_start.isoformat(), self.date_end.isoformat())
            if self.mode == DATES
            else ("", "")
        )
        return (
            self.mode,
            *ops,
            *dates,
            tuple(sorted(self.categories)),
            tuple(sorted(int(p) for p in self.products)),
        )

    @classmethod
    def from_cache_key(cls, key: tuple) -> Filters:
        mode, op_start, op_end, d0, d1, cats, prods = key
        return cls(
            mode=mode,
            op_start=op_start,
            op_end=op_end,
            date_start=dt.date.fromisoformat(d0) if d0 else dt.date.min,
            date_end=dt.date.fromisoformat(d1) if d1 else dt.date.min,
            categories=tuple(cats),
            products=tuple(prods),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (for saved presets)."""
        return {
            "mode": self.mode,
            "op_start": int(self.op_start),
            "op_end": int(self.op_end),
            "date_start": self.date_start.isoformat(),
            "date_end": self.date_end.isoformat(),
            "categories": list(self.categories),
            "products": [int(p) for p in self.products],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Filters:
        def as_date(v: Any) -> dt.date:
            return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))

        return cls(
            mode=str(d["mode"]),
            op_start=int(d["op_start"]),
            op_end=int(d["op_end"]),
            date_start=as_date(d["date_start"]),
            date_end=as_date(d["date_end"]),
            categories=tuple(str(c) for c in d.get("categories", ())),
            products=tuple(int(p) for p in d.get("products", ())),
        )


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_id(v: Any) -> bool:
    """A whole number the database can compare with an INT column (no overflow)."""
    return _is_int(v) and -MAX_ID <= v <= MAX_ID


def _is_date(v: Any) -> bool:
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime)


# --- Periods: what rows a filter covers ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class Period:
    """A concrete scope: the latest operation, an operation range or a date range.

    ``until`` optionally cuts items off at a timestamp (realtime comparison).
    """

    latest: bool = False
    op_start: int | None = None
    op_end: int | None = None
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    until: dt.datetime | None = None


NOTHING = Period(op_start=0, op_end=-1)  # an empty range: matches no rows


def current_period(f: Filters) -> Period:
    """What the filters cover. Realtime = the latest operation (resolved inside the SQL)."""
    if f.mode == OPS:
        return Period(op_start=f.op_start, op_end=f.op_end)
    if f.mode == DATES:
        return Period(date_start=f.date_start, date_end=f.date_end)
    return Period(latest=True)


def previous_period(c: Connection, f: Filters) -> Period:
    """The previous comparable period: same length, immediately before.

    Realtime compares the open operation with the previous operation cut at the same
    elapsed time since opening, so a half-finished day is not compared with a full one.
    """
    if f.mode == OPS:
        n = f.op_end - f.op_start + 1
        return Period(op_start=f.op_start - n, op_end=f.op_start - 1)
    if f.mode == DATES:
        shift = dt.timedelta(days=(f.date_end - f.date_start).days + 1)
        try:
            return Period(date_start=f.date_start - shift, date_end=f.date_end - shift)
        except OverflowError:  # the range starts near year 1: nothing comes before it
            return NOTHING
    last_two = (
        c.execute(
            select(operations.c.op_id, operations.c.opened_at)
            .order_by(operations.c.op_id.desc())
            .limit(bindparam("n", 2))
        )
        .mappings()
        .all()
    )
    if len(last_two) < 2:
        return NOTHING
    latest, previous = last_two
    last_order = c.execute(
        select(func.max(orders.c.created_at)).where(
            orders.c.op_id == bindparam("op", latest["op_id"])
        )
    ).scalar()
    elapsed = (last_order or latest["opened_at"]) - latest["opened_at"]
    op = previous["op_id"]
    return Period(op_start=op, op_end=op, until=previous["opened_at"] + elapsed)


def _scope(stmt: Select, p: Period, f: Filters, *, need_catalogue: bool) -> Select:
    """Join what the filters need and add the WHERE clauses, all values bound."""
    src = order_items.join(orders, order_items.c.order_id == orders.c.order_id)
    if need_catalogue or f.categories:
        src = src.join(products, order_items.c.product_id == products.c.product_id).join(
            categories, products.c.category_id == categories.c.category_id
        )
    stmt = stmt.select_from(src)
    if p.latest:
        stmt = stmt.where(orders.c.op_id == select(func.max(operations.c.op_id)).scalar_subquery())
    if p.op_start is not None:
        stmt = stmt.where(
            orders.c.op_id.between(bindparam("op_start", p.op_start), bindparam("op_end", p.op_end))
        )
    if p.date_start is not None:
        ops_in_range = select(operations.c.op_id).where(
            operations.c.business_date.between(
                bindparam("date_start", p.date_start, type_=Date),
                bindparam("date_end", p.date_end, type_=Date),
            )
        )
        stmt = stmt.where(orders.c.op_id.in_(ops_in_range))
    if p.until is not None:
        stmt = stmt.where(order_items.c.created_at <= bindparam("until", p.until, type_=DateTime))
    if f.categories:
        # Pattern: expanding bind parameter for IN lists (one placeholder per value).
        stmt = stmt.where(
            categories.c.name.in_(bindparam("categories", list(f.categories), expanding=True))
        )
    if f.products:
        stmt = stmt.where(
            order_items.c.product_id.in_(
                bindparam("products", [int(x) for x in f.products], expanding=True)
            )
        )
    return stmt


_SALES = func.sum(order_items.c.qty * order_items.c.unit_price)
_COST = func.sum(order_items.c.qty * order_items.c.unit_cost)
_ORDERS = func.count(order_items.c.order_id.distinct())


def _num(v: Any) -> float:
    return float(v) if v is not None else 0.0


def _pct(part: float, whole: float) -> float:
    return round(part / whole * 100, 2) if whole else 0.0


# --- Statements ----------------------------------------------------------------------


def kpi_statement(p: Period, f: Filters) -> Select:
    stmt = select(
        _SALES.label("sales"),
        _COST.label("cost"),
        _ORDERS.label("orders"),
        func.sum(order_items.c.qty).label("items"),
    )
    return _scope(stmt, p, f, need_catalogue=False)


def _kpi_values(c: Connection, p: Period, f: Filters) -> dict[str, float | int]:
    row = c.execute(kpi_statement(p, f)).mappings().one()
    sales, cost, n_orders = _num(row["sales"]), _num(row["cost"]), int(row["orders"] or 0)
    margin = sales - cost
    return {
        "sales": round(sales, 2),
        "orders": n_orders,
        "avg_ticket": round(sales / n_orders, 2) if n_orders else 0.0,
        "gross_margin": round(margin, 2),
        "margin_pct": _pct(margin, sales),
        "items": int(row["items"] or 0),
    }


def fetch_kpis(c: Connection, f: Filters) -> dict[str, dict]:
    """KPIs for the filters and for the previous comparable period (for deltas)."""
    return {
        "current": _kpi_values(c, current_period(f), f),
        "previous": _kpi_values(c, previous_period(c, f), f),
    }


def fetch_margins_by_category(c: Connection, f: Filters) -> pd.DataFrame:
    current = current_period(f)
    stmt = _scope(
        select(categories.c.name.label("category"), _SALES.label("sales"), _COST.label("cost")),
        current,
        f,
        need_catalogue=True,
    ).group_by(categories.c.name)
    df = _frame(c, stmt, ["category", "sales", "cost"])
    df["margin"] = (df["sales"] - df["cost"]).round(2)
    df["margin_pct"] = [_pct(m, s) for m, s in zip(df["margin"], df["sales"], strict=True)]
    return df.sort_values(["sales", "category"], ascending=[False, True], ignore_index=True)


def fetch_sales_by_hour(c: Connection, f: Filters) -> pd.DataFrame:
    """Sales and orders per hour of day; all 24 hours, zero where nothing was sold."""
    current = current_period(f)
    hour = extract("hour", order_items.c.created_at)
    stmt = _scope(
        select(hour.label("hour"), _SALES.label("sales"), _ORDERS.label("orders")),
        current,
        f,
        need_catalogue=False,
    ).group_by(hour)
    df = _frame(c, stmt, ["hour", "sales", "orders"])
    df["hour"] = df["hour"].astype(int)
    df = df.set_index("hour").reindex(range(24), fill_value=0).rename_axis("hour").reset_index()
    return df.astype({"sales": float, "orders": int})


def fetch_top_products(c: Connection, f: Filters, limit: int = 10) -> pd.DataFrame:
    limit = max(1, min(int(limit), MAX_TOP_LIMIT))
    current = current_period(f)
    sales = _SALES.label("sales")
    stmt = (
        _scope(
            select(
                products.c.name.label("product"),
                categories.c.name.label("category"),
                func.sum(order_items.c.qty).label("qty"),
                sales,
            ),
            current,
            f,
            need_catalogue=True,
        )
        .group_by(products.c.product_id, products.c.name, categories.c.name)
        .order_by(sales.desc(), products.c.product_id)
        .limit(bindparam("limit", limit))
    )
    df = _frame(c, stmt, ["product", "category", "qty", "sales"])
    return df.astype({"qty": int})


def fetch_sales_by_category(c: Connection, f: Filters) -> pd.DataFrame:
    current = current_period(f)
    stmt = _scope(
        select(categories.c.name.label("category"), _SALES.label("sales"), _ORDERS.label("orders")),
        current,
        f,
        need_catalogue=True,
    ).group_by(categories.c.name)
    df = _frame(c, stmt, ["category", "sales", "orders"]).astype({"orders": int})
    return df.sort_values(["sales", "category"], ascending=[False, True], ignore_index=True)


DETAIL_COLUMNS = ["created_at", "order_id", "product", "category", "qty", "unit_price", "total"]


def fetch_detail_page(c: Connection, f: Filters, page: int, page_size: int) -> pd.DataFrame:
    """One page of item lines, newest first (bound LIMIT/OFFSET)."""
    page = max(0, int(page))
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    current = current_period(f)
    stmt = (
        _scope(
            select(
                order_items.c.created_at,
                order_items.c.order_id,
                products.c.name.label("product"),
                categories.c.name.label("category"),
                order_items.c.qty,
                order_items.c.unit_price,
                (order_items.c.qty * order_items.c.unit_price).label("total"),
            ),
            current,
            f,
            need_catalogue=True,
        )
        .order_by(order_items.c.created_at.desc(), order_items.c.item_id.desc())
        .limit(bindparam("page_size", page_size))
        .offset(bindparam("offset", min(page * page_size, MAX_OFFSET)))
    )
    return _frame(c, stmt, DETAIL_COLUMNS)


def fetch_detail_count(c: Connection, f: Filters) -> int:
    current = current_period(f)
    stmt = _scope(select(func.count()), current, f, need_catalogue=bool(f.categories))
    return int(c.execute(stmt).scalar() or 0)


def fetch_catalogue(c: Connection) -> pd.DataFrame:
    stmt = (
        select(
            products.c.product_id,
            products.c.name.label("product"),
            categories.c.name.label("category"),
            products.c.price,
            products.c.cost,
            products.c.enabled,
        )
        .select_from(products.join(categories))
        .order_by(categories.c.name, products.c.name, products.c.product_id)
    )
    df = _frame(c, stmt, ["product_id", "product", "category", "price", "cost", "enabled"])
    return df.astype({"product_id": int, "enabled": bool})


def fetch_operation_status(c: Connection) -> dict[str, Any]:
    """The latest operation (open or not) and the bounds for the filter widgets."""
    bounds = (
        c.execute(
            select(
                func.min(operations.c.op_id).label("min_op"),
                func.max(operations.c.op_id).label("max_op"),
                func.min(operations.c.business_date).label("min_date"),
                func.max(operations.c.business_date).label("max_date"),
            )
        )
        .mappings()
        .one()
    )
    status: dict[str, Any] = {
        "latest_op": None,
        "is_open": False,
        "opened_at": None,
        "orders": 0,
        "sales": 0.0,
        **dict(bounds),
    }
    if bounds["max_op"] is None:
        return status
    latest = (
        c.execute(
            select(operations.c.op_id, operations.c.opened_at, operations.c.closed_at).where(
                operations.c.op_id == bindparam("op", bounds["max_op"])
            )
        )
        .mappings()
        .one()
    )
    totals = (
        c.execute(
            select(_SALES.label("sales"), _ORDERS.label("orders"))
            .select_from(order_items.join(orders))
            .where(orders.c.op_id == bindparam("op", latest["op_id"]))
        )
        .mappings()
        .one()
    )
    status.update(
        latest_op=latest["op_id"],
        is_open=latest["closed_at"] is None,
        opened_at=latest["opened_at"],
        orders=int(totals["orders"] or 0),
        sales=round(_num(totals["sales"]), 2),
    )
    return status


def _frame(c: Connection, stmt: Select, columns: list[str]) -> pd.DataFrame:
    """Run a statement into a DataFrame with known columns (also when there are no rows)."""
    rows = c.execute(stmt).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for col in ("sales", "cost", "unit_price", "total", "price"):
        if col in df:
            df[col] = df[col].astype(float).round(2)
    return df
