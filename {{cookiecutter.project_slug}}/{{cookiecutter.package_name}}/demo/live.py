"""``python -m <package> live``: keeps appending orders to the demo's open (latest)
operation, so the Live view has moving data. Only into the demo's own tables."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from sqlalchemy import Engine, bindparam, func, select

from .. import db, store
from ..model import operations, order_items, orders, products
from .seed import DEMO_TABLES


def live(
    engine: Engine,
    seconds: float | None = None,
    max_orders: int | None = None,
    interval: float = 1.0,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Append an order (1-5 items) to the open operation every ``interval`` seconds.

    Stops after ``seconds`` or ``max_orders`` (whichever comes first; Ctrl+C also stops).
    Returns the number of orders added.
    """
    say = progress or (lambda _msg: None)
    rng = random.Random()
    found = store.survey(engine)
    foreign = found.in_the_way(t.name for t in DEMO_TABLES)
    if foreign or found.missing(t.name for t in DEMO_TABLES):
        problem = (
            f"{', '.join(foreign)} in {db.describe(engine.url)} were not created by the seeder"
            if foreign
            else f"{db.describe(engine.url)} has no demo data (seed it first: {db.SEED_COMMAND})"
        )
        raise store.NotOurs(f"live only adds orders to the demo's own tables: {problem}.")
    with engine.connect() as c:
        op = c.execute(
            select(operations.c.op_id)
            .where(operations.c.closed_at.is_(None))
            .order_by(operations.c.op_id.desc())
            .limit(bindparam("one", 1))
        ).scalar()
        menu = c.execute(
            select(products.c.product_id, products.c.price, products.c.cost).where(
                products.c.enabled.is_(True)
            )
        ).all()
    if op is None or not menu:
        raise db.DatabaseUnavailable(
            f"There is no open operation to add orders to. Seed first: {db.SEED_COMMAND}"
        )
    deadline = time.monotonic() + seconds if seconds is not None else None
    added = 0
    while (max_orders is None or added < max_orders) and (
        deadline is None or time.monotonic() < deadline
    ):
        with engine.begin() as c:
            last = c.execute(
                select(func.max(orders.c.created_at)).where(orders.c.op_id == bindparam("op", op))
            ).scalar()
            now = dt.datetime.now().replace(microsecond=0)
            created = max(now, last + dt.timedelta(seconds=1)) if last else now
            # The next keys, written here: DuckDB has no auto-increment, and they are the same
            # keys everywhere (live is the demo's only writer).
            order_id = (c.execute(select(func.max(orders.c.order_id))).scalar() or 0) + 1
            item_id = (c.execute(select(func.max(order_items.c.item_id))).scalar() or 0) + 1
            c.execute(
                orders.insert().values(
                    order_id=order_id, op_id=op, created_at=created, table_no=rng.randint(1, 30)
                )
            )
            lines = [rng.choice(menu) for _ in range(rng.randint(1, 5))]
            c.execute(
                order_items.insert(),
                [
                    {
                        "item_id": item_id + i,
                        "order_id": order_id,
                        "product_id": pid,
                        "qty": rng.choice((1, 1, 1, 2, 3)),
                        "unit_price": price,
                        "unit_cost": cost,
                        "created_at": created,
                    }
                    for i, (pid, price, cost) in enumerate(lines)
                ],
            )
        added += 1
        say(f"operation {op}: order {order_id} with {len(lines)} items at {created:%H:%M:%S}")
        if max_orders is not None and added >= max_orders:
            break
        time.sleep(interval)
    return added
