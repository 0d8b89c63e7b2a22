"""Backend differences, one module per database. A SQLite project has no mysql.py; every
project keeps sqlite.py, because the app store defaults to a SQLite file (store.py).

Each module provides: ``engine_options(url)``, ``on_connect(dbapi_conn, record)``,
``ensure_database(url)`` (the seeder creates it), ``missing_database(url)`` (what the
dashboard refuses to create), ``begin_bulk_load(conn)``, ``end_bulk_load(conn)``,
``update_statistics(conn, tables)``, ``limit_statement_time(engine, seconds)``,
``is_missing_schema(exc)`` (a table or column the statement names is not there),
``is_missing_database(exc)`` (the server has no database of that name) and
``is_timeout(exc)``; and ``TIMES_ARE_TEXT`` (does a DATETIME column hold text?).
"""
