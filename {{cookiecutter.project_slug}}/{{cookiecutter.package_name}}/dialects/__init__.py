"""Backend differences, one module per database (the template deletes the unused one).

Each module provides: ``engine_options(url)``, ``on_connect(dbapi_conn, record)``,
``ensure_database(url)``, ``begin_bulk_load(conn)``, ``end_bulk_load(conn)``,
``update_statistics(conn, tables)``, ``limit_statement_time(engine, seconds)``,
``is_missing_schema(exc)`` and ``is_timeout(exc)``.
"""
