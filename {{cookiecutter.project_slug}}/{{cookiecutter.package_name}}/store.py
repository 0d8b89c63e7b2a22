"""The app store and the ownership register: the only places the project writes.

- **The app store** (``APP_STORE_URL``, or the SQLite file ``data/app_store.db``) holds the
  project's own state: saved views and the sign-ins ended by signing out. The dashboard
  database is only ever read, so a read-only database user runs every page.
- **The ownership register** (the table ``dashboard_owned_tables``) lives in every
  database the project creates tables in (the demo database, the app store): one row per
  table, written *before* the table is created. ``survey()`` reads it back; a table is the
  project's only when the register names it and it still has the columns the project
  gave it. Everything else is someone else's data: nothing here drops, alters or writes it.

No Streamlit here: the seeder, the command line and the tests use it as plain Python.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Sequence

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKeyConstraint,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import (
    AddConstraint,
    CreateSchema,
    CreateTable,
    DropConstraint,
    sort_tables_and_constraints,
)

OWNER = __name__.split(".")[0]  # the package that created a table, written in the register

metadata = MetaData()

# Pattern: ownership register. A row goes in before its table is created, so no table the
# project made is ever unmarked (MySQL commits DDL at once: no transaction spans both).
register = Table(
    "dashboard_owned_tables",
    metadata,
    Column("table_name", String(128), primary_key=True),
    Column("created_by", String(80), nullable=False),
    Column("columns", Text, nullable=False),  # the column names it was created with
    Column("created_at", DateTime, nullable=False),
)

# Saved views per owner (a signed-in user, or one browser session: auth.py): app state, so
# they live in the app store.
views = Table(
    "dashboard_views",
    metadata,
    Column("owner", String(200), primary_key=True),
    Column("name", String(60), primary_key=True),
    Column("filters", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # When the owner's browser session ended (an owner that is a session: its views are
    # deleted a day later, unless the session reconnects first).
    Column("released_at", DateTime, nullable=True),
)

# Sign-ins ended by signing out (auth.py): Streamlit's own cookie cannot be revoked, so a
# copy of it taken before sign-out is refused by its sign-in's digest, on every replica.
revoked_sign_ins = Table(
    "dashboard_revoked_sign_ins",
    metadata,
    Column("sign_in", String(64), primary_key=True),  # sha256 of issuer, subject, iat, nonce
    Column("revoked_at", DateTime, nullable=False),
)

STORE_TABLES = (views, revoked_sign_ins)
RELEASED_VIEWS_KEPT = dt.timedelta(days=1)  # views of an ended browser session
# Streamlit's sign-in cookie lives 30 days: a revoked sign-in is kept a day longer.
REVOKED_SIGN_INS_KEPT = dt.timedelta(days=31)


class NotOurs(RuntimeError):
    """A write was refused: the tables named belong to someone else. The message is for
    people: which tables, and what to do instead."""


# --- Who owns what -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Survey:
    """What a database holds, and which of it the project created."""

    tables: frozenset[str]  # every table and view
    registered: frozenset[str]  # the tables the register says the project created
    owned: frozenset[str]  # of those, the ones still there with their columns (+ register)

    @property
    def empty(self) -> bool:
        return not self.tables

    @property
    def ours(self) -> bool:
        """The project created tables here (some may be gone): it may rebuild its own."""
        return bool(self.registered)

    @property
    def foreign(self) -> list[str]:
        """Tables and views the project did not create, sorted."""
        return sorted(self.tables - self.owned)

    def in_the_way(self, names: Iterable[str]) -> list[str]:
        """Of ``names`` (tables the project wants to create), those someone else has."""
        return sorted(set(names) & set(self.foreign))

    def missing(self, names: Iterable[str]) -> list[str]:
        return [name for name in names if name not in self.tables]

    def fillable(self, names: Iterable[str]) -> bool:
        """Creating these tables would help and harm nothing: some are missing, none is
        someone else's, and the database is empty or already the project's."""
        names = list(names)
        allowed = self.empty or (self.ours and not self.in_the_way(names))
        return allowed and bool(self.missing(names))


def _columns(found, fullname: str) -> str:
    schema, _, name = fullname.rpartition(".")
    columns = found.get_columns(name, schema=schema or None)
    return ",".join(sorted(column["name"] for column in columns))


def _signature(table: Table) -> str:
    return ",".join(sorted(column.name for column in table.columns))


def _schema_in(engine: Engine, schema: str | None) -> str | None:
    """A schema as this engine's database holds it: SQLite's one schema holds a model
    read from another (dialects/sqlite.py maps its name to none)."""
    mapping = engine.get_execution_options().get("schema_translate_map") or {}
    return mapping.get(schema, schema)


def schemas_of(engine: Engine, tables: Iterable[Table]) -> list[str]:
    """The schemas a model's tables live in here (a model inspected with --schema)."""
    return sorted({s for table in tables if (s := _schema_in(engine, table.schema))})


def name_in(engine: Engine, table: Table) -> str:
    """The table's name here, ``schema.table`` when it lives in a schema of its own: the
    name survey() lists and the register records."""
    schema = _schema_in(engine, table.schema)
    return f"{schema}.{table.name}" if schema else table.name


def survey(engine: Engine, schemas: Iterable[str] = ()) -> Survey:
    """Read the database's tables and the ownership register (reads only). The tables of
    ``schemas`` count too, named ``schema.table`` (a Table's ``fullname``)."""
    with engine.connect() as c:
        found = inspect(c)
        tables = set(found.get_table_names()) | set(found.get_view_names())
        present = set(found.get_schema_names()) if schemas else set()
        for schema in set(schemas) & present:
            names = found.get_table_names(schema) + found.get_view_names(schema)
            tables |= {f"{schema}.{name}" for name in names}
        registered: set[str] = set()
        owned: set[str] = set()
        if register.name in tables and _columns(found, register.name) == _signature(register):
            owned.add(register.name)
            # Read to the end first: DuckDB's driver runs every statement on one cursor.
            entries = c.execute(select(register.c.table_name, register.c.columns)).all()
            for name, columns in entries:
                registered.add(name)
                if name in tables and _columns(found, name) == columns:
                    owned.add(name)
    return Survey(frozenset(tables), frozenset(registered), frozenset(owned))


def refuse_foreign(found: Survey, names: Iterable[str], where: str) -> None:
    """Raise NotOurs unless the project may create ``names`` in this database: nothing of
    someone else's has one of those names, and the database is empty or already ours."""
    names = [*names, register.name]
    blocking = found.in_the_way(names)
    if blocking:
        raise NotOurs(
            f"{where} already holds tables the dashboard did not create with the names it "
            f"needs: {', '.join(blocking)}. They are someone else's: the dashboard never "
            "drops, alters or writes them."
        )
    if found.foreign and not found.ours:
        shown = ", ".join(found.foreign[:8]) + (" ..." if len(found.foreign) > 8 else "")
        raise NotOurs(
            f"{where} holds tables the dashboard did not create ({shown}): it looks like "
            "someone's existing database, and the dashboard adds no tables to it."
        )


# --- Creating and dropping only what is ours ---------------------------------------------


def create_owned(engine: Engine, tables: Sequence[Table]) -> None:
    """Create ``tables`` (no indexes: the caller may load rows first), each one marked in
    the register before it exists. Call refuse_foreign() first."""
    register.create(engine, checkfirst=True)
    with engine.begin() as c:
        for schema in schemas_of(engine, tables):  # a model of another schema, in our database
            c.execute(CreateSchema(schema, if_not_exists=True))
    created: set[str] = set()
    later = []  # keys to a table made after theirs (a cycle: a store's manager, her store)
    names = {name_in(engine, table) for table in tables}
    for table in tables:
        inline = [
            key
            for key in table.foreign_key_constraints
            if engine.dialect.name == "sqlite"  # SQLite: a key may name a later table
            or name_in(engine, key.referred_table) not in names - created - {name_in(engine, table)}
        ]
        later += [key for key in table.foreign_key_constraints if key not in inline]
        claim = register.c.table_name == bindparam("t", name_in(engine, table))
        with engine.begin() as c:
            c.execute(register.delete().where(claim))
            c.execute(
                register.insert().values(
                    table_name=name_in(engine, table),
                    created_by=OWNER,
                    columns=_signature(table),
                    created_at=dt.datetime.now().replace(microsecond=0),
                )
            )
        try:
            with engine.begin() as c:
                # The table only: indexes are the caller's.
                c.execute(CreateTable(table, include_foreign_key_constraints=inline))
        except SQLAlchemyError:
            # Someone else created it in the meantime: take the claim back, touch nothing.
            with engine.begin() as c:
                c.execute(register.delete().where(claim))
            raise
        created.add(name_in(engine, table))
    with engine.begin() as c:
        for key in later:
            if name_in(engine, key.referred_table) in created:  # none to a table made elsewhere
                c.execute(_key_of_a_cycle(key, engine))


def _key_of_a_cycle(key: ForeignKeyConstraint, engine: Engine):
    """A key that closes a cycle. PostgreSQL checks it when the loading transaction
    commits (DEFERRABLE INITIALLY DEFERRED), so one transaction fills both tables; MySQL's
    loaders turn key checks off instead, and SQLite checks none while loading."""
    ddl = AddConstraint(key)
    if engine.dialect.name != "postgresql":
        return ddl
    return text(str(ddl.compile(dialect=engine.dialect)) + " DEFERRABLE INITIALLY DEFERRED")


def _drop_keys_of_a_cycle(engine: Engine, tables: Sequence[Table], found: Survey) -> None:
    """MySQL drops no table another one's key still names: in a cycle (a store's manager
    is staff, staff belong to a store) each drop would wait on the other, so the cycle's
    keys between our own tables go first. SQLite does not check keys on DROP."""
    if engine.dialect.name == "sqlite":
        return
    ours = {name_in(engine, t): t for t in tables if name_in(engine, t) in found.owned}
    cycle = [key for table, keys in sort_tables_and_constraints(tables) if table is None
             for key in keys]  # fmt: skip
    for name in sorted({name_in(engine, key.table) for key in cycle} & set(ours)):
        table = ours[name]
        schema = _schema_in(engine, table.schema)
        reflected = Table(table.name, MetaData(), autoload_with=engine, schema=schema)
        with engine.begin() as c:
            for key in reflected.foreign_key_constraints:
                if key.name and name_in(engine, key.referred_table) in ours:
                    c.execute(DropConstraint(key))


def drop_owned(engine: Engine, tables: Sequence[Table], found: Survey) -> list[str]:
    """Drop those of ``tables`` that the survey says are ours (children first); the others
    are left alone. Returns the names dropped."""
    dropped = []
    _drop_keys_of_a_cycle(engine, tables, found)
    for table in reversed(tables):
        name = name_in(engine, table)
        if name in found.owned:
            table.drop(engine)
            with engine.begin() as c:
                c.execute(register.delete().where(register.c.table_name == bindparam("t", name)))
            dropped.append(name)
    return dropped


# --- The app store's own tables ------------------------------------------------------------

_ready: set[str] = set()  # app stores whose tables exist (by URL), checked once per process


def ensure_store(engine: Engine) -> None:
    """Create the app store's tables (and indexes) the first time something is written."""
    key = engine.url.render_as_string(hide_password=True)
    if key in _ready:
        return
    found = survey(engine)
    needed = [table for table in STORE_TABLES if table.name not in found.owned]
    if needed:
        where = f"The app store {key}"
        refuse_foreign(found, [table.name for table in needed], where)
        create_owned(engine, needed)
        with engine.begin() as c:
            for table in needed:
                for index in table.indexes:
                    index.create(c)
    _ready.add(key)


def fetch_views(c: Connection, owner: str) -> dict[str, dict]:
    """{name: filters} saved by ``owner``; nothing saved yet (no table) is an empty dict."""
    if not inspect(c).has_table(views.name):
        return {}
    rows = c.execute(
        select(views.c.name, views.c.filters)
        .where(views.c.owner == bindparam("owner", owner))
        .order_by(views.c.name)
    ).all()
    return {name: json.loads(text) for name, text in rows}


def _owned_by(owner: str, name: str | None = None):
    where = views.c.owner == bindparam("owner", owner)
    return where if name is None else where & (views.c.name == bindparam("name", name))


def save_view(engine: Engine, owner: str, name: str, filters: dict) -> None:
    """Insert or replace one view (delete + insert: portable across dialects)."""
    ensure_store(engine)
    with engine.begin() as c:
        c.execute(views.delete().where(_owned_by(owner, name)))
        c.execute(
            views.insert().values(
                owner=owner,
                name=name,
                filters=json.dumps(filters, sort_keys=True, default=str),
                updated_at=dt.datetime.now().replace(microsecond=0),
            )
        )


def delete_view(engine: Engine, owner: str, name: str) -> bool:
    """Delete one of ``owner``'s views; False when there was none of that name."""
    ensure_store(engine)
    with engine.begin() as c:
        return c.execute(views.delete().where(_owned_by(owner, name))).rowcount > 0


def release_views(engine: Engine, owner: str, when: dt.datetime | None = None) -> None:
    """A browser session ended: mark its views, and delete those of sessions that ended
    more than RELEASED_VIEWS_KEPT ago (nobody can open them again)."""
    when = when or dt.datetime.now().replace(microsecond=0)
    with engine.begin() as c:
        if not inspect(c).has_table(views.name):
            return
        c.execute(views.update().where(_owned_by(owner)).values(released_at=when))
        gone = views.c.released_at < bindparam("before", when - RELEASED_VIEWS_KEPT)
        c.execute(views.delete().where(gone))


def reclaim_views(engine: Engine, owner: str) -> None:
    """A session (re)connected: its views are no longer marked as left behind."""
    with engine.begin() as c:
        if inspect(c).has_table(views.name):
            c.execute(views.update().where(_owned_by(owner)).values(released_at=None))


def view_counts(c: Connection) -> dict[str, int]:
    """How many saved views there are, and of how many signed-in users and sessions."""
    if not inspect(c).has_table(views.name):
        return {"views": 0, "users": 0, "sessions": 0}
    owners = c.execute(select(views.c.owner, func.count()).group_by(views.c.owner)).all()
    return {
        "views": sum(n for _owner, n in owners),
        "users": sum(1 for owner, _n in owners if owner.startswith("user:")),
        "sessions": sum(1 for owner, _n in owners if owner.startswith("session:")),
    }


def revoke_sign_in(engine: Engine, sign_in: str, when: dt.datetime | None = None) -> None:
    """Record a sign-in as ended (idempotent); forget those older than any cookie."""
    ensure_store(engine)
    when = when or dt.datetime.now().replace(microsecond=0)
    one = revoked_sign_ins.c.sign_in == bindparam("sign_in", sign_in)
    with engine.begin() as c:
        c.execute(revoked_sign_ins.delete().where(one))
        c.execute(revoked_sign_ins.insert().values(sign_in=sign_in, revoked_at=when))
        old = revoked_sign_ins.c.revoked_at < bindparam("before", when - REVOKED_SIGN_INS_KEPT)
        c.execute(revoked_sign_ins.delete().where(old))


def sign_in_revoked(c: Connection, sign_in: str) -> bool:
    """Has this sign-in been ended by signing out? (No table yet: nobody has.)"""
    if not inspect(c).has_table(revoked_sign_ins.name):
        return False
    one = revoked_sign_ins.c.sign_in == bindparam("sign_in", sign_in)
    return c.execute(select(func.count()).where(one)).scalar_one() > 0
