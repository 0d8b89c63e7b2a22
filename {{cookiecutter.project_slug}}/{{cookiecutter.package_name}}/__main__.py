"""Command line: ``seed`` and ``live`` (the demo), ``inspect`` (a model from your database),
``rollup`` (pre-aggregate closed periods), ``sql`` (what the model turns into), ``verify``
(every figure against plain SQL, and the data's health), ``bench`` (benchmark), ``serve``
(production server).

The demo's commands import the demo only when they run, so a project without demo/ has
every other command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time

from sqlalchemy.exc import SQLAlchemyError

from . import db, store

# Streamlit's warnings outside `streamlit run` ("No runtime found", "missing ScriptRunContext").
QUIET_LOGS = (
    "caching.cache_data_api",
    "scriptrunner_utils.script_run_context",
    "state.session_state_proxy",
)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # the benchmark has its own options (see bench/runner.py)
        from .bench import main as bench_main

        return bench_main(argv[1:])
    if argv[:1] == ["serve"]:  # uvicorn and the ASGI app stay out of the other commands
        from .asgi import main as serve_main

        return serve_main(argv[1:])
    # --help shows the docstring as plain text (no reST ``literals``).
    about = __doc__.replace("``", "")
    parser = argparse.ArgumentParser(prog=f"python -m {db.PACKAGE}", description=about)
    sub = parser.add_subparsers(dest="command", required=True)

    p_seed = sub.add_parser("seed", help="the demo: create its tables and deterministic data")
    p_seed.add_argument("--rows", type=int, default=None, help="order items to create")
    p_seed.add_argument("--seed", type=int, default=None, help="random seed")
    p_seed.add_argument(
        "--anchor",
        type=dt.date.fromisoformat,
        default=None,
        help="business date of the latest (open) operation, YYYY-MM-DD (default: today)",
    )
    p_seed.add_argument(
        "--force",
        action="store_true",
        help="rebuild the demo tables even if already seeded (only tables seed created)",
    )
    p_seed.add_argument("--quiet", action="store_true", help="no progress output")
    p_seed.add_argument(
        "--optional", action="store_true", help="exit 0 when the project has no demo any more"
    )

    p_live = sub.add_parser("live", help="the demo: keep adding orders to the open operation")
    p_live.add_argument("--seconds", type=float, default=None, help="stop after this long")
    p_live.add_argument("--orders", type=int, default=None, help="stop after this many orders")
    p_live.add_argument("--interval", type=float, default=1.0, help="seconds between orders")
    p_live.add_argument("--quiet", action="store_true", help="no output per order")

    p_inspect = sub.add_parser(
        "inspect", help="propose a model.py from your database's tables (reads only)"
    )
    p_inspect.add_argument(
        "--fact", default=None, help="the fact table (default: the largest usable one)"
    )
    p_inspect.add_argument(
        "--schema",
        default=None,
        help="the schema to read (PostgreSQL; default: the connection's own, e.g. public)",
    )
    p_inspect.add_argument(
        "--write", action="store_true", help=f"write {db.PACKAGE}/model.py instead of printing"
    )
    p_inspect.add_argument(
        "--force", action="store_true", help="with --write: replace an existing model.py"
    )

    p_rollup = sub.add_parser(
        "rollup", help="build the rollups of what closed since the last build (into the app store)"
    )
    p_rollup.add_argument(
        "--rebuild", action="store_true", help="forget the rollups and build them all again"
    )
    p_rollup.add_argument(
        "--every",
        type=float,
        default=None,
        metavar="SECONDS",
        help="keep running: build, then wait this long, again (a scheduled job)",
    )
    p_rollup.add_argument("--quiet", action="store_true", help="only the summary line")

    p_sql = sub.add_parser("sql", help="print the SQL each loader runs for the default filters")
    p_sql.add_argument("--mode", default=None, help="a view other than the model's default")

    sub.add_parser(
        "verify",
        help="compare the dashboard's figures with plain SQL and report the data's health "
        "(reads only; exit 1 on any difference)",
    )
    own = f"python -m {db.PACKAGE}"
    sub.add_parser("bench", help=f"run the benchmark ({own} bench --help)")
    sub.add_parser("serve", help=f"the production server ({own} serve --help)")

    args = parser.parse_args(argv)
    url = None
    try:
        url = db.resolve_url()
        if args.command in ("seed", "live"):
            return _demo(args, url)
        if args.command == "inspect":
            from . import inspection

            return inspection.run(url, args.fact, args.write, args.force, schema=args.schema)
        if args.command == "rollup":
            return _rollup(url, args.rebuild, args.every, args.quiet)
        if args.command == "sql":
            return _sql(url, args.mode)
        if args.command == "verify":
            # The loaders run outside `streamlit run`: its "no runtime" warnings say nothing
            # here. A filter, not a level: Streamlit sets its levels again once configured.
            for name in QUIET_LOGS:
                log = logging.getLogger(f"streamlit.runtime.{name}")
                log.addFilter(lambda record: record.levelno >= logging.ERROR)
            from . import verify

            return verify.run()
    except (db.DatabaseUnavailable, store.NotOurs, SQLAlchemyError, ValueError) as exc:
        message = db.friendly_error(exc, url) if isinstance(exc, SQLAlchemyError) else exc
        print(f"ERROR: {message}", file=sys.stderr)
        return 1
    return 0


def _demo(args: argparse.Namespace, url) -> int:
    """seed and live: the demo's own commands (demo/ imported only here)."""
    try:
        from .demo import live as appender
        from .demo import seed as seeding
    except ImportError:
        optional = getattr(args, "optional", False)
        print(
            f"{'Nothing to seed' if optional else 'ERROR'}: this project has no demo any more "
            "(demo/ was removed or model.py was replaced): point DATABASE_URL at your "
            "database instead.",
            file=sys.stderr,
        )
        return 0 if optional else 1
    progress = None if args.quiet else seeding.print_progress
    engine = None
    try:
        if args.command == "seed":
            print(f"Database: {db.describe(url)}", file=sys.stderr)
            db.dialect_module(url).ensure_database(url)
            engine = db.make_engine(url)
            seeded = seeding.seed(
                engine,
                args.rows or seeding.DEFAULT_ROWS,
                seeding.DEFAULT_SEED if args.seed is None else args.seed,
                args.anchor,
                args.force,
                progress,
            )
            engine.dispose()  # DuckDB: the rollups' reader opens the file read-only
            engine = None
            # New rows in every period: rollups of an earlier database here no longer hold.
            build_rollups(url, rebuild=not seeded.skipped, quiet=args.quiet)
            return 0
        engine = db.make_engine(url)
        try:
            added = appender.live(engine, args.seconds, args.orders, args.interval, progress)
        except KeyboardInterrupt:
            return 0
        print(f"Added {added} orders.", file=sys.stderr)
        return 0
    finally:
        if engine is not None:
            engine.dispose()


def build_rollups(url, rebuild: bool = False, quiet: bool = False) -> None:
    """One build of the rollups of ``url`` into the app store, with a summary line."""
    from . import rollups

    data = db.make_engine(url, read_only=True)
    app_store = db.make_engine(db.resolve_store_url())
    try:
        say = None if quiet else (lambda message: print(message, file=sys.stderr, flush=True))
        built = rollups.build(data, app_store, rebuild, say)
        print(rollups.summary(built), file=sys.stderr, flush=True)
    finally:
        data.dispose()
        app_store.dispose()


def _rollup(url, rebuild: bool, every: float | None, quiet: bool) -> int:
    """`rollup`: once, or (--every) again and again until stopped; a scheduled job says
    what failed and tries again next time (the database may not be seeded yet)."""
    if not every:
        build_rollups(url, rebuild, quiet)
        return 0
    while True:
        try:
            build_rollups(url, rebuild, quiet)
            rebuild = False
        except (db.DatabaseUnavailable, store.NotOurs, SQLAlchemyError) as exc:
            message = db.friendly_error(exc, url) if isinstance(exc, SQLAlchemyError) else exc
            print(f"ERROR: {message} (trying again in {every:g} s)", file=sys.stderr, flush=True)
        try:
            time.sleep(every)
        except KeyboardInterrupt:
            return 0


def _sql(url, mode: str | None) -> int:
    """Print each loader's statement for the default filters (bound parameters shown
    apart: the statements never carry values in their text)."""
    from . import queries, rollups
    from .model import MODEL

    engine = db.make_engine(url, read_only=True)
    app_store = db.make_engine(db.resolve_store_url())
    try:
        with engine.connect() as c:
            status = queries.fetch_status(c)
            f = queries.default_filters(status)
            if mode:
                f = queries.Filters(**{**f.__dict__, "mode": mode})
            problems = f.validate()
            if problems:
                raise ValueError(" ".join(problems))
            print(f"-- {db.describe(url)}; view {f.mode!r}; model: fact {MODEL.fact.name!r}")
            found = rollups.Rollups(app_store, url)
            questions = rollups.page_questions(c, f)
            for name, stmt in queries.statements(c, f).items():
                compiled = stmt.compile(
                    dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
                )
                print(f"\n-- {name}")
                if name in questions:
                    scope, *question = questions[name]
                    grain = question[1]
                    if grain is not None:  # a series: the grain its bars are drawn at
                        print(f"-- grain: {grain}")
                    print(f"-- answered by: {found.explain(f, scope, *question)}")
                print(f"{compiled};")
                if compiled.params:
                    print(f"-- parameters: {compiled.params}")
    finally:
        engine.dispose()
        app_store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
