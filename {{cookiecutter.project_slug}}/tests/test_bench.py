"""The benchmark runs end to end in quick mode on the backend under test, so it never rots.

Backend: the project's own, or ``DASH_TEST_BACKEND`` (MySQL server from ``TEST_MYSQL_URL``;
without a server the test skips, unless ``CI`` is set). Timings are not asserted
(machines differ); the counts and the shape of the result are.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from conftest import BACKEND, _mysql_server

from {{ cookiecutter.package_name }} import bench, db

KEYS = [
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
    "latency",
    "memory",
    "environment",
    "server_settings",
    "ratios",
    "targets",
]


def _bench_url(tmp_path: Path) -> tuple[str, list[str]]:
    """A database URL for the bench and the extra options (seed it; drop it on MySQL)."""
    if BACKEND == "sqlite":
        return f"sqlite:///{tmp_path / 'bench.db'}", ["--seed"]
    server = _mysql_server()  # fails in CI, skips elsewhere, when no server answers
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
    assert result["warm_queries"] == 0  # a warm rerun never reaches the database
    assert result["queries_per_cold_run"] > 0
    assert result["stampede_sessions"] >= 20
    # Streamlit's per-key lock: many tabs at once cost what one tab costs.
    assert result["stampede_queries"] <= result["queries_per_cold_run"]
    for kind in ("streamlit run", "production"):
        for level in result["latency"][kind].values():
            assert 0 < level["p50_ms"] <= level["p95_ms"]
    assert result["memory"]["rss_mb"] > 0
    assert chart.is_file() and chart.stat().st_size > 0
    assert not (db.PROJECT_ROOT / f".bench_entry_{os.getpid()}.py").exists()  # cleaned up
