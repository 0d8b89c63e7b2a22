"""Production server: the dashboard as an ASGI app (``st.App``) served by uvicorn.

Start it with one command, from the project root:

    python -m <package> serve --port 8501

(``python -m <package>.asgi`` is the same; ``uvicorn <package>.asgi:app`` works too,
without the TCP_NODELAY protocol below.)

``streamlit run`` is made for writing the app: it watches the source files and reruns on
save, and it collects garbage after every run. In production the code does not change,
and our loaders close every connection they open (``with engine.connect()``), so nothing
waits for the garbage collector to be released. The settings below switch that work off;
``python -m <package> bench`` measures the difference (latency at 1, 10 and 25 sessions).

Routes: everything Streamlit serves, plus ``/healthz``. ``/_stcore/health`` is Streamlit's
own liveness check.

- ``/healthz`` tells anyone only what a load balancer needs: 200 ``{"status": "ok"}`` when
  the database answers, 503 ``{"status": "not ready"}`` when it does not. An operator who
  sends ``Authorization: Bearer <token>`` (the ``DASHBOARD_HEALTH_TOKEN`` environment
  variable, or ``health_token`` in ``[dashboard]`` of secrets.toml) also gets the reason in
  words and the counters (SQL statements, cache misses, the shared cache).
- ``/_stcore/metrics`` (Streamlit's cache and session figures) answers only that same
  token: anyone else gets 404, as if it did not exist.
"""

from __future__ import annotations

import argparse
import gc
import hmac
import importlib
import importlib.util
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from streamlit import config

from . import db, {% if cookiecutter.shared_cache == "redis" %}shared, {% endif %}stats

SCRIPT = db.PROJECT_ROOT / "streamlit_app.py"
HEALTH_TOKEN_ENV = "DASHBOARD_HEALTH_TOKEN"
METRICS_PATH = "/_stcore/metrics"

# Pattern: production settings, safe because every loader closes its connection.
PRODUCTION_OPTIONS: dict[str, Any] = {
    # No gc.collect(2) after every script run: it walks the whole heap (Streamlit,
    # pandas, Altair, SQLAlchemy) on the server's only core-bound thread, per run.
    "runner.postScriptGC": False,
    # No file watcher: no watcher threads, and no scan of sys.modules after every run.
    "server.fileWatcherType": "none",
    "server.runOnSave": False,
    "server.headless": True,
    "browser.gatherUsageStats": False,
}


def apply_production_settings() -> None:
    """Set PRODUCTION_OPTIONS unless the operator set them (env var STREAMLIT_...)."""
    for key, value in PRODUCTION_OPTIONS.items():
        env_var = "STREAMLIT_" + _snake(key).upper()
        if env_var in os.environ:
            continue  # an explicit choice of the operator wins
        os.environ[env_var] = str(value).lower() if isinstance(value, bool) else str(value)
        config.set_option(key, value, where_defined=f"production mode ({__name__})")


def _snake(key: str) -> str:
    """runner.postScriptGC -> runner_post_script_gc (Streamlit's env var naming)."""
    out = []
    for ch in key.replace(".", "_"):
        out.append("_" + ch.lower() if ch.isupper() else ch)
    return "".join(out)


# --- Routes --------------------------------------------------------------------------


def _database_status() -> str:
    """'ok' when a pooled connection can be checked out (a ping, not a counted query)."""
    try:
        with db.get_engine().connect():
            return "ok"
    except Exception as exc:  # any failure is reported in words, never as a traceback
        return str(db.friendly_error(exc))


def _health_token() -> str | None:
    """The operators' token: the environment variable, or [dashboard] health_token."""
    token = os.environ.get(HEALTH_TOKEN_ENV)
    if not token:
        try:
            token = (st.secrets.get("dashboard") or {}).get("health_token")
        except FileNotFoundError:  # no secrets.toml at all
            token = None
    return str(token) if token else None


def _is_operator(headers: Any) -> bool:
    """Does the request carry the operators' token? (No token set: nobody is one.)"""
    token = _health_token()
    sent = headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


# Pattern: health for anyone, details for operators: a load balancer needs a status code;
# what the database is called and where it runs is for operators only.
async def healthz(request: Request) -> JSONResponse:
    """Readiness: 200 when the database answers, 503 otherwise; details with the token."""
    database = await run_in_threadpool(_database_status)
    ready = database == "ok"
    body: dict[str, Any] = {"status": "ok" if ready else "not ready"}
    if _is_operator(request.headers):
        body["database"] = database
        body.update(stats.total())  # sql_statements, loader_misses since the server started
{%- if cookiecutter.shared_cache == "redis" %}
        # The shared level's counters and state: Redis is not part of readiness (without
        # it the pages are served from this process's cache and SQL).
        body["shared_cache"] = shared.counts()
{%- endif %}
    return JSONResponse(body, status_code=200 if ready else 503)


class OperatorsOnlyMetrics:
    """ASGI middleware: Streamlit's /_stcore/metrics answers the operators' token only."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") == METRICS_PATH:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            if not _is_operator(headers):
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
                return
        await self.app(scope, receive, send)


@asynccontextmanager
async def _lifespan(_app: Any) -> AsyncIterator[None]:
    # Pattern: freeze the startup heap. Import the dashboard's modules now, then move
    # every object alive at startup out of the collector's reach: automatic full
    # collections later only walk what the sessions allocate.
    for module in ("data", "filters", "sections", "admin"):
        if importlib.util.find_spec(f"{__package__}.{module}") is not None:
            importlib.import_module(f".{module}", __package__)
    gc.collect()
    gc.freeze()
    yield


def build_app() -> st.App:
    """The ASGI application: the dashboard script, the /healthz route, and the metrics
    kept to operators."""
    apply_production_settings()
    return st.App(
        str(SCRIPT),
        routes=[Route("/healthz", healthz)],
        middleware=[Middleware(OperatorsOnlyMetrics)],
        lifespan=_lifespan,
    )


# --- uvicorn -------------------------------------------------------------------------


def _nodelay_protocol() -> type:
    """uvicorn's HTTP protocol, setting TCP_NODELAY on every accepted socket.

    Streamlit sends a run as many small websocket frames; without TCP_NODELAY the kernel
    may hold a small frame back until the previous one is acknowledged (Nagle's
    algorithm against delayed ACKs: up to 40 ms per stall). asyncio sets the option
    too; setting it here makes the setting explicit and independent of the event loop.
    """
    from uvicorn.config import HTTP_PROTOCOLS
    from uvicorn.importer import import_from_string

    base = import_from_string(HTTP_PROTOCOLS["auto"])

    class NoDelayProtocol(base):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: Any) -> None:
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connection_made(transport)

    return NoDelayProtocol


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboard in production mode (blocks until Ctrl+C or SIGTERM)."""
    import uvicorn

    parser = argparse.ArgumentParser(
        prog=f"python -m {db.PACKAGE} serve", description="Serve the dashboard in production mode."
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8501")))
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    # Sign-in: Streamlit fills "{port}" in the [auth] redirect_uri from server.port.
    config.set_option("server.port", args.port, where_defined=f"python -m {db.PACKAGE} serve")

    server = uvicorn.Server(
        uvicorn.Config(
            __getattr__("app"),
            host=args.host,
            port=args.port,
            http=_nodelay_protocol(),
            ws="websockets-sansio",  # the implementation `streamlit run` uses
            log_level=args.log_level,
            access_log=False,  # one log line per HTTP request is not free
            lifespan="on",
        )
    )
    print(f"Dashboard (production mode) on http://{args.host}:{args.port}", file=sys.stderr)
    server.run()
    return 0


_built: st.App | None = None


def __getattr__(name: str) -> Any:
    """``app`` is built on first use, so importing this module changes no settings."""
    global _built
    if name != "app":
        raise AttributeError(name)
    if _built is None:
        _built = build_app()
    return _built


if __name__ == "__main__":
    sys.exit(main())
