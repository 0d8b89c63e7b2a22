"""What only PostgreSQL has (this file is in PostgreSQL projects only).

- ``timestamp with time zone``: read in DASHBOARD_TIME_ZONE (else the server's zone). A
  moment's day, hour, week, month and quarter are that zone's, as plain SQL ``AT TIME
  ZONE`` says, and a value read back is the clock time there;
- the dashboard's sessions are read-only and carry the statement timeout, set when the
  connection starts (a rollback cannot undo them);
- the page's statements carry bound parameters, never the filters' values
  (pg_stat_statements sees one shape per query).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Column, DateTime, MetaData, Table, make_url, select, text
from sqlalchemy.exc import SQLAlchemyError

from {{ cookiecutter.package_name }} import db, queries, times

# Around midnight UTC, where a zone's day is another than UTC's.
MOMENTS_UTC = [
    dt.datetime(2024, 2, 29, 23, 30),
    dt.datetime(2024, 3, 1, 2, 30),
    dt.datetime(2024, 3, 31, 23, 59),
    dt.datetime(2024, 12, 31, 22, 0),
    dt.datetime(2025, 1, 1, 3, 15),
]
ZONES = ["America/La_Paz", "Asia/Tokyo", "UTC"]


@pytest.mark.parametrize("zone", ZONES)
def test_times_with_a_zone_are_cut_in_the_configured_zone(fresh_database_url, monkeypatch, zone):
    monkeypatch.setenv("DASHBOARD_TIME_ZONE", zone)
    moments = Table("moments", MetaData(), Column("at", DateTime(timezone=True)))
    engine = db.make_engine(make_url(fresh_database_url))
    try:
        with engine.begin() as c:
            moments.create(c)
            utc = [{"at": m.replace(tzinfo=dt.UTC)} for m in MOMENTS_UTC]
            c.execute(moments.insert(), utc)
        at = moments.c.at
        with engine.connect() as c:
            ours = c.execute(
                select(
                    at,
                    times.day_of(at),
                    times.hour_of(at),
                    times.week_start(at),
                    times.month_start(at),
                    times.quarter_start(at),
                ).order_by(at)
            ).all()
            plain = c.execute(  # the plain SQL: the clock time in the zone, and its day
                text(
                    "SELECT at AT TIME ZONE :zone, CAST(at AT TIME ZONE :zone AS DATE) "
                    "FROM moments ORDER BY at"
                ),
                {"zone": zone},
            ).all()
        for (value, day, hour, week, month, quarter), (clock, plain_day) in zip(
            ours, plain, strict=True
        ):
            assert times.parse(value) == clock  # the clock time in the zone
            assert day == plain_day == clock.date()
            assert int(hour) == clock.hour
            assert week == times.start_of("week", clock.date())
            assert month == times.start_of("month", clock.date())
            assert quarter == times.start_of("quarter", clock.date())
    finally:
        engine.dispose()


def test_a_time_zone_that_is_not_a_name_is_refused(monkeypatch):
    monkeypatch.setenv("DASHBOARD_TIME_ZONE", "UTC -c default_transaction_read_only=off")
    with pytest.raises(ValueError, match="DASHBOARD_TIME_ZONE"):
        db.make_engine(make_url("postgresql://nobody@127.0.0.1:1/none"))


def test_the_dashboard_sessions_are_read_only_and_bounded(use_database):
    engine = db.get_engine()
    with engine.connect() as c:
        assert c.execute(text("SHOW default_transaction_read_only")).scalar() == "on"
        seconds = db.STATEMENT_TIMEOUT_SECONDS
        assert c.execute(text("SHOW statement_timeout")).scalar() == f"{seconds}s"
        c.rollback()  # a rollback does not undo what the connection started with
        assert c.execute(text("SHOW default_transaction_read_only")).scalar() == "on"
        with pytest.raises(SQLAlchemyError, match="read-only"):
            c.execute(text("CREATE TABLE never_created (x integer)"))


def test_the_page_statements_carry_parameters_not_values(use_database, status):
    f = queries.default_filters(status)
    engine = db.get_engine()
    with engine.connect() as c:
        found = queries.statements(c, f)
    values = [str(v) for v in (f.op_start, f.op_end) if v] + [
        d.isoformat() for d in (f.date_start, f.date_end) if d
    ]
    assert values
    for name, stmt in found.items():
        if stmt is None:
            continue
        sql = str(stmt.compile(dialect=engine.dialect))
        for value in values:  # psycopg binds each one on the server ($1, $2...)
            assert f"'{value}'" not in sql and f" {value} " not in sql, (name, value)
