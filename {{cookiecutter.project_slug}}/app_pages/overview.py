"""Overview page: KPIs, charts and margins for the filters in the sidebar."""

import streamlit as st

from {{ cookiecutter.package_name }} import data
from {{ cookiecutter.package_name }}.i18n import plain, t
from {{ cookiecutter.package_name }}.sections.charts import sales_charts, top_products
from {{ cookiecutter.package_name }}.sections.header import header
from {{ cookiecutter.package_name }}.sections.kpis import kpis
from {{ cookiecutter.package_name }}.sections.live import live
from {{ cookiecutter.package_name }}.sections.margins import margins

f = header(t("subtitle_overview"))
if f is not None:
    # Pattern: parallel prefetch warms every section's cache at once; the workers
    # only collect errors, which are reported here on the script thread.
    with st.spinner(t("loading"), show_time=True):
        problems = data.prefetch(f, top_limit=st.session_state["top_n"])
    for message in problems:
        st.toast(plain(message), icon=":material/warning:")
    kpis(f)
    if f.mode == "realtime":
        live(f)
    sales_charts(f)
    left, right = st.columns(2, gap="medium")
    with left:
        top_products(f)
    with right:
        margins(f)
