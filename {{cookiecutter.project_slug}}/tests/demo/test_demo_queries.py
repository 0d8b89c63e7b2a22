"""The demo model's numbers equal the same computation written out in pandas over the
demo's seeded rows: sales are quantity times unit price, orders are distinct tickets, and
so on, as a restaurant's accountant would compute them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import floats
from demokit import demo_database
from sqlalchemy import func, select

from {{ cookiecutter.package_name }} import queries
from {{ cookiecutter.package_name }}.demo import seed
from {{ cookiecutter.package_name }}.model import (
    categories,
    operations,
    order_items,
    products,
)
from {{ cookiecutter.package_name }}.model import orders as orders_table
from {{ cookiecutter.package_name }}.queries import Filters

MONEY = 0.02  # SQLite sums floats, MySQL sums DECIMALs: allow a cent of rounding


def _table(conn, table) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(select(table)).mappings().all())


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """A database the demo's seeder filled (its own rows, not synthetic ones)."""
    with demo_database(tmp_path_factory.mktemp("demo")) as url:
        yield url


@pytest.fixture(scope="module")
def engine(demo_url):
    from sqlalchemy import make_url

    from {{ cookiecutter.package_name }} import db

    e = db.make_engine(make_url(demo_url))
    yield e
    e.dispose()


@pytest.fixture(scope="module")
def rows(engine):
    """Every seeded row, joined in pandas (fine for the small test database)."""
    with engine.connect() as c:
        ops, cats = _table(c, operations), _table(c, categories)
        prods, ords = _table(c, products), _table(c, order_items)
        orders = _table(c, orders_table)
    prods = prods.merge(cats.rename(columns={"name": "category"}), on="category_id")
    items = ords.merge(orders[["order_id", "op_id"]], on="order_id").merge(
        ops[["op_id", "business_date", "opened_at"]], on="op_id"
    )
    items = items.merge(
        prods[["product_id", "name", "category"]].rename(columns={"name": "product"}),
        on="product_id",
    )
    items["sales"] = items["qty"] * items["unit_price"].astype(float)
    items["cost"] = items["qty"] * items["unit_cost"].astype(float)
    return {"items": items, "ops": ops, "orders": orders, "products": prods}


@pytest.fixture(scope="module")
def bounds(rows):
    ops = rows["ops"]
    return {
        "min_op": int(ops["op_id"].min()),
        "max_op": int(ops["op_id"].max()),
        "dates": sorted(ops["business_date"]),
    }


def make_filters(bounds, mode: str, categories=(), products=()) -> Filters:
    dates = bounds["dates"]
    picks = (("category", tuple(categories)), ("product", tuple(products)))
    return Filters(
        mode=mode,
        op_start=bounds["min_op"] + 2,
        op_end=bounds["min_op"] + 4,
        date_start=dates[1],
        date_end=dates[3],
        picks=picks,
    )


def expected_scope(rows, f: Filters, previous: bool = False) -> pd.DataFrame:
    items, ops = rows["items"], rows["ops"]
    if f.mode == "ops":
        lo, hi = f.op_start, f.op_end
        if previous:
            n = hi - lo + 1
            lo, hi = lo - n, lo - 1
        sel = items[items["op_id"].between(lo, hi)]
    elif f.mode == "dates":
        d0, d1 = f.date_start, f.date_end
        if previous:
            shift = dt.timedelta(days=(d1 - d0).days + 1)
            d0, d1 = d0 - shift, d1 - shift
        sel = items[items["business_date"].between(d0, d1)]
    else:
        latest = int(ops["op_id"].max())
        if not previous:
            sel = items[items["op_id"] == latest]
        else:
            # Cut at the same time since opening as the latest line of the open one.
            opened = ops.set_index("op_id")["opened_at"]
            last = items.loc[items["op_id"] == latest, "created_at"].max()
            cutoff = opened[latest - 1] + (last - opened[latest])
            sel = items[(items["op_id"] == latest - 1) & (items["created_at"] <= cutoff)]
    if f.chosen("category"):
        sel = sel[sel["category"].isin(f.chosen("category"))]
    if f.chosen("product"):
        sel = sel[sel["product_id"].isin(f.chosen("product"))]
    return sel


def expected_kpis(sel: pd.DataFrame) -> dict:
    sales, cost = sel["sales"].sum(), sel["cost"].sum()
    n = sel["order_id"].nunique()
    return {
        "sales": sales,
        "orders": n,
        "avg_ticket": sales / n if n else 0.0,
        "gross_margin": sales - cost,
        "margin_pct": (sales - cost) / sales * 100 if sales else 0.0,
        "units": int(sel["qty"].sum()),
    }


FILTER_CASES = [
    ("ops", {}),
    ("dates", {}),
    ("realtime", {}),
    # Demo names, in the project's language (the seed writes them so).
    ("ops", {"categories": (seed.local_name("Mains"), seed.local_name("Beer"))}),
    ("dates", {"products": (1, 5, 9, 20)}),
    ("realtime", {"categories": (seed.local_name("Coffee"),)}),
]
IDS = [f"{m}-{'-'.join(kw) or 'all'}" for m, kw in FILTER_CASES]


@pytest.fixture(params=FILTER_CASES, ids=IDS)
def case(request, bounds):
    mode, kw = request.param
    return make_filters(bounds, mode, **kw)


def test_kpis(engine, rows, case):
    with engine.connect() as c:
        got = queries.fetch_totals(
            c, case, ("sales", "orders", "avg_ticket", "gross_margin", "margin_pct", "units")
        )
    for period, previous in (("current", False), ("previous", True)):
        want = expected_kpis(expected_scope(rows, case, previous))
        assert got[period]["orders"] == want["orders"]
        assert got[period]["units"] == want["units"]
        for key in ("sales", "avg_ticket", "gross_margin"):
            assert floats(got[period][key]) == pytest.approx(want[key], abs=MONEY), (period, key)
        assert floats(got[period]["margin_pct"]) == pytest.approx(want["margin_pct"], abs=0.01)
    assert got["current"]["sales"] > 0


def test_margins_by_category(engine, rows, case):
    with engine.connect() as c:
        got = queries.fetch_breakdown(
            c, case, "category", ("sales", "cost", "gross_margin", "margin_pct")
        )
    sel = expected_scope(rows, case)
    want = sel.groupby("category")[["sales", "cost"]].sum().reset_index()
    want = want.sort_values(["sales", "category"], ascending=[False, True], ignore_index=True)
    assert list(got.columns) == ["category", "sales", "cost", "gross_margin", "margin_pct"]
    assert got["category"].tolist() == want["category"].tolist()
    assert floats(got["sales"].tolist()) == pytest.approx(want["sales"].tolist(), abs=MONEY)
    margin = want["sales"] - want["cost"]
    assert floats(got["gross_margin"].tolist()) == pytest.approx(margin.tolist(), abs=MONEY)
    assert floats(got["margin_pct"].tolist()) == pytest.approx(
        (margin / want["sales"] * 100).tolist(), abs=0.01
    )


def test_sales_by_hour(engine, rows, case):
    with engine.connect() as c:
        got = queries.fetch_series(c, case, "hour", ("sales", "orders"))
    sel = expected_scope(rows, case)
    hours = sel["created_at"].dt.hour
    want = (
        sel.groupby(hours)
        .agg(sales=("sales", "sum"), orders=("order_id", "nunique"))
        .reindex(range(24), fill_value=0)
    )
    assert got["bucket"].tolist() == list(range(24))
    assert floats(got["sales"].tolist()) == pytest.approx(want["sales"].tolist(), abs=MONEY)
    assert got["orders"].tolist() == want["orders"].tolist()


def test_top_products(engine, rows, case):
    with engine.connect() as c:
        got = queries.fetch_breakdown(c, case, "product", ("sales", "units"), 5, "category")
    sel = expected_scope(rows, case)
    want = (
        sel.groupby(["product_id", "product", "category"])
        .agg(units=("qty", "sum"), sales=("sales", "sum"))
        .reset_index()
    )
    want["sales_cents"] = (want["sales"] * 100).round()
    want = want.sort_values(["sales_cents", "product_id"], ascending=[False, True]).head(5)
    assert list(got.columns) == ["product", "category", "sales", "units"]
    assert got["product"].tolist() == want["product"].tolist()
    assert got["units"].tolist() == want["units"].tolist()
    assert floats(got["sales"].tolist()) == pytest.approx(want["sales"].tolist(), abs=MONEY)


@pytest.mark.parametrize("page", [0, 3])
def test_detail_page_and_count(engine, rows, case, page):
    with engine.connect() as c:
        cursor = None
        for _ in range(page + 1):  # keyset: each page starts after the last row shown
            got = queries.fetch_detail_page(c, case, 25, cursor)
            cursor = (queries.AFTER, queries.row_key(got, -1)) if len(got) else cursor
        count = queries.fetch_detail_count(c, case)
    sel = expected_scope(rows, case).sort_values(
        ["created_at", "item_id"], ascending=[False, False]
    )
    want = sel.iloc[page * 25 : page * 25 + 25]
    assert count == len(sel)
    assert got["order_id"].tolist() == want["order_id"].tolist()
    assert got["product"].tolist() == want["product"].tolist()
    assert floats(got["total"].tolist()) == pytest.approx(want["sales"].tolist(), abs=MONEY)


def test_catalogue(engine, rows):
    with engine.connect() as c:
        got = queries.fetch_lookup(c)
    prods = rows["products"]
    assert len(got) == len(prods)
    assert set(got.columns) == {"product_id", "product", "category", "price", "cost", "enabled"}
    want = prods.set_index("product_id")
    for r in got.itertuples():
        assert r.product == want.loc[r.product_id, "name"]
        assert r.category == want.loc[r.product_id, "category"]
        assert r.price == pytest.approx(float(want.loc[r.product_id, "price"]))
        assert r.enabled == bool(want.loc[r.product_id, "enabled"])


def test_operation_status(engine, rows):
    with engine.connect() as c:
        got = queries.fetch_status(c)
    ops, items = rows["ops"], rows["items"]
    latest = int(ops["op_id"].max())
    sel = items[items["op_id"] == latest]
    assert got["latest_op"] == latest
    assert got["is_open"] is True
    assert got["min_op"] == int(ops["op_id"].min()) and got["max_op"] == latest
    assert got["min_date"] == ops["business_date"].min()
    assert got["max_date"] == ops["business_date"].max()
    assert got["totals"]["orders"] == sel["order_id"].nunique()
    assert floats(got["totals"]["sales"]) == pytest.approx(sel["sales"].sum(), abs=MONEY)


HOSTILE = [
    "x' OR '1'='1",
    "'; DROP TABLE order_items; --",
    'Mains") OR 1=1 -- ',
    "Mains' UNION SELECT name FROM products --",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_injection_in_filters_matches_nothing_and_changes_nothing(engine, bounds, value):
    f = make_filters(bounds, "ops", categories=(value,))
    with engine.connect() as c:
        before = c.execute(select(func.count()).select_from(order_items)).scalar()
        totals = queries.fetch_totals(c, f, ("sales", "orders"))
        assert totals["current"]["sales"] == 0 and totals["current"]["orders"] == 0
        assert queries.fetch_breakdown(c, f, "product", ("sales",), 10).empty
        assert queries.fetch_detail_page(c, f, 10).empty
        assert queries.fetch_detail_count(c, f) == 0
        after = c.execute(select(func.count()).select_from(order_items)).scalar()
    assert before == after > 0
