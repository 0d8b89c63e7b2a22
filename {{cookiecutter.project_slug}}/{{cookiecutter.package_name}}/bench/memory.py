"""Memory: does the cache bound hold when users keep asking for new filters?

Every distinct filter key adds entries to the loaders' caches. Unbounded, memory grows
with every key until the server is killed; with ``max_entries`` / ``max_size`` on each
loader, old entries are evicted and resident memory levels off. The measurement runs in
a fresh child process (so the bench's own memory does not blur it), calls the page's
loaders for N distinct keys, and reads the resident set size (RSS) at N/2 and N.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys

from . import keys as filter_keys
from .servers import PROJECT_ROOT, rss_mb


def measure_memory(database_url: str, keys: list[filter_keys.Window]) -> dict[str, float]:
    """memory: RSS after len(keys) distinct filter keys, and after half of them.

    ``rss_growth_pct`` compares the two: a bounded cache keeps it small (target: 20 %).
    """
    job = {"url": database_url, "keys": [filter_keys.to_json(window) for window in keys]}
    # A clean interpreter (not a fork of ours) that prints its result as JSON.
    done = subprocess.run(
        [sys.executable, "-m", __name__, json.dumps(job)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"The memory probe failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def _child(database_url: str, keys: list[filter_keys.Window]) -> dict[str, float]:
    """Runs in the child: the overview page's loaders (the KPIs and every section of the
    model) for every key, RSS at the midpoint."""
    os.environ["DATABASE_URL"] = database_url
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "no runtime" warnings
    from .. import data
    from ..model import MODEL

    data.load_status()
    half = len(keys) // 2
    rss_half = 0.0
    for i, window in enumerate(keys, start=1):
        f = filter_keys.filters(window)
        data.load_totals(f)
        for section in MODEL.page.sections:
            data.load_section(f, section)
        if i == half:
            gc.collect()
            rss_half = rss_mb()
    gc.collect()
    rss_full = rss_mb()
    return {
        "memory_keys": len(keys),
        "rss_mb_half": rss_half,
        "rss_mb": rss_full,
        "rss_growth_pct": round((rss_full - rss_half) / rss_half * 100, 1) if rss_half else 0.0,
    }


if __name__ == "__main__":
    job = json.loads(sys.argv[1])
    windows = [filter_keys.from_json(values) for values in job["keys"]]
    print(json.dumps(_child(job["url"], windows)))
