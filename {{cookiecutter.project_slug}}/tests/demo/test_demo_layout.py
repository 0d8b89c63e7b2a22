"""The demo's page at 1280 px, on the demo's own rows: its names ("Platos fuertes",
"Tinto de la casa (copa)") are longer than the synthetic ones of tests/test_layout.py,
and a new user sees them first. The same checks, saved as ``demo-layout-*.png``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import APP_SCRIPT, chromium_path, require_browser
from demokit import demo_database
from faultkit import serve
from test_layout import assert_page_whole


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run` on a free port against a database the demo's seeder filled."""
    require_browser()
    chromium_path()
    folder = tmp_path_factory.mktemp("demo-layout")
    with demo_database(folder) as url, serve(APP_SCRIPT, {"DATABASE_URL": url}, folder) as s:
        yield s.url


def test_the_demo_page_is_whole_at_1280_px(browser, server):
    assert_page_whole(browser, server, "demo-layout")
