"""The demo's data: a restaurant's sales by operation (one operation = one business day).

``python -m <package> seed --rows N`` creates the demo's tables (model.py) and N order
items, deterministic
for a given --rows, --seed and --anchor (numpy's seeded generator, vectorised). Rows are
inserted with executemany of Core inserts in one transaction; the indexes are built after
the load (faster than maintaining them row by row). Idempotent: when ``seed_info`` says the
same data is already there, nothing changes (``--force`` rebuilds).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import time
from collections.abc import Callable

import numpy as np
from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, func, select

from .. import db, settings, store, synthetic
from ..model import categories, operations, order_items, orders, products

SEED_VERSION = "1"
DEFAULT_SEED = 42
DEFAULT_ROWS = 100_000  # order items created by `python -m <package> seed`
ITEMS_PER_OPERATION = 3_000  # a busy restaurant: ~1,000 orders a day
BATCH_ROWS = 20_000
OPEN_HOUR, CLOSE_HOUR = 10, 23  # business hours of an operation

MENU: dict[str, list[tuple[str, float]]] = {
    "Starters": [
        ("Garlic bread", 18),
        ("Tomato soup", 24),
        ("Caesar salad", 35),
        ("Chicken wings", 42),
        ("Nachos", 38),
        ("Empanadas", 22),
    ],
    "Mains": [
        ("Roast chicken", 68),
        ("Beef stew", 75),
        ("Fish and chips", 72),
        ("Vegetable curry", 58),
        ("Pork ribs", 89),
        ("Stuffed peppers", 55),
        ("Lasagne", 64),
    ],
    "Grill": [
        ("Sirloin steak", 120),
        ("Mixed grill", 145),
        ("Chorizo plate", 60),
        ("Grilled salmon", 110),
        ("Burger", 52),
    ],
    "Pasta": [
        ("Spaghetti bolognese", 54),
        ("Penne arrabbiata", 46),
        ("Fettuccine alfredo", 58),
        ("Ravioli", 62),
    ],
    "Desserts": [
        ("Chocolate cake", 28),
        ("Cheesecake", 30),
        ("Ice cream", 18),
        ("Flan", 20),
        ("Fruit salad", 22),
    ],
    "Soft drinks": [
        ("Cola", 12),
        ("Lemonade", 14),
        ("Mineral water", 8),
        ("Orange juice", 16),
        ("Iced tea", 12),
    ],
    "Beer": [("Lager", 20), ("Pale ale", 26), ("Stout", 28), ("Wheat beer", 25)],
    "Wine": [("House red (glass)", 30), ("House white (glass)", 30), ("Malbec (bottle)", 150)],
    "Coffee": [("Espresso", 10), ("Cappuccino", 15), ("Latte", 16), ("Tea", 9)],
}
# The demo catalogue in Spanish, used when settings.LANGUAGE is "es".
SPANISH_NAMES = {
    "Starters": "Entradas",
    "Mains": "Platos fuertes",
    "Grill": "Parrilla",
    "Pasta": "Pastas",
    "Desserts": "Postres",
    "Soft drinks": "Refrescos",
    "Beer": "Cervezas",
    "Wine": "Vinos",
    "Coffee": "Café",
    "Garlic bread": "Pan de ajo",
    "Tomato soup": "Sopa de tomate",
    "Caesar salad": "Ensalada César",
    "Chicken wings": "Alitas de pollo",
    "Nachos": "Nachos",
    "Empanadas": "Empanadas",
    "Roast chicken": "Pollo asado",
    "Beef stew": "Guiso de res",
    "Fish and chips": "Pescado frito con papas",
    "Vegetable curry": "Curry de verduras",
    "Pork ribs": "Costillas de cerdo",
    "Stuffed peppers": "Pimientos rellenos",
    "Lasagne": "Lasaña",
    "Sirloin steak": "Bife de chorizo",
    "Mixed grill": "Parrillada mixta",
    "Chorizo plate": "Tabla de chorizos",
    "Grilled salmon": "Salmón a la parrilla",
    "Burger": "Hamburguesa",
    "Spaghetti bolognese": "Espaguetis a la boloñesa",
    "Penne arrabbiata": "Penne arrabbiata",
    "Fettuccine alfredo": "Fettuccine Alfredo",
    "Ravioli": "Ravioles",
    "Chocolate cake": "Torta de chocolate",
    "Cheesecake": "Cheesecake",
    "Ice cream": "Helado",
    "Flan": "Flan",
    "Fruit salad": "Ensalada de frutas",
    "Cola": "Cola",
    "Lemonade": "Limonada",
    "Mineral water": "Agua mineral",
    "Orange juice": "Jugo de naranja",
    "Iced tea": "Té helado",
    "Lager": "Cerveza rubia",
    "Pale ale": "Pale ale",
    "Stout": "Cerveza negra",
    "Wheat beer": "Cerveza de trigo",
    "House red (glass)": "Tinto de la casa (copa)",
    "House white (glass)": "Blanco de la casa (copa)",
    "Malbec (bottle)": "Malbec (botella)",
    "Espresso": "Espresso",
    "Cappuccino": "Capuchino",
    "Latte": "Café con leche",
    "Tea": "Té",
}


# What the seeder wrote (rows, random seed, anchor date): makes seeding idempotent.
seed_info = Table(
    "seed_info",
    MetaData(),
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

# The demo's tables in creation order (parents first).
DEMO_TABLES = (operations, categories, products, orders, order_items, seed_info)


def local_name(name: str) -> str:
    """A category or product name in the dashboard's language."""
    return SPANISH_NAMES.get(name, name) if settings.LANGUAGE == "es" else name


# Busy at lunch and dinner: relative weight of each hour from OPEN_HOUR to CLOSE_HOUR - 1.
HOUR_PROFILE = np.array([2, 4, 9, 10, 6, 3, 2, 3, 5, 9, 10, 7, 3], dtype=float)


@dataclasses.dataclass
class SeedResult:
    rows: int
    operations: int
    orders: int
    seconds: float
    skipped: bool


@dataclasses.dataclass
class DemoData:
    operations: dict[str, list]
    categories: dict[str, list]
    products: dict[str, list]
    orders: dict[str, np.ndarray]
    items: dict[str, np.ndarray]


def generate(rows: int, seed: int = DEFAULT_SEED, anchor: dt.date | None = None) -> DemoData:
    """All demo rows as column arrays (vectorised; ~1 s per million items)."""
    rng = np.random.default_rng(seed)
    anchor = anchor or dt.date.today()

    # Catalogue.
    cat_names = list(MENU)
    prod_rows = [
        (name, cat_id, price) for cat_id, c in enumerate(cat_names, 1) for name, price in MENU[c]
    ]
    n_products = len(prod_rows)
    price = np.array([p for _, _, p in prod_rows], dtype=float)
    cost = np.round(price * rng.uniform(0.25, 0.55, n_products), 2)
    enabled = rng.random(n_products) > 0.08  # a few discontinued products

    # Operations: one per business day ending at the anchor; the last one is open.
    n_ops = max(7, round(rows / ITEMS_PER_OPERATION))
    dates = [anchor - dt.timedelta(days=n_ops - 1 - i) for i in range(n_ops)]
    opened = [dt.datetime.combine(d, dt.time(OPEN_HOUR)) for d in dates]
    closed: list[dt.datetime | None] = [o.replace(hour=CLOSE_HOUR, minute=30) for o in opened]
    closed[-1] = None
    weekday_factor = np.array([0.8, 0.9, 0.95, 1.0, 1.3, 1.45, 1.2])[[d.weekday() for d in dates]]
    weights = weekday_factor * rng.uniform(0.85, 1.15, n_ops)
    weights[-1] *= 0.4  # the open operation is only a few hours in

    # Orders: 1-5 items each, spread over the operations and their business hours.
    sizes = rng.integers(1, 6, size=rows // 2 + 10)
    cum = np.cumsum(sizes)
    n_orders = int(np.searchsorted(cum, rows) + 1)
    sizes = sizes[:n_orders]
    sizes[-1] -= cum[n_orders - 1] - rows
    per_op = rng.multinomial(n_orders, weights / weights.sum())
    order_op = np.repeat(np.arange(n_ops), per_op)
    hour = rng.choice(len(HOUR_PROFILE), size=n_orders, p=HOUR_PROFILE / HOUR_PROFILE.sum())
    offset = hour * 3600 + rng.integers(0, 3600, size=n_orders)
    is_open_op = order_op == n_ops - 1
    offset[is_open_op] = (offset[is_open_op] * 0.45).astype(offset.dtype)
    by_time = np.lexsort((offset, order_op))
    order_op, offset = order_op[by_time], offset[by_time]
    base = np.array(opened, dtype="datetime64[s]")
    order_created = base[order_op] + offset.astype("timedelta64[s]")

    # Items: popular products sell more (Zipf-like weights in a shuffled order).
    order_of_item = np.repeat(np.arange(n_orders), sizes)
    popularity = 1.0 / (rng.permutation(n_products) + 4.0)
    product_idx = rng.choice(n_products, size=rows, p=popularity / popularity.sum())
    qty = rng.choice([1, 2, 3, 4], size=rows, p=[0.72, 0.2, 0.06, 0.02])
    item_created = order_created[order_of_item] + rng.integers(0, 600, size=rows).astype(
        "timedelta64[s]"
    )

    return DemoData(
        operations={
            "op_id": list(range(1, n_ops + 1)),
            "business_date": dates,
            "opened_at": opened,
            "closed_at": closed,
        },
        categories={
            "category_id": list(range(1, len(cat_names) + 1)),
            "name": [local_name(n) for n in cat_names],
        },
        products={
            "product_id": list(range(1, n_products + 1)),
            "name": [local_name(n) for n, _, _ in prod_rows],
            "category_id": [c for _, c, _ in prod_rows],
            "price": price.tolist(),
            "cost": cost.tolist(),
            "enabled": enabled.tolist(),
        },
        orders={
            "order_id": np.arange(1, n_orders + 1),
            "op_id": order_op + 1,
            "created_at": order_created,
            "table_no": rng.integers(1, 31, size=n_orders),
        },
        items={
            "item_id": np.arange(1, rows + 1),
            "order_id": order_of_item + 1,
            "product_id": product_idx + 1,
            "qty": qty,
            "unit_price": price[product_idx],
            "unit_cost": cost[product_idx],
            "created_at": item_created,
        },
    )


def _current_seed(c: Connection, found: store.Survey) -> dict[str, str]:
    if seed_info.name not in found.owned:
        return {}
    return dict(c.execute(select(seed_info.c.key, seed_info.c.value)).all())


def refusal(problem: str) -> str:
    """Why seeding stopped, and what to do instead (one message, no traceback)."""
    scratch = "sqlite:///data/demo.db"
    return (
        f"seed stopped before touching anything. {problem} To see the demo, seed an empty "
        f"database instead: a new SQLite file (DATABASE_URL={scratch} {db.SEED_COMMAND} "
        "--rows 100000) or, on MySQL, another database name in the URL (seed creates it). "
        f"To build the dashboard on this database's own tables, see {db.OWN_DATA_GUIDE}."
    )


def check_ownership(engine: Engine) -> store.Survey:
    """The survey of a database the seeder may write; NotOurs (with the fix) otherwise."""
    found = store.survey(engine)
    try:
        store.refuse_foreign(found, [t.name for t in DEMO_TABLES], db.describe(engine.url))
    except store.NotOurs as exc:
        raise store.NotOurs(refusal(str(exc))) from None
    return found


def seed(
    engine: Engine,
    rows: int,
    seed_value: int = DEFAULT_SEED,
    anchor: dt.date | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SeedResult:
    """Create the schema and the demo data (skips when the same data is already there)."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    if rows < 1:
        raise ValueError("--rows must be at least 1")
    wanted = {
        "rows": str(rows),
        "seed": str(seed_value),
        "version": SEED_VERSION,
        "language": settings.LANGUAGE,  # the demo names follow the dashboard's language
    }
    found = check_ownership(engine)  # before anything is written
    with engine.connect() as c:
        have = _current_seed(c, found)
        n_items = c.execute(select(func.count()).select_from(order_items)).scalar() if have else 0
    same = all(have.get(k) == v for k, v in wanted.items())
    if anchor is not None:
        same = same and have.get("anchor") == anchor.isoformat()
    if same and not force and (n_items or 0) >= rows:
        say(f"Already seeded with {rows:,} order items (seed {seed_value}); nothing to do.")
        return SeedResult(rows, int(have.get("operations", 0)), 0, 0.0, skipped=True)

    data = generate(rows, seed_value, anchor)
    anchor = data.operations["business_date"][-1]
    dialect = db.dialect_module(engine.url)

    say("Creating tables ...")
    store.drop_owned(engine, DEMO_TABLES, found)  # only what the register says is ours
    store.create_owned(engine, DEMO_TABLES)  # marked first; indexes after the load

    with engine.connect() as c:
        dialect.begin_bulk_load(c)
        c.commit()
        # One transaction for every row: far faster than a commit per batch.
        with c.begin():
            for table, columns in (
                (operations, data.operations),
                (categories, data.categories),
                (products, data.products),
                (orders, data.orders),
                (order_items, data.items),
            ):
                total, done = len(next(iter(columns.values()))), 0
                for batch in synthetic.row_batches(columns, BATCH_ROWS):
                    dialect.insert_rows(c, table, batch)
                    done += len(batch)
                    say(f"  {table.name:<12} {done:>10,} / {total:,} ({done * 100 // total}%)")
        dialect.end_bulk_load(c)
        c.commit()

    say("Creating indexes ...")
    with engine.begin() as c:
        for table in DEMO_TABLES:
            for index in sorted(table.indexes, key=lambda i: i.name):
                index.create(c)
        dialect.catch_up_keys(c, list(DEMO_TABLES))
        dialect.update_statistics(c, list(DEMO_TABLES))
        info = {
            **wanted,
            "anchor": anchor.isoformat(),
            "operations": str(len(data.operations["op_id"])),
            "orders": str(len(data.orders["order_id"])),
            "seeded_at": dt.datetime.now().replace(microsecond=0).isoformat(),
        }
        c.execute(seed_info.insert(), [{"key": k, "value": v} for k, v in info.items()])

    seconds = time.perf_counter() - started
    n_ops, n_orders = len(data.operations["op_id"]), len(data.orders["order_id"])
    say(f"Seeded {rows:,} order items, {n_orders:,} orders, {n_ops} operations in {seconds:.1f} s.")
    return SeedResult(rows, n_ops, n_orders, seconds, skipped=False)


def print_progress(message: str) -> None:
    """Progress on stderr; on a terminal the batch lines overwrite each other."""
    batch = message.startswith("  ")
    done = message.rstrip().endswith("(100%)")
    if batch and sys.stderr.isatty():
        print("\r" + message, end="\n" if done else "", file=sys.stderr, flush=True)
    elif not batch or done:
        print(message, file=sys.stderr, flush=True)
