"""Centre performance per year and a composite performance index (服务中心绩效评价).

Indicators of centre ``c`` in year ``y``, from its service records (verified ones only for the
counts that funding also uses):

- ``distinct_smes``: SMEs with a confirmed, verified service; ``confirmed_services``: such
  (SME, period) units (repeats of one SME in a period count once, as in funding);
- ``mean_rating``: mean SME rating (1-5) of those services; ``outcome_rate``: share with an
  outcome (technology adopted, certification passed, cost saved);
- ``response_hours``: median hours from request to acceptance (every accepted record;
  direction −1, lower is better);
- ``repeat_use``: share of the year's SMEs that came back (≥ 2 records in the year);
- ``referrals_given``: records of other centres that name ``c`` in ``referred_from``;
  ``referrals_taken``: records of ``c`` that came by referral.

The index is built by :func:`citynexus.evaluate.build` with the spec shipped in
``specs/performance.toml`` (pillars quantity, quality, service, network; min-max 0-100, equal
weights, arithmetic means); rank uncertainty comes from
:func:`citynexus.evaluate.robustness.uncertainty` with the spec's ``[robustness]`` factors
(pillar weight noise and the normalisation method), as for the city indices (docs/robustness.md).

The referral network (who passes work to whom) is returned as links ``a, b, r`` (``r`` =
referrals from ``a`` to ``b``), the input format of :mod:`citynexus.network.structure`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from importlib import resources
from itertools import combinations
from typing import Any

import pandas as pd

from citynexus.centres.models import Centre

PILLARS: dict[str, tuple[str, str, list[tuple[str, str, str, int]]]] = {
    # pillar: (name, name_zh, [(indicator, name, name_zh, direction)])
    "QTY": (
        "Quantity",
        "服务数量",
        [
            ("distinct_smes", "Distinct SMEs served", "服务中小企业数", 1),
            ("confirmed_services", "Confirmed services", "确认服务数", 1),
        ],
    ),
    "QLT": (
        "Quality",
        "服务质量",
        [("mean_rating", "Mean rating", "平均评分", 1), ("outcome_rate", "Share with an outcome", "有成效服务占比", 1)],
    ),
    "SRV": (
        "Service",
        "服务响应",
        [
            ("response_hours", "Median response time (h)", "响应时间中位数(小时)", -1),
            ("repeat_use", "Repeat use", "复用率", 1),
        ],
    ),
    "NET": (
        "Network",
        "协同网络",
        [
            ("referrals_given", "Referrals given", "转介次数", 1),
            ("referrals_taken", "Referrals taken", "承接转介次数", 1),
        ],
    ),
}
INDICATORS = [i for _, _, inds in PILLARS.values() for i, *_ in inds]


def _hours(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    t0 = dt.datetime.fromisoformat(a.replace("Z", "+00:00"))
    t1 = dt.datetime.fromisoformat(b.replace("Z", "+00:00"))
    return (t1 - t0).total_seconds() / 3600


def performance_table(records: Sequence[dict[str, Any]], centres: Sequence[str], verified: set[str]) -> pd.DataFrame:
    """One row per (centre, year) with the indicators above; ``verified`` = ids of records whose
    delivery and confirmation verify on the ledger. Years are the first 4 characters of the period."""
    by: dict[tuple[str, int], list[dict]] = defaultdict(list)
    years = set()
    for r in records:
        y = int(str(r["period"])[:4])
        years.add(y)
        by[(r["centre"], y)].append(r)
    given: dict[tuple[str, int], int] = defaultdict(int)
    for r in records:
        if r.get("referred_from"):
            given[(r["referred_from"], int(str(r["period"])[:4]))] += 1
    rows = []
    for y in sorted(years):
        for c in centres:
            recs = by.get((c, y), [])
            ok = [
                r for r in recs if r["id"] in verified and r["status"] == "confirmed" and r["confirmed_by"] == r["sme"]
            ]
            units: dict[tuple[str, str], list[dict]] = defaultdict(list)
            for r in ok:
                units[(r["sme"], r["period"])].append(r)
            ratings = [sum(x["rating"] for x in u) / len(u) for u in units.values()]
            outcomes = [any(x["outcome"] for x in u) for u in units.values()]
            resp = [h for r in recs if (h := _hours(r["requested_at"], r["accepted_at"])) is not None]
            per_sme: dict[str, int] = defaultdict(int)
            for r in recs:
                per_sme[r["sme"]] += 1
            rows.append(
                {
                    "centre": c,
                    "year": y,
                    "distinct_smes": len({s for s, _ in units}),
                    "confirmed_services": len(units),
                    "mean_rating": sum(ratings) / len(ratings) if ratings else None,
                    "outcome_rate": sum(outcomes) / len(outcomes) if outcomes else None,
                    "response_hours": statistics.median(resp) if resp else None,
                    "repeat_use": sum(1 for n in per_sme.values() if n >= 2) / len(per_sme) if per_sme else None,
                    "referrals_given": given.get((c, y), 0),
                    "referrals_taken": sum(1 for r in recs if r.get("referred_from")),
                }
            )
    return pd.DataFrame(rows, columns=["centre", "year", *INDICATORS])


def performance_dataset(table: pd.DataFrame, centres: Sequence[Centre]):
    """The table as a :class:`citynexus.data.Dataset` (units = centres, periods = years) with the
    four-pillar framework of this module under the index ``CPI``."""
    from citynexus.data import Dataset

    units = pd.DataFrame(
        {
            "code": [c.id for c in centres],
            "name": [c.name for c in centres],
            "name_zh": [c.name_zh or "" for c in centres],
        }
    )
    rows = [
        {
            "code": "CPI",
            "name": "Centre performance index",
            "name_zh": "服务中心绩效指数",
            "parent": "",
            "level": "3",
            "kind": "aggregate",
            "direction": "",
            "weight": 1.0,
        }
    ]
    for p, (name, name_zh, inds) in PILLARS.items():
        rows.append(
            {
                "code": p,
                "name": name,
                "name_zh": name_zh,
                "parent": "CPI",
                "level": "2",
                "kind": "aggregate",
                "direction": "",
                "weight": 1.0,
            }
        )
        for code, iname, iname_zh, d in inds:
            rows.append(
                {
                    "code": code,
                    "name": iname,
                    "name_zh": iname_zh,
                    "parent": p,
                    "level": "1",
                    "kind": "indicator",
                    "direction": str(d),
                    "weight": 1.0,
                }
            )
    long = table.melt(id_vars=["centre", "year"], value_vars=INDICATORS, var_name="indicator").dropna()
    long = long.rename(columns={"centre": "unit", "year": "period"})
    return Dataset.from_frames(
        units, pd.DataFrame(rows), long[["unit", "period", "indicator", "value"]], name="centre performance"
    )


def spec_path() -> str:
    return str(resources.files("citynexus.centres").joinpath("specs/performance.toml"))


def performance_index(dataset, year: int, samples: int | None = None, seed: int | None = None) -> dict[str, Any]:
    """Scores and ranks of the index in ``year`` and their uncertainty (5-95% rank interval)."""
    from citynexus.evaluate import build
    from citynexus.evaluate.robustness import read_spec, uncertainty

    spec, cfg = read_spec(spec_path())
    result = build(dataset, spec, period=year)
    scores = result.scores if hasattr(result, "scores") else None
    ranking = result.ranking()
    u = uncertainty(
        dataset,
        spec,
        cfg.factors,
        n=samples or cfg.samples,
        seed=cfg.seed if seed is None else seed,
        period=year,
        top_k=[3],
    )
    summ = u.summary
    return {"ranking": ranking, "uncertainty": summ, "scores": scores, "spec": spec}


def referral_links(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Directed links ``a -> b`` with ``r`` = number of records of ``b`` referred by ``a``."""
    cnt: dict[tuple[str, str], int] = defaultdict(int)
    for r in records:
        if r.get("referred_from") and r["referred_from"] != r["centre"]:
            cnt[(r["referred_from"], r["centre"])] += 1
    return pd.DataFrame([{"a": a, "b": b, "r": float(n)} for (a, b), n in sorted(cnt.items())], columns=["a", "b", "r"])


def field_gaps(links: pd.DataFrame, centres: Sequence[Centre]) -> list[dict[str, Any]]:
    """Pairs of fields with no referral between any of their centres (either direction): where
    cross-disciplinary cases do not flow. Fields of one centre are not compared with each other."""
    fields_of = {c.id: set(c.fields) for c in centres}
    all_fields = sorted({f for c in centres for f in c.fields})
    linked: set[frozenset[str]] = set()
    for a, b in zip(links["a"], links["b"]):
        for fa in fields_of.get(a, ()):
            for fb in fields_of.get(b, ()):
                if fa != fb:
                    linked.add(frozenset((fa, fb)))
    out = []
    for fa, fb in combinations(all_fields, 2):
        if frozenset((fa, fb)) not in linked:
            ca = sorted(c for c, fs in fields_of.items() if fa in fs)
            cb = sorted(c for c, fs in fields_of.items() if fb in fs)
            out.append({"fields": [fa, fb], "centres": [ca, cb]})
    return out
