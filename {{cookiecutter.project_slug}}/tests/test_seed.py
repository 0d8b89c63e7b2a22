"""The seeder: deterministic, idempotent, the latest operation open; the live command."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, make_url, select

from {{ cookiecutter.package_name }} import db, queries, seed

PACKAGE = db.PACKAGE  # the package's name, for `python -m <package>`

ANCHOR = dt.date(2024, 3, 31)  # fixed dates: the same rows on every run
ROOT = Path(__file__).resolve().parent.parent


def fingerprint(engine) -> str:
    """A hash of every demo row (ordered by primary key)."""
    digest = hashlib.sha256()
    with engine.connect() as c:
        for table in queries.DEMO_TABLES[:-1]:  # seed_info holds a timestamp
            for row in c.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def counts(engine) -> dict[str, int]:
    with engine.connect() as c:
        return {
            t.name: c.execute(select(func.count()).select_from(t)).scalar()
            for t in queries.DEMO_TABLES
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
        info = dict(c.execute(select(queries.seed_info.c.key, queries.seed_info.c.value)).all())
        index_names = {i.name for t in queries.DEMO_TABLES for i in t.indexes}
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
        status = queries.fetch_operation_status(c)
    added = seed.live(engine, max_orders=3, interval=0)
    assert added == 3
    with engine.connect() as c:
        after = queries.fetch_operation_status(c)
    assert after["latest_op"] == status["latest_op"] and after["is_open"]
    assert after["orders"] == status["orders"] + 3
    assert after["sales"] > status["sales"]
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


def test_command_line_error_is_plain_words_with_masked_password():
    env = {**os.environ, "DATABASE_URL": "mysql+pymysql://u:Hunter2-pw@127.0.0.1:1/sales"}
    out = subprocess.run(
        [sys.executable, "-m", PACKAGE, "seed", "--rows", "10"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith("ERROR:")
    assert "Traceback" not in out.stderr and "Hunter2-pw" not in out.stderr


def test_url_precedence(tmp_path, monkeypatch):
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text(
        "[connections.dashboard]\n"
        'dialect = "mysql"\ndriver = "pymysql"\nhost = "db.example"\nport = 3307\n'
        'username = "app"\npassword = "pw"\ndatabase = "sales"\n'
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(db, "PROJECT_ROOT", tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = db.resolve_url()
    assert (url.drivername, url.host, url.port, url.database) == (
        "mysql+pymysql",
        "db.example",
        3307,
        "sales",
    )
    assert "pw" not in db.describe(url)
    secrets.write_text('[connections.dashboard]\nurl = "sqlite:///from_secrets.db"\n')
    assert db.resolve_url().database == "from_secrets.db"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from_env.db")
    assert db.resolve_url().database == "from_env.db"  # the environment wins
    monkeypatch.delenv("DATABASE_URL")
    secrets.unlink()
    if db.settings.DATABASE == "sqlite":
        assert db.resolve_url().database == str(tmp_path / db.settings.SQLITE_PATH)
