"""Refuse bad answers before cookiecutter writes anything.

Stdlib only and offline. Answers reach this code only through `tojson` (a JSON text is
data, never code), so a hostile project name cannot inject Python into the hook.
Each problem is printed as `ERROR: <variable> <value>: <what to do>`; exit status 1.
"""

import json
import keyword
import re
import sys

# `tojson` twice gives a Python string literal holding the JSON of every answer.
ANSWERS = json.loads({{ cookiecutter | tojson | tojson }})  # noqa: E501

# Names the generated project imports, or folders it ships: a package named like one of
# them would shadow it (`import pandas` would import the project instead).
RESERVED_NAMES = frozenset(sys.stdlib_module_names) | {
    "altair",
    "data",
    "numpy",
    "pages",
    "pandas",
    "playwright",
    "pyarrow",
    "pymysql",
    "pytest",
    "ruff",
    "sqlalchemy",
    "streamlit",
    "streamlit_app",
    "test",
    "tests",
}
# Longer names would not fit the generated code's 100-column lines (imports, commands).
MAX_NAME_LENGTH = 40
HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
CHOICES = {
    "database": ("sqlite", "mysql", "postgresql", "duckdb"),
    "auth": ("none", "oidc"),
    "shared_cache": ("none", "redis"),
    "theme_base": ("light", "dark"),
    "language": ("en", "es"),
    "locale": ("en_US", "es_BO", "es_ES", "de_DE", "pt_BR", "fr_FR"),
    "number_format": ("locale", "1,234.56", "1.234,56"),
}
# A currency is an ISO 4217 code (Babel writes its symbol where the locale puts it).
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
BOOLEANS = ("include_docker", "include_github_actions")


def suggest_identifier(value: str) -> str:
    """A valid lowercase identifier close to `value`, for the error message."""
    name = re.sub(r"[^0-9a-z]+", "_", str(value).lower()).strip("_") or "my_dashboard"
    if name[0].isdigit():
        name = "dashboard_" + name
    if len(name) > MAX_NAME_LENGTH:
        name = name[:MAX_NAME_LENGTH].rsplit("_", 1)[0] or name[:MAX_NAME_LENGTH]
    if keyword.iskeyword(name) or name in RESERVED_NAMES:
        name += "_dashboard"
    return name


def check_identifier(value) -> str | None:
    """Why `value` cannot be the project folder or package, or None when it can."""
    if not isinstance(value, str) or not value.isidentifier() or not value.isascii():
        return f"use a lowercase Python identifier such as {suggest_identifier(value)}"
    if value != value.lower():
        return f"use lowercase letters, e.g. {value.lower()}"
    if len(value) > MAX_NAME_LENGTH:
        return f"use at most {MAX_NAME_LENGTH} characters, e.g. {suggest_identifier(value)}"
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        return f"{value} is a Python keyword; try {suggest_identifier(value)}"
    if value in RESERVED_NAMES:
        return (
            f"{value} would shadow a module or folder the project uses; "
            f"try {suggest_identifier(value)}"
        )
    return None


def check_colour(value) -> str | None:
    if isinstance(value, str) and HEX_COLOUR.fullmatch(value):
        return None
    return "give a hex colour #RRGGBB, e.g. #2563EB"


def check_positive_int(value) -> str | None:
    text = str(value).strip()
    if text.isdigit() and text.isascii() and int(text) > 0:
        return None
    return "give a whole number of seconds greater than 0, e.g. 300"


def check_currency(value) -> str | None:
    if value == "" or (isinstance(value, str) and CURRENCY_CODE.fullmatch(value)):
        return None
    return "give an ISO 4217 code in capitals (EUR, USD, BOB, BRL), or leave it empty"


def check_choice(value, choices) -> str | None:
    if value in choices:
        return None
    return "choose one of " + ", ".join(choices)


def check_boolean(value) -> str | None:
    if isinstance(value, bool):
        return None
    return "answer yes or no (true/false)"


def find_errors(answers: dict) -> list[tuple[str, object, str]]:
    """Every bad answer as (variable, value, what to do)."""
    checks = [
        ("project_slug", check_identifier),
        ("package_name", check_identifier),
        ("primary_color", check_colour),
        ("cache_ttl_seconds", check_positive_int),
        ("currency", check_currency),
    ]
    checks += [(name, lambda v, c=choices: check_choice(v, c)) for name, choices in CHOICES.items()]
    checks += [(name, check_boolean) for name in BOOLEANS]
    palettes = tuple(answers.get("_palettes", {}))
    checks.append(("chart_palette", lambda v: check_choice(v, palettes)))

    errors = []
    for variable, check in checks:
        value = answers.get(variable)
        problem = check(value)
        if problem:
            errors.append((variable, value, problem))
    # package_name derives from project_slug: one mistake, one line (the one the user typed).
    if answers.get("package_name") == answers.get("project_slug"):
        errors = [error for error in errors if error[0] != "package_name"]
    return errors


def format_error(variable: str, value, problem: str) -> str:
    return f"ERROR: {variable} {json.dumps(value, ensure_ascii=False)}: {problem}"


def main(answers: dict) -> int:
    errors = find_errors(answers)
    for error in errors:
        print(format_error(*error), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(ANSWERS))
