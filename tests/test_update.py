"""A real update with cruft, as a team that forked the template lives it: bake with
`cruft create`, change the template (a commit in a scratch copy), `cruft check` says the
project is out of date, `cruft update` applies the change cleanly, and so does switching
the database with `--variables-to-update`; the updated project lints and its tests pass
(against MySQL, the database it was switched to)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEMPLATE
from test_baked_projects import lint_and_test, project_environment

CRUFT = str(Path(sys.executable).parent / "cruft")
GIT = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
# The switched project's lint, hooks and these tests (its whole suite runs in the MySQL bake).
FAST_TESTS = ["tests/test_config.py", "tests/test_docs.py", "tests/test_queries.py"]
SKIP = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache")


def run(command: list[str], cwd: Path, check: bool = True, env: dict | None = None):
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=1500, env=env)
    if check:
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}{done.stderr}"
    return done


def commit(folder: Path, message: str) -> None:
    run([*GIT, "add", "-A"], folder)
    run([*GIT, "commit", "-q", "-m", message], folder)


@pytest.mark.slow
def test_cruft_reports_and_applies_a_template_change_and_a_database_switch(tmp_path):
    env = project_environment("mysql")  # the switched project's tests need the server
    template = tmp_path / "template"
    shutil.copytree(TEMPLATE, template, ignore=SKIP)  # the working tree, committed
    run(["git", "init", "-q"], template)
    commit(template, "the template as it is")
    run([CRUFT, "create", "--no-input", "--output-dir", str(tmp_path), str(template)], tmp_path)
    project = tmp_path / "sales_dashboard"
    commit(project, "baked with cruft")

    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text().replace("## Saved views\n", "## Saved views (by name)\n"))
    commit(template, "README: a clearer heading")
    stale = run([CRUFT, "check"], project, check=False)
    assert stale.returncode != 0 and "out of date" in stale.stdout + stale.stderr

    run([CRUFT, "update", "--skip-apply-ask"], project)
    assert "## Saved views (by name)\n" in (project / "README.md").read_text()
    commit(project, "cruft update")
    assert run([CRUFT, "check"], project).returncode == 0

    switch = json.dumps({"database": "mysql"})
    run([CRUFT, "update", "--skip-apply-ask", "--variables-to-update", switch], project)
    assert (project / "sales_dashboard/dialects/mysql.py").exists()
    assert 'DATABASE = "mysql"' in (project / "sales_dashboard/settings.py").read_text()
    assert "pymysql" in (project / "pyproject.toml").read_text()
    assert not [line for line in run(["git", "status", "--porcelain"], project).stdout.splitlines()
                if line.startswith(("UU", "AA", "DU", "UD"))]  # fmt: skip
    commit(project, "cruft update: MySQL")

    run([sys.executable, "-m", "venv", ".venv"], project)
    pip = [str(project / ".venv/bin/python"), "-m", "pip", "install", "--quiet"]
    run([*pip, "-e", ".[dev]"], project)
    lint_and_test(project, {**env, "PYTHONDONTWRITEBYTECODE": "1"}, only=FAST_TESTS)
