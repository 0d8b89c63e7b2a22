"""Turn the bench result into a table for people and a chart of latency against sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def _ratio(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}x"


def table(result: dict[str, Any]) -> str:
    """A plain-text report: environment, medians with ratios, latency, memory, targets."""
    env, r = result["environment"], result
    fill = r["bench_database"]
    how = {
        "filled": f"synthetic, filled now in {fill['fill_seconds']} s",
        "reused": "synthetic, filled on an earlier run",
    }.get(fill["fill"], "as found")
    window = " / ".join(r["filter_window"]["keys"])
    lines = [
        f"Benchmark of the dashboard ({'quick' if r['quick'] else 'full'} mode)",
        f"  database     {env['database']} ({r['rows']:,} rows of {r['fact']}, {how})",
        f"  filter keys  mode {r['filter_window']['mode']!r}, moving {window}",
        "  versions     " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()),
        f"  machine      {env['cpu_count']} CPU(s), {env['platform']}",
        "",
        *(_scale_lines(r) if "cold_range_ms" in r else []),
    ]
    if "latency" in r:  # not --scale: everything else
        lines += _page_lines(r)
{%- if cookiecutter.shared_cache == "redis" %}
    if "replicas" in r:
        lines += _replica_lines(r["replicas"])
{%- endif %}
    lines += ["", "Targets"]
    for name, t in r["targets"].items():
        mark = "met " if t["met"] else "MISS"
        lines.append(f"  [{mark}] {name}: {t['value']} (target {t['target']})")
        if not t["met"] and t.get("why"):
            lines.append(f"         why: {t['why']}")
    if r.get("chart"):
        lines += ["", f"Chart: {r['chart']}"]
    return "\n".join(lines)


{% if cookiecutter.shared_cache == "redis" -%}
def _replica_lines(r: dict[str, Any]) -> list[str]:
    """Replicas: throughput and latency, and SQL statements per new key."""
    lines = [
        f"Replicas: {r['sessions']} sessions in a closed loop, {r['rounds']} turn(s) of "
        f"{r['seconds_per_turn']:g} s each, side by side",
        "  deployment                       interactions/s      p50        p95   "
        "load gen CPU   servers CPU",
    ]
    for name in ("1 process", "2 processes behind the proxy"):
        d = r[name]
        lines.append(
            f"  {name:<31}{d['interactions_per_s']:>10.1f}{_ms(d['p50_ms']):>13}"
            f"{_ms(d['p95_ms']):>11}{d['load_generator_cpu_pct']:>11.1f} %"
            f"{d['servers_cpu_pct']:>12.1f} %"
        )
    lines.append(
        f"  new key, SQL statements: one cold run {r['queries_per_cold_run']}; 3 replicas "
        f"with the shared level {r['three_replicas_shared']}, without "
        f"{r['three_replicas_without_shared']}"
    )
    return lines


{% endif -%}
def _scale_lines(r: dict[str, Any]) -> list[str]:
    """History at scale: cold ranges raw against rollups, deep pages, rollup builds."""
    return [
        "History at scale: a cold page (every query, nothing cached), median",
        "  range           raw rows      rollups",
        *(
            f"  {name:<8}{_ms(v['raw']):>14}{_ms(v['rollup']):>13}   "
            f"({_ratio(r['ratios']['raw_over_rollup'][name])} faster)"
            for name, v in r["cold_range_ms"].items()
        ),
        f"  rollups      built in {r['rollup_build_s']} s ({r['rollup_rows']:,} rows); "
        f"one newly closed period in {r['rollup_incremental_s']} s",
        *(
            [
                f"  detail       first page {_ms(r['deep_page_ms']['first'])}, last page "
                f"{_ms(r['deep_page_ms']['last'])} of {r['deep_page_ms']['rows']:,} rows "
                f"(first page of 7: {_ms(r['deep_page_ms']['week'])})"
            ]
            if r.get("deep_page_ms")
            else []
        ),
    ]


def _page_lines(r: dict[str, Any]) -> list[str]:
    """In process, the real server, latency and memory."""
    lines = [
        "",
        "Full page run, in process (median)",
        f"  floor_ms     {_ms(r['floor_ms']):>12}   data already in memory: the limit",
        f"  warm_ms      {_ms(r['warm_ms']):>12}   every loader cached "
        f"({_ratio(r['ratios']['warm_over_floor'])} floor), {r['warm_queries']} SQL statements",
        f"  cold_ms      {_ms(r['cold_ms']):>12}   new filter key, "
        f"{r['queries_per_cold_run']} SQL statements per run",
        f"  naive_ms     {_ms(r['naive_ms']):>12}   no cache, SELECT * and pandas "
        f"({_ratio(r['ratios']['naive_over_warm'])} warm)",
        "",
        "Real server (production mode)",
        f"  full_ms      {_ms(r['full_ms']):>12}   whole page rerun",
        f"  fragment_ms  {_ms(r['fragment_ms']):>12}   one fragment's rerun "
        + (
            f"({_ratio(r['ratios']['full_over_fragment'])} faster)"
            if r["fragment_ms"] is not None
            else "(no control inside a fragment on this page)"
        ),
        f"  stampede     {r['stampede_sessions']} tabs at once on a cold key: "
        f"{r['stampede_queries']} SQL statements (one tab alone: {r['queries_per_cold_run']})",
        "",
        "Interaction latency, tabs changing filters at once (p50 / p95)",
    ]
    counts = list(next(iter(r["latency"].values())))
    lines.append("  sessions     " + "".join(f"{n:>22}" for n in counts))
    for kind, levels in r["latency"].items():
        cells = "".join(
            f"{levels[n]['p50_ms']:>10,.0f} /{levels[n]['p95_ms']:>7,.0f} ms" for n in counts
        )
        lines.append(f"  {kind:<13}{cells}")
    for kind, settings in r["server_settings"].items():
        lines.append(f"  {kind}: " + ", ".join(f"{k}={v}" for k, v in settings.items()))
    mem = r["memory"]
    lines += [
        "",
        f"Memory: RSS {mem['rss_mb_half']:,.0f} MB after {mem['memory_keys'] // 2} distinct "
        f"filter keys, {mem['rss_mb']:,.0f} MB after {mem['memory_keys']} "
        f"({mem['rss_growth_pct']:+.1f} %)",
    ]
    return lines


def chart(result: dict[str, Any], path: Path) -> Path | None:
    """PNG: p50 (solid) and p95 (dashed) latency against concurrent sessions, per server."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for kind, levels in result["latency"].items():
        sessions = [int(n) for n in levels]
        (line,) = ax.plot(sessions, [v["p50_ms"] for v in levels.values()], marker="o")
        ax.plot(
            sessions,
            [v["p95_ms"] for v in levels.values()],
            linestyle="--",
            marker=".",
            color=line.get_color(),
        )
        line.set_label(f"{kind} (p50; dashed p95)")
    ax.set_xticks(sorted({int(n) for levels in result["latency"].values() for n in levels}))
    ax.set_xlabel("concurrent sessions changing filters")
    ax.set_ylabel("latency until the page is complete (ms)")
    ax.set_title(f"Dashboard latency, {result['rows']:,} rows of {result['fact']}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
