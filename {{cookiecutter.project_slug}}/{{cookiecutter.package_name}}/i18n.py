"""Visible text and number formatting, in the language chosen in settings.

Pattern: one catalogue per language. The UI never writes visible text or a
number format itself: it asks for text with ``t(key, **values)`` (the names of the
business, such as "Sales" or "Operation", come from model.py through ``label()``) and formats
numbers with ``money()``, ``number()`` and ``percent()``; tables go through
``table()`` and charts through ``chart()``. Changing LANGUAGE, LOCALE or CURRENCY
in settings.py changes the whole dashboard; numbers, amounts and dates are written by
Babel, as the locale writes them (its separators, where its currency symbol goes).
Text that comes from the database (names, error messages) goes through ``plain()``
before it enters Markdown.

Settings are read on every call (not at import), so a test can switch them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

import altair as alt
import babel
import babel.dates
import babel.numbers
import pandas as pd

from . import settings

EN = {
    # Pages and navigation
    "page_overview": "Overview",
    # Start-up and database problems
    "app_seeding": "Creating the demo database (first run only)...",
    "app_no_rows": "The table {table} holds no rows with a readable time yet, so there is "
    "nothing to show: the page fills in once it does. `python -m {package} verify` says what "
    "the table holds.",
    "app_db_error": "The dashboard cannot use its database. {error}",
    "app_fix_unsupported": (
        "**How to fix it**\n\n"
        "- Set the URL in the `DATABASE_URL` environment variable or in "
        "`.streamlit/secrets.toml` under `[connections.{connection}]` to a database this "
        "project reads, or install its driver as the message says, then restart the app."
    ),
    "app_fix_unreachable": (
        "**How to fix it**\n\n"
        "- Check that the database server is running and reachable.\n"
        "- Check the URL in the `DATABASE_URL` environment variable or in "
        "`.streamlit/secrets.toml` under `[connections.{connection}]`."
    ),
    "app_fix_empty": (
        "**How to fix it**\n\n"
        "- This database has none of the dashboard's tables yet: create them with demo "
        "data, `{command}`.\n"
        "- Or point the URL (`DATABASE_URL`, or `[connections.{connection}]` in "
        "`.streamlit/secrets.toml`) at the database you meant."
    ),
    "app_fix_missing": (
        "**How to fix it**\n\n"
        "- The database does not exist, and the dashboard never creates one where a URL "
        "points. Check the file's path (SQLite) or the database's name in `DATABASE_URL` or "
        "in `.streamlit/secrets.toml` under `[connections.{connection}]`.\n"
        "- For the demo's own database, unset the URL (SQLite: the first run creates its "
        "file), or run `{command}` (a server: the seeder creates the database)."
    ),
    "app_fix_model": (
        "**How to fix it**\n\n"
        "- Point the URL (`DATABASE_URL`, or `[connections.{connection}]` in "
        "`.streamlit/secrets.toml`) at the database `model.py` describes.\n"
        "- Or write a model of this database, `{command}`, and review it "
        "(*Your own data* in `README.md`)."
    ),
    "app_fix_foreign": (
        "**How to fix it**\n\n"
        "- This looks like someone's existing database. The dashboard does not know its "
        "schema yet, and it never writes to it.\n"
        "- To show these tables, follow *Your own data* in `README.md`.\n"
        "- Or point the URL (`DATABASE_URL`, or `[connections.{connection}]` in "
        "`.streamlit/secrets.toml`) at the database you meant."
    ),
    "app_try_again": "Try again",
    "app_retrying": "Trying again every {seconds} s.",
    "app_sidebar_caption": "Database: {database} · history cached {minutes} min",
    "loading": "Loading data...",
    "db_unavailable": "The database is not available. {error}",
    "db_missing_file": "The database file {path} does not exist.",
    "db_missing_database": "The database {where} does not exist on its server.",
    "db_stale": "Showing the last data loaded: the database did not answer.",
    "db_stale_error": "Showing the last data loaded: the database did not answer ({error}).",
    "updated": "Updated {time}",
    # Filters (sidebar)
    "filters_title": "Filters",
    "filters_view": "View",
    "filters_view_help_period": (
        "Live: the open {period}, never cached. {periods} / Dates: closed history, cached."
    ),
    "filters_view_help": "Live: the latest day, never cached. Dates: history, cached.",
    "mode_realtime": "Live",
    "mode_dates": "Dates",
    "filters_live_period": "{period} #{op} · {state}",
    "filters_live_day": "{date} · so far",
    "filters_op_from": "From {period}",
    "filters_op_to": "To {period}",
    "filters_date_from": "From",
    "filters_date_to": "To",
    "filters_all": "All {plural}",
    "filters_search": "Search {plural} ({n})",
    "filters_search_hint": "Type part of a name",
    "filters_reset": "Reset filters",
    "db_timeout": (
        "The database {where} took longer than {seconds} s to answer and the query was "
        "stopped. Try a shorter range of periods or dates; if it keeps happening, the "
        "database is overloaded."
    ),
    "db_unreachable": (
        "Cannot reach the database {where} ({reason}). Check that the server is running and "
        "the URL in DATABASE_URL or .streamlit/secrets.toml."
    ),
    "db_error": "The database {where} returned an error: {reason}",
    "db_incomplete": (
        "The database {where} lacks some of the dashboard's tables ({tables}). Rebuild them: "
        "{command}"
    ),
    "db_foreign": (
        "The database {where} holds tables the dashboard did not create ({tables}): it looks "
        "like someone's existing database. The dashboard does not know its schema yet, and "
        "it writes nothing there. See {guide}."
    ),
    "db_empty": (
        "The database {where} is empty: it has none of the dashboard's tables yet. Create "
        "them with demo data: {command}"
    ),
    "db_no_model_tables": (
        "The database {where} has none of the tables model.py describes ({tables}). Point "
        "the URL at the database model.py was written for, or write a model of this one: "
        "{command}"
    ),
    "db_url_invalid": "The database URL is not valid: {reason}",
    "db_store_url_invalid": "APP_STORE_URL is not valid: {reason}",
    "db_section_incomplete": "[connections.{name}] in secrets.toml needs `url` or `dialect`.",
    "db_not_configured": (
        "No database is configured. Set DATABASE_URL or add [connections.{name}] to "
        ".streamlit/secrets.toml."
    ),
    "db_unsupported": "This project does not read {backend} databases ({where}); it reads "
    "{supported}: point the URL at one of those.",
    "db_no_driver": "The driver of {backend} is not installed ({reason}): install it with "
    "`pip install -e '.[{extra}]'`.",
    "db_cannot_use": "Cannot use {where}: {reason}",
    "data_prefetch_late": "took longer than {seconds} s",
    "data_other_filters": "Showing the last data loaded, which was for other filters.",
    "scope_nothing": (
        "Your account may see no {plural} yet: ask an operator to add you to [dashboard.scopes]."
    ),
    "auth_sign_in": "Sign in",
    "auth_store_down": "Your sign-in cannot be checked now. {error}",
    "auth_sign_in_why": "This dashboard is for signed-in users: sign in to see it.",
    "auth_sign_out": "Sign out",
    "auth_signed_in_as": "Signed in as {name}",
    "auth_not_configured": (
        "Sign-in is on (auth = oidc) but the [auth] block of .streamlit/secrets.toml lacks "
        "{keys}: copy it from .streamlit/secrets.toml.example and fill in your provider's "
        "values (see the README, Sign-in)."
    ),
    "page_operator": "Operator",
    "operator_reads": "Reads the dashboard database {url} (never writes it).",
    "operator_stores": (
        "Writes only to the app store {url}: {views} saved views of {users} signed-in "
        "users and {sessions} browser sessions, and the rollups."
    ),
    "operator_ttl": "History is cached for {minutes} min, filter options for {catalogue} min.",
    "views_title": "Saved views",
    "views_pick": "View",
    "views_apply": "Apply",
    "views_delete": "Delete",
    "views_none": "No saved views yet: choose filters, name them below and save.",
    "views_name": "Save the current filters as",
    "views_name_hint": "a name, e.g. Last weekend",
    "views_save": "Save view",
    "views_owned_by": "Saved views belong to {owner}.",
    "views_owner_session": "this browser session (they go when it ends)",
    "views_saved": "Saved the view “{name}”.",
    "views_applied": "Applied the view “{name}”.",
    "views_deleted": "Deleted the view “{name}”.",
    "views_gone": "The view “{name}” is no longer there: pick another one.",
    "views_name_empty": "Type a name for the view first.",
    "views_name_long": "A view name has at most {max} characters (this one has {n}): shorten it.",
    "views_name_chars": (
        "“{name}” cannot be a view name: use letters, digits, spaces and . , ( ) # + & / - only."
    ),
    "views_too_many": "You have {max} saved views, the most there can be: delete one first.",
    "views_store_down": "Saved views are not available right now: {error}",
    "filters_ops_reversed": "The first {period} ({first}) is after the last ({last}).",
    "filters_dates_reversed": "The start date ({start}) is after the end date ({end}).",
    "filters_dates_required": "Both dates are required.",
    "filters_adjust": "Adjust the filters in the sidebar to see the dashboard.",
    # What the page shows (header)
    "scope_live": "Live · {period} #{op}",
    "scope_live_day": "Live · {date}",
    "scope_op": "{period} #{op}",
    "scope_ops": "{periods} #{first}–#{last}",
    "scope_count": "{plural}: {n}",
    "state_open": "open",
    "state_open_now": "open now",
    "state_closed": "closed",
    "badge_open_since": "{period} #{op} {state} since {time}",
    "badge_period": "{period} #{op} {state}",
    "badge_day": "Latest data: {date}",
    "badge_count": "{value} {label}",
    # KPIs
    "points": "{value} pp",
    "vs_prev_op": "vs prev. {period}",
    "vs_prev_ops": "vs prev. {n} {periods}",
    "vs_prev_day": "vs prev. day",
    "vs_prev_days": "vs prev. {n} days",
    "no_data": "Nothing in the selected range.",
    # Charts and sections
    "title_by_hour": "{measure} by hour",
    "title_by_day": "{measure} by day",
    "title_by_week": "{measure} by week",
    "title_by_month": "{measure} by month",
    "title_by_quarter": "{measure} by quarter",
    "title_by_auto": "{measure} over time",
    "grain_label": "Bars by",
    "grain_auto": "Auto",
    "grain_hour": "Hour",
    "grain_day": "Day",
    "grain_week": "Week",
    "grain_month": "Month",
    "grain_quarter": "Quarter",
    "title_by": "{measure} by {dimension}",
    "title_top": "Top {n} {plural} by {measure}",
    "axis_hour": "Hour of day",
    "axis_day": "Day",
    "axis_week": "Week (from Monday)",
    "axis_month": "Month",
    "axis_quarter": "Quarter",
    "axis_money": "{measure} ({currency})",
    "top_show": "Show",
    "top_choice": "Top {n}",
    "view_label": "View",
    "view_table": "Table",
    "view_chart": "Chart",
    # Live panel
    "live_badge": "LIVE",
    "live_title": "{Detail}: the latest",
    "live_refresh": "refreshes every {seconds} s",
    # Detail page
    "detail_load": "Load {detail}",
    "detail_on_demand": "Loaded on demand, one page at a time.",
    "detail_page_size": "Rows per page",
    "detail_page": "Page {page} of {pages}",
    "detail_first": "First page",
    "detail_previous": "Previous page",
    "detail_next": "Next page",
    "detail_last": "Last page",
    "detail_rows": "Rows {first}–{last} of {total}",
    # Column names (tables and tooltips)
    "col_share": "Share",
    "col_hour": "Hour",
    "col_day": "Day",
    "col_week": "Week of",
    "col_month": "Month",
    "col_quarter": "Quarter",
    "col_section": "Section",
    "col_time_ms": "Time (ms)",
    # Operator panel
    "operator_panel": "Operator panel",
    "admin_refresh": "Refresh data",
    "admin_refresh_help": "Reload historical data (the cached tier with a TTL).",
    "admin_clear": "Clear caches",
    "admin_clear_help": "Drop every cached result and the database engine.",
    "admin_refreshed": "Historical data reloaded from the database.",
    "admin_cleared": "All caches cleared.",
    "admin_sql": "**SQL statements:** {run} this run · {total} total",
    "admin_misses": "**Loader misses:** {run} this run · {total} total",
    "admin_runs": "Full app runs this session: {n}",
    "admin_rollups": "**Aggregates:** {hits} from rollups · {raw} from raw rows this run "
    "({hits_total} · {raw_total} total)",
    "rollups_up_to": "Rollups hold everything closed up to {part}; newer rows are read raw.",
    "rollups_none": "No rollups for this database yet: every aggregate reads the raw rows "
    "(run `python -m {package} rollup`).",
    "rollups_raw_by_design": "Always read from the raw rows: {measures} (a distinct count of "
    "values that can fall in several periods: a range's count is no sum of its periods' "
    "counts).",
    "health_title": "Data health",
    "health_rows": "Fact rows: {rows}, placed in time from {first} to {last}.",
    "health_empty": "The fact table holds no rows with a readable time yet.",
    "health_no_time": "Rows with no time (NULL): {n}. No range holds them.",
    "health_unreadable": "Rows whose time no ISO form reads (such as {example}): {n}. No range "
    "holds them: fix them in the database.",
    "health_late": "Rows dated far after the rest (the latest {latest}): {n}. The page opens on "
    "{last}, never on them.",
    "health_early": "Rows dated far before the rest (the earliest {earliest}): {n}. The date "
    "filter starts at {first}.",
    "health_no_key": "The fact table has no primary key: a detail page can repeat or skip "
    "rows its order (Detail.order_by) cannot tell apart; declare a unique column as its key.",
    "health_duplicates": "Rows that repeat another row in every column: {n}. Every figure "
    "counts them, as plain SQL does; if they were loaded twice, remove them in the database.",
    "health_large": "{dimension}: {n} values, too many for a list.",
    "health_ok": "Every row has a readable time, and none lies far from the rest.",
}

ES = {
    # Pages and navigation
    "page_overview": "Resumen",
    # Start-up and database problems
    "app_seeding": "Creando la base de datos de demostración (solo la primera vez)...",
    "app_no_rows": "La tabla {table} aún no tiene filas con una hora legible, así que no hay "
    "nada que mostrar: la página se llena en cuanto las tenga. `python -m {package} verify` "
    "dice qué contiene la tabla.",
    "app_db_error": "El tablero no puede usar su base de datos. {error}",
    "app_fix_unsupported": (
        "**Cómo solucionarlo**\n\n"
        "- Ponga en la variable de entorno `DATABASE_URL` o en `.streamlit/secrets.toml`, "
        "sección `[connections.{connection}]`, la URL de una base de datos que este proyecto "
        "lee, o instale su controlador como dice el mensaje, y reinicie la aplicación."
    ),
    "app_fix_unreachable": (
        "**Cómo solucionarlo**\n\n"
        "- Verifique que el servidor de base de datos esté en marcha y sea accesible.\n"
        "- Revise la URL en la variable de entorno `DATABASE_URL` o en "
        "`.streamlit/secrets.toml`, sección `[connections.{connection}]`."
    ),
    "app_fix_empty": (
        "**Cómo solucionarlo**\n\n"
        "- Esta base de datos todavía no tiene las tablas del tablero: créelas con datos de "
        "demostración, `{command}`.\n"
        "- O apunte la URL (`DATABASE_URL`, o `[connections.{connection}]` en "
        "`.streamlit/secrets.toml`) a la base de datos correcta."
    ),
    "app_fix_missing": (
        "**Cómo solucionarlo**\n\n"
        "- La base de datos no existe, y el tablero nunca crea una donde apunta una URL. "
        "Revise la ruta del archivo (SQLite) o el nombre de la base de datos en "
        "`DATABASE_URL` o en `.streamlit/secrets.toml`, sección `[connections.{connection}]`.\n"
        "- Para la base de datos de la demostración, quite la URL (SQLite: la primera "
        "ejecución crea su archivo), o ejecute `{command}` (un servidor: el sembrador crea la "
        "base de datos)."
    ),
    "app_fix_model": (
        "**Cómo solucionarlo**\n\n"
        "- Apunte la URL (`DATABASE_URL`, o `[connections.{connection}]` en "
        "`.streamlit/secrets.toml`) a la base de datos que describe `model.py`.\n"
        "- O escriba un modelo de esta base de datos, `{command}`, y revíselo "
        "(*Your own data* en `README.md`)."
    ),
    "app_fix_foreign": (
        "**Cómo solucionarlo**\n\n"
        "- Parece la base de datos existente de otra persona. El tablero todavía no conoce "
        "su esquema y nunca escribe en ella.\n"
        "- Para mostrar esas tablas, siga *Your own data* en `README.md`.\n"
        "- O apunte la URL (`DATABASE_URL`, o `[connections.{connection}]` en "
        "`.streamlit/secrets.toml`) a la base de datos correcta."
    ),
    "app_try_again": "Reintentar",
    "app_retrying": "Se reintenta cada {seconds} s.",
    "app_sidebar_caption": "Base de datos: {database} · historial en caché {minutes} min",
    "loading": "Cargando datos...",
    "db_unavailable": "La base de datos no está disponible. {error}",
    "db_missing_file": "El archivo de base de datos {path} no existe.",
    "db_missing_database": "La base de datos {where} no existe en su servidor.",
    "db_stale": "Se muestran los últimos datos cargados: la base de datos no respondió.",
    "db_stale_error": (
        "Se muestran los últimos datos cargados: la base de datos no respondió ({error})."
    ),
    "updated": "Actualizado a las {time}",
    # Filters (sidebar)
    "filters_title": "Filtros",
    "filters_view": "Vista",
    "filters_view_help_period": (
        "En vivo: {period} en curso, sin caché. {periods} / Fechas: historial cerrado, en caché."
    ),
    "filters_view_help": "En vivo: el último día, sin caché. Fechas: historial, en caché.",
    "mode_realtime": "En vivo",
    "mode_dates": "Fechas",
    "filters_live_period": "{period} #{op} · {state}",
    "filters_live_day": "{date} · hasta ahora",
    "filters_op_from": "{period} desde",
    "filters_op_to": "{period} hasta",
    "filters_date_from": "Desde",
    "filters_date_to": "Hasta",
    "filters_all": "Sin filtro de {plural}",
    "filters_search": "Buscar {plural} ({n})",
    "filters_search_hint": "Escriba parte de un nombre",
    "filters_reset": "Restablecer filtros",
    "db_timeout": (
        "La base de datos {where} tardó más de {seconds} s en responder y se detuvo la "
        "consulta. Pruebe con un rango más corto de periodos o fechas; si sigue pasando, la "
        "base de datos está sobrecargada."
    ),
    "db_unreachable": (
        "No se puede conectar con la base de datos {where} ({reason}). Compruebe que el "
        "servidor está en marcha y la URL de DATABASE_URL o .streamlit/secrets.toml."
    ),
    "db_error": "La base de datos {where} devolvió un error: {reason}",
    "db_incomplete": (
        "A la base de datos {where} le faltan tablas del tablero ({tables}). Vuelva a "
        "crearlas: {command}"
    ),
    "db_foreign": (
        "La base de datos {where} tiene tablas que el tablero no creó ({tables}): parece la "
        "base de datos existente de alguien. El tablero aún no conoce su esquema y no "
        "escribe nada en ella. Vea {guide}."
    ),
    "db_empty": (
        "La base de datos {where} está vacía: aún no tiene ninguna tabla del tablero. "
        "Créelas con datos de demostración: {command}"
    ),
    "db_no_model_tables": (
        "La base de datos {where} no tiene ninguna de las tablas que describe model.py "
        "({tables}). Apunte la URL a la base de datos para la que se escribió model.py, o "
        "escriba un modelo de esta: {command}"
    ),
    "db_url_invalid": "La URL de la base de datos no es válida: {reason}",
    "db_store_url_invalid": "APP_STORE_URL no es válida: {reason}",
    "db_section_incomplete": "[connections.{name}] en secrets.toml necesita `url` o `dialect`.",
    "db_not_configured": (
        "No hay ninguna base de datos configurada. Defina DATABASE_URL o añada "
        "[connections.{name}] a .streamlit/secrets.toml."
    ),
    "db_unsupported": "Este proyecto no lee bases de datos {backend} ({where}); lee "
    "{supported}: apunte la URL a una de ellas.",
    "db_no_driver": "El controlador de {backend} no está instalado ({reason}): instálelo con "
    "`pip install -e '.[{extra}]'`.",
    "db_cannot_use": "No se puede usar {where}: {reason}",
    "data_prefetch_late": "tardó más de {seconds} s",
    "data_other_filters": "Se muestran los últimos datos cargados, que eran de otros filtros.",
    "scope_nothing": (
        "Su cuenta aún no puede ver {plural}: pida a un operador que la añada a [dashboard.scopes]."
    ),
    "auth_sign_in": "Iniciar sesión",
    "auth_store_down": "No se puede verificar su sesión ahora. {error}",
    "auth_sign_in_why": "Este tablero es para usuarios con sesión: inicie sesión para verlo.",
    "auth_sign_out": "Cerrar sesión",
    "auth_signed_in_as": "Sesión de {name}",
    "auth_not_configured": (
        "El inicio de sesión está activo (auth = oidc) pero al bloque [auth] de "
        ".streamlit/secrets.toml le falta {keys}: cópielo de .streamlit/secrets.toml.example y "
        "complete los valores de su proveedor (vea el README, Sign-in)."
    ),
    "page_operator": "Operador",  # the operators' page ("Operaciones" are the periods)
    "operator_reads": "Lee la base de datos del tablero {url} (nunca escribe en ella).",
    "operator_stores": (
        "Escribe solo en el almacén de la app {url}: {views} vistas guardadas de {users} "
        "usuarios con sesión y {sessions} sesiones del navegador, y los rollups."
    ),
    "operator_ttl": (
        "El historial se guarda en caché {minutes} min, las opciones de filtro {catalogue} min."
    ),
    "views_title": "Vistas guardadas",
    "views_pick": "Vista",
    "views_apply": "Aplicar",
    "views_delete": "Borrar",
    "views_none": "Aún no hay vistas guardadas: elija filtros, póngales nombre abajo y guarde.",
    "views_name": "Guardar los filtros actuales como",
    "views_name_hint": "p. ej. Último fin de semana",
    "views_save": "Guardar vista",
    "views_owned_by": "Las vistas guardadas son de {owner}.",
    "views_owner_session": "esta sesión del navegador (se van cuando termina)",
    "views_saved": "Vista «{name}» guardada.",
    "views_applied": "Vista «{name}» aplicada.",
    "views_deleted": "Vista «{name}» borrada.",
    "views_gone": "La vista «{name}» ya no existe: elija otra.",
    "views_name_empty": "Escriba primero un nombre para la vista.",
    "views_name_long": (
        "Un nombre de vista tiene como mucho {max} caracteres (este tiene {n}): acórtelo."
    ),
    "views_name_chars": (
        "«{name}» no puede ser nombre de vista: use solo letras, dígitos, espacios y "
        ". , ( ) # + & / -."
    ),
    "views_too_many": "Tiene {max} vistas guardadas, el máximo: borre una primero.",
    "views_store_down": "Las vistas guardadas no están disponibles ahora: {error}",
    "filters_ops_reversed": (
        "El inicio ({first}) es posterior al final ({last}) del rango de {period}."
    ),
    "filters_dates_reversed": (
        "La fecha de inicio ({start}) es posterior a la fecha de fin ({end})."
    ),
    "filters_dates_required": "Se necesitan ambas fechas.",
    "filters_adjust": "Ajuste los filtros de la barra lateral para ver el tablero.",
    # What the page shows (header)
    "scope_live": "En vivo · {period} #{op}",
    "scope_live_day": "En vivo · {date}",
    "scope_op": "{period} #{op}",
    "scope_ops": "{periods} #{first}–#{last}",
    "scope_count": "{plural}: {n}",
    "state_open": "en curso",
    "state_open_now": "en curso",
    "state_closed": "terminada",
    "badge_open_since": "{period} #{op} {state} desde las {time}",
    "badge_period": "{period} #{op} {state}",
    "badge_day": "Últimos datos: {date}",
    "badge_count": "{value} {label}",
    # KPIs
    "points": "{value} p. p.",
    "vs_prev_op": "vs. {period} ant.",
    "vs_prev_ops": "vs. {n} {periods} ant.",
    "vs_prev_day": "vs. día ant.",
    "vs_prev_days": "vs. {n} días ant.",
    "no_data": "No hay datos en el rango seleccionado.",
    # Charts and sections
    "title_by_hour": "{measure} por hora",
    "title_by_day": "{measure} por día",
    "title_by_week": "{measure} por semana",
    "title_by_month": "{measure} por mes",
    "title_by_quarter": "{measure} por trimestre",
    "title_by_auto": "{measure} en el tiempo",
    "grain_label": "Barras por",
    "grain_auto": "Auto",
    "grain_hour": "Hora",
    "grain_day": "Día",
    "grain_week": "Semana",
    "grain_month": "Mes",
    "grain_quarter": "Trimestre",
    "title_by": "{measure} por {dimension}",
    "title_top": "Top {n} {plural} por {measure}",
    "axis_hour": "Hora del día",
    "axis_day": "Día",
    "axis_week": "Semana (desde el lunes)",
    "axis_month": "Mes",
    "axis_quarter": "Trimestre",
    "axis_money": "{measure} ({currency})",
    "top_show": "Mostrar",
    "top_choice": "Top {n}",
    "view_label": "Vista",
    "view_table": "Tabla",
    "view_chart": "Gráfico",
    # Live panel
    "live_badge": "EN VIVO",
    "live_title": "{Detail}: lo más reciente",
    "live_refresh": "se actualiza cada {seconds} s",
    # Detail page
    "detail_load": "Cargar {detail}",
    "detail_on_demand": "Se cargan a pedido, una página a la vez.",
    "detail_page_size": "Filas por página",
    "detail_page": "Página {page} de {pages}",
    "detail_first": "Primera página",
    "detail_previous": "Página anterior",
    "detail_next": "Página siguiente",
    "detail_last": "Última página",
    "detail_rows": "Filas {first}–{last} de {total}",
    # Column names (tables and tooltips)
    "col_share": "Participación",
    "col_hour": "Hora",
    "col_day": "Día",
    "col_week": "Semana del",
    "col_month": "Mes",
    "col_quarter": "Trimestre",
    "col_section": "Sección",
    "col_time_ms": "Tiempo (ms)",
    # Operator panel
    "operator_panel": "Panel del operador",
    "admin_refresh": "Actualizar datos",
    "admin_refresh_help": "Vuelve a cargar el historial (el nivel de caché con TTL).",
    "admin_clear": "Vaciar cachés",
    "admin_clear_help": "Descarta todos los resultados en caché y el motor de la base de datos.",
    "admin_refreshed": "Historial recargado desde la base de datos.",
    "admin_cleared": "Se vaciaron todas las cachés.",
    "admin_sql": "**Sentencias SQL:** {run} en esta ejecución · {total} en total",
    "admin_misses": "**Consultas sin caché:** {run} en esta ejecución · {total} en total",
    "admin_runs": "Ejecuciones completas en esta sesión: {n}",
    "admin_rollups": "**Agregados:** {hits} desde resúmenes · {raw} desde filas originales en "
    "esta ejecución ({hits_total} · {raw_total} en total)",
    "rollups_up_to": "Los resúmenes cubren todo lo cerrado hasta {part}; lo más nuevo se lee "
    "de las filas originales.",
    "rollups_none": "Aún no hay resúmenes para esta base de datos: cada agregado lee las filas "
    "originales (ejecute `python -m {package} rollup`).",
    "rollups_raw_by_design": "Siempre se lee de las filas originales: {measures} (un recuento "
    "de valores distintos que pueden caer en varios periodos: el de un rango no es la suma de "
    "los de sus periodos).",
    "health_title": "Salud de los datos",
    "health_rows": "Filas de hechos: {rows}, situadas en el tiempo del {first} al {last}.",
    "health_empty": "La tabla de hechos aún no tiene filas con una hora legible.",
    "health_no_time": "Filas sin hora (NULL): {n}. Ningún rango las incluye.",
    "health_unreadable": "Filas cuya hora no se lee en ninguna forma ISO (como {example}): {n}. "
    "Ningún rango las incluye: corríjalas en la base de datos.",
    "health_late": "Filas con fecha muy posterior al resto (la última, {latest}): {n}. La página "
    "se abre en {last}, nunca en ellas.",
    "health_early": "Filas con fecha muy anterior al resto (la primera, {earliest}): {n}. El "
    "filtro de fechas empieza en {first}.",
    "health_no_key": "La tabla de hechos no tiene clave primaria: una página del detalle puede "
    "repetir u omitir filas que su orden (Detail.order_by) no distingue; declare una columna "
    "única como su clave.",
    "health_duplicates": "Filas que repiten otra fila en todas sus columnas: {n}. Todas las "
    "cifras las cuentan, como el SQL simple; si se cargaron dos veces, quítelas en la base de "
    "datos.",
    "health_large": "{dimension}: {n} valores, demasiados para una lista.",
    "health_ok": "Todas las filas tienen una hora legible y ninguna está lejos del resto.",
}

CATALOGUES = {"en": EN, "es": ES}


def t(key: str, **values) -> str:
    """The text for ``key`` in the configured language, with ``{placeholders}`` filled."""
    text = CATALOGUES[settings.LANGUAGE][key]
    return text.format(**values) if values else text


def capitalised(text: str) -> str:
    """The first letter in upper case: a message may open with a lower-case name
    ("{period} desde" -> "Operación desde")."""
    return text[:1].upper() + text[1:]


def label(text: Mapping[str, str] | None, default: str = "") -> str:
    """A text of model.py (a label per language) in the configured language."""
    if not text:
        return default
    return text.get(settings.LANGUAGE) or text.get("en") or next(iter(text.values()))


# Babel skeletons of a week's, a month's and a quarter's bar: "Mar 4, 2024", "Mar 2024",
# "Q1 2024" (en), "4 mar 2024", "mar 2024", "T1 2024" (es).
BUCKET_SKELETONS = {"week": "yMMMd", "month": "yMMM", "quarter": "yQQQ"}


def bucket(value: dt.date, grain: str) -> str:
    """A series' bar of a week, month or quarter, named as the locale names it."""
    skeleton = BUCKET_SKELETONS[grain]
    return babel.dates.format_skeleton(skeleton, value, locale=_locale(settings.LOCALE))


def date(value: dt.date) -> str:
    """A date as the locale writes it: "Mar 31, 2024" (en_US), "31.03.2024" (de_DE)."""
    return babel.dates.format_date(value, "medium", locale=_locale(settings.LOCALE))


# --- Text from the data -------------------------------------------------------------

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:^=&\"'])")
# An invisible word joiner (U+2060) after ":" and before "." and "@" (see plain()).
_BREAK_LINKS = str.maketrans({":": ":\u2060", ".": "\u2060.", "@": "\u2060@"})


def plain(value) -> str:
    """Text from the database, shown as typed wherever Streamlit reads Markdown.

    Pattern: data is text, not markup. A category named ``![t](http://x/p.png)`` must
    not become an image the browser fetches, nor ``:red[...]`` or ``$x^2$`` formatting.
    Every Markdown character gets a backslash, and newlines become spaces. Links
    (``http://``, ``www.``, ``a@b.c``) and ``:material/icon:`` are found in the text
    after the escapes are read, so a word joiner breaks them without changing what the
    reader sees. Use it for data in st.caption, st.markdown, st.warning, st.toast and
    labels; widgets' options, tables and charts show their text as is.
    """
    text = " ".join(str(value).split()).translate(_BREAK_LINKS)
    return _MARKDOWN.sub(r"\\\1", text)


# --- Numbers ---------------------------------------------------------------------------


def separators() -> tuple[str, str]:
    """(thousands, decimal) of the locale: en_US (",", "."), de_DE (".", ","),
    fr_FR (a narrow no-break space, ",")."""
    return (
        babel.numbers.get_group_symbol(_locale(settings.LOCALE)),
        babel.numbers.get_decimal_symbol(_locale(settings.LOCALE)),
    )


def _pattern(kind: str, decimals: int) -> babel.numbers.NumberPattern:
    """The locale's pattern for ``kind`` ("decimal", "currency", "percent") with
    ``decimals`` digits after the point: de_DE currency, 2 -> "#,##0.00\xa0¤"."""
    return _parsed_pattern(settings.LOCALE, kind, decimals)


# Parsing the locale and its pattern is pure and costs more than the formatting: once
# per (locale, kind, decimals), since a table formats every cell.
@functools.cache
def _parsed_pattern(locale: str, kind: str, decimals: int) -> babel.numbers.NumberPattern:
    formats = getattr(_locale(locale), f"{kind}_formats")
    standard = formats["standard" if kind == "currency" else None]  # CLDR's own names
    pattern = standard.pattern.split(";")[0]  # the positive half
    fraction = "." + "0" * decimals if decimals else ""
    pattern = re.sub(r"0(\.[0#]+)?(?=[^0#.]*$)", "0" + fraction, pattern, count=1)
    return babel.numbers.parse_pattern(pattern)


@functools.cache
def _locale(code: str) -> babel.Locale:
    return babel.Locale.parse(code)


def _signed(x, decimals: int, sign: bool, write) -> str:
    """The sign first, then the digits (so st.metric reads the delta's direction)."""
    if isinstance(x, Decimal):  # an exact sum (exact.py): rounded without a float
        x = x.quantize(Decimal(1).scaleb(-decimals))
    else:
        x = round(float(x), decimals)
    x = x if x != 0 else abs(x)  # no "-0"
    return ("-" if x < 0 else "+" if sign and x > 0 else "") + write(abs(x))


def number(x, decimals: int = 0, sign: bool = False) -> str:
    """1234567.891 -> "1,234,568" (en_US) or "1.234.568" (de_DE); sign=True adds "+"."""
    pattern = _pattern("decimal", decimals)
    write = functools.partial(
        babel.numbers.format_decimal, format=pattern, locale=_locale(settings.LOCALE)
    )
    return _signed(x, decimals, sign, write)


def money(x, decimals: int = 2, sign: bool = False) -> str:
    """1234.5 -> "$1,234.50" (en_US, USD), "1.234,50 €" (de_DE, EUR); the sign goes first
    ("-$3.00", "-3,00 €") so st.metric sees it."""

    def write(amount: float) -> str:
        return babel.numbers.format_currency(
            amount,
            settings.CURRENCY,
            format=_pattern("currency", decimals),
            currency_digits=False,
            locale=_locale(settings.LOCALE),
        )

    return _signed(x, decimals, sign, write)


def percent(x, decimals: int = 1, sign: bool = False) -> str:
    """A value already in percent: 34.56 -> "34.6%" (en_US), "34,6 %" (de_DE)."""

    def write(share: float) -> str:
        pattern = _pattern("percent", decimals)
        return babel.numbers.format_percent(
            share / 100, format=pattern, locale=_locale(settings.LOCALE)
        )

    return _signed(x, decimals, sign, write)


def currency_symbol() -> str:
    """The symbol of settings.CURRENCY in the locale: "$", "€", "Bs", "R$"."""
    return babel.numbers.get_currency_symbol(settings.CURRENCY, locale=_locale(settings.LOCALE))


def currency_affixes() -> tuple[str, str]:
    """What the locale writes before and after an amount: ("$", "") or ("", "\xa0€")."""
    sample = money(1, 0)
    return sample[: sample.index("1")], sample[sample.index("1") + 1 :]


def value(x, kind: str, decimals: int | None = None, sign: bool = False) -> str:
    """A measure's or field's value written by its kind: money, percent or a number."""
    if kind == "money":
        return money(x, 2 if decimals is None else decimals, sign)
    if kind == "percent":
        return percent(x, 1 if decimals is None else decimals, sign)
    whole = decimals is None and float(x).is_integer()
    return number(x, (0 if whole else 2) if decimals is None else decimals, sign)


# --- Tables and charts -----------------------------------------------------------------


def table(
    df: pd.DataFrame,
    money_columns: Iterable[str] = (),
    count_columns: Iterable[str] = (),
    percent_columns: Iterable[str] = (),
):
    """The frame with its cells shown by money() / number() / percent().

    st.column_config formats (printf) always write "1,234.56", so tables get a
    pandas Styler instead: Streamlit shows the Styler's text and still sorts by
    the numbers. Give those columns a NumberColumn without ``format=``: a format
    there would win over the Styler's text.
    """
    formats = {c: money for c in money_columns}
    formats |= {c: number for c in count_columns}
    formats |= {c: percent for c in percent_columns}
    return df.style.format(formats, na_rep="")


def chart(c: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """An Altair chart whose axes and tooltips use the locale's separators and currency.

    Vega-Lite formats numbers with a d3 locale: ``format=",.2f"`` then writes the
    configured separators, and ``"$,.2f"`` adds the currency. Every chart goes
    through here (no st.bar_chart: it cannot take a locale).
    """
    thousands, decimal = separators()
    locale = alt.Locale(
        number=alt.NumberLocale(
            decimal=decimal,
            thousands=thousands,
            grouping=[3],
            currency=list(currency_affixes()),
        )
    )
    return c.configure(locale=locale)


# Vega-Lite format strings for tooltips and axes (they follow chart()'s locale).
CHART_MONEY = "$,.2f"
CHART_COUNT = ",d"
CHART_SHARE = ".1%"
