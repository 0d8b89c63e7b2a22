"""Project settings: the only module with values chosen when the project was generated."""

import os

from babel.numbers import get_territory_currencies


def default_currency(locale: str) -> str:
    """The currency of the locale's territory today: es_BO -> "BOB", de_DE -> "EUR"."""
    return get_territory_currencies(locale.rsplit("_", 1)[-1])[0]


{# A Python string literal of the name, quoted as `ruff format` would (fewest escapes). -#}
{% set name = cookiecutter.project_name | replace('\\', '\\\\') -%}
{% if name.count('"') > name.count("'") -%}
PROJECT_NAME = '{{ name | replace("'", "\\'") }}'
{% else -%}
PROJECT_NAME = "{{ name | replace('"', '\\"') }}"
{% endif -%}
DATABASE = "{{ cookiecutter.database }}"  # chosen at bake time: sqlite, mysql, postgresql or duckdb
CONNECTION_NAME = "dashboard"  # [connections.dashboard] in .streamlit/secrets.toml
HISTORICAL_TTL_SECONDS = {{ cookiecutter.cache_ttl_seconds | int }}  # historical modes (ops, dates) keep results this long
CATALOGUE_TTL_SECONDS = 3600  # products and categories change rarely
SQLITE_PATH = "data/dashboard.db"  # relative to the project root (default database)
DUCKDB_PATH = "data/dashboard.duckdb"  # the same, when the database answer is duckdb
APP_STORE_PATH = "data/app_store.db"  # the project's own state, unless APP_STORE_URL is set
LANGUAGE = "{{ cookiecutter.language }}"  # visible text: "en" (English) or "es" (Spanish)
{# Older bakes answered number_format instead of locale: their separators pick a locale. -#}
{% set locale = cookiecutter.locale -%}
{% if locale == "en_US" and cookiecutter.number_format == "1.234,56" -%}
{% set locale = "es_BO" if cookiecutter.language == "es" else "de_DE" -%}
{% endif -%}
# Numbers, amounts, percentages and dates are written as this locale writes them (Babel).
LOCALE = "{{ locale }}"
# Amounts are in this currency (ISO 4217); Babel puts its symbol where the locale does.
{% if cookiecutter.currency -%}
CURRENCY = "{{ cookiecutter.currency }}"
{% else -%}
CURRENCY = default_currency(LOCALE)  # the locale's own: en_US "USD", de_DE "EUR"
{% endif -%}
# Sign-in: "none" (an open dashboard) or "oidc" (st.login, [auth] in secrets). DASHBOARD_AUTH
# overrides it for one process: the tests' own servers run with "none".
AUTH = os.environ.get("DASHBOARD_AUTH") or "{{ cookiecutter.auth }}"
{%- if cookiecutter.shared_cache == "redis" %}
# The historical tier's second level, shared by every process: "redis" (REDIS_URL, see
# shared.py) or "none". DASHBOARD_SHARED_CACHE overrides it for one process (the bench).
SHARED_CACHE = os.environ.get("DASHBOARD_SHARED_CACHE") or "redis"
{%- endif %}
