"""Saved views in the sidebar (filters.render_saved_views): save the current filters under
a name, apply one, delete one. Each browser session owns its own (auth.py); names that
cannot be used get a message naming the fix and change nothing. The real browser's side
(two tabs, and the session's end releasing its views) is in test_browser.py.
"""

from __future__ import annotations

import pytest
from conftest import APP_SCRIPT, APP_TIMEOUT, run_in_session
from sqlalchemy import make_url, select
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import data, db, queries, store
from {{ cookiecutter.package_name }}.i18n import number, plain, t
from {{ cookiecutter.package_name }}.model import MODEL

# A mode other than the first view's: another historical one if the model has it, else Live.
OTHER_MODE = sorted(
    (m for m in MODEL.modes if m != MODEL.default_mode), key=lambda m: m == queries.REALTIME
)[0]


@pytest.fixture
def tab(use_database):
    """A session of the whole app with a session id of its own."""

    def opened(session_id: str) -> AppTest:
        at = AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT)
        at.session_id = session_id
        run(at)
        return at

    return opened


def run(at: AppTest, action=None) -> None:
    run_in_session(at, at.session_id, action)
    assert not at.exception, [e.value for e in at.exception]


def save(at: AppTest, name: str) -> None:
    at.text_input(key="view_name").set_value(name)
    run(at, at.button(key="view_save").click().run)


def saved(at: AppTest) -> list[str]:
    picker = at.selectbox(key="view_pick") if "view_pick" in at.session_state else None
    return list(picker.options) if picker is not None else []


def stored(app_store_of_this_test: str) -> list[tuple]:
    engine = db.make_engine(make_url(app_store_of_this_test))
    try:
        with engine.connect() as c:
            return list(c.execute(select(store.views.c.owner, store.views.c.name)).all())
    finally:
        engine.dispose()


def first_member(database_url: str):
    """A value of the first dimension (None for a model without dimensions)."""
    if not MODEL.dimensions:
        return None
    engine = db.make_engine(make_url(database_url))
    try:
        with engine.connect() as c:
            value = queries.fetch_members(c, MODEL.dimensions[0].name)["value"].iloc[0]
    finally:
        engine.dispose()
    return value.item() if hasattr(value, "item") else value


def test_a_view_is_saved_applied_and_deleted_from_the_sidebar(tab, database_url):
    at = tab("tab-one")
    assert t("views_none") in [c.value for c in at.caption]
    at.segmented_control(key="mode").set_value(OTHER_MODE)
    member = first_member(database_url)
    if member is not None:
        at.multiselect(key=MODEL.dimensions[0].name).set_value([member])
    run(at)
    save(at, "Weekend lunch")
    assert [s.value for s in at.success] == [t("views_saved", name="Weekend lunch")]
    assert saved(at) == ["Weekend lunch"] and at.text_input(key="view_name").value == ""

    run(at)  # a plain rerun keeps it
    assert saved(at) == ["Weekend lunch"]
    reset = next(b for b in at.button if b.label == t("filters_reset"))
    run(at, reset.click().run)
    assert at.session_state["mode"] == MODEL.default_mode
    run(at, at.button(key="view_apply").click().run)
    assert [s.value for s in at.success] == [t("views_applied", name="Weekend lunch")]
    assert at.session_state["mode"] == OTHER_MODE
    if member is not None:
        assert at.session_state[MODEL.dimensions[0].name] == [member]

    run(at, at.button(key="view_delete").click().run)
    assert [s.value for s in at.success] == [t("views_deleted", name="Weekend lunch")]
    assert saved(at) == [] and t("views_none") in [c.value for c in at.caption]


BAD_NAMES = {
    "": t("views_name_empty"),
    "   ": t("views_name_empty"),
    "x" * 10_000: t("views_name_long", n=number(10_000), max=data.MAX_VIEW_NAME),
    "<b>bold</b>": t("views_name_chars", name=plain("<b>bold</b>")),
    "[link](http://example.com)": t("views_name_chars", name=plain("[link](http://example.com)")),
    "x'; DROP TABLE dashboard_views; --": t(
        "views_name_chars", name=plain("x'; DROP TABLE dashboard_views; --")
    ),
}


def test_bad_view_names_get_a_message_and_change_nothing(tab, app_store_of_this_test):
    at = tab("tab-bad")
    save(at, "Kept")
    before = stored(app_store_of_this_test)
    assert [name for _owner, name in before] == ["Kept"]
    for name, message in BAD_NAMES.items():
        save(at, name)
        assert [e.value for e in at.error] == [message], repr(name[:30])
        assert at.text_input(key="view_name").value == name  # what was typed stays
        assert saved(at) == ["Kept"]
        assert stored(app_store_of_this_test) == before


def test_a_saved_view_of_the_same_name_is_replaced(tab, app_store_of_this_test):
    at = tab("tab-replace")
    save(at, "Mine")
    at.segmented_control(key="mode").set_value(OTHER_MODE)
    run(at)
    save(at, "Mine")
    assert saved(at) == ["Mine"] and len(stored(app_store_of_this_test)) == 1
    engine = db.make_engine(make_url(app_store_of_this_test))
    with engine.connect() as c:
        assert store.fetch_views(c, "session:tab-replace")["Mine"]["mode"] == OTHER_MODE
    engine.dispose()


def test_two_sessions_never_see_each_others_views(tab, app_store_of_this_test):
    a, b = tab("tab-a"), tab("tab-b")
    save(a, "Only a")
    run(b)
    assert saved(b) == []
    save(b, "Only b")
    run(a)
    assert saved(a) == ["Only a"] and saved(b) == ["Only b"]
    owners = {owner for owner, _name in stored(app_store_of_this_test)}
    assert owners == {"session:tab-a", "session:tab-b"}


def test_a_session_that_ends_releases_its_views_and_a_day_later_they_go(
    use_database, app_store_of_this_test
):
    """What on_release does (the browser test ends a real session)."""
    engine = db.make_engine(make_url(app_store_of_this_test))
    try:
        store.save_view(engine, "session:gone", "Old", {"mode": MODEL.default_mode})
        store.save_view(engine, "session:back", "Back", {"mode": MODEL.default_mode})
        store.save_view(engine, "user:ana", "Hers", {"mode": MODEL.default_mode})
        shelf = data.ViewShelf("session:gone", anonymous=True)
        shelf.release()
        data.ViewShelf("user:ana", anonymous=False).release()  # people keep theirs
        store.release_views(engine, "session:back")
        store.reclaim_views(engine, "session:back")  # what its shelf does when it reconnects
        later = store.dt.datetime.now() + store.RELEASED_VIEWS_KEPT * 2
        store.release_views(engine, "session:other", when=later)
        with engine.connect() as c:
            left = {row.owner: row.released_at for row in c.execute(select(store.views))}
        assert left == {"session:back": None, "user:ana": None}
    finally:
        engine.dispose()
