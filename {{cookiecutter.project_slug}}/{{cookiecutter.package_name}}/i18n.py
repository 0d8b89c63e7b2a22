"""Visible text and number formatting, in the language chosen in settings.

Pattern: one catalogue per language. The UI never writes visible text or a
number format itself: it asks for text with ``t(key, **values)`` and formats
numbers with ``money()``, ``number()`` and ``percent()``; tables go through
``table()`` and charts through ``chart()``. Changing LANGUAGE, CURRENCY or
NUMBER_FORMAT in settings.py changes the whole dashboard. Text that comes from the
database (names, error messages) goes through ``plain()`` before it enters Markdown.

Settings are read on every call (not at import), so a test can switch them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import altair as alt
import pandas as pd

from . import settings

EN = {
    # Pages and navigation
    "page_overview": "Overview",
    "page_order_lines": "Order lines",
    "subtitle_overview": "Sales overview",
    "subtitle_order_lines": "Order lines",
    "catalogue_title": "Product catalogue",
    # Start-up and database problems
    "app_seeding": "Creating the demo database (first run only)...",
    "app_db_error": "The dashboard cannot use its database. {error}",
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
    "app_fix_foreign": (
        "**How to fix it**\n\n"
        "- This looks like someone's existing database. The dashboard does not know its "
        "schema yet, and it never writes to it.\n"
        "- To show these tables, follow *Pointing it at an existing database* in "
        "`README.md`.\n"
        "- Or point the URL (`DATABASE_URL`, or `[connections.{connection}]` in "
        "`.streamlit/secrets.toml`) at the database you meant."
    ),
    "app_try_again": "Try again",
    "app_retrying": "Trying again every {seconds} s.",
    "app_sidebar_caption": "Database: {database} · history cached {minutes} min",
    "loading": "Loading data...",
    "db_unavailable": "The database is not available. {error}",
    "db_stale": "Showing the last data loaded: the database did not answer.",
    "db_stale_error": "Showing the last data loaded: the database did not answer ({error}).",
    "updated": "Updated {time}",
    # Filters (sidebar)
    "filters_title": "Filters",
    "filters_view": "View",
    "filters_view_help": (
        "Live: the open operation, never cached. Operations / Dates: closed history, cached."
    ),
    "mode_realtime": "Live",
    "mode_ops": "Operations",
    "mode_dates": "Dates",
    "filters_live_open": "Operation #{op} · open now",
    "filters_live_closed": "Operation #{op} · closed",
    "filters_op_from": "From operation",
    "filters_op_to": "To operation",
    "filters_date_from": "From",
    "filters_date_to": "To",
    "filters_categories": "Categories",
    "filters_all_categories": "All categories",
    "filters_products": "Products",
    "filters_all_products": "All products",
    "filters_reset": "Reset filters",
    "filters_ops_reversed": "The first operation ({first}) is after the last ({last}).",
    "filters_dates_reversed": "The start date ({start}) is after the end date ({end}).",
    "filters_dates_required": "Both dates are required.",
    "filters_adjust": "Adjust the filters in the sidebar to see the dashboard.",
    # What the page shows (header)
    "scope_live": "Live · operation #{op}",
    "scope_op": "Operation #{op}",
    "scope_ops": "Operations #{first}–#{last}",
    "scope_products": "{n} product(s)",
    "months": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    "badge_open": "Operation #{op} open",
    "badge_open_since": "Operation #{op} open since {time}",
    "badge_closed": "Operation #{op} closed",
    "badge_totals": "{orders} orders · {sales}",
    # KPIs
    "kpi_sales": "Sales",
    "kpi_sales_help": "Revenue of the order lines in scope.",
    "kpi_orders": "Orders",
    "kpi_orders_help": "Distinct orders (tickets).",
    "kpi_avg_ticket": "Average ticket",
    "kpi_avg_ticket_help": "Sales divided by orders.",
    "kpi_gross_margin": "Gross margin",
    "kpi_gross_margin_help": "Sales minus the cost of goods.",
    "kpi_margin_pct": "Margin %",
    "kpi_margin_pct_help": "Gross margin as a share of sales.",
    "points": "{value} pp",
    "vs_prev_op": "vs prev. op",
    "vs_prev_ops": "vs prev. {n} ops",
    "vs_prev_day": "vs prev. day",
    "vs_prev_days": "vs prev. {n} days",
    "no_sales": "No sales in the selected range.",
    # Charts
    "sales_by_hour": "Sales by hour",
    "sales_by_category": "Sales by category",
    "axis_hour": "Hour of day",
    "axis_sales": "Sales ({currency})",
    "axis_amount": "Amount ({currency})",
    "top_show": "Show",
    "top_choice": "Top {n}",
    "top_title": "Top {n} products by sales",
    "top_empty": "No products sold in the selected range.",
    # Margins
    "margins_title": "Margins by category",
    "margins_view": "View",
    "view_table": "Table",
    "view_chart": "Chart",
    # Live panel
    "live_badge": "LIVE",
    "live_title": "Latest order lines",
    "live_refresh": "refreshes every {seconds} s",
    "live_empty": "No orders yet in the open operation.",
    # Order lines
    "detail_load": "Load order lines",
    "detail_on_demand": "Order lines are loaded on demand, one page at a time.",
    "detail_empty": "No order lines in the selected range.",
    "detail_page_size": "Rows per page",
    "detail_page": "Page (of {pages})",
    "detail_rows": "Rows {first}–{last} of {total}",
    # Column names (tables and tooltips)
    "col_time": "Time",
    "col_order": "Order",
    "col_product": "Product",
    "col_category": "Category",
    "col_qty": "Qty",
    "col_units": "Units",
    "col_unit_price": "Unit price",
    "col_total": "Total",
    "col_id": "ID",
    "col_price": "Price",
    "col_cost": "Cost",
    "col_enabled": "Enabled",
    "col_sales": "Sales",
    "col_orders": "Orders",
    "col_share": "Share",
    "col_margin": "Margin",
    "col_margin_pct": "Margin %",
    "col_hour": "Hour",
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
}

ES = {
    # Pages and navigation
    "page_overview": "Resumen",
    "page_order_lines": "Líneas de pedido",
    "subtitle_overview": "Resumen de ventas",
    "subtitle_order_lines": "Líneas de pedido",
    "catalogue_title": "Catálogo de productos",
    # Start-up and database problems
    "app_seeding": "Creando la base de datos de demostración (solo la primera vez)...",
    "app_db_error": "El tablero no puede usar su base de datos. {error}",
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
    "app_fix_foreign": (
        "**Cómo solucionarlo**\n\n"
        "- Parece la base de datos existente de otra persona. El tablero todavía no conoce "
        "su esquema y nunca escribe en ella.\n"
        "- Para mostrar esas tablas, siga *Pointing it at an existing database* en "
        "`README.md`.\n"
        "- O apunte la URL (`DATABASE_URL`, o `[connections.{connection}]` en "
        "`.streamlit/secrets.toml`) a la base de datos correcta."
    ),
    "app_try_again": "Reintentar",
    "app_retrying": "Se reintenta cada {seconds} s.",
    "app_sidebar_caption": "Base de datos: {database} · historial en caché {minutes} min",
    "loading": "Cargando datos...",
    "db_unavailable": "La base de datos no está disponible. {error}",
    "db_stale": "Se muestran los últimos datos cargados: la base de datos no respondió.",
    "db_stale_error": (
        "Se muestran los últimos datos cargados: la base de datos no respondió ({error})."
    ),
    "updated": "Actualizado a las {time}",
    # Filters (sidebar)
    "filters_title": "Filtros",
    "filters_view": "Vista",
    "filters_view_help": (
        "En vivo: la operación abierta, sin caché. "
        "Operaciones / Fechas: historial cerrado, en caché."
    ),
    "mode_realtime": "En vivo",
    "mode_ops": "Operaciones",
    "mode_dates": "Fechas",
    "filters_live_open": "Operación #{op} · abierta ahora",
    "filters_live_closed": "Operación #{op} · cerrada",
    "filters_op_from": "Desde la operación",
    "filters_op_to": "Hasta la operación",
    "filters_date_from": "Desde",
    "filters_date_to": "Hasta",
    "filters_categories": "Categorías",
    "filters_all_categories": "Todas las categorías",
    "filters_products": "Productos",
    "filters_all_products": "Todos los productos",
    "filters_reset": "Restablecer filtros",
    "filters_ops_reversed": "La primera operación ({first}) es posterior a la última ({last}).",
    "filters_dates_reversed": (
        "La fecha de inicio ({start}) es posterior a la fecha de fin ({end})."
    ),
    "filters_dates_required": "Se necesitan ambas fechas.",
    "filters_adjust": "Ajuste los filtros de la barra lateral para ver el tablero.",
    # What the page shows (header)
    "scope_live": "En vivo · operación #{op}",
    "scope_op": "Operación #{op}",
    "scope_ops": "Operaciones #{first}–#{last}",
    "scope_products": "{n} producto(s)",
    "months": "ene feb mar abr may jun jul ago sep oct nov dic",
    "badge_open": "Operación #{op} abierta",
    "badge_open_since": "Operación #{op} abierta desde las {time}",
    "badge_closed": "Operación #{op} cerrada",
    "badge_totals": "{orders} pedidos · {sales}",
    # KPIs
    "kpi_sales": "Ventas",
    "kpi_sales_help": "Ingresos de las líneas de pedido del período.",
    "kpi_orders": "Pedidos",
    "kpi_orders_help": "Pedidos distintos (tickets).",
    "kpi_avg_ticket": "Ticket promedio",
    "kpi_avg_ticket_help": "Ventas divididas entre pedidos.",
    "kpi_gross_margin": "Margen bruto",
    "kpi_gross_margin_help": "Ventas menos el costo de la mercadería.",
    "kpi_margin_pct": "Margen %",
    "kpi_margin_pct_help": "Margen bruto como porcentaje de las ventas.",
    "points": "{value} p. p.",
    "vs_prev_op": "vs. op. ant.",
    "vs_prev_ops": "vs. {n} ops. ant.",
    "vs_prev_day": "vs. día ant.",
    "vs_prev_days": "vs. {n} días ant.",
    "no_sales": "No hay ventas en el rango seleccionado.",
    # Charts
    "sales_by_hour": "Ventas por hora",
    "sales_by_category": "Ventas por categoría",
    "axis_hour": "Hora del día",
    "axis_sales": "Ventas ({currency})",
    "axis_amount": "Monto ({currency})",
    "top_show": "Mostrar",
    "top_choice": "Top {n}",
    "top_title": "Los {n} productos más vendidos",
    "top_empty": "No se vendieron productos en el rango seleccionado.",
    # Margins
    "margins_title": "Márgenes por categoría",
    "margins_view": "Vista",
    "view_table": "Tabla",
    "view_chart": "Gráfico",
    # Live panel
    "live_badge": "EN VIVO",
    "live_title": "Últimas líneas de pedido",
    "live_refresh": "se actualiza cada {seconds} s",
    "live_empty": "Todavía no hay pedidos en la operación abierta.",
    # Order lines
    "detail_load": "Cargar líneas de pedido",
    "detail_on_demand": "Las líneas de pedido se cargan a pedido, una página a la vez.",
    "detail_empty": "No hay líneas de pedido en el rango seleccionado.",
    "detail_page_size": "Filas por página",
    "detail_page": "Página (de {pages})",
    "detail_rows": "Filas {first}–{last} de {total}",
    # Column names (tables and tooltips)
    "col_time": "Hora",
    "col_order": "Pedido",
    "col_product": "Producto",
    "col_category": "Categoría",
    "col_qty": "Cant.",
    "col_units": "Unidades",
    "col_unit_price": "Precio unitario",
    "col_total": "Total",
    "col_id": "ID",
    "col_price": "Precio",
    "col_cost": "Costo",
    "col_enabled": "Activo",
    "col_sales": "Ventas",
    "col_orders": "Pedidos",
    "col_share": "Participación",
    "col_margin": "Margen",
    "col_margin_pct": "Margen %",
    "col_hour": "Hora",
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
}

CATALOGUES = {"en": EN, "es": ES}


def t(key: str, **values) -> str:
    """The text for ``key`` in the configured language, with ``{placeholders}`` filled."""
    text = CATALOGUES[settings.LANGUAGE][key]
    return text.format(**values) if values else text


def date(value: dt.date) -> str:
    """A date as "31 Mar 2024" / "31 mar 2024" (month names from the catalogue)."""
    month = t("months").split()[value.month - 1]
    return f"{value.day:02d} {month} {value.year}"


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
    """(thousands, decimal) of NUMBER_FORMAT: "1,234.56" -> (",", "."), "1.234,56" -> (".", ",")."""
    return settings.NUMBER_FORMAT[1], settings.NUMBER_FORMAT[-3]


def number(x, decimals: int = 0, sign: bool = False) -> str:
    """1234567.891 -> "1,234,568" or "1.234.568"; sign=True adds "+" to positive values."""
    x = round(float(x), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0 (no "-0")
    thousands, decimal = separators()
    # Python writes "1,234.56"; swap to the configured separators in one pass.
    digits = format(abs(x), f",.{decimals}f").translate(
        str.maketrans({",": thousands, ".": decimal})
    )
    return ("-" if x < 0 else "+" if sign and x > 0 else "") + digits


def money(x, decimals: int = 2, sign: bool = False) -> str:
    """1234.5 -> "Bs 1,234.50"; the sign goes first ("-Bs 3.00") so st.metric sees it."""
    text = number(x, decimals, sign)
    head = text[0] if text[0] in "+-" else ""
    return f"{head}{settings.CURRENCY} {text[len(head) :]}"


def percent(x, decimals: int = 1, sign: bool = False) -> str:
    """A value already in percent: 34.56 -> "34.6%" (or "34,6%")."""
    return number(x, decimals, sign) + "%"


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
    """An Altair chart whose axes and tooltips use NUMBER_FORMAT and CURRENCY.

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
            currency=[settings.CURRENCY + " ", ""],
        )
    )
    return c.configure(locale=locale)


# Vega-Lite format strings for tooltips and axes (they follow chart()'s locale).
CHART_MONEY = "$,.2f"
CHART_COUNT = ",d"
CHART_SHARE = ".1%"
