"""Who is looking, and what they may see.

- ``settings.AUTH == "none"``: an open dashboard. Nobody is known, so each browser session
  owns its saved views: they last as long as the tab's session (reloading the page starts a
  new one); the app store deletes them once the session has been over for a day. Everyone
  is an operator.
- ``"oidc"``: Streamlit's own sign-in (``st.login()``, ``st.user``, ``st.logout()``) with the
  provider of the ``[auth]`` block in ``.streamlit/secrets.toml``. A visitor who is not
  signed in gets the sign-in page and nothing else: no data, no SQL. Saved views belong to
  the user (the provider's stable subject). Operators are the ``admins`` of the
  ``[dashboard]`` block: e-mail addresses, or values of the claim named by ``admin_claim``.
  When model.py names a ``row_scope`` dimension, ``[dashboard.scopes]`` says which of its
  values each user sees (by e-mail or "claim:value"; "*" for all); anyone else sees nothing.

Signing out ends the sign-in on the server too. Streamlit's sign-in cookie is signed, lives
30 days (fixed by Streamlit) and is not revoked by ``st.logout()``: a copy taken before
would still sign in. So ``sign_out()`` records the sign-in (a digest of the ID token's
issuer, subject, issued-at and nonce) as revoked in the app store, which every replica
shares, and ``require_sign_in()`` refuses it. ``sign_in_max_hours`` in ``[dashboard]``
refuses any sign-in older than that, so a cookie lives at most that long.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from . import db, settings, stats, store
from .i18n import plain, t
from .model import MODEL

if settings.AUTH not in ("none", "oidc"):  # a typo must never turn sign-in off
    raise ValueError(f"auth {settings.AUTH!r} (DASHBOARD_AUTH or settings.AUTH): use none or oidc")
SIGN_IN = settings.AUTH == "oidc"
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")


@dataclasses.dataclass(frozen=True)
class Viewer:
    owner: str  # the key saved views are stored under in the app store
    anonymous: bool  # a browser session, not a person
    name: str  # what the sidebar says
    admin: bool  # may see the operator panel and page
    # Row-level scope: the names or ids of MODEL.row_scope's values this viewer may see
    # (None: every row; (): none at all).
    scope: tuple | None = None


def _claims() -> dict | None:
    """The signed-in user's claims (None: nobody is signed in). Tests replace this."""
    user = st.user.to_dict()
    return user if user.get("is_logged_in") else None


def _section(name: str) -> dict:
    try:
        return dict(st.secrets.get(name) or {})
    except FileNotFoundError:  # no secrets.toml at all
        return {}


def _is_admin(claims: dict) -> bool:
    """Is this user one of [dashboard] admins (by e-mail, or by a value of admin_claim)?"""
    config = _section("dashboard")
    admins = {str(a).strip().lower() for a in config.get("admins") or []}
    values = [claims.get("email")]
    claim = config.get("admin_claim")
    if claim:
        found = claims.get(claim)
        values += found if isinstance(found, list) else [found]
    return any(str(v).strip().lower() in admins for v in values if v)


def _scope_of(claims: dict) -> tuple | None:
    """What [dashboard.scopes] lets this user see of MODEL.row_scope: the entries under
    their e-mail and under each "claim:value" they carry, together ("*": everything)."""
    if MODEL.row_scope is None:
        return None
    scopes = {
        str(k).strip().casefold(): v for k, v in (_section("dashboard").get("scopes") or {}).items()
    }
    keys = [str(claims.get("email") or "")]
    for claim, found in claims.items():
        for value in found if isinstance(found, list) else [found]:
            keys.append(f"{claim}:{value}")
    allowed: list = []
    for key in keys:
        entry = scopes.get(key.strip().casefold())
        if entry == "*":
            return None
        if entry is not None:
            allowed += entry if isinstance(entry, list) else [entry]
    return tuple(allowed)


def viewer() -> Viewer:
    """The signed-in user, or (without sign-in) this browser session."""
    claims = _claims() if SIGN_IN else None
    if claims is None:
        ctx = get_script_run_ctx()
        session = ctx.session_id if ctx is not None else "none"
        owner, name = f"session:{session}", t("views_owner_session")
        return Viewer(owner, anonymous=True, name=name, admin=not SIGN_IN)
    subject = str(claims.get("sub") or claims.get("email"))
    name = str(claims.get("email") or claims.get("name") or subject)
    return Viewer(
        f"user:{subject}", anonymous=False, name=name, admin=_is_admin(claims),
        scope=_scope_of(claims),
    )  # fmt: skip


def missing_settings() -> list[str]:
    """The [auth] keys st.login() needs that secrets.toml lacks (or that still say
    "change-me", as secrets.toml.example does)."""
    section = _section("auth")
    return [key for key in AUTH_KEYS if str(section.get(key) or "change-me") == "change-me"]


def sign_in_of(claims: dict) -> str | None:
    """The identity of one sign-in (not of the user): a digest of the ID token's issuer,
    subject, issued-at and nonce. None when the token carries neither iat nor nonce."""
    if claims.get("iat") is None and claims.get("nonce") is None:
        return None
    parts = [str(claims.get(name) or "") for name in ("iss", "sub", "iat", "nonce")]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _too_old(claims: dict) -> bool:
    """Older than [dashboard] sign_in_max_hours (unset: as long as Streamlit's cookie)."""
    hours = _section("dashboard").get("sign_in_max_hours")
    issued = claims.get("iat")
    if not hours or not isinstance(issued, int | float):
        return False
    return time.time() - issued > float(hours) * 3600


def _revoked(claims: dict) -> bool:
    """Has this sign-in ended (signed out on any replica, or too old)?"""
    if _too_old(claims):
        return True
    sign_in = sign_in_of(claims)
    if sign_in is None:
        return False
    engine = db.get_store_engine()
    try:
        with stats.app_state(), engine.connect() as c:
            return store.sign_in_revoked(c, sign_in)
    except SQLAlchemyError as exc:
        raise db.friendly_error(exc, engine.url) from None


def sign_out() -> None:
    """The sign-out button: revoke this sign-in in the app store, then st.logout(). A store
    that cannot be written is logged; the browser's cookie is removed all the same."""
    claims = _claims()
    sign_in = sign_in_of(claims) if claims else None
    if sign_in is not None:
        try:
            with stats.app_state():
                store.revoke_sign_in(db.get_store_engine(), sign_in)
        except (SQLAlchemyError, db.DatabaseUnavailable, store.NotOurs) as exc:
            logging.getLogger(__name__).error("sign-out not recorded (%s)", exc)
    st.logout()


def require_sign_in() -> None:
    """With sign-in on, a visitor who is not signed in (or whose sign-in was ended by
    signing out) sees the sign-in page and the run stops here, before anything reads the
    database."""
    if not SIGN_IN:
        return
    claims = _claims()
    try:
        if claims is not None and not _revoked(claims):
            return
    except db.DatabaseUnavailable as exc:  # cannot tell: let nobody in
        st.title(settings.PROJECT_NAME, anchor=False)
        st.error(t("auth_store_down", error=plain(exc)), icon=":material/cloud_off:")
        st.stop()
    st.title(settings.PROJECT_NAME, anchor=False)
    missing = missing_settings()
    if missing:
        st.error(t("auth_not_configured", keys=", ".join(missing)), icon=":material/key_off:")
    else:
        st.markdown(t("auth_sign_in_why"))
        st.button(t("auth_sign_in"), on_click=st.login, type="primary", icon=":material/login:")
    st.stop()


def render_identity(who: Viewer) -> None:
    """Who is signed in, and the sign-out button (sidebar; nothing without sign-in)."""
    if not SIGN_IN or who.anonymous:
        return
    st.caption(t("auth_signed_in_as", name=plain(who.name)))
    st.button(t("auth_sign_out"), on_click=sign_out, icon=":material/logout:", width="stretch")
