"""Performance-linked funding of service centres (绩效挂钩资金分配).

**Counting (anti-gaming).** A service *unit* is one (centre, SME, period): repeated requests
of one SME to one centre in one period count once. A record counts only when

- it is confirmed by the SME (``confirmed`` true; with a ledger, also anchored and intact:
  :mod:`citynexus.centres.lifecycle`);
- it was not confirmed by the centre itself or anyone but the SME (``confirmed_by``, when
  given, must be the SME) — flagged ``self_confirmed``;
- the SME is not an affiliate of the centre (the centre's ``affiliates`` list, or the row's
  ``affiliated`` column) — flagged ``affiliate``.

For centre ``c`` the metrics over its counted units ``U_c`` are: ``distinct_smes`` (SMEs
with a counted unit), ``confirmed_services = |U_c|``, ``ratings = Σ_{u∈U_c} (r̄_u − 1)/4``
(rating points; ``r̄_u`` = mean rating of the unit's counted records, 1-5) and
``outcomes`` (units with a reported outcome). Every metric is monotone in both the number of
counted services and their ratings, so serving more SMEs, or serving them better, never
lowers a centre's performance points.

**Formula.** With budget ``B``, ``n`` centres, base share ``β`` and metric weights
``w_m = (1 − β) · q_g · s_m`` (group share ``q_g`` of quantity / quality, split ``s_m``):

``raw_c = β B / n + Σ_m w_m B · x_m(c) / Σ_d x_m(d)``

(a metric no centre scored on, or of weight 0, gives its money to the other metrics in proportion to their
weights; with no counted service at all everything is split equally). Floors and caps,
``F = φ B/n`` and ``C = κ B/n`` (``φ ≤ 1 ≤ κ``), are applied as ``a_c = min(C, max(F, λ raw_c))``
with the one scale ``λ`` that makes the amounts sum to ``B`` (a bounded, monotone rescaling).
Amounts are rounded to the cent by the largest-remainder (Hamilton) method, so they sum to
``B`` exactly: each gets ``⌊100 a_c⌋`` cents and the remaining cents go to the largest
fractional parts (ties by centre id).

References: Hamilton's method of apportionment (Balinski & Young 2001, *Fair Representation*);
performance-based funding formulas for public R&D and service institutions (Hicks 2012,
*Research Policy* 41(2), 251-261).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from citynexus.centres.errors import FundingError
from citynexus.centres.formula import METRICS, Formula
from citynexus.centres.funding_records import (
    OPTIONAL_COLUMNS,
    OUTCOMES,
    REQUIRED_COLUMNS,
    FundingRecord,
    parse_outcome,
    parse_records_csv,
    read_records_csv,
)

# re-exported: the formula and the records file have their own modules
__all__ = [
    "METRICS",
    "OPTIONAL_COLUMNS",
    "OUTCOMES",
    "REQUIRED_COLUMNS",
    "Formula",
    "FundingRecord",
    "parse_outcome",
    "parse_records_csv",
    "read_records_csv",
]

MAX_BUDGET = 10**15  # amounts stay exact in float cents (< 2**53)


# ----------------------------------------------------------------------------- counting
@dataclass
class Counted:
    """What counts for each centre after the anti-gaming rules, and every exclusion."""

    metrics: dict[str, dict[str, float]]
    excluded: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    units: dict[str, int] = field(default_factory=dict)


def count_records(
    records: Sequence[FundingRecord],
    centres: Iterable[str] = (),
    affiliates: dict[str, Iterable[str]] | None = None,
) -> Counted:
    """Apply the counting rules (module docstring) and compute each centre's metrics."""
    aff = {c: set(v) for c, v in (affiliates or {}).items()}
    ids = list(dict.fromkeys([*centres, *(r.centre for r in records)]))
    excluded: list[dict[str, Any]] = []
    units: dict[tuple[str, str, str], list[FundingRecord]] = defaultdict(list)
    for r in records:
        reason = None
        if r.confirmed_by is not None and r.confirmed_by == r.centre:
            reason = ("self_confirmed", f"confirmed by the centre {r.centre} itself, not by the SME")
        elif r.confirmed_by is not None and r.confirmed_by != r.sme:
            reason = ("self_confirmed", f"confirmed by {r.confirmed_by}, not by the SME {r.sme}")
        elif r.affiliated or r.sme in aff.get(r.centre, set()):
            reason = ("affiliate", f"SME {r.sme} is an affiliate of {r.centre}")
        elif not r.confirmed:
            reason = ("unconfirmed", "not confirmed by the SME")
        elif not r.verified:
            reason = ("unverified", "no intact ledger entry for the delivery and confirmation")
        if reason:
            excluded.append(
                {
                    "row": r.row,
                    "centre": r.centre,
                    "sme": r.sme,
                    "period": r.period,
                    "rule": reason[0],
                    "detail": reason[1],
                    "flagged": reason[0] in ("self_confirmed", "affiliate"),
                }
            )
            continue
        units[(r.centre, r.sme, r.period)].append(r)
    metrics = {c: dict.fromkeys(METRICS, 0.0) for c in ids}
    smes: dict[str, set[str]] = defaultdict(set)
    duplicates = []
    n_units: dict[str, int] = defaultdict(int)
    for key in sorted(units):
        c, sme, period = key
        recs = units[key]
        if len(recs) > 1:
            duplicates.append(
                {"centre": c, "sme": sme, "period": period, "rows": [r.row for r in recs], "counted_as": 1}
            )
        m = metrics[c]
        m["confirmed_services"] += 1
        n_units[c] += 1
        smes[c].add(sme)
        rbar = sum(r.rating for r in recs) / len(recs)
        m["ratings"] += (rbar - 1) / 4
        if any(r.outcome for r in recs):
            m["outcomes"] += 1
    for c in ids:
        metrics[c]["distinct_smes"] = float(len(smes[c]))
    return Counted(metrics, excluded, duplicates, dict(n_units))


# ----------------------------------------------------------------------------- allocation
def _to_cents(budget: float | str | Decimal) -> int:
    try:
        d = Decimal(str(budget))
    except InvalidOperation as err:
        raise FundingError(f"budget {budget!r} is not a number; write e.g. 1000000 or 1000000.50") from err
    if not d.is_finite() or d < 0:
        raise FundingError(f"budget must be a non-negative amount, got {budget!r}")
    if d > MAX_BUDGET:
        raise FundingError(f"budget {budget!r} is above {MAX_BUDGET:,}; give the amount in a larger unit")
    cents = d * 100
    if cents != cents.to_integral_value():
        raise FundingError(f"budget {budget!r} has more than 2 decimals; give it to the cent")
    return int(cents.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def largest_remainder(amounts: dict[str, float], total_cents: int) -> dict[str, int]:
    """Round ``amounts`` (in currency units, summing to ``total_cents / 100`` up to float error)
    to whole cents summing to ``total_cents`` exactly (Hamilton's method; ties by id)."""
    exact = {k: max(0.0, v) * 100 for k, v in amounts.items()}
    s = sum(exact.values())
    if s > 0:
        exact = {k: v * total_cents / s for k, v in exact.items()}
    base = {k: math.floor(v) for k, v in exact.items()}
    left = total_cents - sum(base.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - base[k]), k))
    for k in order[: max(0, left)]:
        base[k] += 1
    return base


def clamp(raw: dict[str, float], budget: float, floor: float, cap: float) -> tuple[dict[str, float], dict[str, str]]:
    """Floors and caps: ``a_c = min(C, max(F, λ raw_c))`` with the one ``λ ≥ 0`` for which the
    amounts sum to the budget (the left side is continuous and non-decreasing in ``λ``; found by
    bisection, then the centres strictly between the bounds share the rest exactly in proportion
    to ``raw``). Feasible whenever ``n F ≤ B ≤ n C``. Returns amounts and which bound bit."""
    ids = list(raw)
    n = len(ids)
    if n == 0:
        return {}, {}
    if sum(raw.values()) <= 0:
        return dict.fromkeys(ids, budget / n), {}

    def total(lam: float) -> float:
        return sum(min(cap, max(floor, lam * raw[c])) for c in ids)

    lo, hi = 0.0, 1.0
    while total(hi) < budget and hi < 1e300:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if total(mid) < budget:
            lo = mid
        else:
            hi = mid
    lam = (lo + hi) / 2
    bound: dict[str, str] = {}
    out: dict[str, float] = {}
    eps = 1e-12 * max(1.0, budget)
    for c in ids:
        v = lam * raw[c]
        if v >= cap - eps:
            out[c], bound[c] = cap, "cap"
        elif v <= floor + eps:
            out[c], bound[c] = floor, "floor"
    free = [c for c in ids if c not in out]
    rest = budget - sum(out.values())
    if not free and rest > eps:
        # the centres with a share are all capped and the others hold nothing to scale: the rest
        # goes to the uncapped centres in equal parts (all at the floor, so each stays under the
        # cap whenever n F <= B <= n C)
        room = [c for c in ids if bound[c] != "cap"]
        for c in room:
            out[c] += rest / len(room)
            bound[c] = "remainder"
        return {c: out[c] for c in ids}, bound
    s_free = sum(raw[c] for c in free)
    for c in free:
        out[c] = rest * raw[c] / s_free if s_free > 0 else rest / len(free)
    return {c: out[c] for c in ids}, bound


def raw_amounts(metrics: dict[str, dict[str, float]], budget: float, formula: Formula) -> dict[str, dict[str, float]]:
    """Before floors and caps: each centre's base grant and money per metric."""
    ids = list(metrics)
    n = len(ids)
    w = formula.weights()
    totals = {m: sum(metrics[c][m] for c in ids) for m in METRICS}
    live = {m: w[m] for m in METRICS if totals[m] > 0 and w[m] > 0}
    perf_money = budget * (1 - formula.base_share)
    base_money = budget * formula.base_share
    if not live:
        base_money, perf_money = budget, 0.0
    wsum = sum(live.values())
    out = {}
    for c in ids:
        parts = {"base": base_money / n}
        for m in METRICS:
            parts[m] = perf_money * live[m] / wsum * metrics[c][m] / totals[m] if m in live else 0.0
        out[c] = parts
    return out


def _amounts(
    metrics: dict[str, dict[str, float]], budget: float, formula: Formula
) -> tuple[dict[str, dict[str, float]], dict[str, float], dict[str, float], dict[str, str]]:
    """(parts, raw, final, bound): each centre's money per part (:func:`raw_amounts`), their sum
    ``raw_c``, the amount after floors and caps (:func:`clamp` with ``F = φ B/n``, ``C = κ B/n``)
    and which bound bit."""
    parts = raw_amounts(metrics, budget, formula)
    raw = {c: sum(p.values()) for c, p in parts.items()}
    grant = budget / len(metrics)
    final, bound = clamp(raw, budget, formula.floor_multiple * grant, formula.cap_multiple * grant)
    return parts, raw, final, bound


@dataclass
class Allocation:
    """The funding of one budget under one formula: one row per centre, the exclusions."""

    budget: str
    formula: Formula
    rows: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    duplicates: list[dict[str, Any]]

    def amounts(self) -> dict[str, float]:
        return {r["centre"]: r["amount"] for r in self.rows}

    def to_json(self) -> dict[str, Any]:
        return {
            "budget": float(Decimal(self.budget)),
            "formula": self.formula.to_toml_dict(),
            "allocations": self.rows,
            "excluded": self.excluded,
            "duplicates": self.duplicates,
            "summary": {
                "centres": len(self.rows),
                "counted_services": int(sum(r["metrics"]["confirmed_services"] for r in self.rows)),
                "excluded_records": len(self.excluded),
                "flagged_records": sum(1 for e in self.excluded if e["flagged"]),
                "sum": round(sum(r["cents"] for r in self.rows) / 100, 2),
            },
        }


def allocate(
    records: Sequence[FundingRecord],
    budget: float | str | Decimal,
    formula: Formula | None = None,
    centres: Iterable[str] = (),
    affiliates: dict[str, Iterable[str]] | None = None,
) -> Allocation:
    """Allocate ``budget`` over the centres of ``records`` (and ``centres``) with ``formula``
    (default: :meth:`Formula.default`); amounts sum to the budget to the cent."""
    formula = formula or Formula.default()
    cents = _to_cents(budget)
    counted = count_records(records, centres, affiliates)
    if not counted.metrics:
        raise FundingError("no centres to fund: the records name no centre")
    b = cents / 100
    n = len(counted.metrics)
    parts, raw, final, bound = _amounts(counted.metrics, b, formula)
    grant = b / n
    rounded = largest_remainder(final, cents)
    totals = {m: sum(counted.metrics[c][m] for c in counted.metrics) for m in METRICS}
    excluded_by: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in counted.excluded:
        excluded_by[e["centre"]][e["rule"]] += 1
    rows = []
    for c in counted.metrics:
        m = counted.metrics[c]
        amount = rounded[c] / 100
        expl = [f"base {formula.base_share:.0%} of the budget / {n} centres = {parts[c]['base']:,.2f}"]
        for k in METRICS:
            if parts[c][k] > 0:
                expl.append(f"{k.replace('_', ' ')} {m[k]:g} of {totals[k]:g} -> {parts[c][k]:,.2f}")
        if bound.get(c) == "cap":
            expl.append(f"capped at {formula.cap_multiple:g} x the equal grant ({final[c]:,.2f})")
        elif bound.get(c) == "floor":
            expl.append(f"raised to the floor {formula.floor_multiple:g} x the equal grant ({final[c]:,.2f})")
        elif bound.get(c) == "remainder":
            expl.append(f"an equal part of what the capped centres could not take ({final[c]:,.2f})")
        elif abs(final[c] - raw[c]) > 0.005:
            expl.append(f"rescaled after caps/floors of others ({raw[c]:,.2f} -> {final[c]:,.2f})")
        by_rule = excluded_by.get(c)
        if by_rule:
            expl.append("not counted: " + ", ".join(f"{v} {k}" for k, v in sorted(by_rule.items())))
        rows.append(
            {
                "centre": c,
                "amount": amount,
                "cents": rounded[c],
                "fixed_grant": round(grant, 2),
                "vs_fixed_grant": round(amount - grant, 2),
                "metrics": {k: round(v, 6) for k, v in m.items()},
                "parts": {k: round(v, 2) for k, v in parts[c].items()},
                "bound": bound.get(c),
                "explanation": "; ".join(expl),
            }
        )
    rows.sort(key=lambda r: (-r["cents"], r["centre"]))
    return Allocation(str(Decimal(cents) / 100), formula, rows, counted.excluded, counted.duplicates)


def fixed_grant(centres: Sequence[str], budget: float | str | Decimal) -> dict[str, int]:
    """The baseline: the budget split equally (largest remainder to the cent), in cents."""
    cents = _to_cents(budget)
    return largest_remainder(dict.fromkeys(centres, 1.0), cents)


def marginal_reward(
    records: Sequence[FundingRecord], budget: float | str | Decimal, formula: Formula | None = None, **kw
) -> dict[str, float]:
    """What one more confirmed service to a new SME (rating 5, with an outcome) would add to each
    centre's amount — the incentive the formula gives; a fixed grant gives 0 for every centre."""
    base = allocate(records, budget, formula, **kw).amounts()
    period = max((r.period for r in records), default="p")
    out = {}
    for c in base:
        extra = FundingRecord(c, f"~new-sme-{c}", period, True, 5.0, None, "technology_adopted", False, 0)
        out[c] = round(allocate([*records, extra], budget, formula, **kw).amounts()[c] - base[c], 2)
    return out


def compare(
    records: Sequence[FundingRecord], budget: float | str | Decimal, a: Formula, b: Formula, **kw
) -> list[dict[str, Any]]:
    """Scenario comparison: each centre's amount under formulas ``a`` and ``b`` and the fixed grant."""
    ra, rb = allocate(records, budget, a, **kw).amounts(), allocate(records, budget, b, **kw).amounts()
    fixed = fixed_grant(list(ra), budget)
    return [
        {
            "centre": c,
            a.name: ra[c],
            b.name: rb[c],
            "difference": round(rb[c] - ra[c], 2),
            "fixed_grant": fixed[c] / 100,
        }
        for c in sorted(ra, key=lambda c: -ra[c])
    ]


SENSITIVE = ("base_share", "quantity", "distinct_smes", "ratings")


def sensitivity(
    records: Sequence[FundingRecord],
    budget: float | str | Decimal,
    formula: Formula | None = None,
    spread: float = 0.5,
    n: int = 64,
    seed: int = 0,
    **kw,
) -> dict[str, Any]:
    """How each centre's amount depends on the formula's weights: Sobol first-order and total
    indices (Saltelli design and estimators of :mod:`citynexus.evaluate.robustness`).

    Factors: ``base_share``, ``quantity`` (its complement is ``quality``), ``distinct_smes``
    (complement ``confirmed_services``) and ``ratings`` (complement ``outcomes``), each uniform on
    ``[v (1 − spread), min(1, v (1 + spread))]`` around the formula's value ``v``. Returns per centre
    the nominal amount, the 5th-95th percentile range over the design and the indices."""
    import numpy as np

    from citynexus.evaluate.robustness.factors import ContinuousFactor
    from citynexus.evaluate.robustness.sample import saltelli_sample
    from citynexus.evaluate.robustness.sensitivity import sobol_indices

    formula = formula or Formula.default()
    factors = []
    for name in SENSITIVE:
        v = getattr(formula, name)
        factors.append(
            ContinuousFactor(name=name, path=f"funding.{name}", low=v * (1 - spread), high=min(1.0, v * (1 + spread)))
        )
    X = saltelli_sample(factors, n, seed=seed)
    counted = count_records(records, kw.get("centres", ()), kw.get("affiliates"))
    ids = list(counted.metrics)
    cents = _to_cents(budget)
    b = cents / 100
    Y = np.zeros((len(X), len(ids)))
    for i, x in enumerate(X):
        d = dict(zip(SENSITIVE, x))
        f = Formula(
            name="sample",
            base_share=d["base_share"],
            quantity=d["quantity"],
            quality=1 - d["quantity"],
            distinct_smes=d["distinct_smes"],
            confirmed_services=1 - d["distinct_smes"],
            ratings=d["ratings"],
            outcomes=1 - d["ratings"],
            floor_multiple=formula.floor_multiple,
            cap_multiple=formula.cap_multiple,
        )
        final = _amounts(counted.metrics, b, f)[2]
        Y[i] = [final[c] for c in ids]
    nominal = allocate(records, budget, formula, **kw).amounts()
    out = []
    for j, c in enumerate(ids):
        idx = sobol_indices(Y[:, j], list(SENSITIVE), num_resamples=200, seed=seed)
        out.append(
            {
                "centre": c,
                "nominal": nominal[c],
                "p05": round(float(np.percentile(Y[:, j], 5)), 2),
                "p95": round(float(np.percentile(Y[:, j], 95)), 2),
                "S1": {k: round(float(v), 4) for k, v in zip(idx["factor"], idx["S1"])},
                "ST": {k: round(float(v), 4) for k, v in zip(idx["factor"], idx["ST"])},
            }
        )
    return {"factors": [asdict(f) | {"kind": f.kind} for f in factors], "samples": len(X), "centres": out}
