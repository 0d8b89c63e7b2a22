"""Order lines page: the detail behind the numbers, loaded on demand."""

import streamlit as st

from {{ cookiecutter.package_name }}.i18n import t
from {{ cookiecutter.package_name }}.sections.detail import catalogue, detail
from {{ cookiecutter.package_name }}.sections.header import header

f = header(t("subtitle_order_lines"))
if f is not None:
    detail(f)
    with st.expander(t("catalogue_title"), icon=":material/menu_book:"):
        catalogue()
