"""Language and locale: the catalogues match, numbers, amounts, percentages and dates are
written as the locale writes them (Babel), and the whole app runs in Spanish with es_BO
(AppTest, backend under test)."""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest
from conftest import APP_SCRIPT, APP_TIMEOUT, metric_values
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import i18n, sections, settings
from {{ cookiecutter.package_name }}.model import MODEL

# English text of the catalogue that differs from its Spanish translation ("Total" is both).
ENGLISH_ONLY = {text for key, text in i18n.EN.items() if text != i18n.ES[key]}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


NBSP, NNBSP = "\xa0", "\u202f"  # no-break space, narrow no-break space (CLDR's)


@pytest.fixture
def locale(monkeypatch):
    """Call with a locale (its own currency, or ``currency``); restored after the test."""

    def use(name: str, currency: str | None = None) -> None:
        monkeypatch.setattr(settings, "LOCALE", name)
        monkeypatch.setattr(settings, "CURRENCY", currency or settings.default_currency(name))

    return use


@pytest.fixture
def spanish(monkeypatch):
    monkeypatch.setattr(settings, "LANGUAGE", "es")
    monkeypatch.setattr(settings, "LOCALE", "es_BO")
    monkeypatch.setattr(settings, "CURRENCY", "BOB")


# --- Catalogues ------------------------------------------------------------------------


def test_catalogues_have_the_same_keys():
    assert set(i18n.EN) == set(i18n.ES)
    assert set(i18n.CATALOGUES) == {"en", "es"}


@pytest.mark.parametrize("key", sorted(i18n.EN))
def test_same_placeholders_in_both_languages(key):
    assert placeholders(i18n.EN[key]) == placeholders(i18n.ES[key]), key


def test_no_text_is_empty():
    for catalogue in i18n.CATALOGUES.values():
        assert all(text.strip() for text in catalogue.values())


def test_t_fills_placeholders_in_the_configured_language(monkeypatch):
    assert i18n.t("top_choice", n=5) == "Top 5"
    monkeypatch.setattr(settings, "LANGUAGE", "es")
    assert i18n.t("mode_dates") == "Fechas"
    assert i18n.t("badge_period", period="Turno", op=7, state="cerrado") == "Turno #7 cerrado"
    assert i18n.label({"en": "Sales", "es": "Ventas"}) == "Ventas"
    assert i18n.label({"en": "Only English"}) == "Only English"  # falls back to English


def test_every_label_of_the_model_has_both_languages():
    texts = [m.label for m in MODEL.measures] + [d.label for d in MODEL.dimensions]
    texts += [d.plural for d in MODEL.dimensions]
    if MODEL.period:
        texts += [MODEL.period.label, MODEL.period.plural]
    for text in texts:
        assert set(text) == {"en", "es"} and all(text.values()), text


# --- Numbers ---------------------------------------------------------------------------


# Written as each locale writes them (CLDR, through Babel): where the currency symbol
# goes, the separators, the space before "%"; the sign always first (st.metric reads it).
MONEY = {
    "en_US": ["$1,234,567.89", "-$1,234,567.89", "$0.00", "+$12.50"],
    "es_BO": ["Bs1.234.567,89", "-Bs1.234.567,89", "Bs0,00", "+Bs12,50"],
    "de_DE": [f"1.234.567,89{NBSP}€", f"-1.234.567,89{NBSP}€", f"0,00{NBSP}€", f"+12,50{NBSP}€"],
    "pt_BR": [
        f"R${NBSP}1.234.567,89",
        f"-R${NBSP}1.234.567,89",
        f"R${NBSP}0,00",
        f"+R${NBSP}12,50",
    ],
    "fr_FR": [
        f"1{NNBSP}234{NNBSP}567,89{NBSP}€",
        f"-1{NNBSP}234{NNBSP}567,89{NBSP}€",
        f"0,00{NBSP}€",
        f"+12,50{NBSP}€",
    ],
}
NUMBERS = {
    "en_US": ["1,234,568", "-1,234,567.9", "0", "999", "+1,000"],
    "es_BO": ["1.234.568", "-1.234.567,9", "0", "999", "+1.000"],
    "de_DE": ["1.234.568", "-1.234.567,9", "0", "999", "+1.000"],
    "pt_BR": ["1.234.568", "-1.234.567,9", "0", "999", "+1.000"],
    "fr_FR": [f"1{NNBSP}234{NNBSP}568", f"-1{NNBSP}234{NNBSP}567,9", "0", "999", f"+1{NNBSP}000"],
}
PERCENTS = {
    "en_US": ["34.6%", "-2.0%", "0.0%", "+1,234.5%"],
    "es_BO": ["34,6%", "-2,0%", "0,0%", "+1.234,5%"],
    "de_DE": [f"34,6{NBSP}%", f"-2,0{NBSP}%", f"0,0{NBSP}%", f"+1.234,5{NBSP}%"],
    "pt_BR": ["34,6%", "-2,0%", "0,0%", "+1.234,5%"],
    "fr_FR": [f"34,6{NBSP}%", f"-2,0{NBSP}%", f"0,0{NBSP}%", f"+1{NNBSP}234,5{NBSP}%"],
}
DATES = {
    "en_US": "Mar 31, 2024",
    "es_BO": "31 mar de 2024",
    "de_DE": "31.03.2024",
    "pt_BR": "31 de mar. de 2024",
    "fr_FR": "31 mars 2024",
}


@pytest.mark.parametrize("name", sorted(MONEY))
def test_money(locale, name):
    locale(name)
    want = MONEY[name]
    got = [
        i18n.money(1234567.891),
        i18n.money(-1234567.891),
        i18n.money(0),
        i18n.money(12.5, sign=True),
    ]
    assert got == want
    assert i18n.money(-0.001) == want[2]  # rounds to zero: no "-0"
    assert i18n.money(0, sign=True) == want[2]  # zero has no sign


def test_a_currency_other_than_the_locales(locale):
    locale("de_DE", "USD")
    assert i18n.money(1234.5) == f"1.234,50{NBSP}$"
    assert i18n.currency_symbol() == "$"
    locale("es_ES")
    assert i18n.money(12345.5) == f"12.345,50{NBSP}€"


@pytest.mark.parametrize("name", sorted(NUMBERS))
def test_number(locale, name):
    locale(name)
    got = [
        i18n.number(1234567.891),
        i18n.number(-1234567.891, 1),
        i18n.number(0),
        i18n.number(999),
        i18n.number(1000, sign=True),
    ]
    assert got == NUMBERS[name]


@pytest.mark.parametrize("name", sorted(PERCENTS))
def test_percent(locale, name):
    locale(name)
    got = [i18n.percent(34.56), i18n.percent(-2), i18n.percent(0), i18n.percent(1234.5, sign=True)]
    assert got == PERCENTS[name]


@pytest.mark.parametrize("name", sorted(DATES))
def test_date(locale, name):
    locale(name)
    assert i18n.date(dt.date(2024, 3, 31)) == DATES[name]


def test_tables_show_the_locales_numbers(locale):
    import pandas as pd

    locale("de_DE")
    df = pd.DataFrame({"sales": [1234.5], "orders": [1200], "pct": [12.34]})
    styler = i18n.table(
        df, money_columns=["sales"], count_columns=["orders"], percent_columns=["pct"]
    )
    html = styler.to_html()
    assert f"1.234,50{NBSP}€" in html and "1.200" in html and f"12,3{NBSP}%" in html
    assert styler.data["sales"].iloc[0] == 1234.5  # the numbers stay numbers (sorting)


@pytest.mark.parametrize(
    ("name", "separators", "currency"),
    [
        ("en_US", (",", "."), ["$", ""]),
        ("de_DE", (".", ","), ["", f"{NBSP}€"]),
        ("pt_BR", (".", ","), [f"R${NBSP}", ""]),
        ("fr_FR", (NNBSP, ","), ["", f"{NBSP}€"]),
    ],
)
def test_charts_get_the_locales_number_format(locale, name, separators, currency):
    import altair as alt
    import pandas as pd

    locale(name)
    spec = i18n.chart(alt.Chart(pd.DataFrame({"x": [1]})).mark_bar().encode(x="x:Q")).to_dict()
    number = spec["config"]["locale"]["number"]
    assert (number["thousands"], number["decimal"]) == separators
    assert number["currency"] == currency


def _money_cards(at: AppTest) -> list:
    return [
        m
        for m, name in zip(at.metric, MODEL.page.kpis, strict=True)
        if MODEL.measure(name).kind == "money"
    ]


def test_the_cards_write_amounts_as_the_bakes_locale_does(app):
    at = app.run()
    assert not at.exception, at.exception
    before, after = i18n.currency_affixes()
    values = metric_values(at)
    for m, name in zip(at.metric, MODEL.page.kpis, strict=True):
        measure = MODEL.measure(name)
        assert m.value == i18n.value(values[m.label], measure.kind, measure.decimals), m.value
        if measure.kind == "money":
            assert m.value.lstrip("-").startswith(before) and m.value.endswith(after), m.value


def test_a_german_page_shows_euros_after_the_amount(app, monkeypatch):
    monkeypatch.setattr(settings, "LOCALE", "de_DE")
    monkeypatch.setattr(settings, "CURRENCY", settings.default_currency("de_DE"))
    at = app.run()
    assert not at.exception, at.exception
    cards = _money_cards(at)
    for m in cards:  # "1.234,56 €": points group the thousands, a no-break space, then €
        assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?\xa0€", m.value), m.value
    assert cards or not [k for k in MODEL.page.kpis if MODEL.measure(k).kind == "money"]


# --- The whole app in Spanish ----------------------------------------------------------


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def shown_texts(block) -> list[str]:
    """Labels, options and text of every element in a block (sidebar, main)."""
    out = []
    for node in walk(block):
        for attr in ("label", "placeholder", "help"):
            value = getattr(node, attr, None)
            if isinstance(value, str) and value:
                out.append(value)
        if getattr(node, "type", "") in ("markdown", "caption", "subheader", "title"):
            out.append(str(node.value))
        options = getattr(node, "options", None)
        if isinstance(options, list):
            out.extend(str(o) for o in options)
    return out


def one_period(at: AppTest) -> AppTest:
    """The latest closed period (or day) alone: it has a previous one, so the cards show
    deltas."""
    at.run()
    if MODEL.period:
        last = at.session_state["op_end"]
        return at.number_input(key="op_start").set_value(last).run()
    at.segmented_control(key="mode").set_value("dates").run()
    last = at.session_state["date_end"]
    return at.date_input(key="date_start").set_value(last).run()


def spanish_texts(monkeypatch) -> dict:
    """What the page must say in Spanish, from the model's labels and the catalogue."""
    monkeypatch.setattr(settings, "LANGUAGE", "es")
    period = MODEL.period
    if period:
        one = i18n.label(period.short) or i18n.label(period.label).lower()
        compare = i18n.t("vs_prev_op", period=one)
    else:
        compare = i18n.t("vs_prev_day")
    sidebar = ["Filtros", "Vista", "En vivo", "Fechas"]
    sidebar += [i18n.label(d.plural) for d in MODEL.dimensions]
    if period:
        sidebar.append(i18n.label(period.plural))
    return {
        "kpis": [i18n.label(MODEL.measure(name).label) for name in MODEL.page.kpis],
        "compare": compare,
        "sidebar": sidebar,
        "titles": [sections.title(s).format(n=getattr(s, "size", "")) for s in MODEL.page.sections],
    }


def test_app_in_spanish(app, monkeypatch):
    english = metric_values(one_period(app))  # read while settings are still English
    want = spanish_texts(monkeypatch)
    monkeypatch.setattr(settings, "LOCALE", "es_BO")
    monkeypatch.setattr(settings, "CURRENCY", "BOB")
    at = one_period(AppTest.from_file(str(APP_SCRIPT), default_timeout=APP_TIMEOUT))
    assert not at.exception, at.exception
    assert not at.error and not at.warning

    assert [m.label for m in at.metric] == want["kpis"]
    for m, name in zip(at.metric, MODEL.page.kpis, strict=True):
        kind = MODEL.measure(name).kind
        if kind == "money":
            assert m.value.startswith("Bs"), m.value  # "Bs12.345" or "Bs123,45"
        if kind == "percent":
            assert m.value.endswith("%") and m.value[-3] == ",", m.value  # "65,4%"
    # Same numbers as in English, only written differently.
    assert list(metric_values(at).values()) == pytest.approx(list(english.values()))
    for m in at.metric:
        if m.proto.delta:
            assert m.proto.delta_description == want["compare"], m.proto
            signed = m.proto.delta[:1] in "+-"
            zero = not any(ch in "123456789" for ch in m.proto.delta)  # "0,0 p. p.": no sign
            assert (signed or zero) and m.proto.delta[1:2] != " ", m.proto

    sidebar = shown_texts(at.sidebar)
    for text in want["sidebar"]:
        assert text in sidebar, (text, sidebar)
    main = [text.strip("*") for text in shown_texts(at.main)]  # **bold** headings
    for title in want["titles"]:  # the sections' headings (a ranking shows its first N)
        assert title in main, (title, main)
    left = [text for text in sidebar + main if text in ENGLISH_ONLY]
    assert not left, left


def test_spanish_message_for_a_reversed_range(app, spanish):
    at = app.run()
    if MODEL.period:
        last = at.session_state["op_end"]
        at.number_input(key="op_start").set_value(last).run()
        at.number_input(key="op_end").set_value(last - 1).run()
        want = "es posterior al final"
    else:
        at.segmented_control(key="mode").set_value("dates").run()
        last = at.session_state["date_end"]
        at.date_input(key="date_start").set_value(last).run()
        at.date_input(key="date_end").set_value(last - dt.timedelta(days=1)).run()
        want = "es posterior a la fecha de fin"
    assert not at.exception
    assert want in " ".join(w.value for w in at.warning)
    assert not at.metric


def test_detail_page_in_spanish(app, spanish):
    at = app.run()
    at.switch_page("app_pages/detail.py").run()
    at.toggle(key="detail_load").set_value(True).run()
    assert not at.exception, at.exception
    noun = i18n.label(MODEL.page.detail.label).lower()
    assert at.toggle(key="detail_load").label == f"Cargar {noun}"
    captions = " ".join(c.value for c in at.caption)
    total = re.search(r"Filas 1–\d+ de ([\d.]+)", captions)
    assert total, captions
    assert "," not in total.group(1)  # thousands with ".", as in "1.234"
