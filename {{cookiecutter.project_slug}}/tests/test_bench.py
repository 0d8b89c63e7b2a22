"""The benchmark runs end to end in quick mode on the backend under test, so it never rots.

Backend: the project's own, or ``DASH_TEST_BACKEND`` (MySQL server from ``TEST_MYSQL_URL``;
without a server the test skips, unless ``CI`` is set). The bench fills its database with
synthetic rows from model.py. Timings are not asserted (machines differ); the counts and
the shape of the result are. Its naive baseline must draw the same page: the same
results as the data layer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import uuid
from pathlib import Path

import pandas as pd
import pytest
from conftest import BACKEND, FILE_BACKENDS, floats, server_url
from sqlalchemy import create_engine, inspect, make_url, text

from {{ cookiecutter.package_name }} import bench, data, db, stats, store, times
from {{ cookiecutter.package_name }}.bench import naive, runner
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.queries import REALTIME, Filters, default_filters

KEYS = [
    "rows",
    "fact",
    "bench_database",
    "filter_window",
    "first_run_ms",
    "queries_first_run",
    "floor_ms",
    "warm_ms",
    "warm_queries",
    "cold_ms",
    "queries_per_cold_run",
    "naive_ms",
    "fragment_ms",
    "full_ms",
    "stampede_sessions",
    "stampede_queries",
    "stampede_p50_ms",
    "stampede_max_ms",
    "latency",
    "server_rss_mb",
    "memory",
    "environment",
    "server_settings",
    "ratios",
    "targets",
    "cold_range_ms",
    "deep_page_ms",
    "rollup_build_s",
    "rollup_incremental_s",
]


def _bench_url(tmp_path: Path) -> tuple[str, list[str]]:
    """A database URL for the bench and the extra options (fill it; drop it on MySQL)."""
    if BACKEND in FILE_BACKENDS:  # a file of the test's own
        return f"{BACKEND}:///{tmp_path / ('bench.' + FILE_BACKENDS[BACKEND])}", ["--seed"]
    server = server_url()  # fails in CI, skips elsewhere, when no server answers
    name = f"dash_bench_{uuid.uuid4().hex[:8]}"
    url = server.set(database=name).render_as_string(hide_password=False)
    return url, ["--seed", "--drop"]


def test_quick_bench_reports_every_measurement(tmp_path, capsys):
    url, options = _bench_url(tmp_path)
    chart = tmp_path / "latency.png"
    status = bench.main(["--quick", "--json", "--url", url, "--chart", str(chart), *options])
    captured = capsys.readouterr()
    out = captured.out
    assert status == 0, captured.err[-3000:]
    result = json.loads(out)

    assert not [key for key in KEYS if key not in result]
    assert result["fact"] == MODEL.fact.name
    assert result["rows"] == runner.QUICK_ROWS  # synthetic fact rows
    assert result["bench_database"]["fill"] == "filled"
    assert result["warm_queries"] == 0  # a warm rerun never reaches the database
    assert result["queries_per_cold_run"] > 0
    assert result["stampede_sessions"] >= 20
    # Streamlit's per-key lock: many tabs at once cost what one tab costs.
    assert result["stampede_queries"] <= result["queries_per_cold_run"]
    for kind in ("streamlit run", "production"):
        for level in result["latency"][kind].values():
            assert 0 < level["p50_ms"] <= level["p95_ms"]
    assert result["memory"]["rss_mb"] > 0
    # History at scale: each range raw and rolled up; the rollups caught up one period.
    assert set(result["cold_range_ms"]) == {"7", "30", "365", "all"}
    for timing in result["cold_range_ms"].values():
        assert timing["raw"] > 0 and timing["rollup"] > 0
    assert result["rollup_incremental_parts"] == 1
    assert result["deep_page_ms"]["rows"] > 0 and result["deep_page_ms"]["last"] > 0
    assert chart.is_file() and chart.stat().st_size > 0
    assert not (db.PROJECT_ROOT / f".bench_entry_{os.getpid()}.py").exists()  # cleaned up
    if BACKEND not in FILE_BACKENDS:  # --drop: the scratch database is gone
        server = create_engine(server_url())
        try:
            with server.connect() as c:
                names = inspect(c).get_schema_names()
        finally:
            server.dispose()
        assert make_url(url).database not in names


def test_scale_only_measures_history_at_scale(tmp_path, capsys):
    """--scale: the cold ranges, deep pages and rollup builds, and their targets only."""
    url, options = _bench_url(tmp_path)
    status = bench.main(["--quick", "--scale", "--json", "--url", url, *options])
    captured = capsys.readouterr()
    assert status == 0, captured.err[-3000:]
    result = json.loads(captured.out)
    assert "latency" not in result and result["rollup_build_s"] > 0
    assert set(result["ratios"]["raw_over_rollup"]) == set(result["cold_range_ms"])
    assert all("rollup" in name or "detail" in name for name in result["targets"])


def test_scratch_file_is_filled_once_then_reused(tmp_path, monkeypatch):
    """Without --url the bench fills data/bench-<rows>.db once (here in tmp_path)."""
    monkeypatch.setattr(runner, "bench_file", lambda rows: tmp_path / f"bench-{rows}.db")
    args = runner.parse_args(["--rows", "3000"])
    with runner.bench_database(args, lambda _message: None) as (_url, first):
        assert first["fill"] == "filled"
    with runner.bench_database(args, lambda _message: None) as (_url, again):
        assert again["fill"] == "reused"


def test_scratch_file_with_someone_elses_table_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "bench-3000.db"
    monkeypatch.setattr(runner, "bench_file", lambda rows: path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as c:
        c.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    engine.dispose()
    args = runner.parse_args(["--rows", "3000"])
    with pytest.raises(store.NotOurs), runner.bench_database(args, lambda _message: None):
        pass
    assert path.exists()  # the file with someone else's table is left as it was


# --- The naive baseline draws the same page -------------------------------------------


def _filters(status: dict) -> list[Filters]:
    """The first view, the live view, a date range, and the first view with values chosen."""
    first, last = default_filters(status), status["max_date"]
    days = Filters("dates", date_start=last - dt.timedelta(days=3), date_end=last)
    out = [first, Filters(REALTIME), days]
    for dimension in MODEL.dimensions:
        values = tuple(data.load_members(dimension.name).value["value"][:2].tolist())
        out.append(dataclasses.replace(first, picks=((dimension.name, values),)))
    return out


def _same(ours, theirs, what: str) -> None:
    if isinstance(ours, pd.DataFrame):
        assert list(ours.columns) == list(theirs.columns), what
        # A detail page's keys hold the time as stored (text on SQLite): compared as times.
        keys = [name for name in ours.columns if name.startswith("_key_")]
        ours, theirs = floats(ours).copy(), floats(theirs).copy()  # naive adds floats
        for name in keys:
            ours[name] = [str(times.parse(v) or v) for v in ours[name]]
            theirs[name] = [str(times.parse(v) or v) for v in theirs[name]]
        pd.testing.assert_frame_equal(
            ours.reset_index(drop=True),
            theirs.reset_index(drop=True),
            check_dtype=False,
            check_exact=False,
            obj=what,
        )
    else:  # naive adds money in pandas, as floats: compared as floats
        assert floats(ours) == floats(theirs), what


def test_naive_loaders_give_the_data_layers_results(use_database):
    stats.begin_run()  # naive reads the tables once per script run
    status = data.load_status().value
    _same(status, naive.load_status().value, "status")
    for dimension in MODEL.dimensions:
        name = dimension.name
        _same(data.load_members(name).value, naive.load_members(name).value, name)
    if MODEL.page.lookup:
        _same(data.load_lookup().value, naive.load_lookup().value, "lookup")
    for f in _filters(status):
        _same(data.load_totals(f).value, naive.load_totals(f).value, f"totals {f}")
        for section in MODEL.page.sections:
            ours, theirs = data.load_section(f, section), naive.load_section(f, section)
            _same(ours.value, theirs.value, f"{section.key} {f}")
        if MODEL.page.detail:
            _same(data.load_detail_count(f).value, naive.load_detail_count(f).value, "count")
            ours, theirs = data.load_detail_page(f, 25), naive.load_detail_page(f, 25)
            _same(ours.value, theirs.value, f"detail {f}")
