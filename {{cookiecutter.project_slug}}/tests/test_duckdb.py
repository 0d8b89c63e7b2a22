"""What only DuckDB has (this file is in DuckDB projects only).

- a folder of Parquet and CSV files is a database of views: ``inspect`` reads them, finds
  a table's key by its name only when it is never empty and never repeated, and a whole
  app session and ``verify`` leave every file as it was; no other file can be opened;
- a DuckDB file is read by several processes at once, and a reader waits for a writer
  (DuckDB's single-writer rule) instead of failing;
- ``TIMESTAMPTZ``: read in DASHBOARD_TIME_ZONE, its days and hours that zone's, as plain
  SQL ``AT TIME ZONE`` says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from conftest import APP_ROOT, APP_SCRIPT, APP_TIMEOUT, point_at
from sqlalchemy import Column, DateTime, MetaData, Table, make_url, select, text
from sqlalchemy.exc import SQLAlchemyError
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import db, inspection, times


def files_of(folder: Path) -> dict[str, str]:
    """Every file under the folder: its sha256."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture
def shop_files(tmp_path: Path) -> Path:
    """A shop's sales as a data team leaves them: Parquet, a CSV lookup, a partitioned
    folder, no key declared; `customers` repeats an id (no key), `stores` has none."""
    folder = tmp_path / "shop"
    folder.mkdir()
    c = duckdb.connect()
    c.execute(
        f"""COPY (SELECT i AS sale_id, i % 20 + 1 AS product_id, i % 7 + 1 AS customer_id,
                  TIMESTAMP '2024-01-01 08:00' + to_minutes(i * 97) AS sold_at,
                  CAST(i % 13 + 0.25 AS DECIMAL(10, 2)) AS amount
           FROM range(1, 3001) t(i)) TO '{folder / "sales.parquet"}' (FORMAT parquet)"""
    )
    c.execute(
        f"""COPY (SELECT i AS product_id, 'Product ' || i AS product_name,
                  ['Tea', 'Cake', 'Soup'][i % 3 + 1] AS family FROM range(1, 21) t(i))
           TO '{folder / "products.csv"}' (HEADER)"""
    )
    (folder / "customers").mkdir()
    c.execute(
        f"""COPY (SELECT i % 7 + 1 AS customer_id, 'Customer ' || i AS customer_name
           FROM range(0, 8) t(i)) TO '{folder / "customers" / "part-0.parquet"}' (FORMAT parquet)"""
    )
    c.close()
    return folder


def test_a_folder_of_files_is_read_in_place_and_never_written(shop_files, monkeypatch):
    before = files_of(shop_files)
    url = make_url(f"duckdb:///{shop_files}")
    engine = inspection.read_only_engine(url)
    try:
        with engine.connect() as c:
            metadata = inspection.reflect(c)
            tables = inspection.by_name(metadata)
            assert set(tables) == {"sales", "products", "customers"}
            assert [col.name for col in tables["products"].primary_key.columns] == ["product_id"]
            assert [col.name for col in tables["sales"].primary_key.columns] == ["sale_id"]
            assert not tables["customers"].primary_key.columns  # its id repeats: no key
            links = inspection.links(metadata)["sales"]
            assert [(link.columns[0].name, link.target.name) for link in links] == [
                ("product_id", "products")
            ]
            plain = c.execute(text("SELECT sum(amount), count(*) FROM sales")).one()
            assert plain == (sum((i % 13) + 0.25 for i in range(1, 3001)), 3000)
            with pytest.raises(SQLAlchemyError, match="(?i)permission|access"):
                c.execute(text("SELECT * FROM read_csv('/etc/hostname')")).all()
            with pytest.raises(SQLAlchemyError):
                c.execute(text("COPY sales TO '/tmp/any.parquet'"))
    finally:
        engine.dispose()
    point_at(str(url), monkeypatch)  # a whole app session on it: tables it does not know
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception, at.exception
    assert files_of(shop_files) == before


def test_several_processes_read_one_file_at_once(database_url):
    """Replicas, `sql` and `verify` read the same file: each opens it read-only."""
    reader = textwrap.dedent(
        """
        import sys, time
        from sqlalchemy import make_url, text
        from {{ cookiecutter.package_name }} import db
        engine = db.make_engine(make_url(sys.argv[1]), read_only=True)
        deadline = time.monotonic() + 3
        reads = 0
        while time.monotonic() < deadline:
            with engine.connect() as c:
                c.execute(text("SELECT count(*) FROM information_schema.tables")).scalar()
            reads += 1
        print(reads)
        """
    )
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", reader, database_url],
            cwd=APP_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [r.communicate(timeout=120) for r in readers]
    for (out, err), r in zip(outputs, readers, strict=True):
        assert r.returncode == 0, err[-2000:]
        assert int(out) > 0


def test_a_reader_waits_for_a_writer_instead_of_failing(tmp_path):
    """A writer in another process holds the file for a second: the dashboard's next
    connection waits for it, then reads what it wrote."""
    path = tmp_path / "shared.duckdb"
    with duckdb.connect(str(path)) as c:
        c.execute("CREATE TABLE t (n INTEGER)")
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            "c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(1.5)\n"
            "c.execute('INSERT INTO t VALUES (42)'); c.close()",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "open"  # it holds the file now
    engine = db.make_engine(make_url(f"duckdb:///{path}"), read_only=True)
    try:
        started = time.monotonic()
        with engine.connect() as c:
            assert c.execute(text("SELECT n FROM t")).scalars().all() == [42]
        assert time.monotonic() - started >= 0.5  # it waited
    finally:
        engine.dispose()
        writer.wait(timeout=60)


MOMENTS_UTC = [
    dt.datetime(2024, 2, 29, 23, 30),
    dt.datetime(2024, 3, 1, 2, 30),
    dt.datetime(2024, 12, 31, 22, 0),
    dt.datetime(2025, 1, 1, 3, 15),
]


@pytest.mark.parametrize("zone", ["America/La_Paz", "Asia/Tokyo", "UTC"])
def test_times_with_a_zone_are_cut_in_the_configured_zone(tmp_path, monkeypatch, zone):
    monkeypatch.setenv("DASHBOARD_TIME_ZONE", zone)
    path = tmp_path / "moments.duckdb"
    moments = Table("moments", MetaData(), Column("moment", DateTime(timezone=True)))
    writer = db.make_engine(make_url(f"duckdb:///{path}"))
    with writer.begin() as c:
        moments.create(c)
        utc = [{"moment": m.replace(tzinfo=dt.UTC)} for m in MOMENTS_UTC]
        c.execute(moments.insert(), utc)
    writer.dispose()
    engine = db.make_engine(make_url(f"duckdb:///{path}"), read_only=True)
    try:
        at = moments.c.moment
        with engine.connect() as c:
            ours = c.execute(select(at, times.day_of(at), times.hour_of(at)).order_by(at)).all()
            plain = c.execute(
                text(f"SELECT moment AT TIME ZONE '{zone}' FROM moments ORDER BY moment")
            ).scalars()
            for (value, day, hour), clock in zip(ours, plain, strict=True):
                assert times.parse(value) == clock  # the clock time in the zone
                assert day == clock.date()
                assert int(hour) == clock.hour
    finally:
        engine.dispose()
