"""Entry point: `streamlit run streamlit_app.py`.

Wiring only: page setup, the database check, the shared sidebar (filters and
operator panel) and the navigation between pages. Data flows one way:
the model (model.py) -> SQL (queries.py) -> cached loaders (data.py) -> filters -> sections.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import streamlit as st

from {{ cookiecutter.package_name }} import (
    admin,
    auth,
    data,
    db,
    filters,
    settings,
    stats,
    store,
)
from {{ cookiecutter.package_name }}.i18n import label, plain, t
from {{ cookiecutter.package_name }}.model import MODEL

RETRY_SECONDS = 10  # the "cannot reach the database" page tries again this often
# The sidebar's width in pixels: room for the view switch's options on one row and for the
# two range fields side by side, in either language (tests/test_layout.py checks it at
# 1280 px). Shown on a desktop, hidden on a phone until opened; its edge can be dragged.
SIDEBAR_WIDTH = 320

st.set_page_config(
    page_title=settings.PROJECT_NAME,
    page_icon="📊",
    layout="wide",
    initial_sidebar_state=SIDEBAR_WIDTH,
)
stats.begin_run()  # count SQL statements and cache misses of this run
{%- if cookiecutter.shared_cache == "redis" %}
data.follow_shared_refresh()  # another replica's "Refresh data" reaches this one too
{%- endif %}
st.session_state["app_runs"] = st.session_state.get("app_runs", 0) + 1
# Pattern: sign in before anything reads data: a visitor who is not signed in sees the
# sign-in page only, and the run stops there (no SQL at all).
auth.require_sign_in()
viewer = auth.viewer()


# What to do, by the kind of problem: only an empty database (or the project's own, with
# tables missing) is sent to `seed`; someone's existing database never is.
HOW_TO_FIX = {
    "empty": "app_fix_empty",
    "incomplete": "app_fix_empty",
    "foreign": "app_fix_foreign",
    "model": "app_fix_model",
    "missing": "app_fix_missing",
    "unsupported": "app_fix_unsupported",
}


def database_problem(exc: db.DatabaseUnavailable) -> None:
    """A full page that says what is wrong and how to fix it (no traceback)."""
    st.title(settings.PROJECT_NAME, anchor=False)
    st.error(t("app_db_error", error=plain(exc)), icon=":material/cloud_off:")
    command = db.SEED_COMMAND + (" --force" if exc.kind == "incomplete" else "")
    if exc.kind == "model":
        command = db.INSPECT_COMMAND
    how = HOW_TO_FIX.get(exc.kind, "app_fix_unreachable")
    st.markdown(t(how, connection=settings.CONNECTION_NAME, command=command))
    if st.button(t("app_try_again"), icon=":material/refresh:", type="primary"):
        data.clear_all()
        st.rerun()
    if exc.kind == "unsupported":
        return  # another URL or a driver needs a restart: trying again every 10 s cannot help
    st.session_state["db_failed_at"] = time.monotonic()
    retry_until_reachable()


# Pattern: a fragment with run_every retries by itself; once the database answers, the
# whole app reruns, so a dashboard left open recovers without anyone reloading it.
@st.fragment(run_every=RETRY_SECONDS)
def retry_until_reachable() -> None:
    st.caption(t("app_retrying", seconds=RETRY_SECONDS))
    if time.monotonic() - st.session_state.get("db_failed_at", 0) < RETRY_SECONDS / 2:
        return  # the run that drew this page has just tried
    try:
        if data.set_row_scope(viewer.scope) != ():  # the whole app says what () means
            data.load_status()
    except db.DatabaseUnavailable:
        return
    st.rerun()


def default_file_needs_seed() -> bool:
    """True for the project's own SQLite or DuckDB file while the demo is there to fill it,
    and only when the file is empty or the demo's own with tables missing (never someone
    else's)."""
    url, default = db.resolve_url(), db.default_file()
    if default is None or url.get_backend_name() != settings.DATABASE:
        return False  # a server: seeded by its own command
    if Path(url.database or "").resolve() != default.resolve():
        return False  # a database someone configured: never write to it uninvited
    if not db.demo_present():
        return False  # the demo was removed: nothing to seed with
    if not default.exists():
        return True
    engine = db.make_engine(url)
    try:
        found = store.survey(engine, store.schemas_of(engine, MODEL.tables))
        return found.fillable([store.name_in(engine, table) for table in MODEL.tables])
    finally:
        engine.dispose()


def seed_default_file() -> None:
    """The demo's data, created by its own command (the app never imports the demo)."""
    command = [sys.executable, "-m", db.PACKAGE, "seed", "--quiet"]
    env = {**os.environ, "DATABASE_URL": db.resolve_url().render_as_string(False)}
    done = subprocess.run(command, cwd=db.PROJECT_ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["seed failed"]
        raise db.DatabaseUnavailable(lines[-1].removeprefix("ERROR: "))


def scoped_status() -> dict:
    """This viewer's row scope first (every loader narrows to it), then the status row
    within it. A viewer whose scope holds nothing gets a page that says so, and no data."""
    if data.set_row_scope(viewer.scope) == ():
        st.title(settings.PROJECT_NAME, anchor=False)
        dimension = MODEL.dimension(MODEL.row_scope)
        st.warning(t("scope_nothing", plural=label(dimension.plural, dimension.name).lower()))
        with st.sidebar:
            auth.render_identity(viewer)
        st.stop()
    return data.load_status().value


def status_row() -> dict | None:
    """The status row that the filter defaults come from; None when unreachable."""
    try:
        return scoped_status()
    except db.DatabaseUnavailable as exc:
        problem = exc
    # The default SQLite or DuckDB file is created with demo data on the first run, so a
    # freshly generated project works the moment it is started.
    if default_file_needs_seed():
        try:
            with st.spinner(t("app_seeding"), show_time=True):
                db.get_engine.clear()  # DuckDB: the seeder needs the file to itself
                seed_default_file()
            data.clear_all()
            return scoped_status()
        except db.DatabaseUnavailable as exc:
            problem = exc
    database_problem(problem)
    return None


status = status_row()
if status is None:
    st.stop()
if status.get("max_date") is None:  # no fact row with a readable time: nothing to filter
    st.title(settings.PROJECT_NAME, anchor=False)
    no_rows = t("app_no_rows", table=plain(MODEL.fact.name), package=db.PACKAGE)
    st.info(no_rows, icon=":material/info:")
    with st.sidebar:
        auth.render_identity(viewer)
    st.stop()

filters.init_state(status)

# Pattern: pages with st.navigation; the sidebar below is shared by every page.
# The folder is app_pages/, not pages/: a pages/ folder switches Streamlit's
# testing tools (AppTest) to the older automatic multipage mode.
page = st.navigation(
    [
        st.Page(
            "app_pages/overview.py",
            title=t("page_overview"),
            icon=":material/dashboard:",
            default=True,
        ),
        *(
            [
                st.Page(
                    "app_pages/detail.py",
                    title=label(MODEL.page.detail.label),
                    icon=":material/receipt_long:",
                )
            ]
            if MODEL.page.detail
            else []
        ),
        # Pages a role may not see are not offered at all.
        *(
            [
                st.Page(
                    "app_pages/operator.py",
                    title=t("page_operator"),
                    icon=":material/admin_panel_settings:",
                )
            ]
            if viewer.admin
            else []
        ),
    ]
)
with st.sidebar:
    filters.render_sidebar(status)
    filters.render_saved_views(status, viewer)
    config = data.load_app_config()
    minutes = config["historical_ttl_seconds"] // 60
    st.caption(t("app_sidebar_caption", database=config["database"], minutes=minutes))
    auth.render_identity(viewer)
    stats_box = None
    if viewer.admin:  # only operators see the operator panel
        st.divider()
        with st.expander(t("operator_panel"), icon=":material/build:"):
            admin.render_controls()
            stats_box = st.container()

page.run()

if stats_box is not None:
    with stats_box:
        admin.render_stats()  # last: shows the whole run, pages included
