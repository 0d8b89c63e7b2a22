"""True numbers: every figure the page shows equals plain SQL (verify.py), also on the
shapes real databases hold (synthetic.reshape: midnight rows, times written as text by
other tools, times no ISO form reads, a row dated 2199), and what no figure holds is
counted and said (queries.fetch_health)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import (
    APP_SCRIPT,
    APP_TIMEOUT,
    BACKEND,
    filled_database,
    point_at,
    said,
    scratch_database,
)
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Numeric,
    Table,
    cast,
    delete,
    func,
    insert,
    make_url,
    select,
    update,
)  # fmt: skip
from sqlalchemy.schema import sort_tables_and_constraints
from sqlalchemy.sql import visitors
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import (
    db,
    exact,
    i18n,
    queries,
    rollups,
    synthetic,
    times,
    verify,
)
from {{ cookiecutter.package_name }}.i18n import label, plain, t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import Sum


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
                stored = times.stored(MODEL.time)
                tools = select(stored).where(func.length(stored) == 19).limit(1)
                assert c.execute(tools).scalar() is not None, "no 'YYYY-MM-DD HH:MM:SS' text"
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
            with engine.connect() as c:  # this test's own tables, emptied
                dialect = db.dialect_module(engine.url)
                dialect.begin_bulk_load(c)  # MySQL: keys unchecked (a cycle has no order)
                c.commit()
                # Children first; PostgreSQL checks a cycle's key at commit (store.py).
                ordered = sort_tables_and_constraints(MODEL.tables)
                for table in reversed([table for table, _ in ordered if table is not None]):
                    c.execute(delete(table))
                    if BACKEND == "duckdb":  # its keys see the rows as the transaction began
                        c.commit()
                c.commit()
                dialect.end_bulk_load(c)
                c.commit()
        finally:
            engine.dispose()
        point_at(url, monkeypatch)
        at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
        assert not at.exception, at.exception
        assert said("app_no_rows") in " ".join(i.value for i in at.info)
        assert not at.warning, [w.value for w in at.warning]  # no "Both dates are required"
        code, out = run_verify()
    assert code == 0 and t("health_empty") in out, out


# --- Exact money: sums of DECIMAL columns to the cent, near 10^14 ------------------------


def exact_sums() -> list:
    """The model's measures that sum a DECIMAL (such as a quantity times a price)."""
    return [
        m for m in MODEL.measures
        if isinstance(m.formula, Sum) and exact.scale_of(m.formula.expression) is not None
    ]  # fmt: skip


def test_a_decimal_sum_is_exact_where_a_float_sum_is_cents_off(tmp_path):
    """exact.total on a table of this test's own: 2,410 amounts near 10^11 add up to the
    cent (SQLite: integer cents; MySQL: its DECIMAL sum), and an Amount stores the total
    (a rollup's cell) and reads it back unchanged."""
    amounts = [Decimal(99_585_062_240) + Decimal(i * 37 % 100) / 100 for i in range(2410)]
    want = sum(amounts)
    table = Table("amounts", MetaData(), Column("amount", Numeric(14, 2, asdecimal=False)))
    store = Table("totals", MetaData(), Column("total", exact.Amount(2)))
    with scratch_database(tmp_path, "money") as url:
        engine = db.make_engine(make_url(url))
        try:
            with engine.begin() as c:
                table.create(c)
                store.create(c)
                c.execute(insert(table), [{"amount": a} for a in amounts])
                got = c.execute(select(exact.total(table.c.amount))).scalar_one()
                floats = c.execute(select(func.sum(table.c.amount))).scalar_one()
                c.execute(insert(store), [{"total": got}])
                stored = c.execute(select(store.c.total)).scalar_one()
        finally:
            engine.dispose()
    assert want > 10**14
    assert isinstance(got, Decimal) and got == want, (got, want)
    assert stored == want
    digits = "".join(ch for ch in i18n.money(got) if ch.isdigit())  # as the page writes it
    assert digits == str(want).replace(".", ""), (i18n.money(got), want)
    # What the exact sum is for: the plain SUM, read as a float, is not to the cent here.
    assert Decimal(repr(floats)).quantize(exact.CENT) != want, floats


@pytest.mark.skipif(not exact_sums(), reason="the model sums no DECIMAL column")
def test_money_near_10_to_14_is_exact_on_the_page_raw_and_rolled_up(tmp_path, monkeypatch):
    """The model's DECIMAL columns set near their largest values: every money total the
    page shows (raw rows, rollups, the KPI card's text) equals the exact sum of the rows,
    computed here in Python, to the cent."""
    measures = exact_sums()
    with filled_database(tmp_path, "bigmoney", rows=3000) as url:
        engine = db.make_engine(make_url(url))
        try:
            with engine.begin() as c:
                columns = _decimal_columns(measures)
                digits = min((col.type.precision or 13) - col.type.scale for col in columns)
                for column in columns:  # each near the largest value its type holds
                    whole = 10 ** ((column.type.precision or 13) - column.type.scale) * 9 // 10
                    cents = column - cast(column, Integer)  # the row's own cents stay
                    c.execute(update(column.table).values({column.name: whole + cents}))
            with engine.connect() as c:
                want = {m.name: _python_sum(c, m) for m in measures}
                status = queries.fetch_status(c)
                bounds = queries.time_bounds(c)
                whole_range = queries.Filters(
                    queries.DATES, date_start=bounds.first.date(), date_end=bounds.last.date()
                )
                names = [m.name for m in measures]
                raw = queries.fetch_totals(c, whole_range, names)["current"]
                rolled = None
                if MODEL.period is not None:  # the closed periods, from rollups vs raw rows
                    app_store = db.make_engine(make_url(f"sqlite:///{tmp_path / 'store.db'}"))
                    try:
                        rollups.build(app_store=app_store, data=engine, rebuild=True)
                        found = rollups.Rollups(app_store, make_url(url))
                        ops = queries.Filters(
                            queries.OPS, op_start=int(status["min_op"]),
                            op_end=int(status["latest_op"]),
                        )  # fmt: skip
                        rolled = queries.fetch_totals(c, ops, names, found)["current"]
                        unrolled = queries.fetch_totals(c, ops, names)["current"]
                    finally:
                        app_store.dispose()
        finally:
            engine.dispose()
        for m in measures:
            if digits >= 10:  # wide enough for sums a float adds cents off (the demo's: 12, 2)
                assert want[m.name] > 10**13, want
            assert exact.as_decimal(raw[m.name]).quantize(exact.CENT) == want[m.name], m.name
            if rolled is not None:
                assert rolled[m.name] == unrolled[m.name], (m.name, rolled, unrolled)
        point_at(url, monkeypatch)
        code, out = run_verify()  # every figure of every range equals plain SQL's, exactly
        assert code == 0, out
        at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT).run()
        assert not at.exception, at.exception
        shown = {card.label: card.value for card in at.metric}
        engine = db.make_engine(make_url(url))
        try:
            with engine.connect() as c:
                plain_sql = verify.reference_totals(c, queries.default_filters(status), names)
        finally:
            engine.dispose()
        for m in measures:
            if m.name in MODEL.page.kpis:
                text = i18n.value(plain_sql[m.name], m.kind, m.decimals)
                assert shown[label(m.label)] == text, (m.name, shown, text)


def _decimal_columns(measures) -> list[Column]:
    found = {}
    for m in measures:
        for element in visitors.iterate(m.formula.expression):
            if isinstance(element, Column) and exact.scale_of(element) is not None:
                found[element.key, element.table.name] = element
    return list(found.values())


def _python_sum(c, measure) -> Decimal:
    """The sum of every fact row's value, each read to its scale, added in Python."""
    expression = measure.formula.expression
    scale = Decimal(1).scaleb(-exact.scale_of(expression))
    stmt = select(expression).select_from(verify._from(expression))
    values = c.execute(stmt).scalars()
    return sum((exact.as_decimal(v).quantize(scale) for v in values if v is not None), Decimal(0))
