"""A browser tab without a browser: Streamlit's websocket protocol, spoken from Python.

A Streamlit page talks to its server over one websocket, ``/_stcore/stream``:

- the browser sends ``BackMsg`` protobufs; ``rerun_script`` carries a ``ClientState``:
  the query string, the current page, every widget's value (``WidgetStates``), the id of
  the fragment to rerun (empty for a full run) and the hashes of the big messages the
  browser already holds (``cached_message_hashes``);
- the server answers with ``ForwardMsg`` protobufs: ``new_session``, one ``delta`` per
  element, ``page_info_changed``, ... and ``script_finished`` when the run is over. A
  big element the browser already holds comes back as a short ``ref_hash`` message.

``BrowserSession`` does what the browser does, so the latency measured here is the one a
user waits for (minus drawing): it learns widget ids and fragment ids from the deltas,
sends every widget state back on each rerun, keeps the message cache and reports it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

RUN_TIMEOUT_SECONDS = 180
_COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR
_DONE = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


class ScriptFailed(RuntimeError):
    """The app raised an exception (or did not compile) during a measured run."""


@dataclass
class Run:
    """What one rerun cost, seen from the client."""

    ms: float  # from sending rerun_script to receiving script_finished
    messages: int  # ForwardMsgs received
    bytes: int  # payload bytes received
    cache_hits: int  # big elements the server replaced by a ref_hash


@dataclass
class _Widget:
    id: str
    fragment_id: str


class BrowserSession:
    """One tab of the dashboard, connected to a running server.

    >>> async with BrowserSession("http://127.0.0.1:8501") as tab:
    ...     await tab.open()
    ...     run = await tab.set_widgets(date_start=dt.date(2024, 3, 1))
    """

    def __init__(self, base_url: str, query_string: str = "", headers: dict | None = None) -> None:
        self.stream_url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.query_string = query_string
        self.headers = headers or {}  # sent with the websocket handshake (a proxy's cookie)
        self.response_headers: dict[str, str] = {}  # the handshake's answer (lowercase names)
        self.page_script_hash = ""
        self.widgets: dict[str, _Widget] = {}  # user key -> widget id and its fragment
        self.states: dict[str, WidgetState] = {}  # widget id -> value the "user" chose
        self.cached_hashes: set[str] = set()  # Pattern: the browser's ForwardMsg cache
        self._ws: Any = None

    async def __aenter__(self) -> BrowserSession:
        # "streamlit" is the subprotocol the server selects (the browser sends the same).
        self._ws = await websockets.connect(
            self.stream_url,
            subprotocols=["streamlit"],
            additional_headers=self.headers,
            max_size=None,
            compression=None,
        )
        headers = self._ws.response.headers.raw_items()
        self.response_headers = {name.lower(): value for name, value in headers}
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()

    # --- what a user does ------------------------------------------------------------

    async def open(self) -> Run:
        """Load the page (the browser's first rerun_script, with the URL's query string)."""
        return await self._rerun()

    async def rerun(self) -> Run:
        """A full rerun with nothing changed (what "R" in the browser does)."""
        return await self._rerun()

    async def set_widgets(self, **values: Any) -> Run:
        """Change widgets outside fragments (the sidebar filters): a full rerun."""
        for key, value in values.items():
            self._set(key, value)
        return await self._rerun()

    async def set_fragment_widget(self, key: str, value: Any) -> Run:
        """Change a widget inside a fragment: only that fragment reruns."""
        fragment_id = self._set(key, value)
        if not fragment_id:
            raise ValueError(f"Widget {key!r} is not inside a fragment.")
        return await self._rerun(fragment_id)

    async def click(self, key: str) -> Run:
        """Press a button (outside fragments): its trigger is sent with this run only."""
        widget = self.widgets[key]
        saved = self.states.get(widget.id)
        self.states[widget.id] = WidgetState(id=widget.id, trigger_value=True)
        try:
            return await self._rerun(widget.fragment_id)
        finally:
            self.states.pop(widget.id, None)
            if saved is not None:
                self.states[widget.id] = saved

    # --- protocol ----------------------------------------------------------------------

    def _set(self, key: str, value: Any) -> str:
        if key not in self.widgets:
            raise KeyError(f"No widget with key {key!r} on the page (seen: {sorted(self.widgets)})")
        widget = self.widgets[key]
        state = WidgetState(id=widget.id)
        if isinstance(value, bool):
            state.bool_value = value
        elif isinstance(value, dt.date):  # date_input's wire type: ["YYYY-MM-DD"]
            state.string_array_value.data.append(value.isoformat())
        elif isinstance(value, int | float):
            state.double_value = float(value)  # number_input's wire type
        elif isinstance(value, str):
            state.string_value = value
        else:  # a list of strings: multiselect, segmented_control (formatted options)
            state.string_array_value.data.extend(str(v) for v in value)
        self.states[widget.id] = state
        return widget.fragment_id

    async def _rerun(self, fragment_id: str = "") -> Run:
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = self.query_string
        client.page_script_hash = self.page_script_hash
        client.fragment_id = fragment_id
        client.widget_states.widgets.extend(self.states.values())
        client.cached_message_hashes.extend(sorted(self.cached_hashes))
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        counts = await asyncio.wait_for(self._until_finished(), RUN_TIMEOUT_SECONDS)
        return Run((time.perf_counter() - start) * 1000, *counts)

    async def _until_finished(self) -> tuple[int, int, int]:
        """Read ForwardMsgs until script_finished; learn widgets, cache big messages."""
        messages = size = hits = 0
        error = None
        while True:
            payload = await self._ws.recv()
            messages, size = messages + 1, size + len(payload)
            fwd = ForwardMsg()
            fwd.ParseFromString(payload)
            kind = fwd.WhichOneof("type")
            if fwd.metadata.cacheable and fwd.hash:
                self.cached_hashes.add(fwd.hash)
            if kind == "ref_hash":
                hits += fwd.ref_hash in self.cached_hashes
            elif kind == "delta":
                error = self._learn(fwd) or error
            elif kind == "new_session":
                self.page_script_hash = fwd.new_session.page_script_hash
            elif kind == "navigation":
                self.page_script_hash = fwd.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = fwd.page_info_changed.query_string
            elif kind == "script_finished":
                if fwd.script_finished == _COMPILE_ERROR:
                    raise ScriptFailed("The app did not compile.")
                if fwd.script_finished in _DONE:
                    if error:
                        raise ScriptFailed(error)
                    return messages, size, hits
                # FINISHED_EARLY_FOR_RERUN: st.rerun() in the app; the next run follows.

    def _learn(self, fwd: ForwardMsg) -> str | None:
        """Remember widget ids (by user key) and their fragment; return an app error."""
        delta = fwd.delta
        if delta.WhichOneof("type") != "new_element":
            return None
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            return f"{element.exception.type}: {element.exception.message}"
        proto = getattr(element, kind) if kind else None
        widget_id = getattr(proto, "id", "") if proto is not None else ""
        # Keyed widget ids look like "$$ID-<hash>-<user key>".
        if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
            user_key = widget_id.split("-", 2)[2]
            if user_key and user_key != "None":
                self.widgets[user_key] = _Widget(widget_id, delta.fragment_id)
        return None
