"""The README tells the truth about this project: its commands run, its settings exist."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from {{ cookiecutter.package_name }} import db, settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_the_readme_names_runs():
    commands = set(re.findall(r"`python -m (\w+) (\w+)", README))
    assert {command for _, command in commands} == {
        "seed",
        "live",
        "serve",
        "bench",
        "inspect",
        "rollup",
        "sql",
        "verify",
    }
    for package, command in sorted(commands):
        assert package == db.PACKAGE
        result = subprocess.run(
            [sys.executable, "-m", package, command, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout


def test_the_help_is_plain_text_naming_every_command_and_the_package():
    result = subprocess.run(
        [sys.executable, "-m", db.PACKAGE, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "``" not in text and "<package>" not in text, text
    for command in ("seed", "live", "inspect", "rollup", "sql", "verify", "bench", "serve"):
        assert command in text, command
    assert f"python -m {db.PACKAGE} bench --help" in text


def test_configuration_the_readme_describes_exists():
    assert f"[connections.{settings.CONNECTION_NAME}]" in README
    example = tomllib.loads((ROOT / ".streamlit/secrets.toml.example").read_text("utf-8"))
    assert settings.CONNECTION_NAME in example["connections"]
    assert f"({settings.HISTORICAL_TTL_SECONDS} s)" in README
    config = tomllib.loads((ROOT / ".streamlit/config.toml").read_text("utf-8"))
    assert "maxCacheDataSize" in config["server"] and "maxCacheDataSize" in README
    ignored = (ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored and "git-ignored" in README
