"""The generated README tells the truth: every file, function and test its patterns tour
names exists in the baked project, and its commands name the project's real package."""

import re

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
