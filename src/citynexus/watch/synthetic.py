"""Synthetic labelled series (SYNTHETIC: generated, not real data) for tests, benchmarks and the demo.

Each generator returns ``(values, changepoints)`` where ``changepoints`` are the true 0-based
positions at which a new segment starts. Scales mimic what partners report: counts (Poisson),
money (large, log-normal noise), rates (between 0 and 1).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LabelledSeries", "labelled_suite"]


@dataclass
class LabelledSeries:
    """One labelled series: name, kind (what was planted), values, true change points, source."""

    name: str
    kind: str
    values: np.ndarray
    annotations: dict[str, list[int]]
    source: str = "synthetic (citynexus.watch.synthetic, seeded)"


def _scale(kind: str, base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Map a unit-noise signal to a reporting scale."""
    if kind == "count":
        return rng.poisson(np.clip(20 + 4 * base, 0.5, None)).astype(float)
    if kind == "money":
        return np.round(1.0e6 * (1 + 0.05 * base), 2)
    return np.clip(0.6 + 0.03 * base, 0, 1)


def _cuts(n: int, k: int, rng: np.random.Generator, min_gap: int) -> list[int]:
    for _ in range(200):
        c = sorted(rng.choice(np.arange(min_gap, n - min_gap), size=k, replace=False).tolist())
        if all(b - a >= min_gap for a, b in itertools.pairwise(c)):
            return [int(v) for v in c]
    return [n // 2]


def labelled_suite(seed: int = 0, lengths: tuple[int, ...] = (15, 30, 60, 120, 250, 800)) -> list[LabelledSeries]:
    """A suite of synthetic labelled series: for each length and each of the scales count, money and
    rate, one series of each kind — ``level`` (level shifts), ``trend`` (a change of slope),
    ``variance`` (a change of noise level), ``seasonal`` (monthly seasonality plus one level shift),
    ``outliers`` (isolated outliers, no change) and ``none`` (noise only)."""
    rng = np.random.default_rng(seed)
    out: list[LabelledSeries] = []
    for n in lengths:
        for scale in ("count", "money", "rate"):
            gap = max(5, n // 8)
            # level shifts
            k = 1 if n < 60 else int(rng.integers(1, 4))
            cps = _cuts(n, k, rng, gap)
            mu = np.zeros(n)
            level = 0.0
            for c in cps:
                level += float(rng.choice([-1, 1]) * rng.uniform(2.5, 5))
                mu[c:] = level
            out.append(
                LabelledSeries(
                    f"level_{scale}_{n}", "level", _scale(scale, mu + rng.normal(0, 1, n), rng), {"truth": cps}
                )
            )
            # trend change: flat then slope (or slope change)
            c = _cuts(n, 1, rng, gap)
            t = np.arange(n, dtype=float)
            slope = float(rng.choice([-1, 1]) * rng.uniform(6, 10) / max(n - c[0], 1))
            mu = np.where(t >= c[0], slope * (t - c[0]) * 1.0, 0.0)
            mu = mu / max(1.0, np.abs(mu).max() / 6)
            out.append(
                LabelledSeries(
                    f"trend_{scale}_{n}", "trend", _scale(scale, mu + rng.normal(0, 1, n), rng), {"truth": c}
                )
            )
            # variance change
            c = _cuts(n, 1, rng, gap)
            sd = np.where(np.arange(n) >= c[0], float(rng.choice([0.3, 4.0])), 1.0)
            out.append(
                LabelledSeries(
                    f"variance_{scale}_{n}", "variance", _scale(scale, rng.normal(0, 1, n) * sd, rng), {"truth": c}
                )
            )
            # seasonal with one level shift (monthly)
            if n >= 48:
                c = _cuts(n, 1, rng, gap)
                season = 2.5 * np.sin(2 * np.pi * np.arange(n) / 12)
                mu = season + np.where(np.arange(n) >= c[0], float(rng.choice([-1, 1]) * 4.0), 0.0)
                out.append(
                    LabelledSeries(
                        f"seasonal_{scale}_{n}", "seasonal", _scale(scale, mu + rng.normal(0, 1, n), rng), {"truth": c}
                    )
                )
            # outliers that are not changes
            z = rng.normal(0, 1, n)
            idx = rng.choice(np.arange(1, n - 1), size=max(1, n // 40), replace=False)
            z[idx] += rng.choice([-1, 1], size=idx.size) * rng.uniform(6, 10, size=idx.size)
            out.append(LabelledSeries(f"outliers_{scale}_{n}", "outliers", _scale(scale, z, rng), {"truth": []}))
            out.append(
                LabelledSeries(f"none_{scale}_{n}", "none", _scale(scale, rng.normal(0, 1, n), rng), {"truth": []})
            )
    return out


#: Metrics of the synthetic partner reports: name -> (category, base level, noise sd as share of level).
PARTNER_METRICS = {
    "funding_received": ("funding", 2.0e6, 0.08),
    "rd_milestones": ("rd", 6.0, 0.0),  # Poisson counts
    "deliveries": ("supply_chain", 400.0, 0.05),
    "on_time_rate": ("supply_chain", 0.93, 0.02),
}
EVENT_KINDS = ("funding_drop", "rd_stall", "delivery_slippage", "reporting_stop")


def partner_reports(
    n_parties: int = 12,
    n_periods: int = 36,
    start: str = "2024-01",
    events: dict[str, tuple[str, int]] | None = None,
    seed: int = 0,
    late_share: float = 0.03,
) -> tuple[Any, list[dict[str, Any]]]:
    """SYNTHETIC monthly partner reports ``party, metric, period, value, submitted`` with planted events.

    ``events`` maps a party to ``(kind, period index)``; kinds: ``funding_drop`` (funding falls by
    35 %), ``rd_stall`` (milestones fall to a fifth), ``delivery_slippage`` (on-time rate falls by 15
    points and deliveries by 20 %), ``reporting_stop`` (no rows from that period on). Returns the table
    and the list of planted events (party, kind, metric(s), period label, index).
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    p0 = pd.Period(start, freq="M")
    parties = [f"SYN-{i:04d}" for i in range(n_parties)]
    rows = []
    planted = []
    events = events or {}
    for party in parties:
        kind, at = events.get(party, (None, -1))
        scale = float(rng.uniform(0.5, 2.0))
        season = 0.06 * np.sin(2 * np.pi * (np.arange(n_periods) + rng.integers(12)) / 12)
        for metric, (_, base, sd) in PARTNER_METRICS.items():
            level = base * (scale if metric != "on_time_rate" else 1.0)
            mu = np.full(n_periods, level)
            if metric in ("funding_received", "deliveries"):
                mu = mu * (1 + season) * (1 + 0.004 * np.arange(n_periods))
            if kind == "funding_drop" and metric == "funding_received":
                mu[at:] *= 0.65
            if kind == "rd_stall" and metric == "rd_milestones":
                mu[at:] *= 0.2
            if kind == "delivery_slippage" and metric == "on_time_rate":
                mu[at:] -= 0.15
            if kind == "delivery_slippage" and metric == "deliveries":
                mu[at:] *= 0.8
            if metric == "rd_milestones":
                vals = rng.poisson(mu).astype(float)
            elif metric == "on_time_rate":
                vals = np.clip(mu + rng.normal(0, sd, n_periods), 0, 1).round(4)
            else:
                vals = (mu * (1 + rng.normal(0, sd, n_periods))).round(2)
            for i in range(n_periods):
                if kind == "reporting_stop" and i >= at:
                    break
                per = p0 + i
                delay = int(rng.integers(3, 14))
                if rng.random() < late_share:
                    delay += int(rng.integers(20, 60))
                submitted = per.end_time.normalize() + pd.Timedelta(days=delay)
                rows.append(
                    {
                        "party": party,
                        "metric": metric,
                        "period": str(per),
                        "value": float(vals[i]),
                        "submitted": submitted.date().isoformat(),
                    }
                )
        if kind:
            metric = {
                "funding_drop": "funding_received",
                "rd_stall": "rd_milestones",
                "delivery_slippage": "on_time_rate",
                "reporting_stop": None,
            }[kind]
            planted.append({"party": party, "kind": kind, "metric": metric, "period": str(p0 + at), "index": at})
    return pd.DataFrame(rows), planted


def sme_portfolio(n: int = 3000, seed: int = 0) -> tuple[Any, np.ndarray]:
    """SYNTHETIC SME credit history to fit the SME card on: the inputs of
    :data:`citynexus.watch.credit.SME_FEATURES` and a default flag drawn from a logistic model
    ``logit P(default) = -1.2 - 3 (on_time - 0.85) - 2.5 (compliance - 0.8) + 2 severity + 0.6 risk
    - 0.02 (tenure - 24) - 1.5 (discipline - 0.85)``. Not real data: real outcomes replace it once a
    financier shares them."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    on_time = np.clip(rng.beta(12, 2, n), 0, 1)
    compliance = np.clip(rng.beta(6, 1.5, n), 0, 1)
    severity = np.where(rng.random(n) < 1 - compliance, rng.uniform(0.1, 1, n), 0.0)
    risk = rng.choice([0, 1, 2], size=n, p=[0.7, 0.2, 0.1])
    tenure = rng.integers(3, 96, n)
    discipline = np.clip(rng.beta(9, 1.5, n), 0, 1)
    logit = (-1.2 - 3 * (on_time - 0.85) - 2.5 * (compliance - 0.8) + 2 * severity + 0.6 * risk
             - 0.02 * (tenure - 24) - 1.5 * (discipline - 0.85))  # fmt: skip
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame(
        {"on_time_share": on_time, "kpi_compliance": compliance, "breach_severity": severity,
         "risk_level": risk.astype(float), "tenure_months": tenure.astype(float), "reporting_discipline": discipline}
    )  # fmt: skip
    return X, y
