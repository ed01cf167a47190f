"""Alembic migrations of the citynexus schema (``citynexus db upgrade``); see docs/deployment.md."""
