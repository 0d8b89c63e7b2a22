"""Command line: ``seed`` (demo data), ``live`` (moving data), ``bench`` (benchmark),
``serve`` (the production server)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from sqlalchemy.exc import SQLAlchemyError

from . import db, settings, store
from . import seed as seeding


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # the benchmark has its own options (see bench/runner.py)
        from .bench import main as bench_main

        return bench_main(argv[1:])
    if argv[:1] == ["serve"]:  # uvicorn and the ASGI app stay out of the other commands
        from .asgi import main as serve_main

        return serve_main(argv[1:])
    parser = argparse.ArgumentParser(prog=f"python -m {db.PACKAGE}", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p_seed = sub.add_parser("seed", help="create the schema and deterministic demo data")
    p_seed.add_argument(
        "--rows", type=int, default=settings.DEFAULT_SEED_ROWS, help="order items to create"
    )
    p_seed.add_argument("--seed", type=int, default=seeding.DEFAULT_SEED, help="random seed")
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

    p_live = sub.add_parser("live", help="keep adding orders to the open operation")
    p_live.add_argument("--seconds", type=float, default=None, help="stop after this long")
    p_live.add_argument("--orders", type=int, default=None, help="stop after this many orders")
    p_live.add_argument("--interval", type=float, default=1.0, help="seconds between orders")
    p_live.add_argument("--quiet", action="store_true", help="no output per order")
    sub.add_parser("bench", help="run the benchmark (python -m <package> bench --help)")
    sub.add_parser("serve", help="the production server (python -m <package> serve --help)")

    args = parser.parse_args(argv)
    progress = None if args.quiet else seeding.print_progress
    url = None
    try:
        url = db.resolve_url()
        if args.command == "seed":
            print(f"Database: {db.describe(url)}", file=sys.stderr)
            db.dialect_module(url).ensure_database(url)
            engine = db.make_engine(url)
            try:
                seeding.seed(engine, args.rows, args.seed, args.anchor, args.force, progress)
            finally:
                engine.dispose()
        else:
            engine = db.make_engine(url)
            try:
                added = seeding.live(engine, args.seconds, args.orders, args.interval, progress)
            except KeyboardInterrupt:
                added = None
            finally:
                engine.dispose()
            if added is not None:
                print(f"Added {added} orders.", file=sys.stderr)
    except (db.DatabaseUnavailable, store.NotOurs, SQLAlchemyError, ValueError) as exc:
        message = db.friendly_error(exc, url) if isinstance(exc, SQLAlchemyError) else exc
        print(f"ERROR: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
