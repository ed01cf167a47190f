"""Dashboard page of the city network (城市网络): the gravity network of a dataset, its strongest
links on a map and the cities by relative connectivity with their centralities."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citynexus.i18n import t
from citynexus.web.pages import _dataset_choice, _error_page, _fig, _geojson, lang_of, picker, render

router = APIRouter(include_in_schema=False)

NAV_ITEMS = [{"key": "network", "href": "/network", "label": "nav_network"}]


def _int(value: str | None, what: str, default: int | None) -> int | None:
    from citynexus.errors import CityNexusError

    if value in (None, ""):
        return default
    if not value.lstrip("-").isdigit():
        raise CityNexusError(f"{what} '{value}' is not a whole number")
    return int(value)


@router.get("/network", response_class=HTMLResponse)
def network_page(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.report import figures as figs
    from citynexus.services.network import gravity_view

    lang = lang_of(request)
    q = request.query_params
    try:
        name, ds = _dataset_choice(request)
        period = _int(q.get("period"), "period", None)
        threshold = q.get("threshold", "mean") or "mean"
        k = _int(q.get("k"), "k", 3)
        v = gravity_view(ds, period, threshold, k)
    except CityNexusError as err:
        return _error_page(request, err)
    name_col = "name_zh" if lang == "zh" else "name"
    table = v.table
    map_links = v.kept if len(v.kept) else v.result.links.head(30)
    rel = table["relative_gnc"]
    figures = {
        "fig-network-map": _fig(
            figs.network_figure(
                map_links,
                ds.units,
                rel,
                f"{t('net_map_title', lang)} ({v.period})",
                lang,
                top=max(len(map_links), 1),
                geojson=_geojson(ds),
            )
        ),
        "fig-network-bars": _fig(
            figs.bars_figure(
                rel.set_axis(table[name_col].tolist()),
                f"{t('net_relative', lang)} ({v.period})",
                y_title=t("net_relative", lang),
            )
        ),
    }
    rows = [
        {
            "code": c,
            "name": r[name_col],
            "rank": int(r["rank"]),
            "relative": float(r["relative_gnc"]),
            "gnc": float(r["gnc"]),
            "degree": int(r["degree"]),
            "strength": float(r["strength"]),
            "betweenness": float(r["betweenness"]),
            "closeness": float(r["closeness"]),
            "position": r.get("position") if isinstance(r.get("position"), str) else None,
            "community": None if r.get("community") != r.get("community") else r.get("community"),
        }
        for c, r in table.iterrows()
    ]
    names = dict(zip(table.index, table[name_col]))
    links = [
        {"a": names.get(a, a), "b": names.get(b, b), "r": float(r)}
        for a, b, r in v.kept[["a", "b", "r"]].head(20).itertuples(False)
    ]
    s = v.summary
    return render(
        request,
        "network.html",
        "network",
        "nav_network",
        **picker(request, name, ds),
        period=v.period,
        threshold=v.threshold,
        k=v.k,
        figures=figures,
        rows=rows,
        links=links,
        summary=s,
        core=[names.get(c, c) for c in s.get("core", [])],
    )
