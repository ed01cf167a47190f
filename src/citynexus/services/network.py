"""The gravity network of a dataset's cities as every face shows it (cached views).

The network is :func:`citynexus.network.gravity` (classic model: GDP as mass, population as
size, great-circle distances from the units' coordinates); its structure (degree, strength,
closeness, betweenness, core–periphery, communities) comes from
:func:`citynexus.network.structure` after thresholding the links (mean link value or each
city's top ``k`` links), because an unthresholded gravity network is complete.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from citynexus.data import Dataset
from citynexus.network import GravityResult, NetworkInputError, gravity, structure, threshold_links
from citynexus.services.cache import LRU
from citynexus.services.index import digest_of

THRESHOLDS = ("mean", "top_k", "none")
Threshold = Literal["mean", "top_k", "none"]


@dataclass
class GravityView:
    """A dataset's gravity network with its thresholded structure, ready for a page or JSON."""

    dataset: Dataset
    period: int
    result: GravityResult
    table: pd.DataFrame  # one row per city, sorted by relative connectivity
    kept: pd.DataFrame  # thresholded links a, b, r
    summary: dict[str, Any]
    threshold: str
    k: int


_views = LRU(32)


def gravity_view(
    ds: Dataset, period: int | None = None, threshold: str = "mean", k: int = 3, beta: float | None = None
) -> GravityView:
    """Gravity network of ``ds`` in ``period`` (default: latest) and its structure after
    thresholding (cached by the dataset's content digest and the parameters)."""
    if threshold not in THRESHOLDS:
        raise NetworkInputError(f"threshold must be one of {', '.join(THRESHOLDS)}, not {threshold!r}")
    if period is not None and period not in ds.periods:
        raise NetworkInputError(f"period {period} has no data in {ds.name!r}; periods present: {ds.periods}")
    if k < 1:
        raise NetworkInputError(f"k must be at least 1, got {k}")
    period = period or ds.periods[-1]
    key = (digest_of(ds), period, threshold, k if threshold == "top_k" else 0, beta)
    return _views.get(key, lambda: _build(ds, period, threshold, k, beta))


def _build(ds: Dataset, period: int, threshold: str, k: int, beta: float | None) -> GravityView:
    dens = ds.codes("denominator")
    if "gdp" not in dens:
        raise NetworkInputError(
            f"dataset {ds.name!r} has no 'gdp' denominator: the gravity network uses GDP as the cities' mass "
            "(add a denominator row with code gdp to indicators.csv)"
        )
    units = ds.units.set_index("code")
    if units[["lat", "lon"]].isna().any().any():
        missing = units.index[units[["lat", "lon"]].isna().any(axis=1)].tolist()
        raise NetworkInputError(
            f"dataset {ds.name!r}: units {', '.join(map(str, missing[:5]))} have no lat/lon; great-circle distances "
            "need coordinates for every unit (fill the lat and lon columns of units.csv)"
        )
    tab = ds.table(period, codes=[c for c in ("gdp", "population") if c in dens], include_denominators=True)
    if tab["gdp"].isna().any():
        miss = tab.index[tab["gdp"].isna()].tolist()
        raise NetworkInputError(f"gdp is missing in {period} for {', '.join(map(str, miss[:5]))}")
    pop = tab["population"] if "population" in tab.columns and tab["population"].notna().all() else None
    res = gravity(
        tab["gdp"],
        population=pop,
        coords=units[["lat", "lon"]],
        beta=beta,
        node_data=units[["name", "name_zh"]],
    )
    method = "top_k" if threshold == "top_k" else threshold
    table, summary = structure(res, method, k=k if method == "top_k" else None)
    kept = threshold_links(res.links, method, k=k if method == "top_k" else None)
    out = pd.DataFrame(
        {
            "name": units["name"].reindex(res.gnc.index),
            "name_zh": units["name_zh"].reindex(res.gnc.index),
            "gnc": res.gnc,
            "relative_gnc": res.relative_gnc,
        }
    ).join(table)
    out = out.sort_values("relative_gnc", ascending=False, kind="stable")
    out.insert(0, "rank", range(1, len(out) + 1))
    out.index.name = "city"
    summary = {**summary, "beta": res.meta.get("beta"), "distance": res.meta.get("distance")}
    return GravityView(ds, period, res, out, kept, summary, threshold, k)


def _clean(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def view_json(v: GravityView) -> dict[str, Any]:
    """The JSON body of :func:`gravity` for a view."""
    nodes = [{"city": c, **{k: _clean(x) for k, x in r.items()}} for c, r in v.table.iterrows()]
    return {
        "dataset": v.dataset.name,
        "period": v.period,
        "synthetic": bool(v.dataset.synthetic),
        "model": v.result.model,
        "mass": "gdp",
        "size": "sqrt(gdp * population)" if "population" in v.result.node_data.columns else "gdp",
        "threshold": v.threshold,
        "k": v.k if v.threshold == "top_k" else None,
        "summary": {k: _clean(x) for k, x in v.summary.items()},
        "nodes": nodes,
        "links": [{"a": a, "b": b, "r": float(r)} for a, b, r in v.result.links[["a", "b", "r"]].itertuples(False)],
        "kept_links": [{"a": a, "b": b, "r": float(r)} for a, b, r in v.kept[["a", "b", "r"]].itertuples(False)],
    }
