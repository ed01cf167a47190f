"""The dashboard: server-rendered Jinja2 pages, small hand-written JavaScript, plotly figures.

No front-end build step; plotly's JavaScript is served from the installed Python package.
Core pages live in :mod:`citynexus.web.pages`; each further area adds a module
``citynexus.web.pages_<area>`` exposing ``router`` (an APIRouter) and ``NAV_ITEMS`` (entries
``{"key", "href", "label"}`` appended to the navigation; ``label`` is a key of
:mod:`citynexus.i18n`).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from fastapi import FastAPI

HERE = Path(__file__).parent

#: Areas whose page modules join the dashboard when present.
AREAS = ("network", "hub", "cases", "ledger", "admin", "agree", "centres", "watch", "compare")


def mount(app: FastAPI) -> None:
    """Attach static files and the dashboard pages to ``app``."""
    from citynexus.web.pages import NAV, router, static_router

    app.include_router(static_router)
    app.include_router(router)
    for area in AREAS:
        name = f"citynexus.web.pages_{area}"
        if importlib.util.find_spec(name) is None:
            continue
        mod = importlib.import_module(name)
        app.include_router(mod.router)
        for item in mod.NAV_ITEMS:
            if all(n["key"] != item["key"] for n in NAV):
                NAV.insert(len(NAV) - 1, item)  # before "Data"
