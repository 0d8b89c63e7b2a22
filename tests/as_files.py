"""A made-up schema as a folder of Parquet files, as a data team exports one (run with a
baked project's Python, which has DuckDB):

    python tests/as_files.py library FOLDER    # FOLDER/<table>.parquet, one per table

The rows are the schema's own (tests/library.py, tests/rental.py), made in a scratch
SQLite file and copied with the declared types (DECIMAL, TIMESTAMP, BLOB) into Parquet
files; the files declare no keys, as files never do.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

import duckdb
from sqlalchemy import create_engine, select
from sqlalchemy.schema import CreateColumn


def export(schema: str, folder: Path) -> None:
    module = importlib.import_module(schema)  # tests/ is on sys.path: the script's folder
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'source.db'}"
        module.create(url)
        source = create_engine(url)
        target = create_engine("duckdb:///:memory:")  # only to write DuckDB's type names
        files = duckdb.connect()
        try:
            with source.connect() as c:
                for table in module.metadata.sorted_tables:
                    columns = ", ".join(
                        _plain(str(CreateColumn(column).compile(dialect=target.dialect)))
                        for column in table.columns
                    )
                    files.execute(f'CREATE TABLE "{table.name}" ({columns})')
                    rows = [tuple(row) for row in c.execute(select(table))]
                    marks = ", ".join("?" for _ in table.columns)
                    if rows:
                        files.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', rows)
                    path = str(folder / f"{table.name}.parquet").replace("'", "''")
                    files.execute(f"COPY \"{table.name}\" TO '{path}' (FORMAT parquet)")
        finally:
            files.close()
            source.dispose()
            target.dispose()


def _plain(column: str) -> str:
    """The column's name and type only: files have no keys, defaults or NOT NULL."""
    for word in (" NOT NULL", " PRIMARY KEY"):
        column = column.replace(word, "")
    return column.replace("SERIAL", "INTEGER")


if __name__ == "__main__":
    export(sys.argv[1], Path(sys.argv[2]))
