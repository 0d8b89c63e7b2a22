"""The demo's seeder never writes a database it does not own.

The client database holds tables named like the demo's (categories, operations, orders,
products; 200 rows each, two of them with the demo's very columns: a name or a column
list proves nothing, only the ownership register does). ``seed``, ``seed --force`` and
``live`` refuse with one plain message and leave every table with the same rows and
checksum, and add no table; ``--force`` rebuilds only the seeder's own tables.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import ANCHOR, cli, error_line, scratch_database
from faultkit import fingerprint
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    make_url,
    text,
)

from {{ cookiecutter.package_name }} import db, store
from {{ cookiecutter.package_name }}.demo import seed

CLIENT_ROWS = 200
CLIENT = MetaData()
Table(
    "categories",
    CLIENT,
    Column("code", String(20), primary_key=True),
    Column("label", String(80), nullable=False),
)
Table(  # the demo's own columns, by coincidence
    "products",
    CLIENT,
    Column("product_id", Integer, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("category_id", Integer, nullable=False),
    Column("price", Numeric(12, 2), nullable=False),
    Column("cost", Numeric(12, 2), nullable=False),
    Column("enabled", Boolean, nullable=False),
)
Table(
    "orders",
    CLIENT,
    Column("order_no", Integer, primary_key=True),
    Column("customer", String(80), nullable=False),
    Column("placed_on", Date, nullable=False),
    Column("total_cents", Integer, nullable=False),
)
Table(  # the demo's own columns too
    "operations",
    CLIENT,
    Column("op_id", Integer, primary_key=True),
    Column("business_date", Date, nullable=False),
    Column("opened_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
)
CLIENT_TABLES = "categories, operations, orders, products"


def client_rows(name: str) -> list[dict]:
    day = dt.date(2023, 1, 1)
    rows = range(1, CLIENT_ROWS + 1)
    if name == "categories":
        return [{"code": f"C{i:03d}", "label": f"Client category {i}"} for i in rows]
    if name == "products":
        return [
            {
                "product_id": i,
                "name": f"Client product {i}",
                "category_id": i % 7 + 1,
                "price": i + 0.25,
                "cost": i / 2,
                "enabled": i % 3 > 0,
            }
            for i in rows
        ]
    if name == "orders":
        return [
            {
                "order_no": i,
                "customer": f"Customer {i}",
                "placed_on": day + dt.timedelta(days=i),
                "total_cents": i * 137,
            }
            for i in rows
        ]
    opened = dt.datetime.combine(day, dt.time(9))
    return [
        {
            "op_id": i,
            "business_date": day + dt.timedelta(days=i),
            "opened_at": opened + dt.timedelta(days=i),
            "closed_at": opened + dt.timedelta(days=i, hours=8),
        }
        for i in rows
    ]


@pytest.fixture
def client_url(tmp_path):
    """Someone's existing database, with tables named like the demo's."""
    with scratch_database(tmp_path, "client") as url:
        engine = create_engine(url)
        try:
            CLIENT.create_all(engine)
            with engine.begin() as c:
                for table in CLIENT.sorted_tables:
                    c.execute(table.insert(), client_rows(table.name))
        finally:
            engine.dispose()
        yield url


# --- seed, seed --force and live refuse ----------------------------------------------


def test_seed_refuses_a_database_it_does_not_own(client_url):
    before = fingerprint(client_url)
    assert {rows for rows, _ in before.values()} == {CLIENT_ROWS}
    for args in (["seed"], ["seed", "--force"], ["seed", "--rows", "500", "--force"]):
        message = error_line(cli(client_url, *args))
        assert "seed stopped before touching anything" in message
        assert f"with the names it needs: {CLIENT_TABLES}." in message  # the tables in the way
        # The fix: an empty database (a scratch file, another database name), or the README.
        assert "DATABASE_URL=sqlite:///data/demo.db" in message and "--rows" in message
        assert "another database name" in message
        assert "Your own data" in message
    live = error_line(cli(client_url, "live", "--orders", "1", "--interval", "0"))
    assert "were not created by the seeder" in live
    assert fingerprint(client_url) == before  # same rows and checksums, and no new table


def test_seed_adds_no_tables_to_someone_elses_database(fresh_database_url):
    engine = create_engine(fresh_database_url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE patients (patient_id INTEGER PRIMARY KEY, name TEXT)"))
        c.execute(text("INSERT INTO patients VALUES (1, 'Ana'), (2, 'Luis')"))
    engine.dispose()
    before = fingerprint(fresh_database_url)
    message = error_line(cli(fresh_database_url, "seed", "--force"))
    assert "(patients): it looks like someone's existing database" in message
    assert fingerprint(fresh_database_url) == before


def test_force_rebuilds_only_the_seeders_own_tables(fresh_database_url):
    engine = db.make_engine(make_url(fresh_database_url))
    try:
        seed.seed(engine, 1500, anchor=ANCHOR)
        with engine.begin() as c:  # the team keeps a table of its own beside the demo
            c.execute(text("CREATE TABLE team_notes (note_id INTEGER PRIMARY KEY, note TEXT)"))
            c.execute(text("INSERT INTO team_notes VALUES (1, 'keep me')"))
        notes = fingerprint(fresh_database_url)["team_notes"]
        assert not seed.seed(engine, 1500, anchor=ANCHOR, force=True).skipped
        assert fingerprint(fresh_database_url)["team_notes"] == notes
        # A table that took the name of one of the seeder's (other columns) stops it.
        with engine.begin() as c:
            c.execute(text("DROP TABLE seed_info"))
            c.execute(text("CREATE TABLE seed_info (note VARCHAR(20))"))
            c.execute(text("INSERT INTO seed_info VALUES ('theirs')"))
        before = fingerprint(fresh_database_url)
        with pytest.raises(store.NotOurs, match="with the names it needs: seed_info"):
            seed.seed(engine, 1500, anchor=ANCHOR, force=True)
        assert fingerprint(fresh_database_url) == before
    finally:
        engine.dispose()
