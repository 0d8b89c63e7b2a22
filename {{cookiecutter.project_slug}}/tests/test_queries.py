"""Each query of the store equals the same computation in pandas over the seeded rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from {{ cookiecutter.package_name }} import queries, seed
from {{ cookiecutter.package_name }}.queries import Filters

MONEY = 0.02  # SQLite sums floats, MySQL sums DECIMALs: allow a cent of rounding


def _table(conn, table) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(select(table)).mappings().all())


@pytest.fixture(scope="module")
def rows(database_url):
    """Every seeded row, joined in pandas (fine for the small test database)."""
    from sqlalchemy import make_url

    from {{ cookiecutter.package_name }} import db

    engine = db.make_engine(make_url(database_url))
    with engine.connect() as c:
        ops, cats = _table(c, queries.operations), _table(c, queries.categories)
        prods, ords = _table(c, queries.products), _table(c, queries.order_items)
        orders = _table(c, queries.orders)
    engine.dispose()
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


def make_filters(bounds, mode: str, **kw) -> Filters:
    dates = bounds["dates"]
    base = {
        "mode": mode,
        "op_start": bounds["min_op"] + 2,
        "op_end": bounds["min_op"] + 4,
        "date_start": dates[1],
        "date_end": dates[3],
    }
    base.update(kw)
    return Filters(**base)


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
            orders = rows["orders"]
            opened = ops.set_index("op_id")["opened_at"]
            last = orders.loc[orders["op_id"] == latest, "created_at"].max()
            cutoff = opened[latest - 1] + (last - opened[latest])
            sel = items[(items["op_id"] == latest - 1) & (items["created_at"] <= cutoff)]
    if f.categories:
        sel = sel[sel["category"].isin(f.categories)]
    if f.products:
        sel = sel[sel["product_id"].isin(f.products)]
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
        "items": int(sel["qty"].sum()),
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
        got = queries.fetch_kpis(c, case)
    for period, previous in (("current", False), ("previous", True)):
        want = expected_kpis(expected_scope(rows, case, previous))
        assert got[period]["orders"] == want["orders"]
        assert got[period]["items"] == want["items"]
        for key in ("sales", "avg_ticket", "gross_margin"):
            assert got[period][key] == pytest.approx(want[key], abs=MONEY), (period, key)
        assert got[period]["margin_pct"] == pytest.approx(want["margin_pct"], abs=0.01)
    assert got["current"]["sales"] > 0


def test_margins_by_category(engine, rows, case):
    with engine.connect() as c:
        got = queries.fetch_margins_by_category(c, case)
    sel = expected_scope(rows, case)
    want = sel.groupby("category")[["sales", "cost"]].sum().reset_index()
    want = want.sort_values(["sales", "category"], ascending=[False, True], ignore_index=True)
    assert list(got.columns) == ["category", "sales", "cost", "margin", "margin_pct"]
    assert got["category"].tolist() == want["category"].tolist()
    assert got["sales"].tolist() == pytest.approx(want["sales"].tolist(), abs=MONEY)
    margin = want["sales"] - want["cost"]
    assert got["margin"].tolist() == pytest.approx(margin.tolist(), abs=MONEY)
    assert got["margin_pct"].tolist() == pytest.approx(
        (margin / want["sales"] * 100).tolist(), abs=0.01
    )


def test_sales_by_hour(engine, rows, case):
    with engine.connect() as c:
        got = queries.fetch_sales_by_hour(c, case)
    sel = expected_scope(rows, case)
    hours = sel["created_at"].dt.hour
    want = (
        sel.groupby(hours)
        .agg(sales=("sales", "sum"), orders=("order_id", "nunique"))
        .reindex(range(24), fill_value=0)
    )
    assert got["hour"].tolist() == list(range(24))
    assert got["sales"].tolist() == pytest.approx(want["sales"].tolist(), abs=MONEY)
    assert got["orders"].tolist() == want["orders"].tolist()


def test_top_products(engine, rows, case):
    with engine.connect() as c:
        got = queries.fetch_top_products(c, case, limit=5)
    sel = expected_scope(rows, case)
    want = (
        sel.groupby(["product_id", "product", "category"])
        .agg(qty=("qty", "sum"), sales=("sales", "sum"))
        .reset_index()
    )
    want["sales_cents"] = (want["sales"] * 100).round()
    want = want.sort_values(["sales_cents", "product_id"], ascending=[False, True]).head(5)
    assert list(got.columns) == ["product", "category", "qty", "sales"]
    assert got["product"].tolist() == want["product"].tolist()
    assert got["qty"].tolist() == want["qty"].tolist()
    assert got["sales"].tolist() == pytest.approx(want["sales"].tolist(), abs=MONEY)


def test_sales_by_category(engine, rows, case):
    with engine.connect() as c:
        got = queries.fetch_sales_by_category(c, case)
    sel = expected_scope(rows, case)
    want = (
        sel.groupby("category")
        .agg(sales=("sales", "sum"), orders=("order_id", "nunique"))
        .reset_index()
        .sort_values(["sales", "category"], ascending=[False, True], ignore_index=True)
    )
    assert got["category"].tolist() == want["category"].tolist()
    assert got["orders"].tolist() == want["orders"].tolist()
    assert got["sales"].tolist() == pytest.approx(want["sales"].tolist(), abs=MONEY)


@pytest.mark.parametrize("page", [0, 3])
def test_detail_page_and_count(engine, rows, case, page):
    with engine.connect() as c:
        got = queries.fetch_detail_page(c, case, page=page, page_size=25)
        count = queries.fetch_detail_count(c, case)
    sel = expected_scope(rows, case).sort_values(
        ["created_at", "item_id"], ascending=[False, False]
    )
    want = sel.iloc[page * 25 : page * 25 + 25]
    assert count == len(sel)
    assert list(got.columns) == queries.DETAIL_COLUMNS
    assert got["order_id"].tolist() == want["order_id"].tolist()
    assert got["product"].tolist() == want["product"].tolist()
    assert got["total"].tolist() == pytest.approx(want["sales"].tolist(), abs=MONEY)


def test_catalogue(engine, rows):
    with engine.connect() as c:
        got = queries.fetch_catalogue(c)
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
        got = queries.fetch_operation_status(c)
    ops, items = rows["ops"], rows["items"]
    latest = int(ops["op_id"].max())
    sel = items[items["op_id"] == latest]
    assert got["latest_op"] == latest
    assert got["is_open"] is True
    assert got["min_op"] == int(ops["op_id"].min()) and got["max_op"] == latest
    assert got["min_date"] == ops["business_date"].min()
    assert got["max_date"] == ops["business_date"].max()
    assert got["orders"] == sel["order_id"].nunique()
    assert got["sales"] == pytest.approx(sel["sales"].sum(), abs=MONEY)


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
        before = c.execute(select(func.count()).select_from(queries.order_items)).scalar()
        kpis = queries.fetch_kpis(c, f)
        assert kpis["current"]["sales"] == 0 and kpis["current"]["orders"] == 0
        assert queries.fetch_top_products(c, f).empty
        assert queries.fetch_detail_page(c, f, 0, 10).empty
        assert queries.fetch_detail_count(c, f) == 0
        after = c.execute(select(func.count()).select_from(queries.order_items)).scalar()
    assert before == after > 0


def test_validate_reports_problems_in_words():
    day = dt.date(2024, 1, 10)
    assert Filters("ops", 1, 5, day, day).validate() == []
    assert "after the last" in Filters("ops", 5, 1, day, day).validate()[0]
    assert "after the end date" in Filters("dates", 1, 1, day, day - dt.timedelta(1)).validate()[0]
    assert "Unknown mode" in Filters("weekly", 1, 1, day, day).validate()[0]
    assert Filters("ops", 1, 2, day, day, products=("1 OR 1=1",)).validate()  # type: ignore[arg-type]


def test_cache_key_is_primitive_and_mode_relevant(bounds):
    f = make_filters(bounds, "ops", categories=("Wine", "Beer"))
    other_dates = dataclasses_replace(f, date_start=dt.date(2000, 1, 1))
    assert f.cache_key() == other_dates.cache_key()  # dates do not matter in ops mode
    assert Filters.from_cache_key(f.cache_key()).cache_key() == f.cache_key()
    assert all(isinstance(v, str | int | tuple) for v in f.cache_key())
    assert Filters.from_dict(f.to_dict()) == dataclasses_replace(f, categories=("Wine", "Beer"))


def dataclasses_replace(f: Filters, **kw) -> Filters:
    import dataclasses

    return dataclasses.replace(f, **kw)
