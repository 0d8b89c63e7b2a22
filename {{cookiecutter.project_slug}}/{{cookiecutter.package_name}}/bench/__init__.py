"""Benchmark of the dashboard: ``python -m <package> bench`` (see runner.py for the steps).

Modules: runner (command line, order of the steps, targets), keys (the filter windows,
from the model), inprocess (full runs in this process: floor, warm, cold, naive), naive
(the baseline data layer), live (real servers: fragments, stampede, latency), wsclient
(a browser tab over the websocket), servers (`streamlit run` and the production server),
memory (RSS against filter keys), report (table and chart).

Everything it measures comes from model.py: the tables it fills (synthetic.py), the
filter that moves, the sections and their controls.
"""

from __future__ import annotations

import logging


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (``argv`` as after ``bench``); returns the exit status."""
    # The loaders are imported outside a Streamlit server here, where each cached
    # function logs a harmless "No runtime found" warning: keep the report readable.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    from .runner import main as run_main

    return run_main(argv)
