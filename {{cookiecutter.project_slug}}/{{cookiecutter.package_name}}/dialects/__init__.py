"""Backend differences, one module per database (the template deletes the unused one).

Each module provides: ``engine_options(url)``, ``on_connect(dbapi_conn, record)``,
``ensure_database(url)``, ``begin_bulk_load(conn)``, ``end_bulk_load(conn)``,
``update_statistics(conn, tables)`` and
``is_missing_schema(exc)``.
"""
