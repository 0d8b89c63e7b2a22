"""Sales dashboard: SQL query store, cached data layer and Streamlit UI."""
