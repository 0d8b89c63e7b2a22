"""True numbers: every figure the page shows equals plain SQL (verify.py), also on the
shapes real databases hold (synthetic.reshape: midnight rows, times written as text by
other tools, times no ISO form reads, a row dated 2199), and what no figure holds is
counted and said (queries.fetch_health)."""

from __future__ import annotations

import pytest
from conftest import APP_SCRIPT, APP_TIMEOUT, filled_database, point_at, said
from sqlalchemy import delete, make_url, select
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import db, queries, synthetic, times, verify
from {{ cookiecutter.package_name }}.i18n import plain, t
from {{ cookiecutter.package_name }}.model import MODEL


def run_verify() -> tuple[int, str]:
    lines: list[str] = []
    code = verify.run(say=lines.append)
    return code, "\n".join(lines)


def test_verify_finds_every_figure_equal_to_plain_sql(use_database):
    code, out = run_verify()
    assert code == 0, out
    assert "Verified:" in out and "DIFF" not in out


def test_verify_names_the_range_and_the_figure_that_differ(use_database, monkeypatch):
    """A loader one cent (or one row) off is caught: verify is not a test that cannot fail."""
    first = MODEL.page.kpis[0]
    honest = queries.fetch_totals

    def one_off(c, f, *args, **kwargs):
        totals = honest(c, f, *args, **kwargs)
        totals["current"][first] += 1
        return totals

    monkeypatch.setattr(queries, "fetch_totals", one_off)
    code, out = run_verify()
    assert code == 1, out
    assert f"KPI {first}: dashboard" in out and "plain SQL" in out


@pytest.fixture
def shaped(tmp_path, monkeypatch):
    """A database of this test's own, filled, then given real-world shapes."""
    with filled_database(tmp_path, "shapes") as url:
        engine = db.make_engine(make_url(url))
        try:
            shapes = synthetic.reshape(engine)
        finally:
            engine.dispose()
        point_at(url, monkeypatch)
        yield url, shapes


def test_real_world_time_shapes_keep_every_figure_equal_to_plain_sql(shaped):
    url, shapes = shaped
    code, out = run_verify()
    assert code == 0, out
    engine = db.make_engine(make_url(url))
    try:
        with engine.connect() as c:
            health = queries.fetch_health(c)
            bounds = queries.time_bounds(c)
            if shapes.text_forms:  # the column really holds text in other tools' forms
                raw = c.execute(select(times.stored(MODEL.time)).limit(50)).scalars().all()
                assert any(len(str(v)) == 19 for v in raw), raw
    finally:
        engine.dispose()
    assert health["unreadable"] == shapes.unreadable
    assert health["late"] == shapes.late and bounds.late[0] == synthetic.FAR_FUTURE
    assert bounds.last.year < synthetic.FAR_FUTURE.year  # the page never opens on 2199
    for line in verify.health_lines(health):
        assert line in out
    if shapes.unreadable:
        assert repr(health["unreadable_example"]) in out
        assert health["unreadable_example"] in synthetic.UNREADABLE_TIMES


def test_the_page_on_real_world_shapes_shows_no_exception(shaped):
    url, shapes = shaped
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
    assert not at.exception, at.exception
    assert at.metric, "no KPI card"
    at.segmented_control(key="mode").set_value("dates").run()
    assert not at.exception, at.exception
    if MODEL.page.detail:
        at.switch_page("app_pages/detail.py").run()
        assert not at.exception, at.exception
    # The Operator page names what no figure holds, with the counts.
    at.switch_page("app_pages/operator.py").run()
    assert not at.exception, at.exception
    engine = db.make_engine(make_url(url))
    try:
        with engine.connect() as c:
            lines = verify.health_lines(queries.fetch_health(c))
    finally:
        engine.dispose()
    shown = " ".join(caption.value for caption in at.caption)
    assert all(plain(line) in shown for line in lines), (lines, shown)


def test_an_empty_fact_table_gets_one_sentence_and_no_exception(tmp_path, monkeypatch):
    with filled_database(tmp_path, "empty", rows=10) as url:
        engine = db.make_engine(make_url(url))
        try:
            with engine.begin() as c:  # this test's own tables: emptied, children first
                for table in reversed(MODEL.fact.metadata.sorted_tables):
                    c.execute(delete(table))
        finally:
            engine.dispose()
        point_at(url, monkeypatch)
        at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
        assert not at.exception, at.exception
        assert said("app_no_rows") in " ".join(i.value for i in at.info)
        assert not at.warning, [w.value for w in at.warning]  # no "Both dates are required"
        code, out = run_verify()
    assert code == 0 and t("health_empty") in out, out
