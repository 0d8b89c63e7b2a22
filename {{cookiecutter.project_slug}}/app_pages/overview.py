"""Overview page: the KPIs and the model's rows of sections, for the filters in the sidebar."""

import streamlit as st

from {{ cookiecutter.package_name }} import data
from {{ cookiecutter.package_name }}.i18n import label, plain, t
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.modeling import Breakdown, Ranking, Series, Share
from {{ cookiecutter.package_name }}.sections.breakdown import breakdown
from {{ cookiecutter.package_name }}.sections.charts import ranking, series, share
from {{ cookiecutter.package_name }}.sections.header import header
from {{ cookiecutter.package_name }}.sections.kpis import kpis
from {{ cookiecutter.package_name }}.sections.live import live

DRAW = {Series: series, Share: share, Ranking: ranking, Breakdown: breakdown}

f = header(label(MODEL.page.subtitle, t("page_overview")))
if f is not None:
    # Pattern: parallel prefetch warms every section's cache at once; the workers
    # only collect errors, which are reported here on the script thread.
    rankings = [s for s in MODEL.page.sections if isinstance(s, Ranking)]
    limits = {s.key: st.session_state[s.size_key] for s in rankings}
    over_time = [s for s in MODEL.page.sections if isinstance(s, Series)]
    grains = {s.key: st.session_state[s.grain_key] for s in over_time}
    with st.spinner(t("loading"), show_time=True):
        problems = data.prefetch(f, limits, grains)
    for message in problems:
        st.toast(plain(message), icon=":material/warning:")
    kpis(f)
    if f.mode == "realtime" and MODEL.period and MODEL.page.detail:
        live(f)
    for row in MODEL.page.rows:
        columns = st.columns([section.width for section in row], gap="medium")
        for column, section in zip(columns, row, strict=True):
            with column:
                DRAW[type(section)](section, f)
