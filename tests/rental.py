"""A rental business's database, as an ordinary schema holds one (run with a baked
project's Python):

    python tests/rental.py URL    # the schema and deterministic rows (by hand: try `inspect`)
    python tests/rental.py URL --schema rental   # PostgreSQL: in a schema of its own

With ``--schema`` (PostgreSQL) the tables go to that schema, their times are ``timestamp
with time zone``, and the database holds two more schemas' worth of distraction: an old
``payment`` export in ``public`` and an ``audit`` schema with its own log, both left alone
by ``inspect --schema rental``.

Traits real schemas have and the demo does not: a cycle of keys (a store's manager is a
staff member, who works in a store), a bridge table (a film in several categories), a
binary column (a staff photo), narrow types (Numeric(4, 2), a 5-character rating), a
dimension reached by an integer key with no text (the store), a column with one value
(the language, the currency), free text (addresses, notes), two paths to one table
(a payment's store through its staff member or through the rented copy), and a city
within a country.
"""

from __future__ import annotations

import datetime as dt
import random
import sys

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
)

metadata = MetaData()
country = Table(
    "country",
    metadata,
    Column("country_id", Integer, primary_key=True),
    Column("country", String(50), nullable=False),
)
city = Table(
    "city",
    metadata,
    Column("city_id", Integer, primary_key=True),
    Column("city", String(50), nullable=False),
    Column("country_id", Integer, ForeignKey("country.country_id"), nullable=False),
)
store = Table(
    "store",
    metadata,
    Column("store_id", Integer, primary_key=True),
    # The cycle: a store's manager is a staff member, and staff work in a store.
    Column("manager_staff_id", Integer, ForeignKey("staff.staff_id", use_alter=True)),
    Column("city_id", Integer, ForeignKey("city.city_id"), nullable=False),
)
staff = Table(
    "staff",
    metadata,
    Column("staff_id", Integer, primary_key=True),
    Column("first_name", String(45), nullable=False),
    Column("store_id", Integer, ForeignKey("store.store_id"), nullable=False),
    Column("picture", LargeBinary, nullable=True),
)
customer = Table(
    "customer",
    metadata,
    Column("customer_id", Integer, primary_key=True),
    Column("full_name", String(90), nullable=False),
    Column("address", String(120), nullable=False),  # free text: one per customer
    Column("store_id", Integer, ForeignKey("store.store_id"), nullable=False),
    Column("active", Boolean, nullable=False),
)
language = Table(
    "language",
    metadata,
    Column("language_id", Integer, primary_key=True),
    Column("name", String(20), nullable=False),
)
category = Table(
    "category",
    metadata,
    Column("category_id", Integer, primary_key=True),
    Column("name", String(25), nullable=False),
)
film = Table(
    "film",
    metadata,
    Column("film_id", Integer, primary_key=True),
    Column("title", String(128), nullable=False),
    Column("rating", String(5), nullable=False),  # "NC-17": five characters at most
    Column("rental_rate", Numeric(4, 2), nullable=False),  # 99.99 at most
    Column("language_id", Integer, ForeignKey("language.language_id"), nullable=False),
)
film_category = Table(  # the bridge: a film in one or more categories
    "film_category",
    metadata,
    Column("film_id", Integer, ForeignKey("film.film_id"), primary_key=True),
    Column("category_id", Integer, ForeignKey("category.category_id"), primary_key=True),
)
inventory = Table(
    "inventory",
    metadata,
    Column("inventory_id", Integer, primary_key=True),
    Column("film_id", Integer, ForeignKey("film.film_id"), nullable=False),
    Column("store_id", Integer, ForeignKey("store.store_id"), nullable=False),
)
rental = Table(
    "rental",
    metadata,
    Column("rental_id", Integer, primary_key=True),
    Column("rental_date", DateTime, nullable=False),
    Column("inventory_id", Integer, ForeignKey("inventory.inventory_id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customer.customer_id"), nullable=False),
)
payment = Table(
    "payment",
    metadata,
    Column("payment_id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customer.customer_id"), nullable=False),
    Column("staff_id", Integer, ForeignKey("staff.staff_id"), nullable=False),
    Column("rental_id", Integer, ForeignKey("rental.rental_id"), nullable=True),
    Column("amount", Numeric(5, 2), nullable=False),
    Column("payment_date", DateTime, nullable=False),
    Column("currency", String(3), nullable=False),  # one value: "EUR"
    Column("note", Text, nullable=True),  # free text
)
PAYMENTS = 5_000
START = dt.datetime(2024, 3, 1, 9)
CATEGORIES = ("Action", "Comedy", "Drama", "Family", "Horror", "Sci-Fi", "Travel")
RATINGS = ("G", "PG", "PG-13", "R", "NC-17")


def defer_key_checks(c) -> None:
    """The cycle's first rows go in before the rows their keys name (a store's manager is
    staff of the store): key checks off for this connection, on a server."""
    if c.dialect.name == "mysql":
        c.exec_driver_sql("SET SESSION foreign_key_checks = 0")
    elif c.dialect.name == "postgresql":  # the tests' superuser; this transaction only
        c.exec_driver_sql("SET LOCAL session_replication_role = replica")


ZONED = ("rental_date", "return_date", "payment_date")  # timestamptz with --schema


def other_schemas(engine) -> None:
    """What else a real PostgreSQL database holds: an export in public, an audit log."""
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE public.payment (id integer PRIMARY KEY, note text)")
        c.exec_driver_sql("INSERT INTO public.payment VALUES (1, 'export of 2019'), (2, 'x')")
        c.exec_driver_sql("CREATE SCHEMA audit")
        c.exec_driver_sql(
            "CREATE TABLE audit.events (event_id integer PRIMARY KEY, "
            "at timestamptz NOT NULL, amount numeric(8, 2), what text)"
        )
        c.exec_driver_sql(
            "INSERT INTO audit.events SELECT i, timestamptz '2024-01-01 00:00+00' "
            "+ i * interval '1 hour', i, 'login' FROM generate_series(1, 500) AS i"
        )


def create(url: str, schema: str | None = None) -> None:
    rng = random.Random(11)
    engine = create_engine(url)
    if schema is not None:  # PostgreSQL: the same tables in their own schema, zoned times
        other_schemas(engine)
        with engine.begin() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = engine.execution_options(schema_translate_map={None: schema})
    metadata.create_all(engine)
    if schema is not None:
        with engine.begin() as c:
            for table in (rental, payment):
                for column in ZONED:
                    if column in table.c:
                        c.exec_driver_sql(
                            f'ALTER TABLE "{schema}".{table.name} '
                            f"ALTER COLUMN {column} TYPE timestamptz"
                        )
    with engine.begin() as c:
        defer_key_checks(c)
        c.execute(country.insert(), [{"country_id": 1, "country": "Bolivia"},
                                     {"country_id": 2, "country": "Peru"}])  # fmt: skip
        c.execute(
            city.insert(),
            [{"city_id": i, "city": f"City {i}", "country_id": 1 + i % 2} for i in range(1, 5)],
        )
        c.execute(
            store.insert(),
            [{"store_id": i, "manager_staff_id": i, "city_id": i} for i in (1, 2, 3)],
        )
        c.execute(
            staff.insert(),
            [
                {
                    "staff_id": i,
                    "first_name": f"Staff {i}",
                    "store_id": (i - 1) % 3 + 1,
                    "picture": bytes([137, 80, 78, 71, i]),
                }
                for i in range(1, 7)
            ],  # fmt: skip
        )
        c.execute(
            customer.insert(),
            [
                {
                    "customer_id": i,
                    "full_name": f"Customer {i}",
                    "address": f"{rng.randrange(1, 999)} {rng.choice(['Oak', 'Elm', 'Pine'])} "
                    f"Street, flat {i}",
                    "store_id": rng.randrange(1, 4),
                    "active": i % 10 != 0,
                }
                for i in range(1, 301)
            ],  # fmt: skip
        )
        c.execute(language.insert(), [{"language_id": 1, "name": "English"}])
        c.execute(
            category.insert(),
            [{"category_id": i, "name": name} for i, name in enumerate(CATEGORIES, 1)],
        )
        c.execute(
            film.insert(),
            [
                {
                    "film_id": i,
                    "title": f"Film {i}",
                    "rating": rng.choice(RATINGS),
                    "rental_rate": rng.choice([0.99, 2.99, 4.99]),
                    "language_id": 1,
                }
                for i in range(1, 121)
            ],  # fmt: skip
        )
        pairs = set()
        for i in range(1, 121):
            for category_id in rng.sample(range(1, len(CATEGORIES) + 1), rng.choice([1, 1, 2])):
                pairs.add((i, category_id))
        c.execute(
            film_category.insert(),
            [{"film_id": f, "category_id": k} for f, k in sorted(pairs)],
        )
        c.execute(
            inventory.insert(),
            [
                {"inventory_id": i, "film_id": rng.randrange(1, 121), "store_id": i % 3 + 1}
                for i in range(1, 601)
            ],
        )
        rentals = []
        for i in range(1, PAYMENTS + 1):
            rentals.append(
                {"rental_id": i,
                 "rental_date": START + dt.timedelta(minutes=i * 157 + rng.randrange(60)),
                 "inventory_id": rng.randrange(1, 601), "customer_id": rng.randrange(1, 301)}
            )  # fmt: skip
        c.execute(rental.insert(), rentals)
        c.execute(
            payment.insert(),
            [
                {
                    "payment_id": i,
                    "customer_id": r["customer_id"],
                    "staff_id": rng.randrange(1, 7),
                    "rental_id": r["rental_id"] if i % 50 else None,
                    "amount": rng.choice([0.99, 2.99, 4.99, 5.98, 7.99, 10.99]),
                    "payment_date": r["rental_date"] + dt.timedelta(minutes=rng.randrange(5, 90)),
                    "currency": "EUR",
                    "note": None if i % 3 else f"Paid at the counter, receipt {i * 7919 % 100_000}",
                }
                for i, r in enumerate(rentals, 1)
            ],  # fmt: skip
        )
    engine.dispose()


if __name__ == "__main__":
    create(sys.argv[1], sys.argv[3] if sys.argv[2:3] == ["--schema"] else None)
