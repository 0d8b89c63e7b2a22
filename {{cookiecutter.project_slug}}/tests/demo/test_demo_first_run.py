"""The moment it is baked: the first run fills the default SQLite file with the demo."""

from __future__ import annotations

from conftest import APP_SCRIPT, clear_caches
from faultkit import fingerprint
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import db, settings
from {{ cookiecutter.package_name }}.demo.seed import DEFAULT_ROWS, DEMO_TABLES


def test_the_first_run_creates_the_demo_database(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "DATABASE", "sqlite")  # the default file of a SQLite bake
    monkeypatch.setattr(db, "PROJECT_ROOT", tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    clear_caches()
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=300).run()
    assert not at.exception, at.exception
    assert at.metric and not at.error
    path = tmp_path / settings.SQLITE_PATH
    assert path.exists()
    tables = fingerprint(f"sqlite:///{path}")
    assert {table.name for table in DEMO_TABLES} <= set(tables)
    assert tables["order_items"][0] == DEFAULT_ROWS
