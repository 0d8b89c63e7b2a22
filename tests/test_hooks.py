"""Tier 3: the hooks as units. Each hook is rendered with cookiecutter's own Jinja
environment and context, exactly as cookiecutter runs it, then imported."""

import subprocess
import sys
import types

import pytest
from conftest import TEMPLATE
from cookiecutter.environment import StrictEnvironment
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config


def answers_for(**overrides) -> dict:
    """The answers cookiecutter would compute with --no-input and these overrides."""
    context = generate_context(
        context_file=str(TEMPLATE / "cookiecutter.json"),
        extra_context={key: value for key, value in overrides.items()},
    )
    return dict(prompt_for_config(context, no_input=True))


def render_hook(name: str, answers: dict) -> str:
    env = StrictEnvironment(context={"cookiecutter": answers}, keep_trailing_newline=True)
    source = (TEMPLATE / "hooks" / f"{name}.py").read_text(encoding="utf-8")
    return env.from_string(source).render(cookiecutter=answers)


def load_hook(name: str, **overrides) -> types.ModuleType:
    module = types.ModuleType(name)
    code = compile(render_hook(name, answers_for(**overrides)), f"{name}.py", "exec")
    exec(code, module.__dict__)  # runs the module body; main() sits behind __name__ guard
    return module


@pytest.fixture(scope="module")
def pre():
    return load_hook("pre_gen_project")


@pytest.fixture(scope="module")
def post():
    return load_hook("post_gen_project")


@pytest.mark.parametrize("name", ["pre_gen_project", "post_gen_project"])
def test_rendered_hooks_pass_lint(tmp_path, name):
    rendered = tmp_path / f"{name}.py"
    rendered.write_text(render_hook(name, answers_for()), encoding="utf-8")
    config = ["--config", str(TEMPLATE / "pyproject.toml"), "--no-cache"]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *config, str(rendered)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "name", ['O\'Brien "Quotes" \\ Sales', "Panadería Ñandú", "'''\"\"\"\n\\x00 😀 <script>&"]
)
def test_answers_reach_hooks_as_data(name):
    """Whatever the text, the hook reads back exactly what was answered."""
    for hook in ("pre_gen_project", "post_gen_project"):
        assert load_hook(hook, project_name=name).ANSWERS["project_name"] == name


@pytest.mark.parametrize("value", ["sales", "my_dash", "dash2", "panaderia_nandu"])
def test_identifier_accepted(pre, value):
    assert pre.check_identifier(value) is None


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("my-dash!", "my_dash"),
        ("9lives", "dashboard_9lives"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("pandas", "shadow"),
        ("json", "shadow"),
        ("tests", "shadow"),
        ("MyDash", "mydash"),
        ("", "my_dashboard"),
        ("ñandú", "identifier"),
        ("a_dashboard_name_far_longer_than_forty_chars", "at most 40"),
    ],
)
def test_identifier_refused_with_a_fix(pre, value, hint):
    problem = pre.check_identifier(value)
    assert problem and hint in problem


@pytest.mark.parametrize(
    "value", ["my-dash!", "9lives", "class", "pandas", "", "Über Sales", "x" * 41, "ab_" * 20]
)
def test_suggestion_is_itself_valid(pre, value):
    assert pre.check_identifier(pre.suggest_identifier(value)) is None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("#12abEF", True),
        ("#12345G", False),
        ("red;", False),
        ("#123", False),
        ("#1234567", False),
        (None, False),
    ],
)
def test_colour(pre, value, ok):
    assert (pre.check_colour(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("300", True),
        (300, True),
        ("1", True),
        ("0", False),
        ("-5", False),
        ("1.5", False),
        ("five", False),
        ("٣", False),
    ],
)
def test_ttl(pre, value, ok):
    assert (pre.check_positive_int(value) is None) is ok


@pytest.mark.parametrize("value", ["", "EUR", "USD", "BOB", "BRL", "JPY"])
def test_currency_accepted(pre, value):
    assert pre.check_currency(value) is None


@pytest.mark.parametrize("value", [" ", "eur", "€", "Bs", "EURO", "E1R", "EUR\n", "%s", None])
def test_currency_refused(pre, value):
    assert "ISO 4217 code" in pre.check_currency(value)


def test_the_currency_defaults_to_the_locales_own():
    assert answers_for()["currency"] == ""


def test_defaults_have_no_errors(pre):
    assert pre.find_errors(answers_for()) == []


@pytest.mark.parametrize(
    ("variable", "value", "fix"),
    [
        ("auth", "ldap", "choose one of none, oidc"),
        ("shared_cache", "memcached", "choose one of none, redis"),
        ("shared_cache", "Redis", "choose one of none, redis"),
    ],
)
def test_a_bad_choice_is_refused_with_an_error_naming_it(pre, capsys, variable, value, fix):
    """A replay file or --no-input answer outside the choices (cookiecutter does not check
    a choice given as extra context): refused before anything is written."""
    answers = answers_for()
    answers[variable] = value
    assert pre.find_errors(answers) == [(variable, value, fix)]
    assert pre.main(answers) == 1
    assert capsys.readouterr().err == f'ERROR: {variable} "{value}": {fix}\n'


def test_main_prints_one_error_line_per_problem(pre, capsys):
    answers = answers_for(project_slug="9lives", primary_color="red;", include_docker=True)
    answers["include_docker"] = "maybe"  # as a hand-edited replay file could say
    assert pre.main(answers) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith('ERROR: project_slug "9lives": ')
    assert any(line.startswith('ERROR: primary_color "red;": give a hex colour') for line in lines)
    assert any(line.startswith('ERROR: include_docker "maybe": ') for line in lines)
    assert all(line.startswith("ERROR: ") for line in lines)


def test_a_bad_slug_is_one_error_not_a_second_for_the_package_derived_from_it(pre, capsys):
    answers = answers_for(project_slug="9lives")
    assert answers["package_name"] == "9lives"  # derived, never typed
    assert pre.main(answers) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith('ERROR: project_slug "9lives": '), lines
    answers["package_name"] = "9cats"  # typed apart: its own mistake, its own line
    assert [error[0] for error in pre.find_errors(answers)] == ["project_slug", "package_name"]


def fake_project(root, package="sales_dashboard"):
    for relative in [
        f"{package}/dialects/mysql.py",
        f"{package}/dialects/postgresql.py",
        f"{package}/dialects/duckdb.py",
        f"{package}/dialects/sqlite.py",
        "tests/test_server_faults.py",
        "tests/test_postgresql.py",
        "tests/test_duckdb.py",
        "Dockerfile",
        ".dockerignore",
        "compose.yaml",
        ".github/workflows/ci.yml",
        "streamlit_app.py",
        f"{package}/shared.py",
        f"{package}/bench/replicas.py",
        f"{package}/bench/runner.py",
        "deploy/haproxy.cfg",
        "tests/test_shared_cache.py",
        "tests/test_replicas.py",
    ]:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    return root


@pytest.mark.parametrize("database", ["sqlite", "mysql", "postgresql", "duckdb"])
@pytest.mark.parametrize("docker", [False, True])
@pytest.mark.parametrize("actions", [False, True])
@pytest.mark.parametrize("shared", ["none", "redis"])
def test_post_hook_prunes_and_is_idempotent(
    post, tmp_path, capsys, database, docker, actions, shared
):
    project = fake_project(tmp_path)
    answers = answers_for(
        database=database,
        include_docker=docker,
        include_github_actions=actions,
        shared_cache=shared,
    )
    for _ in range(2):  # a second run (cruft update) changes nothing and does not fail
        assert post.main(answers, project) == 0
    for name in ("sqlite", "mysql", "postgresql", "duckdb"):  # every bake reads every database
        assert (project / f"sales_dashboard/dialects/{name}.py").exists()
    server = database in ("mysql", "postgresql")
    assert (project / "tests/test_server_faults.py").exists() is server
    assert (project / "tests/test_postgresql.py").exists() is (database == "postgresql")
    assert (project / "tests/test_duckdb.py").exists() is (database == "duckdb")
    assert (project / "Dockerfile").exists() is docker
    assert (project / "compose.yaml").exists() is docker
    assert (project / ".github").exists() is actions
    assert (project / "streamlit_app.py").exists()
    redis = shared == "redis"
    for relative in [
        "sales_dashboard/shared.py",
        "sales_dashboard/bench/replicas.py",
        "deploy",
        "tests/test_shared_cache.py",
        "tests/test_replicas.py",
    ]:
        assert (project / relative).exists() is redis, relative
    assert (project / "sales_dashboard/bench/runner.py").exists()  # the rest of the bench stays
    out = capsys.readouterr().out
    assert "streamlit run streamlit_app.py" in out
    assert ("python -m sales_dashboard seed" in out) is server


def test_optional_git_extra_failing_only_warns(post, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    project = fake_project(tmp_path / "project")
    assert post.main(answers_for(), project) == 0
    assert "WARNING: git init skipped" in capsys.readouterr().err
    assert (project / "streamlit_app.py").exists()


def test_post_hook_makes_a_git_repository(post, tmp_path):
    project = fake_project(tmp_path / "project")
    post.init_git_repository(project)
    assert (project / ".git").is_dir()


def test_next_steps_name_the_package(post):
    text = post.next_steps(answers_for(project_name="Panadería Ñandú", database="mysql"))
    assert "cd panaderia_nandu" in text
    assert "python -m panaderia_nandu seed" in text
