"""The demo's own rows for the demo's tests (not a test module itself): the names, prices
and hours a new user sees, which the synthetic rows of the other tests do not have."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from conftest import ANCHOR, scratch_database
from sqlalchemy import make_url

from {{ cookiecutter.package_name }} import db
from {{ cookiecutter.package_name }}.demo import seed


@contextlib.contextmanager
def demo_database(tmp_dir: Path, rows: int = 12_000) -> Iterator[str]:
    """A scratch database the demo's seeder filled; dropped afterwards (MySQL)."""
    with scratch_database(tmp_dir, "demo") as url:
        engine = db.make_engine(make_url(url))
        try:
            seed.seed(engine, rows, anchor=ANCHOR)
        finally:
            engine.dispose()
        yield url
