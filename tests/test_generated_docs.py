"""The generated README tells the truth: every file, function and test its patterns tour
names exists in the baked project, and its commands name the project's real package."""

import re
import tomllib

import pytest
from conftest import bake_ok

CELL_REFERENCE = re.compile(
    r"`([^`]+\.(?:py|toml|cfg))`: ((?:`[^`]+`(?:, | and |/| on each loader)?\s*)+)"
)
TEST_REFERENCE = re.compile(r"`(tests/[^`]+\.py)::(test_\w+)`")


def patterns_rows(readme: str) -> list[str]:
    section = readme.split("## Patterns tour", 1)[1]
    return [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][
        1:
    ]


@pytest.mark.parametrize("shared_cache", ["none", "redis"])
@pytest.mark.parametrize("database", ["sqlite", "mysql"])
def test_patterns_tour_points_at_real_code_and_tests(cookies, database, shared_cache):
    project = bake_ok(
        cookies, database=database, shared_cache=shared_cache, project_name="Tour Check"
    ).project_path
    readme = (project / "README.md").read_text(encoding="utf-8")
    rows = patterns_rows(readme)
    assert len(rows) >= 17
    shared_rows = [row for row in rows if "shared.py" in row or "haproxy.cfg" in row]
    assert len(shared_rows) == (3 if shared_cache == "redis" else 0), shared_rows
    for row in rows:
        where, shown_by = row.split(" | ")[1], row.split(" | ")[3]
        references = CELL_REFERENCE.findall(where)
        assert references, row
        for path, names in references:
            text = (project / path).read_text(encoding="utf-8")
            for name in re.findall(r"`([^`]+)`", names):
                assert name.split(".")[-1] in text, f"{name} not in {path}"
        tests = TEST_REFERENCE.findall(shown_by)
        assert tests, row
        for path, test in tests:
            assert f"def {test}(" in (project / path).read_text(encoding="utf-8"), (path, test)


def test_the_tour_describes_the_detail_pages_as_the_code_queries_them(cookies):
    """Keyset pages, not OFFSET: the tour's row says what queries.py does."""
    project = bake_ok(cookies, project_name="Tour Check").project_path
    rows = patterns_rows((project / "README.md").read_text(encoding="utf-8"))
    row = next(row for row in rows if row.startswith("| Lazy loading"))
    code = (project / "tour_check" / "queries.py").read_text(encoding="utf-8")
    keyset = ".offset(" not in code and "cursor" in code
    assert keyset and "keyset" in row and "no `OFFSET`" in row, row


@pytest.mark.parametrize("database", ["sqlite", "mysql"])
def test_readme_commands_name_the_package(cookies, database):
    project = bake_ok(cookies, database=database, project_name="Tour Check").project_path
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "python -m tour_check seed" in readme
    assert "streamlit run streamlit_app.py" in readme
    assert ("TEST_MYSQL_URL" in readme) is (database == "mysql")
    assert ("data/dashboard.db" in readme) is (database == "sqlite")


@pytest.mark.parametrize("docker", [False, True])
@pytest.mark.parametrize("shared_cache", ["none", "redis"])
def test_readme_describes_replicas_only_when_baked_with_them(cookies, shared_cache, docker):
    project = bake_ok(
        cookies, shared_cache=shared_cache, include_docker=docker, project_name="Tour Check"
    ).project_path
    readme = (project / "README.md").read_text(encoding="utf-8")
    redis = shared_cache == "redis"
    assert ("## Replicas and the shared cache" in readme) is redis
    assert ("(#replicas-and-the-shared-cache)" in readme) is redis  # links only to it
    for name in ("REDIS_URL", "TEST_REDIS_URL", "deploy/haproxy.cfg", "bench --replicas"):
        assert (name in readme) is redis, name
    # `docker compose` is promised only where compose.yaml exists.
    assert ("docker compose up --build" in readme) is docker


# The two fresh-machine commands need nothing beyond Python; the uv way is shown beside them
# (tests/test_baked_projects.py runs the SQLite demo bake's suite through it).
PIP_COMMANDS = [
    "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && "
    ".venv/bin/streamlit run streamlit_app.py",
    ".venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/pytest",
]
UV_COMMANDS = [
    "uv run streamlit run streamlit_app.py",
    "uv run --extra dev ruff check . && uv run --extra dev ruff format --check . && "
    "uv run --extra dev pytest",
]
REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def requirement_names(requirements: list[str]) -> set[str]:
    return {REQUIREMENT_NAME.match(requirement).group().lower() for requirement in requirements}


@pytest.mark.parametrize("database", ["sqlite", "mysql"])
def test_readme_shows_the_uv_way_beside_the_two_pip_commands(cookies, database):
    project = bake_ok(cookies, database=database, project_name="Tour Check").project_path
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)\n```", section, re.S)
    assert blocks == [*PIP_COMMANDS, "\n".join(UV_COMMANDS)], blocks

    # Every `uv run` the README names runs a tool the project installs: a runtime one as
    # it is, a dev tool only with `--extra dev` (else `uv run` finds another one on PATH).
    project_toml = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = requirement_names(project_toml["project"]["dependencies"])
    dev = requirement_names(project_toml["project"]["optional-dependencies"]["dev"])
    runs = re.findall(r"uv run (--extra dev )?([\w-]+)", readme)
    assert {tool for _, tool in runs} >= {"streamlit", "python", "ruff", "pytest", "pre-commit"}
    for extra, tool in runs:
        if tool != "python":
            assert tool in (dev if extra else runtime), f"`uv run {extra}{tool}` in the README"
