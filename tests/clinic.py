"""A database nobody here designed: a clinic's visits (run with a baked project's Python).

    python tests/clinic.py URL create    # the schema and deterministic rows
    python tests/clinic.py URL check     # the app's page on it, in a real browser

It shares no table or column name with the restaurant demo, has foreign keys, a
low-cardinality text column and no period, as a consultant's client database might; the
traits ordinary schemas have: a cycle of keys (a ward's head is a doctor, who works in a
ward), a binary column (a patient's photo), free text (addresses, notes), a narrow type
(a co-payment in Numeric(4, 2)), a column with one value (the currency), a table with no
text (rooms, named "Room 1"...), two paths to one table (a visit's ward through its
doctor or through its room), a link table (a doctor's specialties: several, or none);
and the shapes real databases hold: a fact table without a
primary key, visits at midnight
(on SQLite written as text the usual way: '2024-01-19 00:00:00', or the date alone; on
MySQL as Unix seconds in a BIGINT column, as many event logs keep them), visits with no
time, one dated 2199, four visits loaded twice, and on SQLite a few times no ISO form reads
('01/02/2024 06:19').
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
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
)

metadata = MetaData()
wards = Table(
    "wards",
    metadata,
    Column("ward_id", Integer, primary_key=True),
    Column("ward_name", String(60), nullable=False),
    # The cycle: a ward's head is a doctor, and doctors work in a ward.
    Column("head_doctor_id", Integer, ForeignKey("doctors.doctor_id", use_alter=True)),
)
rooms = Table(  # no text at all: inspect names them "Room 1", "Room 2"...
    "rooms",
    metadata,
    Column("room_id", Integer, primary_key=True),
    Column("floor", Integer, nullable=False),
    Column("ward_id", Integer, ForeignKey("wards.ward_id"), nullable=False),
)
doctors = Table(
    "doctors",
    metadata,
    Column("doctor_id", Integer, primary_key=True),
    Column("surname", String(60), nullable=False),
    Column("ward_id", Integer, ForeignKey("wards.ward_id"), nullable=False),
)
specialties = Table(
    "specialties",
    metadata,
    Column("specialty_id", Integer, primary_key=True),
    Column("specialty_name", String(40), nullable=False),
)
doctor_specialties = Table(  # a link table: a doctor has several specialties, or none
    "doctor_specialties",
    metadata,
    Column("doctor_id", Integer, ForeignKey("doctors.doctor_id"), primary_key=True),
    Column("specialty_id", Integer, ForeignKey("specialties.specialty_id"), primary_key=True),
)
patients = Table(
    "patients",
    metadata,
    Column("patient_id", Integer, primary_key=True),
    Column("full_name", String(80), nullable=False),
    Column("city", String(40), nullable=False),
    Column("born", Date, nullable=False),
    Column("address", String(120), nullable=False),  # free text, never a filter
    Column("photo", LargeBinary, nullable=True),
)
visits = Table(
    "visits",
    metadata,
    Column("visit_id", Integer, nullable=False),  # no primary key, as in many ledgers
    Column("patient_id", Integer, ForeignKey("patients.patient_id"), nullable=False),
    Column("doctor_id", Integer, ForeignKey("doctors.doctor_id"), nullable=False),
    Column("room_id", Integer, ForeignKey("rooms.room_id"), nullable=False),
    Column("visited_at", DateTime, nullable=True),  # BIGINT Unix seconds on MySQL: create()
    Column("fee", Numeric(10, 2), nullable=False),
    Column("copay", Numeric(4, 2), nullable=False),  # 99.99 at most
    Column("minutes", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("currency", String(3), nullable=False),  # one value: "BOB"
    Column("notes", Text, nullable=True),  # free text
)
VISITS = 6_000
START = dt.datetime(2024, 1, 1, 8)
EPOCH = dt.datetime(1970, 1, 1)
MIDNIGHT_EVERY = 25  # every 25th visit is at midnight (its day's first moment)
NO_TIME = range(3_001, 3_031)  # 30 visits with a NULL time
UNREADABLE = {3_100: "01/02/2024 06:19", 3_101: "Jan 5 2024", 3_102: "2024-13-45 10:00"}
LOADED_TWICE = range(4_001, 4_005)  # 4 visits whose row is there twice, alike in every column
OUTLIER = (5_999, dt.datetime(2199, 5, 1, 12))  # a typing error, far after every other row
# Ranges whose first and last days hold midnight rows (and so does the day after each).
RANGES = (("2024-01-10", "2024-01-10"), ("2024-01-10", "2024-01-16"), ("2024-02-01", "2024-02-29"))
SPECIALTIES = ("Cardiology", "Paediatrics", "Surgery", "Dermatology", "Neurology")
# Doctor -> specialties (ids): most have one, every third has two, doctor 11 has none.
DOCTOR_SPECIALTIES = {doctor: (doctor % 5 + 1,) for doctor in range(1, 13)}
DOCTOR_SPECIALTIES.update({3: (4, 1), 6: (2, 4), 9: (5, 2), 12: (3, 2), 11: ()})
# A range filtered by two specialties (the URL names them: ?specialty=Paediatrics&...): a
# visit whose doctor has both counts once.
CHOSEN_SPECIALTIES = (2, 3)


def visit_time(i: int, minutes: int) -> dt.datetime | None:
    if i in NO_TIME:
        return None
    if i == OUTLIER[0]:
        return OUTLIER[1]
    day = START + dt.timedelta(days=i * 90 // VISITS)
    if i % MIDNIGHT_EVERY == 0:
        return dt.datetime.combine(day.date(), dt.time())
    return day + dt.timedelta(minutes=minutes)


def create(url: str, unix_seconds: bool | None = None) -> None:
    """The clinic's rows; ``unix_seconds``: visited_at as Unix seconds (default: on MySQL)."""
    rng = random.Random(7)
    engine = create_engine(url)
    if unix_seconds is None:
        unix_seconds = engine.dialect.name != "sqlite"
    if unix_seconds:
        visits.c.visited_at.type = BigInteger()
    metadata.create_all(engine)
    with engine.begin() as c:
        c.execute(
            wards.insert(),
            [{"ward_id": i, "ward_name": f"Ward {i}", "head_doctor_id": None} for i in range(1, 5)],
        )
        c.execute(
            doctors.insert(),
            [
                {"doctor_id": i, "surname": f"Doctor {i}", "ward_id": i % 4 + 1}
                for i in range(1, 13)
            ],
        )
        c.execute(
            specialties.insert(),
            [{"specialty_id": i, "specialty_name": name} for i, name in enumerate(SPECIALTIES, 1)],
        )
        c.execute(doctor_specialties.insert(), [
            {"doctor_id": doctor, "specialty_id": specialty}
            for doctor, owned in DOCTOR_SPECIALTIES.items() for specialty in owned
        ])  # fmt: skip
        for i in range(1, 5):  # the cycle closed once both sides exist
            c.execute(wards.update().where(wards.c.ward_id == i).values(head_doctor_id=i + 4))
        c.execute(
            rooms.insert(),
            [{"room_id": i, "floor": i // 3, "ward_id": i % 4 + 1} for i in range(1, 7)],
        )
        c.execute(
            patients.insert(),
            [
                {
                    "patient_id": i,
                    "full_name": f"Patient {i}",
                    "city": rng.choice(["Sucre", "Tarija", "Oruro"]),
                    "born": dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20_000)),
                    "address": f"Calle {rng.randrange(1, 90)} #{i * 37 % 1000}, zona "
                    f"{rng.choice(['Norte', 'Sur', 'Central'])}, departamento {i}",
                    "photo": None if i % 5 else bytes([137, 80, 78, 71, i % 256]),
                }
                for i in range(1, 401)
            ],
        )
        rows = [
            {
                "visit_id": i,
                "patient_id": rng.randrange(1, 401),
                "doctor_id": rng.randrange(1, 13),
                "room_id": rng.randrange(1, 7),
                "visited_at": visit_time(i, rng.randrange(600)),
                "fee": round(rng.uniform(20, 300), 2),
                "copay": round(rng.uniform(0, 40), 2),
                "minutes": rng.randrange(10, 60),
                "kind": rng.choice(["checkup", "urgent", "follow-up", "surgery"]),
                "currency": "BOB",
                "notes": None if i % 4 else f"Seen at the desk, ticket {i * 7919 % 100_000}",
            }
            for i in range(1, VISITS + 1)
        ]
        if unix_seconds:
            for row in rows:
                if row["visited_at"] is not None:
                    row["visited_at"] = int((row["visited_at"] - EPOCH).total_seconds())
        # A few visits loaded twice, as a re-run import leaves them (no key stops it).
        c.execute(visits.insert(), rows + [row for row in rows if row["visit_id"] in LOADED_TWICE])
        if engine.dialect.name == "sqlite" and not unix_seconds:  # text, as tools write it
            c.exec_driver_sql("UPDATE visits SET visited_at = substr(visited_at, 1, 19)")
            c.exec_driver_sql(
                "UPDATE visits SET visited_at = substr(visited_at, 1, 10) "
                f"WHERE visit_id % {MIDNIGHT_EVERY * 2} = 0"
            )
            for i, value in UNREADABLE.items():
                c.exec_driver_sql("UPDATE visits SET visited_at = ? WHERE visit_id = ?", (value, i))
    engine.dispose()


def expected(url: str, first: str, last: str, specialties: tuple = ()) -> dict[str, str]:
    """Plain SQL, written apart from the project: each KPI's digits for a range of days
    (with ``specialties``: the visits to a doctor with one of them, each once)."""
    engine = create_engine(url)
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    with engine.connect() as c:
        sample = c.exec_driver_sql(
            "SELECT visited_at FROM visits WHERE visited_at IS NOT NULL LIMIT 1"
        ).scalar()
        if isinstance(sample, int):  # Unix seconds: the range's first and next midnights
            where, bounds = (
                f"visited_at >= {mark} AND visited_at < {mark}",
                (
                    int((dt.datetime.fromisoformat(first) - EPOCH).total_seconds()),
                    int((dt.datetime.fromisoformat(last) - EPOCH).total_seconds()) + 86_400,
                ),
            )
        else:
            where, bounds = f"DATE(visited_at) BETWEEN {mark} AND {mark}", (first, last)
        if specialties:
            where += (
                " AND EXISTS (SELECT 1 FROM doctor_specialties ds WHERE ds.doctor_id = "
                f"visits.doctor_id AND ds.specialty_id IN ({', '.join([mark] * len(specialties))}))"
            )
            bounds = (*bounds, *specialties)
        row = c.exec_driver_sql(
            "SELECT COUNT(*), SUM(fee), SUM(copay), SUM(minutes), COUNT(DISTINCT patient_id) "
            f"FROM visits WHERE {where}",
            bounds,
        ).one()
    engine.dispose()
    count, fee, copay, minutes, patients = row
    return {
        "Visits": str(count),
        "Fee": str(round(float(fee or 0) * 100)),
        "Copay": str(round(float(copay or 0) * 100)),
        "Minutes": str(minutes or 0),
        "Patients": str(patients),
    }  # no "Doctors" card: a distinct count of 12 doctors, a small lookup, is no KPI


def shown_kpis(page) -> dict[str, str]:
    """Each KPI card's label and the digits of its value ("1.234,56 €" -> "123456")."""
    out = {}
    for card in page.locator('[data-testid="stMetric"]').all():
        name = card.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        value = card.locator('[data-testid="stMetricValue"]').inner_text()
        out[name] = "".join(ch for ch in value if ch.isdigit()).lstrip("0") or "0"
    return out


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
            # Ranges whose boundary days hold midnight rows: each KPI equals plain SQL.
            # The last: the whole range, filtered through the link table by two specialties.
            wrong = []
            cases = [(first, last, ()) for first, last in RANGES]
            cases.append(("2024-01-01", "2024-03-31", CHOSEN_SPECIALTIES))
            for first, last, chosen in cases:
                picks = "".join(f"&specialty={SPECIALTIES[i - 1]}" for i in chosen)  # by name
                page.goto(
                    f"http://127.0.0.1:{port}/?mode=dates&date_start={first}&date_end={last}{picks}"
                )
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
                page.locator('[data-testid="stMetric"]').first.wait_for()
                shown = shown_kpis(page)
                want = expected(url, first, last, chosen)
                print(f"{first}..{last} {picks}: shown {shown} / plain SQL {want}")
                for kpi, value in want.items():
                    if shown.get(kpi) != value:
                        wrong.append((first, last, chosen, kpi, shown.get(kpi), value))
                errors += page.locator('[data-testid="stException"]').count()
            browser.close()
        print(f"metrics={metrics} charts={charts} errors={errors} values={' | '.join(values)}")
        assert metrics >= 3 and charts >= 2 and errors == 0
        assert not wrong, f"KPIs that differ from plain SQL (range, KPI, shown, SQL): {wrong}"
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    target, action = sys.argv[1], sys.argv[2]
    if action == "create":
        create(target)
    else:
        check(target, Path(sys.argv[3]))
