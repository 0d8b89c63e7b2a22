"""Sign-in, roles and ownership, in AppTest (auth.py): the logic of every auth answer.

Streamlit's own sign-in needs a provider and a browser (tests/test_signin.py, in bakes with
auth = "oidc"); here the signed-in user is whoever ``auth._claims`` says, so the same rules
are checked in every bake: a visitor who is not signed in gets the sign-in page and no SQL;
only the admins of [dashboard] see the operator panel and page; saved views belong to the
user, not to the browser session.
"""

from __future__ import annotations

import time

import pytest
from conftest import ANA, BEN, CARL, EVERYTHING, members_of, metric_values, run_in_session, said
from sqlalchemy import make_url, select
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import auth, db, stats, store
from {{ cookiecutter.package_name }}.i18n import label, plain, t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.queries import Filters


def buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_a_visitor_who_is_not_signed_in_sees_the_sign_in_page_and_no_sql(signed_in):
    at = signed_in(None)
    stats.reset()
    at.run()
    assert not at.exception, at.exception
    assert buttons(at) == [t("auth_sign_in")]
    assert t("auth_sign_in_why") in [m.value for m in at.markdown]
    assert not at.metric and not at.sidebar.multiselect
    assert stats.total()["sql_statements"] == 0


def test_sign_in_without_its_settings_says_which_are_missing(signed_in):
    at = signed_in(None, auth_block={"client_id": "dashboard"}).run()
    assert not at.exception, at.exception
    missing = [k for k in auth.AUTH_KEYS if k != "client_id"]
    assert [e.value for e in at.error] == [t("auth_not_configured", keys=", ".join(missing))]
    assert buttons(at) == []


def test_only_admins_see_the_operator_panel_and_page(signed_in):
    ana = signed_in(ANA).run()
    assert not ana.exception, ana.exception
    assert t("auth_signed_in_as", name=plain("ana@example.test")) in [c.value for c in ana.caption]
    assert "admin_refresh" in [b.key for b in ana.button]
    ana.switch_page("app_pages/operator.py").run()
    assert not ana.exception, ana.exception
    assert [h.value for h in ana.title] == [t("page_operator")]

    ben = signed_in(BEN).run()
    assert not ben.exception, ben.exception
    assert t("auth_sign_out") in buttons(ben)
    assert "admin_refresh" not in [b.key for b in ben.button]
    assert t("operator_panel") not in [e.label for e in ben.expander]


def test_an_admin_by_claim_value_and_by_e_mail_in_any_case(signed_in):
    by_claim = {"admins": ["ops-team"], "admin_claim": "groups", "scopes": EVERYTHING}
    ben = signed_in(BEN, by_claim).run()
    assert "admin_refresh" in [b.key for b in ben.button]
    ana = signed_in(ANA, by_claim).run()
    assert "admin_refresh" not in [b.key for b in ana.button]
    ben = signed_in(BEN, {"admins": [" ben@example.TEST "], "scopes": EVERYTHING}).run()
    assert "admin_refresh" in [b.key for b in ben.button]


def test_a_signed_in_users_views_follow_them_to_a_new_session(signed_in, app_store_of_this_test):
    first = signed_in(ANA)
    run_in_session(first, "tab-1")
    first.text_input(key="view_name").set_value("Ana weekend")
    run_in_session(first, "tab-1", first.button(key="view_save").click().run)
    assert not first.exception, first.exception
    later = signed_in(ANA)
    run_in_session(later, "tab-2")  # another tab, another day: the same user
    assert list(later.selectbox(key="view_pick").options) == ["Ana weekend"]
    assert t("views_owned_by", owner=plain("ana@example.test")) in [c.value for c in later.caption]
    other = signed_in(BEN)
    run_in_session(other, "tab-3")
    assert "view_pick" not in other.session_state
    engine = db.make_engine(make_url(app_store_of_this_test))
    with engine.connect() as c:
        assert c.execute(select(store.views.c.owner)).scalars().all() == ["user:ana-1"]
    engine.dispose()


def test_without_a_row_scope_every_signed_in_user_sees_every_row(signed_in, row_scope_is):
    """A model without row_scope: nobody's scope entry matters (none are read)."""
    row_scope_is(None)
    ana, carl = signed_in(ANA).run(), signed_in(CARL, {"scopes": {}}).run()
    assert not carl.exception, carl.exception
    assert metric_values(carl) == metric_values(ana) and carl.metric


def test_a_scoped_user_sees_only_the_rows_and_options_of_their_scope(
    signed_in, database_url, row_scope_is
):
    """ben may see one value of the row scope's dimension (the model's, else the first)."""
    dimension = MODEL.dimension(MODEL.row_scope or MODEL.dimensions[0].name)
    row_scope_is(dimension.name)
    (value, name), *_ = members_of(dimension.name, database_url)
    scopes = {**EVERYTHING, "groups:ops-team": [name]}  # ben: one value, by its name
    ana = signed_in(ANA, {"scopes": scopes}).run()
    everything = metric_values(ana)
    ana.multiselect(key=dimension.name).set_value([value]).run()
    only_that = metric_values(ana)
    assert only_that != everything

    ben = signed_in(BEN, {"scopes": scopes}).run()  # after ana: the caches hold her results
    assert not ben.exception, ben.exception
    assert metric_values(ben) == only_that
    assert ben.multiselect(key=dimension.name).options == [name]
    narrower = [d for d in MODEL.dimensions if d.within == dimension.name]
    for inner in narrower:  # e.g. only the products of that category
        within = members_of(inner.name, database_url)
        assert len(ben.multiselect(key=inner.name).options) < len(within)
    # A value outside the scope, forged into the URL or session, is dropped, never read.
    outside = [v for v, _n in members_of(dimension.name, database_url) if v != value]
    if outside:
        ben.session_state[dimension.name] = [outside[0]]
        ben.run()
        assert metric_values(ben) == only_that


def test_a_user_without_a_scope_sees_nothing_and_is_told_so(signed_in, row_scope_is):
    dimension = MODEL.dimension(MODEL.row_scope or MODEL.dimensions[0].name)
    row_scope_is(dimension.name)
    carl = signed_in(CARL).run()
    assert not carl.exception, carl.exception
    plural = label(dimension.plural, dimension.name).lower()
    assert [w.value for w in carl.warning] == [t("scope_nothing", plural=plural)]
    assert not carl.metric
    assert t("auth_sign_out") in buttons(carl)


def test_restricted_filters_never_widen_what_was_allowed():
    name = MODEL.dimensions[0].name
    f = Filters(MODEL.default_mode, picks=((name, (1, 2, 99)),))
    assert f.restricted(name, (2, 3)).chosen(name) == (2,)
    assert Filters(MODEL.default_mode).restricted(name, (2, 3)).chosen(name) == (2, 3)
    assert f.restricted(name, (98,)).chosen(name) == (98,)  # nothing chosen is allowed
    with pytest.raises(ValueError):
        f.restricted(name, ())


def one_sign_in(claims: dict, issued: float | None = None, nonce: str = "nonce-1") -> dict:
    """Claims as Streamlit keeps them from an ID token: issuer, issued-at and nonce."""
    issued = int(time.time() if issued is None else issued)
    return {**claims, "iss": "https://id.example.test", "iat": issued, "nonce": nonce}


def test_signing_out_ends_that_sign_in_for_good(signed_in, app_store_of_this_test):
    """A copy of the cookie taken before sign-out carries the same claims: refused, on any
    replica (the app store is shared); signing in again is a new sign-in, let in."""
    before = one_sign_in(ANA)
    at = signed_in(before).run()
    assert at.metric
    next(b for b in at.button if b.label == t("auth_sign_out")).click().run()
    assert not at.exception, at.exception
    engine = db.make_engine(make_url(app_store_of_this_test))
    with engine.connect() as c:
        assert store.sign_in_revoked(c, auth.sign_in_of(before))
    engine.dispose()

    replayed = signed_in(before).run()  # another tab, another replica: the old cookie
    assert not replayed.exception, replayed.exception
    assert buttons(replayed) == [t("auth_sign_in")] and not replayed.metric
    again = signed_in(one_sign_in(ANA, nonce="nonce-2")).run()
    assert again.metric and not again.exception


def test_a_sign_in_older_than_sign_in_max_hours_is_refused(signed_in):
    settings = {"admins": ["ana@example.test"], "scopes": EVERYTHING, "sign_in_max_hours": 8}
    fresh = signed_in(one_sign_in(ANA), settings).run()
    assert fresh.metric
    stale = signed_in(one_sign_in(ANA, issued=time.time() - 9 * 3600), settings).run()
    assert buttons(stale) == [t("auth_sign_in")] and not stale.metric


def test_when_sign_ins_cannot_be_checked_nobody_is_let_in(signed_in, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("the app store's folder is a file")
    monkeypatch.setenv("APP_STORE_URL", f"sqlite:///{blocker / 'app_store.db'}")
    at = signed_in(one_sign_in(ANA)).run()
    assert not at.exception, at.exception
    assert not at.metric
    assert said("auth_store_down") in " ".join(e.value for e in at.error)
