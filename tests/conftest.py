"""Shared helpers for the template's tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parent.parent
DEFAULTS = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
PALETTES = list(DEFAULTS["_palettes"])
# The baked projects' screenshots, one folder per bake (the template's CI uploads them).
ARTEFACTS = Path(os.environ.get("TEMPLATE_TEST_ARTEFACTS") or TEMPLATE / "build/test-artifacts")
LOCALES = DEFAULTS["locale"]

# Every supported combination of the answers that change the file tree. The independent
# answers (palette, theme, TTL) cycle through their values so each one is baked somewhere.
COMBINATIONS = [
    {
        "database": database,
        "auth": auth,
        "include_docker": docker,
        "include_github_actions": actions,
    }
    for database in ("sqlite", "mysql", "postgresql", "duckdb")
    for auth in ("none", "oidc")
    for docker in (False, True)
    for actions in (False, True)
]
for index, answers in enumerate(COMBINATIONS):
    answers["chart_palette"] = PALETTES[index % len(PALETTES)]
    answers["theme_base"] = ("light", "dark")[index % 2]
    answers["cache_ttl_seconds"] = str((60, 300, 900)[index % 3])
    answers["language"] = ("en", "es")[index // 2 % 2]
    answers["locale"] = LOCALES[index % len(LOCALES)]
    answers["number_format"] = "locale"
    # The shared cache changes the tree too, but crossing it with everything would double
    # the bakes: the parity of (database, auth, docker) gives each pair of those both values.
    answers["shared_cache"] = ("none", "redis")[(index // 2 + index // 4 + index // 8) % 2]
# Older bakes answered number_format, not locale: their answers still bake (a locale follows).
COMBINATIONS[6] |= {"locale": "en_US", "number_format": "1.234,56"}
COMBINATIONS[7] |= {"locale": "en_US", "number_format": "1,234.56"}


def expected_locale(answers: dict) -> str:
    """settings.LOCALE of a bake: the locale, or older bakes' separators mapped onto one."""
    if answers.get("locale", "en_US") == "en_US" and answers.get("number_format") == "1.234,56":
        return "es_BO" if answers.get("language") == "es" else "de_DE"
    return answers.get("locale", "en_US")


def combination_id(answers: dict) -> str:
    docker = "docker" if answers["include_docker"] else "nodocker"
    actions = "ci" if answers["include_github_actions"] else "noci"
    shared = "redis" if answers.get("shared_cache") == "redis" else "noredis"
    return f"{answers['database']}-{answers['auth']}-{shared}-{docker}-{actions}"


def baked_files(project: Path) -> set[str]:
    """Every file of a baked project, as POSIX paths relative to it (git metadata aside)."""
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }


def bake_ok(cookies, **answers):
    """Bake and fail loudly (with the hook's message) when cookiecutter did not succeed."""
    result = cookies.bake(extra_context=answers)
    assert result.exception is None, f"bake failed: {result.exception!r}"
    assert result.exit_code == 0
    return result


def cookiecutter_cli(output_dir: Path, *answers: str, check: bool = False):
    """Run the real `cookiecutter --no-input` command, as a new user would."""
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(output_dir)]
    return subprocess.run(
        [*command, str(TEMPLATE), *answers],
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


@pytest.fixture
def in_ci() -> bool:
    return bool(os.environ.get("CI"))
