"""Tier 4: inside each baked project, in a fresh virtual environment built only from the
project's own declared dependencies (so a missing one fails): ruff check, ruff format
--check and the project's own pytest. The MySQL bake runs against a real server.

Then the same for a bake adapted to a database nobody here designed (tests/clinic.py),
as the README's "Your own data" says: inspect --write --force, delete the demo folders,
and the project's lint, tests and quick benchmark all pass, and a browser shows it.

Each database runs one full suite with shared_cache=redis (replicas sharing a Redis) and
one without: the MySQL demo bake and the SQLite clinic bake have it; those need a Redis at
TEST_REDIS_URL (and haproxy, redis-server for the replica tests)."""

import os
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import TEMPLATE
from cookiecutter.main import cookiecutter

DEFAULT_MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
# The MySQL bake also takes the other language and number format: the projects' own tests
# then run once in English ("1,234.56") and once in Spanish ("1.234,56"), without a third bake.
# It has the shared cache too; the clinic bakes cross it the other way (CLINIC_SHARED_CACHE).
ANSWERS = {
    "sqlite": {},
    "mysql": {"language": "es", "number_format": "1.234,56", "shared_cache": "redis"},
}
CLINIC_SHARED_CACHE = {"sqlite": "redis", "mysql": "none"}


def server_answers(url: str, default_port: int) -> bool:
    """True when something accepts TCP connections where the URL points."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or default_port)
    try:
        with socket.create_connection(address, 3):
            return True
    except OSError:
        return False


def mysql_answers(url: str) -> bool:
    return server_answers(url, 3306)


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: int = 1500) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{output[-12000:]}"
    return output


def bake_with_venv(out: Path, database: str, name: str, **answers) -> Path:
    """Bake a project and give it a virtual environment of its own declared dependencies."""
    context = {"database": database, "project_name": name, **ANSWERS[database], **answers}
    project = Path(
        cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(out), extra_context=context)
    )
    run([sys.executable, "-m", "venv", ".venv"], project)
    pip = [str(project / ".venv/bin/python"), "-m", "pip", "install", "--quiet"]
    run([*pip, "--upgrade", "pip"], project)
    run([*pip, "-e", ".[dev]"], project)
    return project


@pytest.fixture(scope="module")
def baked(tmp_path_factory):
    """Bake a project per database once, with its own virtual environment."""
    projects: dict[str, Path] = {}

    def bake(database: str) -> Path:
        if database not in projects:
            out = tmp_path_factory.mktemp(f"bake-{database}")
            projects[database] = bake_with_venv(out, database, f"Venv {database}")
        return projects[database]

    return bake


def project_environment(database: str, shared_cache: str = "none") -> dict:
    """The environment a baked project's tests run in (MySQL, Redis: a server, or a skip)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if database == "mysql":
        url = env.setdefault("TEST_MYSQL_URL", DEFAULT_MYSQL_URL)
        if not mysql_answers(url) and not env.get("CI"):
            pytest.skip(
                f"no MySQL server answers at {url}; set TEST_MYSQL_URL to a server "
                "(user with CREATE DATABASE rights) to run the MySQL bake's tests"
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


def lint_and_test(project: Path, env: dict, only: list[str] | None = None) -> str:
    """ruff, the commit hooks and the project's pytest (``only``: these test files)."""
    bin_dir = project / ".venv/bin"
    run([str(bin_dir / "ruff"), "check", "."], project, env)
    run([str(bin_dir / "ruff"), "format", "--check", "."], project, env)
    # The commit hooks, as `pre-commit run --all-files` after a first `git add`.
    run(["git", "add", "-A"], project)
    hooks_env = {
        **env,
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"),
    }
    hooks = run([str(bin_dir / "pre-commit"), "run", "--all-files"], project, hooks_env)
    assert "Failed" not in hooks, hooks
    output = run(
        [str(bin_dir / "pytest"), "-q", "-p", "no:cacheprovider", *(only or [])], project, env
    )
    print(output[-3000:])
    assert " passed" in output
    assert " skipped" not in output or not env.get("CI"), output[-3000:]
    return output


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "mysql"])
def test_baked_project_lints_and_passes_its_tests(baked, database):
    env = project_environment(database, ANSWERS[database].get("shared_cache", "none"))
    lint_and_test(baked(database), env)


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


def clinic_database(database: str, env: dict, folder: Path) -> str:
    """An empty database for the clinic: a SQLite file, or a new MySQL database."""
    if database == "sqlite":
        return f"sqlite:///{folder / 'clinic.db'}"
    server = env["TEST_MYSQL_URL"].rsplit("/", 1)[0]
    return f"{server}/dash_clinic_{uuid.uuid4().hex[:8]}"


def drop_mysql_database(python: Path, url: str, project: Path) -> None:
    script = (
        "import sys; from sqlalchemy import create_engine, make_url, text\n"
        "u = make_url(sys.argv[1]); e = create_engine(u.set(database=''))\n"
        "with e.begin() as c: c.execute(text(f'DROP DATABASE IF EXISTS `{u.database}`'))\n"
    )
    run([str(python), "-c", script, url], project)


def create_mysql_database(python: Path, url: str, project: Path) -> None:
    script = (
        "import sys; from sqlalchemy import create_engine, make_url, text\n"
        "u = make_url(sys.argv[1]); e = create_engine(u.set(database=''))\n"
        "with e.begin() as c: c.execute(text(f'CREATE DATABASE `{u.database}`'))\n"
    )
    run([str(python), "-c", script, url], project)


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "mysql"])
def test_a_bake_adapted_to_a_clinic_database_passes_its_suite(tmp_path, database):
    """The README's "Your own data", step by step, on a schema nobody here designed, behind
    a sign-in (auth = "oidc": the client's data is not public), so its suite also signs two
    users in against a local OpenID provider in a real browser (tests/test_signin.py). The
    SQLite one also has the shared cache (CLINIC_SHARED_CACHE): its Redis level and replica
    tests run on the clinic's model."""
    shared_cache = CLINIC_SHARED_CACHE[database]
    env = project_environment(database, shared_cache)
    project = bake_with_venv(
        tmp_path, database, "Clinic Board", auth="oidc", shared_cache=shared_cache
    )
    package = project / "clinic_board"
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    run([*git, "add", "-A"], project)
    run([*git, "commit", "-q", "-m", "fresh bake"], project)
    python = project / ".venv/bin/python"
    url = clinic_database(database, env, tmp_path)
    try:
        if database == "mysql":
            create_mysql_database(python, url, project)
        run([str(python), str(TEMPLATE / "tests/clinic.py"), url, "create"], project, env)
        adapted = {**env, "DATABASE_URL": url}
        run([str(python), "-m", "clinic_board", "inspect", "--write", "--force"], project, adapted)
        shutil.rmtree(package / "demo")
        shutil.rmtree(project / "tests" / "demo")
        # Step 8: each signed-in user sees only the wards [dashboard.scopes] gives them.
        model = package / "model.py"
        text = model.read_text(encoding="utf-8")
        assert "    period=None,\n" in text, "inspect wrote no period line"
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
        bench = run([str(python), "-m", "clinic_board", "bench", "--quick"], project, env)
        assert "Targets" in bench, bench[-3000:]
        shown = run([str(python), str(TEMPLATE / "tests/clinic.py"), url, "check", str(project)],
                    project, env)  # fmt: skip
        print(shown)
    finally:
        if database == "mysql":
            drop_mysql_database(python, url, project)
