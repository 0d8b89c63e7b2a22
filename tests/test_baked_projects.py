"""Tier 4: inside each baked project, in a fresh virtual environment built only from the
project's own declared dependencies (so a missing one fails): ruff check, ruff format
--check and the project's own pytest. The MySQL and PostgreSQL bakes run against real
servers.

Then the same for bakes adapted to databases nobody here designed (tests/clinic.py,
tests/rental.py, tests/library.py), as the README's "Your own data" says: inspect
--write --force, delete the demo folders, and the project's lint, tests and quick
benchmark all pass, verify finds every figure equal to plain SQL, and (the clinic) a
browser shows it.

Each database runs full suites: the demo bakes (SQLite, MySQL, PostgreSQL), the clinic
(SQLite, MySQL), the rental business (MySQL; PostgreSQL in a schema of its own with zoned
times) and the library (SQLite). Both clinic bakes have shared_cache=redis, with
sign-in (auth=oidc and a row scope), so the row-scope checks cover both levels of the
cache on SQLite and on MariaDB; the demo bakes run without it. The redis bakes need a
Redis at TEST_REDIS_URL (and haproxy, redis-server for the replica tests).

The SQLite demo bake's suite runs through uv (INSTALLER), as the baked README's uv lines
say: `uv run` makes the project's `.venv` from pyproject.toml and runs every tool with
`--extra dev`; the other bakes install with pip, so both ways stay tested. uv comes from
the template's dev group (`pip install --group dev`); without it that test skips, except
under CI, where it fails."""

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ARTEFACTS, TEMPLATE
from cookiecutter.main import cookiecutter

DEFAULT_MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
# The MySQL bake also takes the other language and number format: the projects' own tests
# then run once in English ("1,234.56") and once in Spanish ("1.234,56"), without a third bake.
# The shared cache is the clinic bakes', with their sign-in.
# The PostgreSQL bake writes numbers as fr_FR does ("1 234,56 €").
ANSWERS = {
    "sqlite": {},
    "mysql": {"language": "es", "number_format": "1.234,56"},
    "postgresql": {"locale": "fr_FR"},
    "duckdb": {},
}
# And other locales: their own suites and a real browser see amounts written their way.
CLINIC_LOCALE = {"sqlite": "de_DE", "mysql": "pt_BR"}
SPACE = "[\xa0 ]"  # CLDR's no-break space (a browser may hand it back as a space)
AMOUNT = {
    "de_DE": rf"\d{{1,3}}(\.\d{{3}})*(,\d+)?{SPACE}€",
    "pt_BR": rf"R\${SPACE}\d{{1,3}}(\.\d{{3}})*(,\d+)?",
}
# scripts/test.sh runs two tests at a time (pytest-xdist, --dist loadgroup): the eight long
# bakes go to two queues of about equal length, one per worker (FIRST: MySQL and PostgreSQL
# demos, clinic SQLite, rental MySQL; SECOND: SQLite demo, clinic MySQL, rental PostgreSQL,
# library DuckDB on Parquet files), the other tests to whichever worker is free first.
FIRST, SECOND = pytest.mark.xdist_group("first"), pytest.mark.xdist_group("second")
# How each demo bake gets its environment and runs its tools: the baked README's two ways.
INSTALLER = {"sqlite": "uv", "mysql": "pip", "postgresql": "pip"}


def server_answers(url: str, default_port: int) -> bool:
    """True when something accepts TCP connections where the URL points."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or default_port)
    try:
        with socket.create_connection(address, 3):
            return True
    except OSError:
        return False


# Each database server the bakes' tests use: its setting, default URL and port.
SERVERS = {
    "mysql": ("TEST_MYSQL_URL", DEFAULT_MYSQL_URL, 3306),
    "postgresql": ("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL, 5432),
}


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: int = 1500) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{output[-12000:]}"
    return output


def uv_binary() -> str:
    """uv, as the template's dev group installs it (the `uv` package next to this Python),
    else the one on PATH. Never pip in its place: missing, it skips, or fails under CI."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
    if found:
        return found
    message = "uv is not installed: pip install uv (the template's dev group has it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message + " to run the bake whose suite runs through uv")


def uv_environment(env: dict, project: Path) -> dict:
    """The environment of the `uv run` commands: the project's own `.venv`, made from the
    Python running these tests (never a downloaded one), a uv cache under the test's
    temporary folder unless UV_CACHE_DIR names one. uv reads no pip.conf: it installs
    from PyPI. It compiles the bytecode as pip does: with PYTHONDONTWRITEBYTECODE, every
    server and command the suite starts would compile Streamlit and pandas again (minutes)."""
    env = {key: value for key, value in env.items() if key not in UV_IGNORED}
    return {
        **env,
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_COMPILE_BYTECODE": "1",
        "UV_CACHE_DIR": env.get("UV_CACHE_DIR") or str(project.parent / "uv-cache"),
    }


# Set by an activated environment or the caller's uv settings: they would point `uv run`
# at another environment than the project's `.venv`.
UV_IGNORED = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_NO_SYNC", "UV_FROZEN", "UV_OFFLINE"}


class Tools:
    """How a baked project's tools are run: `.venv/bin/<tool>` after pip installed the
    project (`pip`), or `uv run --extra dev <tool>` (`uv`), the README's two ways."""

    def __init__(self, project: Path, installer: str = "pip"):
        self.project = project
        self.uv = uv_binary() if installer == "uv" else None

    def __call__(self, tool: str, *args: str) -> list[str]:
        if self.uv:
            return [self.uv, "run", "--extra", "dev", tool, *args]
        return [str(self.project / ".venv/bin" / tool), *args]

    def environment(self, env: dict) -> dict:
        return uv_environment(env, self.project) if self.uv else env


def bake_with_venv(out: Path, database: str, name: str, installer: str = "pip", **answers) -> Path:
    """Bake a project and give it a virtual environment of its own declared dependencies:
    `python -m venv` and `pip install -e '.[dev]'`, or the first `uv run --extra dev`."""
    if installer == "uv":
        uv_binary()  # no uv: skip (or fail, under CI) before baking anything
    context = {"database": database, "project_name": name, **ANSWERS[database], **answers}
    project = Path(
        cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(out), extra_context=context)
    )
    if installer == "uv":
        tools = Tools(project, "uv")
        # The first `uv run` makes `.venv` and installs the project with its dev extra; each
        # tool then runs from there, not from whatever else is on PATH.
        where = run(
            tools("python", "-c", WHERE_ARE_THE_TOOLS), project, tools.environment(os.environ)
        )
        found = [line.split(" ", 1)[1] for line in where.splitlines() if line[:5] == "tool "]
        assert len(found) == 4, where[-3000:]
        bin_dir = (project / ".venv/bin").resolve()  # the files are links, not their folder
        for path in found:
            assert Path(path).parent.resolve() == bin_dir, where[-3000:]
        return project
    run([sys.executable, "-m", "venv", ".venv"], project)
    pip = [str(project / ".venv/bin/python"), "-m", "pip", "install", "--quiet"]
    run([*pip, "--upgrade", "pip"], project)
    run([*pip, "-e", ".[dev]"], project)
    return project


WHERE_ARE_THE_TOOLS = """\
import shutil, sys
print("tool", sys.executable)
for name in ("ruff", "pre-commit", "pytest"):
    print("tool", shutil.which(name) or f"{name} is not installed")
"""


@pytest.fixture(scope="module")
def baked(tmp_path_factory):
    """Bake a project per database once, with its own virtual environment."""
    projects: dict[str, Path] = {}

    def bake(database: str) -> Path:
        if database not in projects:
            out = tmp_path_factory.mktemp(f"bake-{database}")
            projects[database] = bake_with_venv(
                out, database, f"Venv {database}", installer=INSTALLER[database]
            )
        return projects[database]

    return bake


def project_environment(database: str, shared_cache: str = "none") -> dict:
    """The environment a baked project's tests run in (MySQL, Redis: a server, or a skip)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if database in SERVERS:
        setting, default, port = SERVERS[database]
        url = env.setdefault(setting, default)
        if not server_answers(url, port) and not env.get("CI"):
            pytest.skip(
                f"no {database} server answers at {url}; set {setting} to a server "
                f"(user with CREATE DATABASE rights) to run the {database} bake's tests"
            )
    if shared_cache == "redis":
        url = env.setdefault("TEST_REDIS_URL", DEFAULT_REDIS_URL)
        if not server_answers(url, 6379) and not env.get("CI"):
            pytest.skip(
                f"no Redis answers at {url}; set TEST_REDIS_URL to one to run the tests "
                "of a bake with shared_cache=redis"
            )
        # The commands run outside pytest (bench, the browser check) use it too, never the
        # default database 0 of whatever Redis runs here.
        env["REDIS_URL"] = url
    return env


def keep_screenshots(env: dict, bake: str) -> Path:
    """Point the bake's browser tests at ARTEFACTS/<bake>, emptied first: a screenshot
    found there afterwards was taken by this run."""
    folder = ARTEFACTS / bake
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env["DASH_TEST_ARTEFACTS"] = str(folder)
    return folder


def assert_screenshots(folder: Path, language: str, demo: bool = False) -> None:
    """The overview and the views of the page at 1280 px (two at least), in the bake's
    language; with the demo, its views on the demo's own rows too."""
    shots = [folder / "dashboard.png", *folder.glob(f"layout-{language}-*.png")]
    found = sorted(p.name for p in folder.iterdir())
    assert shots[0].exists() and len(shots) >= 3, f"screenshots missing in {folder}: {found}"
    if demo:
        on_the_demo = list(folder.glob(f"demo-layout-{language}-*.png"))
        assert len(on_the_demo) >= 2, f"the demo's screenshots missing in {folder}: {found}"
        shots += on_the_demo
    for shot in shots:
        assert shot.stat().st_size > 20_000, f"{shot} is nearly empty"


def lint_and_test(
    project: Path, env: dict, only: list[str] | None = None, installer: str = "pip"
) -> str:
    """ruff, the commit hooks and the project's pytest (``only``: these test files), from
    `.venv/bin` (``installer="pip"``) or through `uv run --extra dev` (``"uv"``)."""
    tools = Tools(project, installer)
    env = tools.environment(env)
    bin_dir = project / ".venv/bin"
    run(tools("ruff", "check", "."), project, env)
    run(tools("ruff", "format", "--check", "."), project, env)
    # The commit hooks, as `pre-commit run --all-files` after a first `git add`.
    run(["git", "add", "-A"], project)
    hooks_env = {
        **env,
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"),
    }
    hooks = run(tools("pre-commit", "run", "--all-files"), project, hooks_env)
    assert "Failed" not in hooks, hooks
    pytest = tools("pytest", "-q", "-p", "no:cacheprovider", *(only or []))
    output = run(pytest, project, env, timeout=2400)  # a guard: CI measures the time
    print(output[-3000:])
    assert " passed" in output
    assert " skipped" not in output or not env.get("CI"), output[-3000:]
    return output


class Listener:
    """A local port that counts the connections made to it: someone else's database
    server, which the baked suite must never reach."""

    def __enter__(self) -> "Listener":
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port, self.connections = self.server.getsockname()[1], 0
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed on exit
                return
            self.connections += 1
            conn.close()

    def __exit__(self, *_exc) -> None:
        self.server.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "database",
    [
        pytest.param("sqlite", marks=SECOND),
        pytest.param("mysql", marks=FIRST),
        pytest.param("postgresql", marks=FIRST),
    ],
)
def test_baked_project_lints_and_passes_its_tests(baked, database):
    """The whole suite, with the project's .streamlit/secrets.toml pointing at another
    database server, as a user who followed the README has it: no test reads it, so the
    suite passes and not one connection reaches that server."""
    env = project_environment(database, ANSWERS[database].get("shared_cache", "none"))
    screenshots = keep_screenshots(env, f"demo-{database}")
    project = baked(database)
    secrets = project / ".streamlit" / "secrets.toml"
    with Listener() as theirs:
        secrets.write_text(
            f'[connections.dashboard]\nurl = "mysql+pymysql://them@127.0.0.1:{theirs.port}/'
            'their_sales"\n',
            encoding="utf-8",
        )
        try:
            lint_and_test(project, env, installer=INSTALLER[database])
        finally:
            secrets.unlink()
        assert theirs.connections == 0, "a test connected to the database in secrets.toml"
    assert_screenshots(screenshots, ANSWERS[database].get("language", "en"), demo=True)


SMOKE = """\
import importlib.util
from streamlit.testing.v1 import AppTest
assert importlib.util.find_spec("pytest") is None, "requirements.txt installed the dev tools"
at = AppTest.from_file("streamlit_app.py", default_timeout=180).run()
assert not at.exception, [e.value for e in at.exception]
assert at.metric, "the first run shows no KPI card"
print(len(at.metric), "KPI cards")
"""


@pytest.mark.slow
def test_requirements_txt_installs_a_working_app(tmp_path):
    """What Streamlit Community Cloud does with a pushed repository: a fresh virtual
    environment, `pip install -r requirements.txt` (no dev extra), then the app's first
    run (it seeds the SQLite demo) shows the dashboard."""
    project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path)))
    run([sys.executable, "-m", "venv", ".venv"], project)
    python = str(project / ".venv/bin/python")
    run([python, "-m", "pip", "install", "--quiet", "-r", "requirements.txt"], project)
    env = {key: value for key, value in os.environ.items() if key != "DASHBOARD_AUTH"}
    assert "KPI cards" in run([python, "-c", SMOKE], project, env)


def client_database(database: str, env: dict, folder: Path, name: str) -> str:
    """Where a made-up client database goes: a SQLite file, or a new database on the
    server (created by create_server_database)."""
    if database == "sqlite":
        return f"sqlite:///{folder / f'{name}.db'}"
    if database == "duckdb":  # a folder of Parquet files (tests/as_files.py)
        return f"duckdb:///{folder / f'{name}-files'}"
    server = env[SERVERS[database][0]].rsplit("/", 1)[0]
    return f"{server}/dash_{name}_{uuid.uuid4().hex[:8]}"


# CREATE or DROP DATABASE on the server, from the bake's own Python (its driver), through
# the server's maintenance database (PostgreSQL runs neither in a transaction).
SERVER_DATABASE = """\
import sys
from sqlalchemy import create_engine, make_url
u, action = make_url(sys.argv[1]), sys.argv[2]
pg = u.get_backend_name() == "postgresql"
e = create_engine(u.set(database="postgres" if pg else ""), isolation_level="AUTOCOMMIT")
name = e.dialect.identifier_preparer.quote(u.database)
with e.connect() as c:
    if action == "create":
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    else:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}" + (" WITH (FORCE)" if pg else ""))
"""


def create_server_database(python: Path, url: str, project: Path) -> None:
    run([str(python), "-c", SERVER_DATABASE, url, "create"], project)


def drop_server_database(python: Path, url: str, project: Path) -> None:
    run([str(python), "-c", SERVER_DATABASE, url, "drop"], project)


@pytest.mark.slow
@pytest.mark.parametrize(
    "database", [pytest.param("sqlite", marks=FIRST), pytest.param("mysql", marks=SECOND)]
)
def test_a_bake_adapted_to_a_clinic_database_passes_its_suite(tmp_path, database):
    """The README's "Your own data", step by step, on a schema nobody here designed, behind
    a sign-in (auth = "oidc": the client's data is not public), so its suite also signs two
    users in against a local OpenID provider in a real browser (tests/test_signin.py). Both
    also have the shared cache: its Redis level, replica and row-scope tests run on the
    clinic's model, on SQLite and on MariaDB."""
    shared_cache = "redis"
    env = project_environment(database, shared_cache)
    screenshots = keep_screenshots(env, f"clinic-{database}")
    locale = CLINIC_LOCALE[database]
    project = bake_with_venv(
        tmp_path, database, "Clinic Board", auth="oidc", shared_cache=shared_cache, locale=locale
    )
    package = project / "clinic_board"
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    run([*git, "add", "-A"], project)
    run([*git, "commit", "-q", "-m", "fresh bake"], project)
    python = project / ".venv/bin/python"
    url = client_database(database, env, tmp_path, "clinic")
    try:
        if database == "mysql":
            create_server_database(python, url, project)
        run([str(python), str(TEMPLATE / "tests/clinic.py"), url, "create"], project, env)
        adapted = {**env, "DATABASE_URL": url}
        run([str(python), "-m", "clinic_board", "inspect", "--write", "--force"], project, adapted)
        shutil.rmtree(package / "demo")
        shutil.rmtree(project / "tests" / "demo")
        # Step 8: each signed-in user sees only the wards [dashboard.scopes] gives them.
        model = package / "model.py"
        text = model.read_text(encoding="utf-8")
        assert "    period=None,\n" in text, "inspect wrote no period line"
        # How visited_at is stored: text on SQLite, Unix seconds (BIGINT) on MySQL.
        form = "ISO_TEXT" if database == "sqlite" else "UNIX_SECONDS"
        assert f"    time_stored={form},\n" in text, text
        # Choices a person would make, each skipped candidate listed with why: the rooms
        # (no text) named by number, no one-value currency, no distinct count of 12
        # doctors, the longer path to the wards (through the room) written beside the join,
        # the specialties through their link table, shown in the page's table.
        assert 'numbered("Room", rooms.c.room_id)' in text, text
        for said in (
            r"visits\.currency\s+\(one\s+value",
            r"distinct\s+visits\.doctor_id\s+\(doctors\s+has\s+12\s+rows",
            r"Another path reaches wards:[\s#]+rooms\.ward_id[\s#]+->[\s#]+wards\.ward_id",
            # The link table: a doctor's specialties, joined many=True, their own table.
            r"Join\(\s*doctor_specialties,[^)]*many=True,?\s*\)",
            r'Breakdown\(\s*"specialty_table",\s*"specialty"',
        ):
            assert re.search(said, text), (said, text)
        assert "patients.c.address" not in text.split("dimensions=(")[1], text
        model.write_text(
            text.replace("    period=None,\n", '    period=None,\n    row_scope="ward",\n')
        )

        # Only the model changed and the demo folders went away.
        changed = run(["git", "status", "--porcelain"], project).splitlines()
        assert changed, "inspect --write changed nothing"
        for line in changed:
            state, path = line[:2].strip(), line[3:]
            assert (state, path) == ("M", "clinic_board/model.py") or (
                state == "D" and path.startswith(("clinic_board/demo/", "tests/demo/"))
            ), changed
        # No demo table, column or widget left anywhere outside them.
        names = [
            "order_items", "op_id", "business_date", "unit_cost", "unit_price", "table_no",
            "category_id", "product_id", "seed_info", "top_n", "margins_view",
        ]  # fmt: skip
        for path in project.rglob("*"):
            if path.is_file() and not {".venv", ".git"} & set(path.relative_to(project).parts):
                text = path.read_text(encoding="utf-8", errors="ignore")
                found = [name for name in names if name in text]
                assert not found, (path, found)

        lint_and_test(project, env)
        assert_screenshots(screenshots, ANSWERS[database].get("language", "en"))
        # (The quick benchmark ran in the suite: tests/test_bench.py runs `bench --quick`.)
        # Every figure against plain SQL on the clinic's own rows, and each shape counted:
        # 30 visits with no time, one dated 2199, 4 loaded twice, on SQLite 3 unreadable times.
        verified = run([str(python), "-m", "clinic_board", "verify"], project, adapted)
        print(verified)
        assert "Verified:" in verified and "DIFF" not in verified, verified
        assert re.search(r"\(NULL\): 30\b", verified), verified
        assert "2199" in verified and re.search(r"\b2199\b.*: 1\.", verified), verified
        assert re.search(r"(every column|todas sus columnas): 4\.", verified), verified
        if database == "sqlite":
            assert re.search(r"'01/02/2024 06:19'\): 3\.", verified), verified
        shown = run([str(python), str(TEMPLATE / "tests/clinic.py"), url, "check", str(project)],
                    project, env)  # fmt: skip
        print(shown)
        # The fee cards ("1.234,56 €" in de_DE): the locale's way, in a real browser.
        assert re.search(AMOUNT[locale], shown), shown
    finally:
        if database in SERVERS:
            drop_server_database(python, url, project)


# What inspect must choose on each made-up schema: the link table joined many=True and
# its dimension in the page's table, the table with no text named by number, the
# one-value column skipped, the longer path to a table commented.
MADE_UP = {
    "rental": (
        r"Join\(\s*film_category,[^)]*many=True,?\s*\)",
        r'Breakdown\(\s*"category_table",\s*"category"',
        r'numbered\("Store", store\.c\.store_id\)',
        r"language\.name\s+\(one\s+value",
        r"Another path reaches store:",
    ),
    "library": (
        r"Join\(\s*book_authors,[^)]*many=True,?\s*\)",
        r'Breakdown\(\s*"author_table",\s*"author"',
        r'numbered\("Shelf", shelves\.c\.shelf_id\)',
        r"loans\.channel\s+\(one\s+value",
        r"Another path reaches branches:",
    ),
}


# What inspect --schema writes for tables of another schema with zoned times.
ZONED_SCHEMA = (r'schema="rental"', r'Column\("payment_date", DateTime\(timezone=True\)')
# Every table of every schema of a PostgreSQL database: its rows and a checksum of them.
CHECKSUMS = """\
import sys
from sqlalchemy import create_engine, inspect
e = create_engine(sys.argv[1])
with e.connect() as c:
    for schema in sorted(inspect(c).get_schema_names()):
        if schema in ("information_schema", "pg_catalog") or schema.startswith("pg_"):
            continue
        for name in sorted(inspect(c).get_table_names(schema)):
            sql = (f'SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY '
                   f't::text), chr(45))) FROM "{schema}"."{name}" AS t')
            print(schema, name, *c.exec_driver_sql(sql).one())
"""


def checksums(python: Path, url: str, project: Path) -> str:
    return run([str(python), "-c", CHECKSUMS, url], project)


def file_checksums(folder: Path) -> dict[str, str]:
    """Every file of a folder of data files: its name and the sha256 of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.slow
@pytest.mark.parametrize(
    "schema, database",
    [
        pytest.param("rental", "postgresql", marks=SECOND),
        pytest.param("rental", "mysql", marks=FIRST),
        pytest.param("library", "duckdb", marks=SECOND),
    ],
)
def test_a_bake_adapted_to_a_made_up_database_passes_its_suite(tmp_path, schema, database):
    """More schemas nobody here designed (tests/rental.py, tests/library.py), on a bake
    without sign-in or shared cache: a cycle of keys, a link table (a film's categories, a
    book's authors), a binary column, narrow types, a table with no text, one-value and
    free-text columns, two paths to one table. inspect --write --force, the demo deleted,
    and with no edit the whole suite passes and verify finds every figure equal to plain
    SQL. On PostgreSQL the rental tables live in a schema of their own, beside two others,
    with `timestamp with time zone` times shown in La Paz (DASHBOARD_TIME_ZONE): inspect
    --schema reads them, and the client database is the same, row for row, afterwards.
    On DuckDB the library is a folder of Parquet files (tests/as_files.py), with no key
    declared anywhere, and each file is the same, byte for byte, afterwards; before the
    adaptation, the demo's own suite (seed, live, its numbers and layout) runs on DuckDB."""
    env = project_environment(database)
    options = []
    if database == "postgresql":
        options = ["--schema", schema]
        env["DASHBOARD_TIME_ZONE"] = "America/La_Paz"
    screenshots = keep_screenshots(env, f"{schema}-{database}")
    project = bake_with_venv(tmp_path, database, f"{schema.title()} Board")
    package = project / f"{schema}_board"
    python = project / ".venv/bin/python"
    url = client_database(database, env, tmp_path, schema)
    try:
        if database in SERVERS:
            create_server_database(python, url, project)
        if database == "duckdb":
            files = Path(url.removeprefix("duckdb:///"))
            run([str(python), str(TEMPLATE / "tests/as_files.py"), schema, str(files)], project)
            before = file_checksums(files)
            demo = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/demo"],
                       project, env)  # fmt: skip
            assert " passed" in demo and " failed" not in demo, demo[-3000:]
        else:
            run([str(python), str(TEMPLATE / f"tests/{schema}.py"), url, *options], project, env)
            before = checksums(python, url, project) if database == "postgresql" else None
        adapted = {**env, "DATABASE_URL": url}
        inspect = [str(python), "-m", package.name, "inspect", "--write", "--force", *options]
        run(inspect, project, adapted)
        shutil.rmtree(package / "demo")
        shutil.rmtree(project / "tests" / "demo")
        text = (package / "model.py").read_text(encoding="utf-8")
        for said in MADE_UP[schema] + (ZONED_SCHEMA if options else ()):
            assert re.search(said, text), (said, text)
        lint_and_test(project, env)
        assert_screenshots(screenshots, ANSWERS[database].get("language", "en"))
        verified = run([str(python), "-m", package.name, "verify"], project, adapted)
        print(verified)
        assert "Verified:" in verified and "DIFF" not in verified, verified
        if database == "duckdb":
            assert file_checksums(files) == before  # not one byte changed
        elif before is not None:
            assert checksums(python, url, project) == before  # not one row changed
    finally:
        if database in SERVERS:
            drop_server_database(python, url, project)
