"""The naive data layer: how NOT to feed a dashboard (the benchmark's baseline).

This is the style the caching guide warns against, written carefully so the comparison
is fair: nothing is cached across runs, every table is read whole (``SELECT *``) into
pandas, and filtering and aggregation happen in pandas. The tables are read once per
script run and shared by the sections of that run (a kinder version than one read per
section). The functions have the names and results of ``data.py``, so the bench can
swap them in and draw the very same page.

Do not copy this module into an app: it is here to be measured.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import text

from .. import db, stats
from ..data import Loaded
from ..queries import DATES, OPS, Filters

# Anti-pattern: whole tables, every run.
SELECT_ALL = {
    "operations": "SELECT * FROM operations",
    "categories": "SELECT * FROM categories",
    "products": "SELECT * FROM products",
    "orders": "SELECT * FROM orders",
    "order_items": "SELECT * FROM order_items",
}
DATE_COLUMNS = {
    "operations": ["business_date", "opened_at", "closed_at"],
    "orders": ["created_at"],
    "order_items": ["created_at"],
}

_this_run: dict = {"run_id": None, "tables": None, "lines": None}


def _tables() -> dict[str, pd.DataFrame]:
    """Every table, read with SELECT * at the first call of each script run."""
    run_id = stats.last_run()["run_id"]
    if _this_run["run_id"] != run_id:
        with db.get_engine().connect() as c:
            tables = {
                name: pd.read_sql(text(sql), c, parse_dates=DATE_COLUMNS.get(name))
                for name, sql in SELECT_ALL.items()
            }
        _this_run.update(run_id=run_id, tables=tables, lines=None)
    return _this_run["tables"]


def _lines() -> pd.DataFrame:
    """Order items joined in pandas with their order, operation, product and category."""
    t = _tables()
    if _this_run["lines"] is None:
        products = t["products"].merge(
            t["categories"].rename(columns={"name": "category"}), on="category_id"
        )
        lines = (
            t["order_items"]
            .merge(t["orders"][["order_id", "op_id"]], on="order_id")
            .merge(t["operations"][["op_id", "business_date"]], on="op_id")
            .merge(
                products[["product_id", "name", "category"]].rename(columns={"name": "product"}),
                on="product_id",
            )
        )
        lines["sales"] = lines["qty"] * lines["unit_price"]
        lines["cost"] = lines["qty"] * lines["unit_cost"]
        _this_run["lines"] = lines
    return _this_run["lines"]


def _periods(f: Filters) -> tuple[pd.Series, pd.Series]:
    """Row masks of the filter's period and of the previous comparable period."""
    lines = _lines()
    if f.mode == OPS:
        n = f.op_end - f.op_start + 1
        current = lines["op_id"].between(f.op_start, f.op_end)
        previous = lines["op_id"].between(f.op_start - n, f.op_start - 1)
    elif f.mode == DATES:
        shift = pd.Timedelta(days=(f.date_end - f.date_start).days + 1)
        start, end = pd.Timestamp(f.date_start), pd.Timestamp(f.date_end)
        current = lines["business_date"].between(start, end)
        previous = lines["business_date"].between(start - shift, end - shift)
    else:  # realtime: the latest operation against the previous one, cut at the same time
        ops = _tables()["operations"].sort_values("op_id")
        latest = ops.iloc[-1]
        current = lines["op_id"] == latest["op_id"]
        previous = lines["op_id"] < 0
        if len(ops) > 1:
            before = ops.iloc[-2]
            last_at = lines.loc[current, "created_at"].max()
            elapsed = (last_at - latest["opened_at"]) if pd.notna(last_at) else dt.timedelta(0)
            previous = (lines["op_id"] == before["op_id"]) & (
                lines["created_at"] <= before["opened_at"] + elapsed
            )
    chosen = pd.Series(True, index=lines.index)
    if f.categories:
        chosen &= lines["category"].isin(f.categories)
    if f.products:
        chosen &= lines["product_id"].isin(f.products)
    return current & chosen, previous & chosen


def _scope(f: Filters) -> pd.DataFrame:
    return _lines()[_periods(f)[0]]


def _pct(part: float, whole: float) -> float:
    return round(part / whole * 100, 2) if whole else 0.0


def _kpi(rows: pd.DataFrame) -> dict:
    sales, cost = float(rows["sales"].sum()), float(rows["cost"].sum())
    n_orders = int(rows["order_id"].nunique())
    return {
        "sales": round(sales, 2),
        "orders": n_orders,
        "avg_ticket": round(sales / n_orders, 2) if n_orders else 0.0,
        "gross_margin": round(sales - cost, 2),
        "margin_pct": _pct(sales - cost, sales),
        "items": int(rows["qty"].sum()),
    }


# --- The loaders, with data.py's names and results -------------------------------------


def load_kpis(f: Filters) -> Loaded[dict]:
    current, previous = _periods(f)
    lines = _lines()
    return Loaded({"current": _kpi(lines[current]), "previous": _kpi(lines[previous])})


def load_margins_by_category(f: Filters) -> Loaded[pd.DataFrame]:
    df = _scope(f).groupby("category", as_index=False)[["sales", "cost"]].sum()
    df["margin"] = (df["sales"] - df["cost"]).round(2)
    df["margin_pct"] = [_pct(m, s) for m, s in zip(df["margin"], df["sales"], strict=True)]
    df = df.sort_values(["sales", "category"], ascending=[False, True], ignore_index=True)
    return Loaded(df.round({"sales": 2, "cost": 2}))


def load_sales_by_hour(f: Filters) -> Loaded[pd.DataFrame]:
    rows = _scope(f).assign(hour=lambda d: d["created_at"].dt.hour)
    df = rows.groupby("hour").agg(sales=("sales", "sum"), orders=("order_id", "nunique"))
    df = df.reindex(range(24), fill_value=0).rename_axis("hour").reset_index()
    return Loaded(df.astype({"sales": float, "orders": int}).round({"sales": 2}))


def load_top_products(f: Filters, limit: int = 10) -> Loaded[pd.DataFrame]:
    df = (
        _scope(f)
        .groupby(["product_id", "product", "category"], as_index=False)
        .agg(qty=("qty", "sum"), sales=("sales", "sum"))
        .sort_values(["sales", "product_id"], ascending=[False, True])
        .head(limit)
    )
    return Loaded(df[["product", "category", "qty", "sales"]].reset_index(drop=True))


def load_sales_by_category(f: Filters) -> Loaded[pd.DataFrame]:
    df = (
        _scope(f)
        .groupby("category", as_index=False)
        .agg(sales=("sales", "sum"), orders=("order_id", "nunique"))
        .sort_values(["sales", "category"], ascending=[False, True], ignore_index=True)
    )
    return Loaded(df.round({"sales": 2}))


def load_detail_page(f: Filters, page: int, page_size: int) -> Loaded[pd.DataFrame]:
    rows = _scope(f).sort_values(["created_at", "item_id"], ascending=False)
    rows = rows.iloc[page * page_size : (page + 1) * page_size]
    rows = rows.assign(total=rows["qty"] * rows["unit_price"])
    columns = ["created_at", "order_id", "product", "category", "qty", "unit_price", "total"]
    return Loaded(rows[columns].reset_index(drop=True))


def load_detail_count(f: Filters) -> Loaded[int]:
    return Loaded(len(_scope(f)))


def load_catalogue() -> Loaded[pd.DataFrame]:
    t = _tables()
    df = t["products"].merge(t["categories"].rename(columns={"name": "category"}), on="category_id")
    df = df.rename(columns={"name": "product"}).sort_values(["category", "product", "product_id"])
    columns = ["product_id", "product", "category", "price", "cost", "enabled"]
    return Loaded(df[columns].astype({"enabled": bool}).reset_index(drop=True))


def load_operation_status(fresh: bool = False) -> Loaded[dict]:  # noqa: ARG001
    ops, lines = _tables()["operations"], _lines()
    latest = ops.sort_values("op_id").iloc[-1]
    in_latest = lines[lines["op_id"] == latest["op_id"]]
    return Loaded(
        {
            "latest_op": int(latest["op_id"]),
            "is_open": pd.isna(latest["closed_at"]),
            "opened_at": latest["opened_at"].to_pydatetime(),
            "orders": int(in_latest["order_id"].nunique()),
            "sales": round(float(in_latest["sales"].sum()), 2),
            "min_op": int(ops["op_id"].min()),
            "max_op": int(ops["op_id"].max()),
            "min_date": ops["business_date"].min().date(),
            "max_date": ops["business_date"].max().date(),
        }
    )


def prefetch(f: Filters, top_limit: int = 10) -> list[str]:  # noqa: ARG001
    """A naive app has no prefetch: each section loads when it is drawn."""
    return []
