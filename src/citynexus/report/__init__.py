"""Figures (plotly) shared by the HTML report and the dashboard, and the report builder."""
