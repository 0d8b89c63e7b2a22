"""``inspect`` proposes a model.py from someone's database, and only reads it.

Generic: the database is a made-up clinic (patients, doctors, wards and visits) that shares
no table or column name with the demo, built in a scratch database of the backend under
test. The proposal must pass the project's ruff as written and build a valid Model.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BACKEND, cli, error_line, scratch_database, unchecked_foreign_keys
from faultkit import fingerprint, journal_mode
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    func,
    make_url,
    select,
)

from {{ cookiecutter.package_name }} import db, inspection, modeling, queries

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).parent / "ruff"
VISITS = 360
START = dt.datetime(2024, 2, 1, 8, 0)
KINDS = ("checkup", "urgent", "follow-up")


def clinic(keys: bool = True) -> MetaData:
    """The clinic's tables; ``keys=False``: the same without foreign key constraints."""
    metadata = MetaData()

    def refers(target: str) -> list:
        return [ForeignKey(target)] if keys else []

    Table(
        "wards",
        metadata,
        Column("ward_id", Integer, primary_key=True, autoincrement=False),
        Column("ward_name", String(40), nullable=False),
    )
    Table(
        "doctors",
        metadata,
        Column("doctor_id", Integer, primary_key=True, autoincrement=False),
        Column("surname", String(60), nullable=False),
        Column("ward_id", Integer, *refers("wards.ward_id"), nullable=False),
    )
    Table(
        "patients",
        metadata,
        Column("patient_id", Integer, primary_key=True, autoincrement=False),
        Column("full_name", String(80), nullable=False),
        Column("city", String(40)),
    )
    Table(
        "visits",
        metadata,
        Column("visit_id", Integer, primary_key=True, autoincrement=False),
        Column("patient_id", Integer, *refers("patients.patient_id"), nullable=False),
        Column("doctor_id", Integer, *refers("doctors.doctor_id"), nullable=False),
        Column("visited_at", DateTime, nullable=False),
        Column("fee", Numeric(10, 2), nullable=False),
        Column("minutes", Integer, nullable=False),
        Column("kind", String(20), nullable=False),
    )
    return metadata


def build(url: str, metadata: MetaData) -> None:
    """Create the tables and a few hundred deterministic rows."""
    rows = {
        "wards": [{"ward_id": i, "ward_name": f"Ward {i}"} for i in range(1, 5)],
        "doctors": [
            {"doctor_id": i, "surname": f"Doctor {i}", "ward_id": i % 4 + 1} for i in range(1, 13)
        ],
        "patients": [
            {"patient_id": i, "full_name": f"Patient {i}", "city": f"Town {i % 6}"}
            for i in range(1, 121)
        ],
        "visits": [
            {
                "visit_id": i,
                "patient_id": i * 7 % 120 + 1,
                "doctor_id": i % 12 + 1,
                "visited_at": START + dt.timedelta(minutes=97 * i),
                "fee": 25 + i % 40 + 0.5,
                "minutes": 10 + i % 35,
                "kind": KINDS[i % 3],
            }
            for i in range(1, VISITS + 1)
        ],
    }
    engine = create_engine(url)
    try:
        metadata.create_all(engine)
        with engine.begin() as c:
            for table in metadata.sorted_tables:
                if rows.get(table.name):
                    c.execute(table.insert(), rows[table.name])
    finally:
        engine.dispose()


@pytest.fixture
def clinic_url(tmp_path):
    with scratch_database(tmp_path, "clinic") as url:
        build(url, clinic())
        yield url


@pytest.fixture
def loose_url(tmp_path):
    """The clinic without a single foreign key constraint (keys only by name)."""
    with scratch_database(tmp_path, "loose") as url:
        build(url, clinic(keys=False))
        yield url


def propose(url: str, fact: str | None = None) -> inspection.Proposal:
    return inspection.inspect_database(make_url(url), fact)


def load(source: str) -> modeling.Model:
    """Run the proposed model.py as the package would import it; its MODEL."""
    package = modeling.__name__.rsplit(".", 1)[0]
    code = source.replace("from .modeling import", f"from {package}.modeling import")
    namespace: dict = {}
    exec(compile(code, "model.py", "exec"), namespace)  # Model() checks itself when built
    return namespace["MODEL"]


def assert_ruff_passes(source: str, tmp_path: Path) -> None:
    """ruff check and ruff format --check, with the project's settings, on the file as is."""
    if not RUFF.exists():
        pytest.fail(f"ruff is not installed next to {sys.executable}: pip install -e '.[dev]'")
    path = tmp_path / "model.py"
    path.write_text(source, encoding="utf-8")
    config = str(ROOT / "pyproject.toml")
    for args in (["check", "--no-cache"], ["format", "--check", "--diff", "--no-cache"]):
        out = subprocess.run(
            [str(RUFF), *args, "--config", config, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, f"ruff {args[0]}:\n{out.stdout}{out.stderr}"


def command(url: str, *args: str) -> subprocess.CompletedProcess:
    return cli(url, "inspect", *args)


# --- The proposal ------------------------------------------------------------------------


def test_the_proposal_is_a_valid_model_that_passes_ruff(clinic_url, tmp_path):
    before = fingerprint(clinic_url)
    mode = journal_mode(clinic_url) if BACKEND == "sqlite" else None
    proposal = propose(clinic_url)
    assert fingerprint(clinic_url) == before  # read only
    if mode is not None:
        assert journal_mode(clinic_url) == mode  # not even switched to WAL

    assert_ruff_passes(proposal.source, tmp_path)
    model = load(proposal.source)
    assert model.fact.name == "visits" and model.time.name == "visited_at"
    assert model.period is None and model.modes == ("realtime", "dates")
    assert [t.name for t in model.tables] == ["visits", "patients", "doctors", "wards"]
    # The model declares only the tables it uses, with the keys the database declares.
    assert set(model.fact.metadata.tables) == {"visits", "patients", "doctors", "wards"}
    assert {fk.target_fullname for fk in model.fact.foreign_keys} == {
        "patients.patient_id",
        "doctors.doctor_id",
    }

    dimensions = {d.name: d for d in model.dimensions}
    assert {"patient", "doctor", "ward", "kind"} <= set(dimensions)
    assert dimensions["doctor"].within == "ward"
    assert dimensions["doctor"].column.name == "surname"
    assert dimensions["doctor"].key.name == "doctor_id"
    assert dimensions["ward"].column.name == "ward_name"
    assert dimensions["patient"].column.name == "full_name"
    assert dimensions["kind"].column.table is model.fact and dimensions["kind"].key is None
    for name in dimensions:
        assert name.isidentifier() and name not in inspection.TAKEN_KEYS

    measures = {m.name: m for m in model.measures}
    assert isinstance(measures["rows"].formula, modeling.Count)
    assert measures["fee"].kind == modeling.MONEY
    assert measures["minutes"].kind == modeling.COUNT
    assert isinstance(measures["distinct_patient_id"].formula, modeling.CountDistinct)
    assert "visit_id" not in measures  # keys are not summed
    assert model.page.kpis[0] == "fee" and len(model.page.kpis) <= 5  # money first

    sections = model.page.sections
    keys = [section.key for section in sections]
    assert keys[0] == "over_time" and len(set(keys)) == len(keys)
    assert sections[0].grain == modeling.AUTO
    # Four dimensions: the two largest ranked, a breakdown by the smallest.
    assert [type(s) for s in sections] == [
        modeling.Series,
        modeling.Ranking,
        modeling.Ranking,
        modeling.Breakdown,
    ]
    detail = model.page.detail
    assert [f.name for f in detail.fields[:2] if isinstance(f, modeling.Field)] == [
        "visited_at",
        "visit_id",
    ]
    assert set(dimensions) <= {f for f in detail.fields if isinstance(f, str)}
    assert [str(e) for e in detail.order_by] == [
        str(model.time.desc()),
        str(model.fact.c.visit_id.desc()),
    ]
    assert model.page.lookup is None

    # The file says where it comes from and what to review by hand.
    assert f"python -m {db.PACKAGE} inspect" in proposal.source
    assert db.describe(make_url(clinic_url)) in proposal.source
    assert "Review by hand:" in proposal.source
    assert "translate" in proposal.source and "No period was guessed" in proposal.source
    assert not any("Guessed" in point for point in proposal.review)  # every key is declared


SUBJECTS = ("Maths", "Music", "Chemistry")
# Teacher -> the subjects they teach: one each, every fourth two, teacher 30 none.
TAUGHT = {i: (i % 3 + 1, *((i + 1) % 3 + 1,) * (i % 4 == 0)) for i in range(1, 30)}


def school() -> tuple[MetaData, dict[str, list[dict]]]:
    """A school's enrolments, with what ordinary schemas hold: a cycle of keys (a school's
    head is a teacher, who teaches at a school), a binary photo, free text (addresses), a
    one-value column (the term), a small lookup (5 rooms) with no text at all, two paths to
    the school (the teacher's and the room's), narrow types, and a link table (the
    subjects a teacher teaches)."""
    metadata = MetaData()
    # DuckDB cannot close a cycle of keys (no ALTER TABLE ... ADD FOREIGN KEY): there the
    # head teacher is a plain column.
    closing = [] if BACKEND == "duckdb" else [ForeignKey("teachers.teacher_id", use_alter=True)]
    Table(
        "schools",
        metadata,
        Column("school_id", Integer, primary_key=True, autoincrement=False),
        Column("school_name", String(40), nullable=False),
        Column("head_teacher_id", Integer, *closing),
    )
    Table(
        "teachers",
        metadata,
        Column("teacher_id", Integer, primary_key=True, autoincrement=False),
        Column("surname", String(40), nullable=False),
        Column("home_address", String(120), nullable=False),
        Column("photo", LargeBinary),
        Column("school_id", Integer, ForeignKey("schools.school_id"), nullable=False),
    )
    Table(
        "rooms",
        metadata,
        Column("room_id", Integer, primary_key=True, autoincrement=False),
        Column("floor", Integer, nullable=False),
        Column("school_id", Integer, ForeignKey("schools.school_id"), nullable=False),
    )
    Table("subjects", metadata, Column("subject_id", Integer, primary_key=True),
          Column("subject_name", String(20), nullable=False))  # fmt: skip
    Table(  # a link table: a teacher teaches several subjects, or none
        "teacher_subjects",
        metadata,
        Column("teacher_id", Integer, ForeignKey("teachers.teacher_id"), primary_key=True),
        Column("subject_id", Integer, ForeignKey("subjects.subject_id"), primary_key=True),
    )
    Table(
        "enrolments",
        metadata,
        Column("enrolment_id", Integer, primary_key=True, autoincrement=False),
        Column("teacher_id", Integer, ForeignKey("teachers.teacher_id"), nullable=False),
        Column("room_id", Integer, ForeignKey("rooms.room_id"), nullable=False),
        Column("enrolled_at", DateTime, nullable=False),
        Column("fee", Numeric(5, 2), nullable=False),
        Column("term", String(6), nullable=False),
        Column("level", String(5), nullable=False),
    )
    rows = {
        "schools": [
            {"school_id": i, "school_name": f"School {i}", "head_teacher_id": i} for i in (1, 2)
        ],
        "teachers": [
            {
                "teacher_id": i,
                "surname": f"Teacher {i}",
                "photo": bytes([i, 0, 255]),
                "home_address": f"{i * 17} Long Street, flat {i}, 4th floor, Springfield",
                "school_id": i % 2 + 1,
            }
            for i in range(1, 31)
        ],  # fmt: skip
        "rooms": [{"room_id": i, "floor": i // 3, "school_id": i % 2 + 1} for i in range(1, 6)],
        "subjects": [{"subject_id": i, "subject_name": n} for i, n in enumerate(SUBJECTS, 1)],
        "teacher_subjects": [
            {"teacher_id": teacher, "subject_id": subject}
            for teacher, taught in TAUGHT.items()
            for subject in taught
        ],
        "enrolments": [
            {
                "enrolment_id": i,
                "teacher_id": i % 30 + 1,
                "room_id": i % 5 + 1,
                "enrolled_at": START + dt.timedelta(hours=7 * i),
                "fee": 10 + i % 80 + 0.25,
                "term": "2024-1",
                "level": ("A1", "A2", "B1", "B2")[i % 4],
            }
            for i in range(1, VISITS + 1)
        ],  # fmt: skip
    }
    return metadata, rows


SCHOOL_REST = ("subjects", "teacher_subjects", "enrolments")


def test_choices_a_person_would_make_on_an_ordinary_schema(tmp_path):
    """No one-value or free-text dimension, no distinct count of a 5-row lookup, a table
    with no text named by number, hierarchies only towards the smaller table, the longer
    path to a table written beside the join, money first on the cards; every skipped
    candidate listed with its reason."""
    metadata, rows = school()
    with scratch_database(tmp_path, "school") as url:
        engine = create_engine(url)
        try:
            metadata.create_all(engine)
            with engine.begin() as c, unchecked_foreign_keys(c):
                for name in ("schools", "teachers", "rooms", *SCHOOL_REST):
                    c.execute(metadata.tables[name].insert(), rows[name])
        finally:
            engine.dispose()
        proposal = propose(url)
        assert_ruff_passes(proposal.source, tmp_path)
        model = load(proposal.source)

        dimensions = {d.name: d for d in model.dimensions}
        assert set(dimensions) == {"teacher", "room", "school", "level", "subject"}
        assert dimensions["teacher"].column.name == "surname"  # not the address
        assert dimensions["teacher"].within == "school"
        assert dimensions["school"].within is None  # not within its head teacher
        assert 'numbered("Room", rooms.c.room_id)' in proposal.source
        skipped = next(p for p in proposal.review if p.startswith("Not proposed as dimensions"))
        assert "enrolments.term (one value" in skipped
        skipped = next(p for p in proposal.review if p.startswith("Not proposed as measures"))
        assert "distinct enrolments.room_id (rooms has 5 rows" in skipped
        assert "distinct_room_id" not in {m.name for m in model.measures}
        assert "distinct_teacher_id" in {m.name for m in model.measures}
        assert model.page.kpis[0] == "fee"  # money first
        assert "# Another path reaches schools: rooms.school_id -> schools.school_id" in (
            proposal.source
        )
        rankings = [s for s in model.page.sections if isinstance(s, modeling.Ranking)]
        assert [r.dimension for r in rankings] == ["teacher", "room"]
        # The link table: joined many=True, its subject the page's table, in no share and
        # no detail column.
        assert "Join(teacher_subjects, teachers.c.teacher_id == teacher_subjects.c.teacher_id, " \
            "many=True)" in proposal.source  # fmt: skip
        subject = dimensions["subject"]
        assert model.bridged(subject) and not model.bridged(dimensions["teacher"])
        tables = [s for s in model.page.sections if isinstance(s, modeling.Breakdown)]
        assert [b.dimension for b in tables] == ["subject"]
        assert "subject" not in model.page.detail.fields
        assert not [s for s in model.page.sections if isinstance(s, modeling.Share)]

        # The numbered label, in SQL on this backend: "Room 1"... grouped and counted.
        room = dimensions["room"]
        fact = model.fact
        stmt = (
            select(room.column.label("room"), func.count().label("n"))
            .select_from(fact.join(room.key.table, fact.c.room_id == room.key))
            .group_by(room.column)
            .order_by(room.column)
        )
        engine = create_engine(url)
        try:
            with engine.connect() as c:
                counted = [tuple(row) for row in c.execute(stmt)]
        finally:
            engine.dispose()
        assert counted == [(f"Room {i}", VISITS // 5) for i in range(1, 6)]

        # Chosen subjects through the link table, on this backend: each enrolment whose
        # teacher teaches one of them counts once (EXISTS), as plain SQL counts it.
        teachers = dimensions["teacher"].key.table
        joined = fact.join(teachers, fact.c.teacher_id == teachers.c.teacher_id)
        chosen = queries.linked(model.bridge(subject.match), subject.match.in_([1, 2]))
        by_link = select(func.count()).select_from(joined).where(chosen)
        teaching = {t for t, taught in TAUGHT.items() if {1, 2} & set(taught)}
        want = sum(1 for i in range(1, VISITS + 1) if i % 30 + 1 in teaching)
        engine = create_engine(url)
        try:
            with engine.connect() as c:
                assert c.execute(by_link).scalar() == want
                plain = c.exec_driver_sql(
                    "SELECT COUNT(*) FROM enrolments e WHERE EXISTS (SELECT 1 FROM "
                    "teacher_subjects ts WHERE ts.teacher_id = e.teacher_id AND "
                    "ts.subject_id IN (1, 2))"
                ).scalar()
        finally:
            engine.dispose()
        assert plain == want


def test_without_foreign_keys_the_joins_are_guessed_and_listed(loose_url, tmp_path):
    proposal = propose(loose_url)
    assert_ruff_passes(proposal.source, tmp_path)
    model = load(proposal.source)
    assert [t.name for t in model.tables] == ["visits", "patients", "doctors", "wards"]
    assert model.dimension("doctor").within == "ward"
    assert not model.fact.foreign_keys  # a guess is not declared as a key
    guessed = [point for point in proposal.review if point.startswith("Guessed key")]
    assert len(guessed) == 3
    for link in (
        "visits.patient_id -> patients.patient_id",
        "visits.doctor_id -> doctors.doctor_id",
        "doctors.ward_id -> wards.ward_id",
    ):
        assert any(link in point for point in guessed), guessed
        assert link in proposal.source  # in the docstring and next to the join


def test_odd_names_still_make_valid_python(tmp_path):
    """Names with spaces, keywords and the names of methods: quoted, never attributes."""
    metadata = MetaData()
    Table(
        "lab results",
        metadata,
        Column("result id", Integer, primary_key=True, autoincrement=False),
        Column("taken at", Date, nullable=False),
        Column("from", Integer, nullable=False),
        Column("keys", Float, nullable=False),
        Column("class", String(10), nullable=False),
    )
    rows = [
        {
            "result id": i,
            "taken at": dt.date(2024, 1, 1) + dt.timedelta(days=i % 30),
            "from": i,
            "keys": i / 4,
            "class": "abc"[i % 3],
        }
        for i in range(1, 61)
    ]
    with scratch_database(tmp_path, "odd") as url:
        engine = create_engine(url)
        try:
            metadata.create_all(engine)
            with engine.begin() as c:
                c.execute(metadata.tables["lab results"].insert(), rows)
        finally:
            engine.dispose()
        proposal = propose(url, fact="lab results")
    assert_ruff_passes(proposal.source, tmp_path)
    model = load(proposal.source)
    assert model.fact.name == "lab results" and model.time.name == "taken at"
    assert model.dimension("class_").column.name == "class"
    assert {"from_", "keys"} <= {m.name for m in model.measures}
    assert '.c["keys"]' in proposal.source and '.c["from"]' in proposal.source


def test_inspect_records_how_the_time_column_is_stored(tmp_path):
    """A DATETIME column as the database types it (native), or, where it holds text (SQLite),
    in the form other tools wrote: '2024-02-01 08:00:00' (or a date alone) or with a T."""
    forms = {modeling.NATIVE: None}
    if db.dialect_module(make_url(f"{BACKEND}://")).TIMES_ARE_TEXT:
        forms |= {modeling.ISO_TEXT: "%Y-%m-%d %H:%M:%S", modeling.ISO_TEXT_T: "%Y-%m-%dT%H:%M"}
    for form, written in forms.items():
        with scratch_database(tmp_path, f"form_{form}") as url:
            build(url, clinic())
            if written:
                engine = create_engine(url)
                with engine.begin() as c:
                    for i in range(1, VISITS + 1):
                        moment = START + dt.timedelta(minutes=97 * i)
                        c.exec_driver_sql(
                            "UPDATE visits SET visited_at = ? WHERE visit_id = ?",
                            (moment.strftime(written) if i % 5 else moment.date().isoformat(), i),
                        )
                engine.dispose()
            proposal = propose(url)
        assert f"time_stored={form.upper()}," in proposal.source, form
        assert load(proposal.source).time_stored == form
        assert ("holds its times as text" in proposal.source) is (written is not None)


def test_unix_seconds_are_the_time_and_no_measure(tmp_path):
    """An integer column named for a time, holding seconds since 1970 as event logs do: the
    time column (UNIX_SECONDS), said with an example in UTC, and not summed as a measure."""
    metadata = MetaData()
    payments = Table(
        "payments",
        metadata,
        Column("payment_id", Integer, primary_key=True, autoincrement=False),
        Column("paid_ts", BigInteger, nullable=False),
        Column("amount", Numeric(10, 2), nullable=False),
    )
    epoch = dt.datetime(1970, 1, 1)
    rows = [
        {"payment_id": i, "amount": i % 50 + 0.25,
         "paid_ts": int((START + dt.timedelta(minutes=97 * i) - epoch).total_seconds())}
        for i in range(1, 301)
    ]  # fmt: skip
    with scratch_database(tmp_path, "unix_seconds") as url:
        engine = create_engine(url)
        metadata.create_all(engine)
        with engine.begin() as c:
            c.execute(payments.insert(), rows)
        engine.dispose()
        proposal = propose(url)
    assert_ruff_passes(proposal.source, tmp_path)
    model = load(proposal.source)
    assert model.time.name == "paid_ts" and model.time_stored == modeling.UNIX_SECONDS
    assert "paid_ts" not in proposal.measures and "amount" in proposal.measures
    first = START + dt.timedelta(minutes=97)
    seconds = rows[0]["paid_ts"]
    note = f"payments.paid_ts holds Unix seconds (such as {seconds}, {first:%Y-%m-%d %H:%M} UTC)"
    assert any(line.startswith(note) for line in proposal.review), proposal.review


def test_times_no_iso_form_reads_are_named_by_their_pattern():
    """The review names what an unreadable time looks like, so the fix is clear."""
    named = {
        "01/02/2024 06:19": "day/month/year or month/day/year: ambiguous",
        "31.01.2024": "day.month.year",
        "Jan 5 2024": "a month's name first",
        "5 January 2024 10:00": "a month's name",
        "1706774400": "Unix seconds written as text",
        "1706774400000": "Unix milliseconds written as text",
        "20240131": "digits without separators (YYYYMMDD)",
        "2024-13-45 10:00": None,  # ISO-looking, but no such month: named by its example
    }
    assert {value: inspection.text_pattern(value) for value in named} == named


def test_a_view_can_be_the_fact(clinic_url, tmp_path):
    """--fact names a view (a client's denormalised sales, say): read like a table."""
    engine = create_engine(clinic_url)
    with engine.begin() as c:
        c.exec_driver_sql(
            "CREATE VIEW v_visits AS SELECT visit_id, visited_at, fee, minutes, kind FROM visits"
        )
    engine.dispose()
    before = fingerprint(clinic_url)
    proposal = propose(clinic_url, fact="v_visits")
    assert_ruff_passes(proposal.source, tmp_path)
    model = load(proposal.source)
    assert model.fact.name == "v_visits" and model.time.name == "visited_at"
    assert "v_visits is a view" in proposal.source
    assert fingerprint(clinic_url) == before


def test_a_dimension_of_more_than_1000_values_is_marked_searched(tmp_path):
    """1,200 customers: too many for a list, so inspect marks the dimension (its filter
    searches as you type); the 3 regions stay a list."""
    metadata = MetaData()
    Table(
        "regions",
        metadata,
        Column("region_id", Integer, primary_key=True, autoincrement=False),
        Column("region_name", String(20), nullable=False),
    )
    Table(
        "customers",
        metadata,
        Column("customer_id", Integer, primary_key=True, autoincrement=False),
        Column("customer_name", String(40), nullable=False),
    )
    Table(
        "sales",
        metadata,
        Column("sale_id", Integer, primary_key=True, autoincrement=False),
        Column("sold_at", DateTime, nullable=False),
        Column("customer_id", Integer, ForeignKey("customers.customer_id"), nullable=False),
        Column("region_id", Integer, ForeignKey("regions.region_id"), nullable=False),
        Column("amount", Numeric(10, 2), nullable=False),
    )
    with scratch_database(tmp_path, "many_customers") as url:
        engine = create_engine(url)
        metadata.create_all(engine)
        with engine.begin() as c:
            c.execute(metadata.tables["regions"].insert(), [
                {"region_id": i, "region_name": f"Region {i}"} for i in range(1, 4)
            ])  # fmt: skip
            c.execute(metadata.tables["customers"].insert(), [
                {"customer_id": i, "customer_name": f"Customer {i:05}"} for i in range(1, 1201)
            ])  # fmt: skip
            c.execute(metadata.tables["sales"].insert(), [
                {"sale_id": i, "sold_at": START + dt.timedelta(minutes=7 * i),
                 "customer_id": i % 1200 + 1, "region_id": i % 3 + 1, "amount": i % 90 + 0.5}
                for i in range(1, 2401)
            ])  # fmt: skip
        engine.dispose()
        proposal = propose(url)
    assert_ruff_passes(proposal.source, tmp_path)
    model = load(proposal.source)
    searched = {d.name: d.searched for d in model.dimensions}
    assert searched == {"region": False, "customer": True}, searched
    note = "customer has more than 1,000 values: its filter searches as you type"
    assert any(line.startswith(note) for line in proposal.review), proposal.review


def test_amounts_stored_as_text_are_named_with_the_fix(tmp_path):
    metadata = MetaData()
    payments = Table(
        "payments",
        metadata,
        Column("payment_id", Integer, primary_key=True, autoincrement=False),
        Column("paid_at", DateTime, nullable=False),
        Column("amount", String(20), nullable=False),
        Column("units", Integer, nullable=False),
    )
    rows = [
        {"payment_id": i, "paid_at": START + dt.timedelta(hours=i), "amount": f"{i * 1.25:.2f}",
         "units": i % 7}
        for i in range(1, 41)
    ]  # fmt: skip
    with scratch_database(tmp_path, "text_amounts") as url:
        engine = create_engine(url)
        metadata.create_all(engine)
        with engine.begin() as c:
            c.execute(payments.insert(), rows)
        engine.dispose()
        proposal = propose(url)
    assert "payments.amount holds amounts as text (such as" in proposal.source
    assert "amount" not in proposal.measures


# --- The command -------------------------------------------------------------------------


def test_the_command_prints_the_proposal(clinic_url, tmp_path):
    before = fingerprint(clinic_url)
    out = command(clinic_url)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout.startswith('"""') and "MODEL = Model(" in out.stdout
    assert "'visits'" in out.stderr.splitlines()[-1]  # the summary line
    assert fingerprint(clinic_url) == before
    assert load(out.stdout).fact.name == "visits"


def test_write_never_replaces_model_py_without_force(clinic_url):
    model_py = ROOT / db.PACKAGE / "model.py"
    before = model_py.read_bytes()
    message = error_line(command(clinic_url, "--write"))
    assert "model.py" in message and "--force" in message
    assert model_py.read_bytes() == before


def test_write_creates_the_file_and_replaces_it_only_with_force(clinic_url, tmp_path, capsys):
    target = tmp_path / "model.py"
    url = make_url(clinic_url)
    assert inspection.run(url, write_file=True, target=target) == 0
    written = target.read_text(encoding="utf-8")
    assert load(written).fact.name == "visits"
    assert str(target) in capsys.readouterr().err
    target.write_text("# edited by hand\n", encoding="utf-8")
    with pytest.raises(inspection.InspectionError, match="--force"):
        inspection.run(url, write_file=True, target=target)
    assert target.read_text(encoding="utf-8") == "# edited by hand\n"
    assert inspection.run(url, write_file=True, force=True, target=target) == 0
    assert "MODEL = Model(" in target.read_text(encoding="utf-8")


def test_an_unknown_fact_table_is_one_plain_error(clinic_url):
    message = error_line(command(clinic_url, "--fact", "nope"))
    assert "'nope'" in message
    for name in ("doctors", "patients", "visits", "wards"):
        assert name in message


def test_a_database_without_a_usable_table_is_one_plain_error(tmp_path):
    with scratch_database(tmp_path, "empty") as url:
        engine = create_engine(url)  # SQLite: the (empty) file exists
        with engine.connect():
            pass
        engine.dispose()
        message = error_line(command(url))
        assert "date/time column" in message and "numeric column" in message
        assert "none" in message  # the tables found

        names = MetaData()
        Table(
            "contacts",
            names,
            Column("contact_id", Integer, primary_key=True),
            Column("email", String(80)),
            Column("signed_up", DateTime),
        )
        build(url, names)
        before = fingerprint(url)
        message = error_line(command(url))
        assert "date/time column" in message and "contacts" in message
        assert fingerprint(url) == before


def test_table_names_become_one_and_many_in_words():
    """A dimension's label and plural come from its table's name: "shelves" is a shelf."""
    for many, one in {
        "shelves": "shelf",
        "categories": "category",
        "boxes": "box",
        "addresses": "address",
        "stores": "store",
    }.items():
        assert inspection.singular(many) == one, many
        assert inspection._plural(one) == many, one
