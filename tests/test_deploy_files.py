"""Container and CI files, checked by parsing (no container engine or GitHub runner here)."""

import re

import pytest
import yaml
from conftest import bake_ok


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


@pytest.mark.parametrize("database", ["sqlite", "mysql", "postgresql"])
def test_dockerfile_is_slim_non_root_and_healthy(cookies, database):
    project = bake_ok(cookies, database=database, include_docker=True).project_path
    steps = dockerfile_instructions((project / "Dockerfile").read_text(encoding="utf-8"))
    instructions = [name for name, _ in steps]
    assert steps[0][0] == "FROM" and steps[0][1].endswith("-slim")
    users = [arguments for name, arguments in steps if name == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert instructions.index("USER") < instructions.index("CMD")
    health = next(arguments for name, arguments in steps if name == "HEALTHCHECK")
    assert "/_stcore/health" in health
    cmd = next(arguments for name, arguments in steps if name == "CMD")
    assert '"serve"' in cmd and "0.0.0.0" in cmd
    ignored = (project / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".streamlit/secrets.toml" in ignored and ".venv/" in ignored


@pytest.mark.parametrize(
    ("database", "server", "scheme", "name_setting"),
    [
        ("mysql", "mysql", "mysql+pymysql://", "MYSQL_DATABASE"),
        ("postgresql", "postgres", "postgresql+psycopg://", "POSTGRES_DB"),
    ],
)
def test_compose_for_a_server_seeds_before_the_app_starts(
    cookies, database, server, scheme, name_setting
):
    project = bake_ok(cookies, database=database, include_docker=True).project_path
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"app", "seed", server, "rollup"}
    assert services["app"]["depends_on"]["seed"]["condition"] == "service_completed_successfully"
    assert services["seed"]["depends_on"][server]["condition"] == "service_healthy"
    assert services["seed"]["command"] == ["python", "-m", "sales_dashboard", "seed", "--optional"]
    url = services["app"]["environment"]["DATABASE_URL"]
    assert url.startswith(scheme) and f"@{server}:" in url
    assert services[server]["environment"][name_setting] == url.rsplit("/", 1)[1]
    assert services["rollup"]["environment"]["DATABASE_URL"] == url
    assert f"{server}-data" in compose["volumes"]
    assert "8501:8501" in services["app"]["ports"]
    assert "app-data:/app/data" in services["app"]["volumes"]  # the app store persists
    assert "app-data:/app/data" in services["seed"]["volumes"]  # seed's rollups land there
    assert_rollup_job(services)


def assert_rollup_job(services: dict) -> None:
    """The scheduled rollup job: hourly, into the app's own store."""
    job = services["rollup"]
    assert job["command"] == ["python", "-m", "sales_dashboard", "rollup", "--every", "3600"]
    assert "app-data:/app/data" in job["volumes"]
    assert job["restart"] == "unless-stopped"


def test_compose_for_sqlite_keeps_data_on_a_volume(cookies):
    project = bake_ok(cookies, database="sqlite", include_docker=True).project_path
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    assert set(compose["services"]) == {"app", "rollup"}
    assert "app-data:/app/data" in compose["services"]["app"]["volumes"]
    assert_rollup_job(compose["services"])
    assert "app-data" in compose["volumes"]


@pytest.mark.parametrize("database", ["sqlite", "mysql", "postgresql"])
def test_ci_workflow_lints_and_tests_with_least_privilege(cookies, database):
    project = bake_ok(cookies, database=database, include_github_actions=True).project_path
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert set(triggers) == {"push", "pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["test"]
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    for command in ("ruff check .", "ruff format --check .", "pytest", "pip install -e '.[dev]'"):
        assert command in commands
    assert ("services" in job) is (database != "sqlite")
    if database == "mysql":
        assert job["env"]["TEST_MYSQL_URL"].startswith("mysql+pymysql://root:root@127.0.0.1:3306/")
    if database == "postgresql":
        url = job["env"]["TEST_POSTGRES_URL"]
        assert url.startswith("postgresql+psycopg://postgres:postgres@127.0.0.1:5432/")


@pytest.mark.parametrize("database", ["sqlite", "mysql", "postgresql"])
def test_compose_with_the_shared_cache_runs_replicas_behind_the_proxy(cookies, database):
    project = bake_ok(
        cookies, database=database, shared_cache="redis", include_docker=True
    ).project_path
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"app", "proxy", "redis", "rollup", "seed"} <= set(services)
    app = services["app"]
    assert app["deploy"]["replicas"] == "${APP_REPLICAS:-3}"
    assert "ports" not in app and app["expose"] == ["8501"]  # only the proxy has a host port
    assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert ("DATABASE_URL" in app["environment"]) is (database != "sqlite")
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    # One seed before the replicas, also for SQLite: they would race to fill the file.
    assert app["depends_on"]["seed"]["condition"] == "service_completed_successfully"
    assert "app-data:/app/data" in app["volumes"]

    proxy = services["proxy"]
    assert proxy["image"].startswith("haproxy:") and proxy["image"] != "haproxy:latest"
    assert proxy["ports"] == ["8501:8080"]
    assert "./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in proxy["volumes"]
    assert proxy["depends_on"] == ["app"]

    redis = services["redis"]
    assert redis["image"].startswith("redis:") and redis["image"] != "redis:latest"
    command = redis["command"].split()
    assert command[0] == "redis-server"
    assert command[command.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert "--maxmemory" in command and "--appendonly" in command
    assert "redis-cli" in redis["healthcheck"]["test"] and "ping" in redis["healthcheck"]["test"]
    assert_rollup_job(services)

    # The proxy's configuration: sticky sessions, websockets kept open, the app's replicas.
    config = (project / "deploy/haproxy.cfg").read_text(encoding="utf-8")
    assert re.search(r"^\s*cookie dashboard_replica insert\b", config, re.M)
    assert re.search(r"^\s*timeout tunnel \S+", config, re.M)
    assert re.search(r"^\s*bind :8080$", config, re.M)
    assert re.search(r"^\s*server-template app \S+ app:8501 ", config, re.M)
    assert "/_stcore/health" in config


def test_compose_without_the_shared_cache_has_no_proxy_or_redis(cookies):
    project = bake_ok(cookies, shared_cache="none", include_docker=True).project_path
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    assert set(compose["services"]) == {"app", "rollup"}
    assert compose["services"]["app"]["ports"] == ["8501:8501"]
    assert not (project / "deploy").exists()
