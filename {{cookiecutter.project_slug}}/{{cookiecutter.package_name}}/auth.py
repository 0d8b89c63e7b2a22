"""Who is looking: the owner of saved views.

Without sign-in nobody is known, so each browser session owns its views: they last as
long as the tab's session (reloading the page starts a new one), and the app store deletes
them a day after the session ends.
"""

from __future__ import annotations

import dataclasses

from streamlit.runtime.scriptrunner import get_script_run_ctx

from .i18n import t


@dataclasses.dataclass(frozen=True)
class Viewer:
    owner: str  # the key saved views are stored under in the app store
    anonymous: bool  # a browser session, not a person
    name: str  # what the sidebar says


def viewer() -> Viewer:
    """The person (or, without sign-in, the browser session) of this run."""
    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx is not None else "none"
    return Viewer(owner=f"session:{session}", anonymous=True, name=t("views_owner_session"))
