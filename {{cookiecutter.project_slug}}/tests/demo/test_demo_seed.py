"""The demo's seeder: deterministic, idempotent, the latest operation open; the live command."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, make_url, select

from {{ cookiecutter.package_name }} import db, queries
from {{ cookiecutter.package_name }}.demo import live as appender
from {{ cookiecutter.package_name }}.demo import seed
from {{ cookiecutter.package_name }}.demo.seed import DEMO_TABLES, seed_info

PACKAGE = db.PACKAGE  # the package's name, for `python -m <package>`

ANCHOR = dt.date(2024, 3, 31)  # fixed dates: the same rows on every run
ROOT = Path(__file__).resolve().parents[2]


def fingerprint(engine) -> str:
    """A hash of every demo row (ordered by primary key)."""
    digest = hashlib.sha256()
    with engine.connect() as c:
        for table in DEMO_TABLES[:-1]:  # seed_info holds a timestamp
            for row in c.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def counts(engine) -> dict[str, int]:
    with engine.connect() as c:
        return {
            t.name: c.execute(select(func.count()).select_from(t)).scalar() for t in DEMO_TABLES
        }


def test_generate_is_deterministic_and_sized():
    a = seed.generate(5000, seed=7, anchor=ANCHOR)
    b = seed.generate(5000, seed=7, anchor=ANCHOR)
    assert len(a.items["item_id"]) == 5000
    assert (a.items["product_id"] == b.items["product_id"]).all()
    assert (a.orders["created_at"] == b.orders["created_at"]).all()
    assert a.operations["business_date"][-1] == ANCHOR
    assert a.operations["closed_at"][-1] is None  # the latest operation is open
    assert all(c is not None for c in a.operations["closed_at"][:-1])
    # Orders are in time order within each operation and items never precede their order.
    created = a.orders["created_at"]
    assert (created[1:] >= created[:-1]).all()
    assert (a.items["created_at"] >= created[a.items["order_id"] - 1]).all()


def test_seed_is_idempotent_and_reproducible(fresh_database_url):
    engine = db.make_engine(make_url(fresh_database_url))
    first = seed.seed(engine, 3000, anchor=ANCHOR)
    assert not first.skipped
    assert counts(engine)["order_items"] == 3000
    before = fingerprint(engine)
    again = seed.seed(engine, 3000, anchor=ANCHOR)
    assert again.skipped
    assert fingerprint(engine) == before
    rebuilt = seed.seed(engine, 3000, anchor=ANCHOR, force=True)
    assert not rebuilt.skipped
    assert fingerprint(engine) == before
    other = seed.seed(engine, 4000, anchor=ANCHOR)  # a different size rebuilds
    assert not other.skipped and counts(engine)["order_items"] == 4000
    with engine.connect() as c:
        info = dict(c.execute(select(seed_info.c.key, seed_info.c.value)).all())
        index_names = {i.name for t in DEMO_TABLES for i in t.indexes}
        assert index_names  # the declared indexes exist after the load
        from sqlalchemy import inspect

        existing = {i["name"] for t in ("orders", "order_items") for i in inspect(c).get_indexes(t)}
        assert {"ix_orders_op_id", "ix_order_items_order_id"} <= existing
    assert info["rows"] == "4000" and info["anchor"] == ANCHOR.isoformat()
    engine.dispose()


def test_live_appends_orders_to_the_open_operation(fresh_database_url):
    engine = db.make_engine(make_url(fresh_database_url))
    seed.seed(engine, 1500, anchor=ANCHOR)
    with engine.connect() as c:
        status = queries.fetch_status(c)
    added = appender.live(engine, max_orders=3, interval=0)
    assert added == 3
    with engine.connect() as c:
        after = queries.fetch_status(c)
    assert after["latest_op"] == status["latest_op"] and after["is_open"]
    assert after["totals"]["orders"] == status["totals"]["orders"] + 3
    assert after["totals"]["sales"] > status["totals"]["sales"]
    engine.dispose()


def test_command_line_seed(fresh_database_url):
    env = {**os.environ, "DATABASE_URL": fresh_database_url}
    cmd = [sys.executable, "-m", PACKAGE, "seed", "--rows", "800", "--anchor", "2024-03-31"]
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "Seeded 800 order items" in first.stderr
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0 and "Already seeded" in second.stderr
    live = subprocess.run(
        [sys.executable, "-m", PACKAGE, "live", "--orders", "2", "--interval", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert live.returncode == 0 and "Added 2 orders" in live.stderr
