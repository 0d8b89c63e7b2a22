"""Operator page (operators only: st.navigation offers it to nobody else): what the
dashboard reads, what it stores where, and how far the rollups reach."""

import streamlit as st

from {{ cookiecutter.package_name }} import admin, data, db
from {{ cookiecutter.package_name }}.i18n import number, plain, t

st.title(t("page_operator"), anchor=False)
config = data.load_app_config()
st.markdown(t("operator_reads", url=plain(config["database_url"] or "-")))
try:
    stored = data.store_summary()
except db.DatabaseUnavailable as exc:
    st.warning(t("views_store_down", error=plain(exc)), icon=":material/cloud_off:")
else:
    st.markdown(
        t(
            "operator_stores",
            url=plain(stored["app_store_url"]),
            views=number(stored["views"]),
            users=number(stored["users"]),
            sessions=number(stored["sessions"]),
        )
    )
st.caption(admin.rollup_reach())
minutes = config["historical_ttl_seconds"] // 60
st.caption(t("operator_ttl", minutes=minutes, catalogue=config["catalogue_ttl_seconds"] // 60))
admin.render_health()
