"""Tier 4: inside each baked project, in a fresh virtual environment built only from the
project's own declared dependencies (so a missing one fails): ruff check, ruff format
--check and the project's own pytest. The MySQL bake runs against a real server."""

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import TEMPLATE
from cookiecutter.main import cookiecutter

DEFAULT_MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
# The MySQL bake also takes the other language and number format: the projects' own tests
# then run once in English ("1,234.56") and once in Spanish ("1.234,56"), without a third bake.
ANSWERS = {
    "sqlite": {},
    "mysql": {"language": "es", "number_format": "1.234,56"},
}


def mysql_answers(url: str) -> bool:
    """True when something accepts TCP connections where the URL points."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 3306), 3):
            return True
    except OSError:
        return False


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: int = 1500) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{output[-12000:]}"
    return output


@pytest.fixture(scope="module")
def baked(tmp_path_factory):
    """Bake a project per database once, with its own virtual environment."""
    projects: dict[str, Path] = {}

    def bake(database: str) -> Path:
        if database not in projects:
            out = tmp_path_factory.mktemp(f"bake-{database}")
            project = Path(
                cookiecutter(
                    str(TEMPLATE),
                    no_input=True,
                    output_dir=str(out),
                    extra_context={
                        "database": database,
                        "project_name": f"Venv {database}",
                        **ANSWERS[database],
                    },
                )
            )
            run([sys.executable, "-m", "venv", ".venv"], project)
            pip = [str(project / ".venv/bin/python"), "-m", "pip", "install", "--quiet"]
            run([*pip, "--upgrade", "pip"], project)
            run([*pip, "-e", ".[dev]"], project)
            projects[database] = project
        return projects[database]

    return bake


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "mysql"])
def test_baked_project_lints_and_passes_its_tests(baked, database):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if database == "mysql":
        url = env.setdefault("TEST_MYSQL_URL", DEFAULT_MYSQL_URL)
        if not mysql_answers(url) and not env.get("CI"):
            pytest.skip(
                f"no MySQL server answers at {url}; set TEST_MYSQL_URL to a server "
                "(user with CREATE DATABASE rights) to run the MySQL bake's tests"
            )
    project = baked(database)
    bin_dir = project / ".venv/bin"
    run([str(bin_dir / "ruff"), "check", "."], project, env)
    run([str(bin_dir / "ruff"), "format", "--check", "."], project, env)
    output = run([str(bin_dir / "pytest"), "-q", "-p", "no:cacheprovider"], project, env)
    print(output[-3000:])
    assert " passed" in output
    assert " skipped" not in output or not env.get("CI"), output[-3000:]
