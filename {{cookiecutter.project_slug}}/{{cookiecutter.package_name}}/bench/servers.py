"""Start the dashboard in a real server, the two ways the bench compares.

- ``streamlit run``: the default command, with Streamlit's default settings;
- production mode: ``python -m <package>.asgi`` (st.App served by uvicorn, see asgi.py).

Each server is a child process on a free port, started from the project root with the
bench database in ``DATABASE_URL``, and stopped (SIGTERM, then SIGKILL) when done.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import db

PACKAGE = db.PACKAGE
PROJECT_ROOT = db.PROJECT_ROOT
STARTUP_TIMEOUT_SECONDS = 90

STREAMLIT_RUN = "streamlit run"
PRODUCTION = "production"
KINDS = (STREAMLIT_RUN, PRODUCTION)
# The operators' token of the servers started here: their /healthz counters answer it only.
HEALTH_TOKEN = secrets.token_urlsafe(24)


def command(kind: str, port: int) -> list[str]:
    """The command line of each server kind (what a user would type)."""
    if kind == STREAMLIT_RUN:
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_ROOT / "streamlit_app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ]
    if kind == PRODUCTION:
        return [sys.executable, "-m", f"{PACKAGE}.asgi", "--host", "127.0.0.1", "--port", str(port)]
    raise ValueError(f"Unknown server kind {kind!r}: use one of {KINDS}")


@dataclass
class Server:
    kind: str
    url: str
    process: subprocess.Popen
    log: Path

    def rss_mb(self) -> float:
        """Resident memory of the server process (MB), from /proc (Linux)."""
        return rss_mb(self.process.pid)

    def counters(self) -> dict:
        """SQL statements and loader misses since start (production mode's /healthz, as
        an operator sees it)."""
        request = urllib.request.Request(
            self.url + "/healthz", headers={"Authorization": f"Bearer {HEALTH_TOKEN}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as error:  # 503, not ready: the body says why
            return json.loads(error.read())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size in MB (Linux /proc; 0.0 where it is not available)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


@contextlib.contextmanager
def running(kind: str, database_url: str, more_env: dict | None = None) -> Iterator[Server]:
    """A server of this kind, ready for browsers (``/_stcore/health`` answers 200);
    ``more_env``: more environment variables for it."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DASHBOARD_HEALTH_TOKEN": HEALTH_TOKEN}
    env.update(more_env or {})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    log = Path(tempfile.mkstemp(prefix=f"bench-{kind.replace(' ', '-')}-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            command(kind, port), cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(kind, f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        stop(process)
    log.unlink(missing_ok=True)


def stop(process: subprocess.Popen, grace: float = 15) -> None:
    """Ask a process to end (SIGTERM: Streamlit closes its sessions), kill it after
    ``grace`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.kind} exited at start:\n{server.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.kind} did not start in {STARTUP_TIMEOUT_SECONDS} s")
