"""The dashboard: server-rendered Jinja2 pages, small hand-written JavaScript, plotly figures.

No front-end build step; plotly's JavaScript is served from the installed Python package.
Pages register themselves in :data:`NAV` so that other areas (hub, ledger, network) can join
the navigation.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

HERE = Path(__file__).parent


def mount(app: FastAPI) -> None:
    """Attach static files and the dashboard pages to ``app``."""
    from citynexus.web.pages import router, static_router

    app.include_router(static_router)
    app.include_router(router)
