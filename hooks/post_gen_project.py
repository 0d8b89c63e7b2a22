"""Prune what the answers do not need, then print the next steps.

Stdlib only and offline. One small function per pruning decision; each is idempotent, so
re-running the hook (as `cruft update` does) is safe. An optional extra that fails only
warns: a failing post-generation hook would make cookiecutter delete the whole project.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

# `tojson` twice gives a Python string literal holding the JSON of every answer.
ANSWERS = json.loads({{ cookiecutter | tojson | tojson }})  # noqa: E501


def remove(project: Path, *relative_paths: str) -> None:
    """Delete files or folders below `project`; missing ones are fine (idempotent)."""
    for relative in relative_paths:
        path = project / relative
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def remove_server_fault_tests(project: Path) -> None:
    """An embedded database (SQLite) has no server to kill or restart. Every project keeps
    every dialects/ file: another database is its driver's extra away (pyproject.toml)."""
    remove(project, "tests/test_server_faults.py")


def remove_postgresql_tests(project: Path) -> None:
    """What only PostgreSQL has (zones, read-only sessions) is tested in its projects."""
    remove(project, "tests/test_postgresql.py")


def remove_duckdb_tests(project: Path) -> None:
    """What only DuckDB has (folders of files, readers beside a writer) is tested in its
    projects."""
    remove(project, "tests/test_duckdb.py")


def remove_signin_files(project: Path) -> None:
    remove(project, "tests/test_signin.py", "tests/oidc")


def remove_shared_cache_files(project: Path, package: str) -> None:
    """One process, its own cache: no Redis level, proxy or replica tests."""
    remove(
        project,
        f"{package}/shared.py",
        f"{package}/bench/replicas.py",
        "deploy",
        "tests/test_shared_cache.py",
        "tests/test_replicas.py",
    )


def remove_docker_files(project: Path) -> None:
    remove(project, "Dockerfile", ".dockerignore", "compose.yaml")


def remove_github_actions(project: Path) -> None:
    remove(project, ".github")


def init_git_repository(project: Path) -> None:
    """Optional extra: make the project a git repository, so .gitignore guards secrets.toml
    from the first `git add`. Skipped inside an existing work tree; a failure only warns."""
    try:
        inside = subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        if inside.returncode == 0:
            return
        subprocess.run(["git", "init", "--quiet"], cwd=project, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"WARNING: git init skipped ({error}); run it yourself later.", file=sys.stderr)


def next_steps(answers: dict) -> str:
    slug, package = answers["project_slug"], answers["package_name"]
    lines = [
        f"Created {slug}/ ({answers['database']}). Next steps:",
        f"  cd {slug}",
        "  python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[dev]'",
    ]
    server = answers["database"] in ("mysql", "postgresql")
    if server or answers["auth"] == "oidc":
        what = {"mysql": "your server", "postgresql": "your server"}
        what["oidc"] = "your sign-in provider"
        chosen = " and ".join(what[k] for k in (answers["database"], answers["auth"]) if k in what)
        lines.append(
            f"  cp .streamlit/secrets.toml.example .streamlit/secrets.toml   # then set {chosen}"
        )
    if server:
        lines.append(f"  python -m {package} seed      # creates the schema and demo data")
    lines += [
        "  streamlit run streamlit_app.py   # the dashboard, on http://localhost:8501",
        "  pytest                          # the project's own tests",
    ]
    return "\n".join(lines)


def main(answers: dict, project: Path) -> int:
    package = answers["package_name"]
    if answers["database"] in ("sqlite", "duckdb"):  # a file, no server
        remove_server_fault_tests(project)
    if answers["database"] != "postgresql":
        remove_postgresql_tests(project)
    if answers["database"] != "duckdb":
        remove_duckdb_tests(project)
    if answers["auth"] == "none":
        remove_signin_files(project)
    if answers["shared_cache"] == "none":
        remove_shared_cache_files(project, package)
    if not answers["include_docker"]:
        remove_docker_files(project)
    if not answers["include_github_actions"]:
        remove_github_actions(project)
    init_git_repository(project)
    print(next_steps(answers))
    return 0


if __name__ == "__main__":
    sys.exit(main(ANSWERS, Path.cwd()))
