"""Backend differences, one module per database: sqlite.py, mysql.py, postgresql.py and
duckdb.py. Every project has all of them (db.SUPPORTED); a database's driver is its extra
in pyproject.toml. The app store defaults to a SQLite file (store.py).

Each module provides: ``engine_options(url)``, ``prepare(engine, url)`` (what every
connection of an engine sets up), ``forbid_writes(engine)`` (the dashboard's and inspect's
connections: the database refuses any write), ``limit_statement_time(engine, seconds)``,
``ensure_database(url)`` (the seeder creates it), ``missing_database(url)`` (what the
dashboard refuses to create), ``begin_bulk_load(conn)``, ``end_bulk_load(conn)``,
``insert_rows(conn, table, rows)`` (a batch of a bulk load), ``catch_up_keys(conn,
tables)`` (after explicit keys were loaded), ``update_statistics(conn, tables)``,
``is_missing_schema(exc)`` (a table or column the statement names is not there),
``is_missing_database(exc)`` (the server has no database of that name) and
``is_timeout(exc)``; ``TIMES_ARE_TEXT`` (does a DATETIME column hold text?) and
``EMBEDDED`` (a file, no server). A server's module also has ``drop_database(url)`` (the
bench's ``--drop``).

SQL that differs by database (a week's Monday, exact sums) is one construct compiled per
dialect, next to its siblings: times.py and exact.py.
"""
