"""The dashboard: server-rendered Jinja2 pages, small hand-written JavaScript, plotly figures.

No front-end build step; plotly's JavaScript is served from the installed Python package.
Core pages live in :mod:`citynexus.web.pages`; each further area adds a module
``citynexus.web.pages_<area>`` exposing ``router`` (an APIRouter) and ``NAV_ITEMS`` (entries
``{"key", "href", "label"}`` appended to the navigation; ``label`` is a key of
:mod:`citynexus.i18n`; an optional ``"group"`` names its menu, else :data:`NAV_GROUPS` places it).

The navigation is the overview plus a few menus (:data:`NAV_GROUPS`), so that the top bar stays
one line at 1300 px however many areas join; on phones the menus stack in the collapsed menu.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from fastapi import FastAPI

HERE = Path(__file__).parent

#: The menus of the navigation: (key, label key, page keys in order). A page not listed here
#: and without a ``group`` of its own joins the last menu.
NAV_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("evaluate", "nav_group_evaluate", ("explorer", "city", "coordination", "compare", "network")),
    ("connect", "nav_group_connect", ("hub", "centres", "cases")),
    ("trust", "nav_group_trust", ("agree", "watch", "ledger")),
    ("data", "nav_group_data", ("data", "admin")),
)
#: Pages shown on the top bar itself, outside the menus.
NAV_TOP = ("overview",)


def nav_menus(items: list[dict]) -> tuple[list[dict], list[dict]]:
    """(entries on the bar, menus ``[{"key", "label", "items"}]``) of the navigation ``items``,
    each menu's pages in :data:`NAV_GROUPS` order, then any others in the order they came."""
    top = [i for i in items if i["key"] in NAV_TOP]
    order = {k: (g, n) for g, (_, _, keys) in enumerate(NAV_GROUPS) for n, k in enumerate(keys)}
    keys = [g[0] for g in NAV_GROUPS]
    menus = [{"key": k, "label": label, "items": []} for k, label, _ in NAV_GROUPS]
    rest = [i for i in items if i["key"] not in NAV_TOP]
    for n, item in enumerate(rest):
        g = keys.index(item["group"]) if item.get("group") in keys else order.get(item["key"], (len(keys) - 1, 0))[0]
        menus[g]["items"].append((order.get(item["key"], (g, 100 + n))[1], item))
    for m in menus:
        m["items"] = [i for _, i in sorted(m["items"], key=lambda x: x[0])]
    return top, [m for m in menus if m["items"]]


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
