"""A database nobody here designed: a clinic's visits (run with a baked project's Python).

    python tests/clinic.py URL create    # the schema and deterministic rows
    python tests/clinic.py URL check     # the app's page on it, in a real browser

It shares no table or column name with the restaurant demo, has foreign keys, a
low-cardinality text column and no period, as a consultant's client database might.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
)

metadata = MetaData()
wards = Table(
    "wards",
    metadata,
    Column("ward_id", Integer, primary_key=True),
    Column("ward_name", String(60), nullable=False),
)
doctors = Table(
    "doctors",
    metadata,
    Column("doctor_id", Integer, primary_key=True),
    Column("surname", String(60), nullable=False),
    Column("ward_id", Integer, ForeignKey("wards.ward_id"), nullable=False),
)
patients = Table(
    "patients",
    metadata,
    Column("patient_id", Integer, primary_key=True),
    Column("full_name", String(80), nullable=False),
    Column("city", String(40), nullable=False),
    Column("born", Date, nullable=False),
)
visits = Table(
    "visits",
    metadata,
    Column("visit_id", Integer, primary_key=True),
    Column("patient_id", Integer, ForeignKey("patients.patient_id"), nullable=False),
    Column("doctor_id", Integer, ForeignKey("doctors.doctor_id"), nullable=False),
    Column("visited_at", DateTime, nullable=False),
    Column("fee", Numeric(10, 2), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
)
VISITS = 6_000


def create(url: str) -> None:
    rng = random.Random(7)
    engine = create_engine(url)
    metadata.create_all(engine)
    start = dt.datetime(2024, 1, 1, 8)
    with engine.begin() as c:
        c.execute(wards.insert(), [{"ward_id": i, "ward_name": f"Ward {i}"} for i in range(1, 5)])
        c.execute(
            doctors.insert(),
            [
                {"doctor_id": i, "surname": f"Doctor {i}", "ward_id": i % 4 + 1}
                for i in range(1, 13)
            ],
        )
        c.execute(
            patients.insert(),
            [
                {
                    "patient_id": i,
                    "full_name": f"Patient {i}",
                    "city": rng.choice(["Sucre", "Tarija", "Oruro"]),
                    "born": dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20_000)),
                }
                for i in range(1, 401)
            ],
        )
        c.execute(
            visits.insert(),
            [
                {
                    "visit_id": i,
                    "patient_id": rng.randrange(1, 401),
                    "doctor_id": rng.randrange(1, 13),
                    "visited_at": start
                    + dt.timedelta(days=i * 90 // VISITS, minutes=rng.randrange(600)),
                    "fee": round(rng.uniform(20, 300), 2),
                    "minutes": rng.randrange(10, 60),
                    "kind": rng.choice(["checkup", "urgent", "follow-up", "surgery"]),
                }
                for i in range(1, VISITS + 1)
            ],
        )
    engine.dispose()


def check(url: str, project: Path) -> None:
    """The dashboard on the clinic's own database, in a real browser: KPIs and charts."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The page itself, without sign-in: the project's own tests/test_signin.py signs in.
    env = {**os.environ, "DATABASE_URL": url, "APP_STORE_URL": f"sqlite:///{project}/store.db"}
    env["DASHBOARD_AUTH"] = "none"
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                args=["--headless", "--no-sandbox", "--disable-gpu",
                      "--disable-background-networking"],
            )  # fmt: skip
            page = browser.new_page(viewport={"width": 1440, "height": 1400})
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
            page.locator('[data-testid="stMetric"]').first.wait_for()
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
                ".filter(c => c.querySelector('svg, canvas')).length >= 2"
            )
            metrics = page.locator('[data-testid="stMetric"]').count()
            values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
            charts = page.locator('[data-testid="stVegaLiteChart"]').count()
            errors = page.locator('[data-testid="stException"], [data-testid="stAlert"]').count()
            folder = Path(os.environ.get("DASH_TEST_ARTEFACTS") or project)
            page.screenshot(path=str(folder / "clinic.png"), full_page=True)
            browser.close()
        print(f"metrics={metrics} charts={charts} errors={errors} values={' | '.join(values)}")
        assert metrics >= 3 and charts >= 2 and errors == 0
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    target, action = sys.argv[1], sys.argv[2]
    if action == "create":
        create(target)
    else:
        check(target, Path(sys.argv[3]))
