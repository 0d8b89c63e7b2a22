"""Detail page: the rows behind the numbers, loaded on demand, and the lookup table."""

import streamlit as st

from {{ cookiecutter.package_name }} import data
from {{ cookiecutter.package_name }}.i18n import label
from {{ cookiecutter.package_name }}.model import MODEL
from {{ cookiecutter.package_name }}.sections.detail import detail, lookup
from {{ cookiecutter.package_name }}.sections.header import header

f = header(label(MODEL.page.detail.label))
if f is not None:
    detail(f)
    if MODEL.page.lookup and data.lookup_visible():
        with st.expander(label(MODEL.page.lookup.title), icon=":material/menu_book:"):
            lookup()
