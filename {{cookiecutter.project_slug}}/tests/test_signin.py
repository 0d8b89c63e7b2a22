"""Sign-in in a real browser against a real OpenID Connect provider on 127.0.0.1.

The provider is node-oidc-provider (tests/oidc/provider.mjs, installed there with `npm ci`
on first use); its development login form takes any user name. The dashboard runs under
`streamlit run` with sign-in on and a secrets file of its own (STREAMLIT_SECRETS_FILES),
ana an admin, ben not. Checked: a visitor who is not signed in sees only the sign-in page;
each user sees only their own saved views, also from a new browser session; only the admin
is offered the operator panel and page; signing out returns to the sign-in page.

Needs Node.js 20+ with npm, and chromium (see tests/test_browser.py); without them the
tests skip with the fix, except under CI.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import APP_SCRIPT, members_of, unavailable
from faultkit import free_port, serve
from test_browser import IDLE, VIEWPORT, WAIT_MS
from test_row_scope import spellings

from {{ cookiecutter.package_name }}.filters import mode_label
from {{ cookiecutter.package_name }}.i18n import label, t
from {{ cookiecutter.package_name }}.model import MODEL

PROVIDER = Path(__file__).parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "dashboard", "only-for-tests-on-localhost"
ADMIN, USER, USER_OF_TWO = "ana", "ben", "cleo"


def secrets_text(provider_port: int, members: list[str]) -> str:
    """The test's secrets.toml: the provider's client, ana the only admin; with a row
    scope in the model, ana sees every row, ben only its first member, cleo two."""
    scopes = ["[dashboard.scopes]", f'"{ADMIN}@example.test" = "*"']
    if members:
        scopes.append(f'"{USER}@example.test" = {json.dumps(members[:1])}')
        scopes.append(f'"{USER_OF_TWO}@example.test" = {json.dumps(members[:2])}')
    return "\n".join(
        [
            "[auth]",
            'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"',  # Streamlit's port
            'cookie_secret = "only-for-tests-on-localhost-0123456789abcdef"',
            f'client_id = "{CLIENT_ID}"',
            f'client_secret = "{CLIENT_SECRET}"',
            f'server_metadata_url = "http://127.0.0.1:{provider_port}'
            '/.well-known/openid-configuration"',
            'client_kwargs = { prompt = "login" }',  # the test provider has no account chooser
            "[dashboard]",
            f'admins = ["{ADMIN}@example.test"]',
            *scopes,
        ]
    )


def scope_members(database_url: str) -> list[str]:
    """The names of the row scope's members, in order (none: the model has no row scope)."""
    if MODEL.row_scope is None:
        return []
    return [str(name) for _value, name in members_of(MODEL.row_scope, database_url)]


def first_member(database_url: str) -> str | None:
    """The name of the row scope's first value (None: the model has no row scope)."""
    return next(iter(scope_members(database_url)), None)


def _installed_provider() -> Path:
    """tests/oidc with its node_modules (npm ci from the lock file on first use)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("the sign-in tests need Node.js 20+ and npm for their OpenID provider")
    if not (PROVIDER / "node_modules" / "oidc-provider").is_dir():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PROVIDER, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if done.returncode != 0:
            unavailable(f"npm ci in {PROVIDER} failed: {done.stderr[-2000:]}")
    return Path(node)


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The provider and the dashboard with sign-in on; yields the dashboard's URL."""
    node = _installed_provider()
    folder = tmp_path_factory.mktemp("signin")
    provider_port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(secrets_text(provider_port, scope_members(database_url)))
    env = {
        "DATABASE_URL": database_url,
        "DASHBOARD_AUTH": "oidc",
        "STREAMLIT_SECRETS_FILES": str(secrets),
    }
    with serve(APP_SCRIPT, env, folder) as app:
        callback = f"{app.url}/oauth2callback"
        log = (folder / "provider.log").open("w")
        provider = subprocess.Popen(
            [str(node), "provider.mjs", str(provider_port), CLIENT_ID, CLIENT_SECRET,
             callback, callback],
            cwd=PROVIDER, stdout=log, stderr=log,
        )  # fmt: skip
        try:
            _wait_for(f"http://127.0.0.1:{provider_port}/.well-known/openid-configuration")
            yield app.url
        finally:
            provider.terminate()
            provider.wait(10)
            log.close()


def _wait_for(url: str) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"the OpenID provider did not answer at {url}")
            time.sleep(0.2)


def visit(browser, server):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(server)
    page.wait_for_selector(IDLE)
    return context, page


def sign_in(page, user: str) -> None:
    page.get_by_role("button", name=t("auth_sign_in")).click()
    page.wait_for_url(re.compile(r"/interaction/"))
    page.fill('input[name="login"]', user)
    page.fill('input[name="password"]', "any")
    page.locator('button[type="submit"]').click()
    page.wait_for_load_state()
    if "/interaction/" in page.url:  # the consent step
        page.locator('button[type="submit"]').click()
    said = page.get_by_text(re.compile(re.escape(t("auth_signed_in_as", name=""))))
    said.wait_for()  # the address is shown as text: word joiners keep it from being a link
    assert said.inner_text().replace("\u2060", "") == t(
        "auth_signed_in_as", name=f"{user}@example.test"
    )
    page.wait_for_selector('[data-testid="stMetric"]')
    page.wait_for_selector(IDLE)


def open_views(page) -> None:
    page.get_by_text(t("views_title"), exact=True).click()


def save_view(page, name: str) -> None:
    box = page.locator(".st-key-view_name input")
    box.fill(name)
    box.press("Enter")
    page.wait_for_selector(IDLE)
    page.locator(".st-key-view_save button").click()
    page.get_by_text(t("views_saved", name=name)).wait_for()
    page.wait_for_selector(IDLE)


def views_listed(page) -> list[str]:
    """The names the saved-views picker offers."""
    return options_of(page, "view_pick")


def options_of(page, key: str) -> list[str]:
    """The options a keyed selectbox or multiselect offers (its list opened, read, closed).
    A rerun that redraws the sidebar closes an open list: then it is opened again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    picker = page.locator(f".st-key-{key}")
    if not picker.count():
        return []
    options = page.get_by_role("option")
    for _attempt in range(3):
        page.wait_for_selector(IDLE)
        picker.get_by_role("combobox").click()
        try:
            options.first.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    names = options.all_inner_texts()
    page.keyboard.press("Escape")
    return names


def test_a_visitor_who_is_not_signed_in_sees_only_the_sign_in_page(browser, server):
    context, page = visit(browser, server)
    try:
        page.get_by_role("button", name=t("auth_sign_in")).wait_for()
        assert page.get_by_text(t("auth_sign_in_why")).is_visible()
        assert page.locator('[data-testid="stMetric"]').count() == 0
        assert page.locator('[data-testid="stSidebar"]').count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


def test_two_users_see_only_their_own_views_and_only_the_admin_operates(
    browser,
    server,
    database_url,
):
    ana_context, ana = visit(browser, server)
    ben_context, ben = visit(browser, server)
    try:
        sign_in(ana, ADMIN)
        sign_in(ben, USER)
        nav = '[data-testid="stSidebarNav"]'
        assert t("page_operator") in ana.locator(nav).inner_text()
        assert ana.get_by_text(t("operator_panel")).count() == 1
        assert t("page_operator") not in ben.locator(nav).inner_text()
        assert ben.get_by_text(t("operator_panel")).count() == 0

        # Row-level scope: ben is offered (and shown) only his value of it; ana every one.
        if MODEL.row_scope is not None:
            ben_sees = first_member(database_url)
            assert options_of(ben, MODEL.row_scope) == [ben_sees]
            assert len(options_of(ana, MODEL.row_scope)) > 1

        open_views(ana)
        save_view(ana, "Ana weekend")
        open_views(ben)
        ben.get_by_text(t("views_none")).wait_for()
        save_view(ben, "Ben month")
        assert views_listed(ben) == ["Ben month"]

        # A new browser session of the same user: her views are there, ben's are not.
        later_context, later = visit(browser, server)
        try:
            sign_in(later, ADMIN)
            open_views(later)
            later.locator(".st-key-view_pick").wait_for()
            listed = views_listed(later)
            assert listed == ["Ana weekend"]
            later.get_by_text(t("page_operator"), exact=True).click()
            later.get_by_role("heading", name=t("page_operator")).wait_for()
        finally:
            later_context.close()

        # Signing out ends at the provider's confirmation, then at the sign-in page.
        cookies = ben_context.cookies()  # a copy of the sign-in cookie, taken before
        ben.get_by_role("button", name=t("auth_sign_out")).click()
        ben.wait_for_url(re.compile(r"/session/end"))
        ben.locator('button[type="submit"]').first.click()
        ben.get_by_role("button", name=t("auth_sign_in")).wait_for()
        assert ben.locator('[data-testid="stMetric"]').count() == 0

        # The copy, replayed in another browser, gets the sign-in page: it was revoked.
        assert any(cookie["name"].startswith("_streamlit") for cookie in cookies)
        replay_context = browser.new_context(viewport=VIEWPORT)
        try:
            replay_context.add_cookies(cookies)
            replay = replay_context.new_page()
            replay.set_default_timeout(WAIT_MS)
            replay.goto(server)
            replay.get_by_role("button", name=t("auth_sign_in")).wait_for()
            replay.wait_for_selector(IDLE)
            assert replay.locator('[data-testid="stMetric"]').count() == 0
        finally:
            replay_context.close()
    finally:
        ana_context.close()
        ben_context.close()


@pytest.mark.parametrize("user, n", [(USER, 1), (USER_OF_TWO, 2)])
def test_nothing_outside_the_scope_travels_to_a_scoped_user(browser, server, database_url, user, n):
    """Every websocket frame the browser receives, on every page and view, is searched for
    the names of the members outside the user's scope."""
    members = scope_members(database_url)
    if not members:
        return  # the model has no row scope: every row is everyone's (test_auth checks it)
    shown = members[:n]
    hidden = [name for name in members[n:] if all(name not in s for s in shown)]
    assert hidden, "the row scope's dimension needs more members than this scope holds"
    frames: list[bytes] = []
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framereceived",
                lambda data: frames.append(data if isinstance(data, bytes) else data.encode()),
            ),
        )
        page.goto(server)
        page.wait_for_selector(IDLE)
        sign_in(page, user)
        offered = options_of(page, MODEL.row_scope)  # (with two, also "Select all")
        assert [name for name in offered if name in members] == shown
        for section in MODEL.page.sections:  # every ranking at its largest N
            if hasattr(section, "sizes"):
                control = page.locator(f".st-key-{section.size_key}")
                name = t("top_choice", n=max(section.sizes))
                control.get_by_role("radio", name=name, exact=True).click()
                page.wait_for_selector(IDLE)
        for mode in MODEL.modes:  # every view, the live one too
            page.locator(".st-key-mode").get_by_role(
                "radio", name=mode_label(mode), exact=True
            ).click()
            page.wait_for_selector(IDLE)
        if MODEL.page.detail:
            page.get_by_text(label(MODEL.page.detail.label), exact=True).first.click()
            page.wait_for_selector(IDLE)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()
    sent = b"\n".join(frames)
    assert len(sent) > 10_000, "the page's frames were not captured"
    for name in hidden:
        for spelling in spellings(name):
            assert spelling not in sent, f"{name!r}, outside {user}'s scope, reached the browser"
