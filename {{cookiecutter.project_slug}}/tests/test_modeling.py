"""The model's words refuse what cannot give true numbers, and the time grains the page
offers mean the same in SQL (this backend) as in Python.

Generic: the checks build small models of their own; the grains run on a scratch
database of the backend under test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import scratch_database
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    delete,
    func,
    literal,
    select,
    type_coerce,
)

from {{ cookiecutter.package_name }} import times
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import (
    AUTO,
    DAY,
    HOUR,
    ISO_TEXT_T,
    MONTH,
    QUARTER,
    UNIX_SECONDS,
    WEEK,
    Breakdown,
    Count,
    Detail,
    Dimension,
    Join,
    Measure,
    Model,
    ModelError,
    Page,
    Series,
    Share,
    Sum,
    grain_for,
)


def small_model(join_on: str = "key", grain: str = DAY) -> Model:
    """A fact and one joined table, joined on its key or on a column that is not one."""
    metadata = MetaData()
    branches = Table(
        "branches",
        metadata,
        Column("branch_id", Integer, primary_key=True),
        Column("town", String(20)),
    )
    sales = Table(
        "sales",
        metadata,
        Column("sale_id", Integer, primary_key=True),
        Column("branch_id", Integer),
        Column("town", String(20)),
        Column("sold_at", String(19)),
    )
    on = (
        sales.c.branch_id == branches.c.branch_id
        if join_on == "key"
        else sales.c.town == branches.c.town  # many branches share a town: a fan-out
    )
    return Model(
        fact=sales,
        time=sales.c.sold_at,
        joins=(Join(branches, on),),
        measures=(Measure("rows", Count(), {"en": "Sales"}),),
        dimensions=(),
        page=Page(kpis=("rows",), rows=((Series("over_time", "rows", grain=grain),),)),
    )


def test_a_join_that_could_multiply_a_sum_is_refused():
    small_model("key")  # on the joined table's primary key: at most one row per fact row
    with pytest.raises(ModelError, match="does not compare its primary key"):
        small_model("town")


LINKED = MetaData()  # sales of books, each book with several tags (a link table)
TAGS = Table(
    "tags",
    LINKED,
    Column("tag_id", Integer, primary_key=True),
    Column("tag", String(20)),
    Column("weight", Integer),
)
BOOKS = Table(
    "books",
    LINKED,
    Column("book_id", Integer, primary_key=True),
    Column("name", String(20)),
)
BOOK_TAGS = Table(
    "book_tags",
    LINKED,
    Column("book_id", Integer, primary_key=True),
    Column("tag_id", Integer, primary_key=True),
)
SALES = Table(
    "sales",
    LINKED,
    Column("sale_id", Integer, primary_key=True),
    Column("book_id", Integer),
    Column("amount", Integer),
    Column("sold_at", String(19)),
)


def linked_model(many: bool = True, **change) -> Model:
    """A model of LINKED: the book_tags join ``many``, with one thing changed."""
    joins = (
        Join(BOOKS, SALES.c.book_id == BOOKS.c.book_id),
        Join(BOOK_TAGS, BOOKS.c.book_id == BOOK_TAGS.c.book_id, many=many),
        Join(TAGS, BOOK_TAGS.c.tag_id == TAGS.c.tag_id),
    )
    summed = change.pop("summed", SALES.c.amount)
    measures = (Measure("rows", Count(), {"en": "S"}), Measure("amount", Sum(summed), {"en": "A"}))
    within = change.pop("within", None)
    dimensions = (
        Dimension("book", BOOKS.c.name, {"en": "B"}, {"en": "Bs"}, key=BOOKS.c.book_id),
        Dimension("tag", TAGS.c.tag, {"en": "T"}, {"en": "Ts"}, key=TAGS.c.tag_id, within=within),
    )
    section = change.pop("section", Breakdown("by_tag", "tag", ("amount",)))
    order = (SALES.c.sold_at.desc(), SALES.c.sale_id.desc())
    detail = Detail({"en": "Sales"}, change.pop("fields", ("book",)), order)
    page = Page(kpis=("rows",), rows=((section,),), detail=detail)
    return Model(SALES, SALES.c.sold_at, joins, measures, dimensions, page, **change)


def test_a_link_table_is_declared_many_and_only_filters_and_groups():
    """Through a link table (a book's tags) a dimension filters and groups; a sum, a
    share, a row scope, a hierarchy or a listed column through it would count a sale once
    per tag, so each is refused with the reason."""
    model = linked_model()
    tag, book = model.dimension("tag"), model.dimension("book")
    assert model.bridged(tag) and not model.bridged(book)
    assert [join.table.name for join in model.bridge(tag.column)] == ["book_tags", "tags"]
    with pytest.raises(ModelError, match="many=True"):
        linked_model(many=False)  # book_tags' key is not what the join compares
    refused = {
        "summed": "Measure 'amount' is read through the link table 'book_tags'",
        "section": "Share 'tag_share'.*add up to more than the whole",
        "row_scope": "row_scope='tag' is read through a link table",
        "within": "neither narrows nor is narrowed",
        "fields": "Listed column 'tag' is read through the link table",
    }
    changes = {
        "summed": TAGS.c.weight,
        "section": Share("tag_share", "tag", "amount"),
        "row_scope": "tag",
        "within": "book",
        "fields": ("book", "tag"),
    }
    for name, message in refused.items():
        with pytest.raises(ModelError, match=message):
            linked_model(**{name: changes[name]})


def test_a_series_grain_must_be_one_the_page_knows():
    for grain in (HOUR, DAY, WEEK, MONTH, QUARTER, AUTO):
        small_model(grain=grain)
    with pytest.raises(ModelError, match="grain 'fortnight'"):
        small_model(grain="fortnight")


def test_auto_takes_the_grain_a_range_suits():
    assert [grain_for(days) for days in (1, 2, 3, 31, 92, 93, 366, 550, 551, 1830, 1831)] == [
        HOUR, HOUR, DAY, DAY, DAY, WEEK, WEEK, WEEK, MONTH, MONTH, QUARTER,
    ]  # fmt: skip


# Sundays and Mondays, the ends of months, quarters and a leap year, and a year's first day.
MOMENTS = [
    dt.datetime(2024, 3, 3, 23, 59),  # a Sunday
    dt.datetime(2024, 3, 4, 0, 0),  # a Monday at midnight
    dt.datetime(2024, 2, 29, 12, 0),  # a leap day
    dt.datetime(2024, 3, 31, 23, 0),
    dt.datetime(2024, 4, 1, 0, 30),  # a quarter's first day
    dt.datetime(2024, 12, 31, 18, 0),
    dt.datetime(2025, 1, 1, 0, 0),  # a Wednesday: its week began in 2024
    dt.datetime(2024, 9, 30, 9, 0),
]


def test_weeks_months_and_quarters_start_where_python_says(tmp_path):
    """The database's bucket of each moment (SQL, this backend) is the first day Python's
    times.start_of() gives: the rollups regroup days with it, so both must agree."""
    constructs = {WEEK: times.week_start, MONTH: times.month_start, QUARTER: times.quarter_start}
    with scratch_database(tmp_path, "grains") as url:
        engine = create_engine(url)
        try:
            with engine.connect() as c:
                for moment in MOMENTS:
                    for grain, construct in constructs.items():
                        got = c.execute(select(construct(literal(moment, DateTime())))).scalar()
                        got = got if isinstance(got, dt.date) else dt.date.fromisoformat(got)
                        assert got == times.start_of(grain, moment.date()), (moment, grain)
        finally:
            engine.dispose()


def test_a_range_that_ends_at_a_moment_holds_it_however_it_is_written(tmp_path):
    """Live compares with the day before up to the same moment, inclusive. On a text
    column a moment has several spellings ('...:37', '...:37.000000', a midnight's date
    alone): each is at most the bound, as the moment itself is, and a second later is
    not (this backend, the model's time form)."""
    column = Column("at", MODEL.time.type)
    moments = Table("moments", MetaData(), column)
    with scratch_database(tmp_path, "through") as url:
        engine = create_engine(url)
        try:
            moments.create(engine)
            for moment in (dt.datetime(2024, 3, 30, 15, 50, 37), dt.datetime(2024, 3, 30)):
                later = moment + dt.timedelta(seconds=1)
                with engine.begin() as c:
                    c.execute(delete(moments))
                    spelled = spellings(c, moment) + [later_text(c, later)]
                    as_written = type_coerce(bindparam("v"), times.Stored())  # text as it is
                    c.execute(moments.insert().values(at=as_written), [{"v": v} for v in spelled])
                    held = select(func.count()).where(
                        times.stored(column) <= times.bound_through("until", moment)
                    )
                    assert c.execute(held).scalar() == len(spelled) - 1, (moment, spelled)
        finally:
            engine.dispose()


def spellings(c, moment: dt.datetime) -> list:
    """The ways a column of the model's form holds one moment."""
    if MODEL.time_stored == UNIX_SECONDS:
        return [times.in_seconds(moment)]
    if not times._text_on(c.dialect):
        return [moment]
    sep = "T" if MODEL.time_stored == ISO_TEXT_T else " "
    forms = [moment.isoformat(sep), moment.isoformat(sep, timespec="microseconds")]
    forms.append(moment.isoformat(sep, timespec="milliseconds"))
    return forms + ([moment.date().isoformat()] if moment.time() == dt.time() else [])


def later_text(c, moment: dt.datetime):
    return spellings(c, moment)[0]
