"""Performance of the centres (服务绩效): per-year indicators, the composite performance index
with its rank uncertainty (:mod:`citynexus.centres.performance`), the referral network and the
map of centres with the SMEs each served."""

from __future__ import annotations

from typing import Any

from citynexus.services.cache import LRU
from citynexus.services.centres.state import Network, _stored, network

_perf_cache = LRU(8)


def performance_report(db, year: int | None = None, samples: int | None = None) -> dict[str, Any]:
    """Per-year indicators of every stored centre, the composite performance index of ``year``
    (default: the latest) with its rank uncertainty, and the referral network analysed by
    :mod:`citynexus.network.structure` (centralities) with the gaps between fields."""
    from citynexus.centres.errors import CentresError

    net = _stored(db)
    if not net.centres:
        raise CentresError("no centres stored; run `citynexus centres import CENTRES.jsonl` (or `import demo`) first")
    return _performance(net, year, samples)


def _performance(net: Network, year: int | None = None, samples: int | None = None) -> dict[str, Any]:
    import math

    from citynexus.centres import performance as pf
    from citynexus.centres.errors import CentresError

    centres, records = net.centres, net.records
    table = pf.performance_table(records, [c.id for c in centres], net.verified)
    if table.empty:
        raise CentresError("no service records stored yet; open and confirm records with `citynexus centres record`")
    years = sorted(table["year"].unique())
    year = int(year or years[-1])
    if year not in years:
        raise CentresError(f"no records in {year}; years with records: {', '.join(map(str, years))}")
    ds = pf.performance_dataset(table, centres)
    idx = pf.performance_index(ds, year, samples=samples)
    ranking = idx["ranking"]
    unc = idx["uncertainty"]

    def clean(v):
        if isinstance(v, float) and math.isnan(v):
            return None
        return v.item() if hasattr(v, "item") else v

    index_rows = []
    summ = unc.set_index(unc.columns[0]) if unc.columns[0] != "unit" else unc.set_index("unit")
    rk = ranking.reset_index()
    for _, row in rk.iterrows():
        unit = row.iloc[0]
        u = summ.loc[unit] if unit in summ.index else None
        index_rows.append(
            {
                "centre": unit,
                "score": clean(row.get("score")),
                "rank": clean(row.get("rank")),
                "rank_q05": clean(u.get("q05")) if u is not None else None,
                "rank_q95": clean(u.get("q95")) if u is not None else None,
                "rank_median": clean(u.get("median_rank")) if u is not None else None,
            }
        )
    links = pf.referral_links([r for r in records if int(str(r["period"])[:4]) == year])
    network: dict[str, Any] = {
        "links": links.to_dict("records"),
        "centrality": [],
        "gaps": pf.field_gaps(links, centres),
    }
    if len(links):
        from citynexus.network.structure import centrality, to_graph

        cen = centrality(to_graph(links, directed=True, nodes=[c.id for c in centres]))
        network["centrality"] = [{"centre": k, **{c: clean(v) for c, v in r.items()}} for k, r in cen.iterrows()]
    per_year = [{k: clean(v) for k, v in r.items()} for r in table.to_dict("records")]
    return {
        "year": year,
        "years": [int(y) for y in years],
        "synthetic": net.synthetic,
        "indicators": per_year,
        "index": index_rows,
        "network": network,
    }


def performance(db, year: int | None = None, samples: int | None = None) -> dict[str, Any]:
    """The performance report of the stored network or the synthetic demo (cached per state)."""
    net = network(db)
    return _perf_cache.get((net.digest, year, samples), lambda: _performance(net, year, samples))


def network_map(db, year: int | None = None) -> dict[str, Any]:
    """Centres placed at their cities (coordinates of the hub's city table) with the distinct
    SMEs each served in ``year`` (default: the latest; SME-confirmed, verified records), and the
    referral links between centres (who passed work to whom) of that year."""
    from citynexus.centres import performance as pf
    from citynexus.hub import cities as hc

    net = network(db)
    table = pf.performance_table(net.records, [c.id for c in net.centres], net.verified)
    years = sorted(int(y) for y in table["year"].unique()) if len(table) else []
    year = int(year or (years[-1] if years else 0))
    served = {r["centre"]: int(r["distinct_smes"]) for r in table.to_dict("records") if r["year"] == year}
    city = hc.cities()
    nodes = []
    for c in net.centres:
        cc = city.get(c.city)
        nodes.append(
            {
                "id": c.id,
                "name": c.name,
                "name_zh": c.name_zh or c.name,
                "city": c.city,
                "city_name": cc.name if cc else c.city,
                "city_name_zh": cc.name_zh if cc else c.city,
                "lat": cc.lat if cc else None,
                "lon": cc.lon if cc else None,
                "fields": list(c.fields),
                "smes": served.get(c.id, 0),
            }
        )
    links = pf.referral_links([r for r in net.records if int(str(r["period"])[:4]) == year])
    used = {c.city for c in net.centres}
    cities = [
        {"code": k, "name": v.name, "name_zh": v.name_zh, "lat": v.lat, "lon": v.lon, "has_centre": k in used}
        for k, v in city.items()
    ]
    return {
        "synthetic": net.synthetic,
        "year": year,
        "years": years,
        "nodes": nodes,
        "links": [{"from": a, "to": b, "n": int(n)} for a, b, n in links[["a", "b", "r"]].itertuples(False)],
        "cities": cities,
    }
