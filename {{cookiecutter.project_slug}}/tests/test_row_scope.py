"""Row scope everywhere: nothing outside a signed-in user's scope reaches their page.

These tests do not look where the layout puts things: they walk every element AppTest
received (the protobuf messages a browser would get: text, badges, metrics, tables as
Arrow, Vega-Lite specs with their encodings and data, widget options) and search their
bytes. A scoped user ("ben") visits every page and view; no name of a member outside his
scope and no whole-database total may be found, and his status badge shows his own
totals. tests/test_signin.py does the same over a real browser's websocket frames.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from conftest import ANA, BEN, EVERYTHING, members_of

from {{ cookiecutter.package_name }} import queries{% if cookiecutter.shared_cache == "redis" %}, shared{% endif %}
from {{ cookiecutter.package_name }}.bench import naive
from {{ cookiecutter.package_name }}.i18n import plain, value
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import Share
from {{ cookiecutter.package_name }}.queries import REALTIME

CHART = "vega_lite_chart"  # the AppTest element type of st.vega_lite_chart


def sent(node) -> Iterator[bytes]:
    """The serialised message of every element below ``node`` (what goes to a browser)."""
    proto = getattr(node, "proto", None)
    if proto is not None:
        yield proto.SerializeToString()
    for child in (getattr(node, "children", None) or {}).values():
        yield from sent(child)


def spellings(name: str) -> set[bytes]:
    """How a name can travel: as typed, JSON-escaped (a chart spec), Markdown-escaped."""
    return {name.encode(), json.dumps(name)[1:-1].encode(), plain(name).encode()}


def visit_everything(at) -> list[bytes]:
    """Every page and view a viewer can open: the overview with each ranking at its
    largest N, the live view, the detail page. Returns what each run sent."""
    seen = []

    def run(step=None) -> None:
        (step or at.run)()
        assert not at.exception, at.exception
        seen.extend(sent(at._tree))

    run()
    for section in MODEL.page.sections:
        if hasattr(section, "sizes"):
            run(at.segmented_control(key=section.size_key).set_value(max(section.sizes)).run)
    if REALTIME in queries.MODES and at.session_state["mode"] != REALTIME:
        run(at.segmented_control(key="mode").set_value(REALTIME).run)
    if MODEL.page.detail:
        at.switch_page("app_pages/detail.py")
        run()
    return seen


def totals_badge(at) -> str:
    """The status badge of the latest period's totals ("" when the model shows none)."""
    found = [m.value for m in at.markdown if m.value.startswith(":primary-badge[")]
    assert len(found) == (1 if MODEL.page.status else 0), found
    return found[0] if found else ""


def expected_badge_values(within: tuple | None) -> list[str]:
    """The status totals as the badge writes them, from pandas on the same rows."""
    totals = naive.load_status(within=within).value["totals"]
    return [value(totals[name] or 0, MODEL.measure(name).kind) for name in totals]


@pytest.fixture
def scoped(signed_in, row_scope_is, database_url):
    """ben, scoped to the first ``n`` members of the row-scope dimension, and what he may
    and may not see: (AppTest, allowed values, hidden names)."""
    dimension = MODEL.row_scope or MODEL.dimensions[0].name
    row_scope_is(dimension)
    members = members_of(dimension, database_url)

    def ben(n: int):
        shown = members[:n]
        scopes = {**EVERYTHING, "groups:ops-team": [name for _v, name in shown]}
        hidden = [name for _v, name in members[n:] if all(name not in s for _, s in shown)]
        at = signed_in(BEN, {"scopes": scopes})
        return at, tuple(v for v, _n in shown), hidden, scopes

    return ben


@pytest.mark.parametrize("n", [1, 2])
def test_a_scoped_user_is_sent_nothing_outside_the_scope(scoped, n):
    at, allowed, hidden, _scopes = scoped(n)
    assert hidden, "the row scope's dimension needs more members than this scope holds"
    everything = naive.load_status().value["totals"]
    own = naive.load_status(within=allowed).value["totals"]
    blob = b"\n".join(visit_everything(at))
    for name in hidden:
        for spelling in spellings(name):
            assert spelling not in blob, f"{name!r}, outside ben's scope, reached his page"
    # No whole-database total: the money totals are written out in full, so none of them
    # may appear anywhere unless it is also ben's own figure.
    for name, total in everything.items():
        kind = MODEL.measure(name).kind
        if kind == "money" and total != own[name]:
            assert value(total, kind).encode() not in blob, f"the whole {name} reached ben"


@pytest.mark.parametrize("n", [1, 2])
def test_each_user_s_status_badge_shows_their_own_totals(scoped, signed_in, n):
    at, allowed, _hidden, scopes = scoped(n)
    at.run()
    assert not at.exception, at.exception
    ben_badge = totals_badge(at)
    for text in expected_badge_values(allowed):
        assert text in ben_badge
    ana = signed_in(ANA, {"scopes": scopes}).run()  # ana: "*", every row
    ana_badge = totals_badge(ana)
    for text in expected_badge_values(None):
        assert text in ana_badge
    if naive.load_status().value["totals"] != naive.load_status(within=allowed).value["totals"]:
        assert ana_badge != ben_badge


def colours(at) -> dict[str, str]:
    """{member name: colour} of every chart's colour scale on the page."""
    found = {}
    for chart in at.get(CHART):
        scale = json.loads(chart.proto.spec).get("encoding", {}).get("color", {}).get("scale")
        if scale and scale.get("range"):
            found.update(zip(scale["domain"], scale["range"], strict=True))
    return found


def test_a_member_keeps_its_colour_whoever_looks(scoped, signed_in):
    at, _allowed, hidden, scopes = scoped(2)
    at.run()
    ana = signed_in(ANA, {"scopes": scopes}).run()
    ben_colours, ana_colours = colours(at), colours(ana)
    coloured = [s for s in MODEL.page.sections if isinstance(s, Share) or getattr(s, "colour", 0)]
    assert ben_colours or not coloured, "no chart on the page gives its colours"
    assert not set(ben_colours) & set(hidden)
    for name, colour in ben_colours.items():
        assert ana_colours.get(name, colour) == colour, name
{%- if cookiecutter.shared_cache == "redis" %}


def test_every_shared_key_a_scoped_user_fills_carries_the_scope(scoped, monkeypatch):
    """Each Redis key ben's pages made is traced to its arguments: every one holds his
    restricted filters, so no value in Redis was computed without his scope."""
    at, allowed, _hidden, _scopes = scoped(1)
    made: dict[str, tuple] = {}
    original = shared.key

    def recorded(loader: str, args: tuple) -> str:
        key = original(loader, args)
        made[key] = args
        return key

    monkeypatch.setattr(shared, "key", recorded)
    shared.refresh()  # a generation of ben's own: only his keys are in it
    at.run()
    assert not at.exception, at.exception
    for mode in queries.HISTORICAL_MODES:  # the cached views fill the shared level
        at.segmented_control(key="mode").set_value(mode).run()
        assert not at.exception, at.exception
    client = shared._client
    generation = original("status", ()).rsplit(":", 2)[0]
    keys = [k.decode() for k in client.scan_iter(match=f"{generation}:*")]
    assert keys, "ben's pages filled no shared key: nothing was checked"
    scope_dimension = MODEL.row_scope
    for key in keys:
        assert key in made, f"{key} was not made by ben's pages"
        picked = queries.Filters.from_cache_key(made[key][0]).chosen(scope_dimension)
        assert picked and set(picked) <= set(allowed), (key, picked)
{%- endif %}
