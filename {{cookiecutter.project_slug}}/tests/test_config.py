"""Where the database URL comes from, and the command line's errors in plain words."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from {{ cookiecutter.package_name }} import db

PACKAGE = db.PACKAGE  # the package's name, for `python -m <package>`
ROOT = Path(__file__).resolve().parent.parent


def test_command_line_error_is_plain_words_with_masked_password():
    env = {**os.environ, "DATABASE_URL": "mysql+pymysql://u:Hunter2-pw@127.0.0.1:1/sales"}
    out = subprocess.run(
        [sys.executable, "-m", PACKAGE, "sql"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith("ERROR:")
    assert "Traceback" not in out.stderr and "Hunter2-pw" not in out.stderr


def test_url_precedence(tmp_path, monkeypatch):
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text(
        "[connections.dashboard]\n"
        'dialect = "mysql"\ndriver = "pymysql"\nhost = "db.example"\nport = 3307\n'
        'username = "app"\npassword = "pw"\ndatabase = "sales"\n'
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(db, "PROJECT_ROOT", tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = db.resolve_url()
    assert (url.drivername, url.host, url.port, url.database) == (
        "mysql+pymysql",
        "db.example",
        3307,
        "sales",
    )
    assert "pw" not in db.describe(url)
    secrets.write_text('[connections.dashboard]\nurl = "sqlite:///from_secrets.db"\n')
    assert db.resolve_url().database == "from_secrets.db"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from_env.db")
    assert db.resolve_url().database == "from_env.db"  # the environment wins
    monkeypatch.delenv("DATABASE_URL")
    secrets.unlink()
    if db.settings.DATABASE == "sqlite":
        assert db.resolve_url().database == str(tmp_path / db.settings.SQLITE_PATH)
