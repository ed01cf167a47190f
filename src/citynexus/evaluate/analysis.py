"""Step 8 — analysis: indicator statistics, correlations, Cronbach's alpha, unit
explanations and comparisons of two results. Pure functions of tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from citynexus.evaluate._util import kurt, rank_desc, skew

if TYPE_CHECKING:
    from citynexus.evaluate.framework import Framework


def indicator_stats(
    raw: pd.DataFrame,
    treated: pd.DataFrame | None = None,
    skew_threshold: float = 2.0,
    kurt_threshold: float = 3.5,
    availability_threshold: float = 0.66,
    collinear_threshold: float = 0.9,
    framework: Framework | None = None,
) -> pd.DataFrame:
    """Per-indicator statistics of ``raw`` (units x indicators): availability, n, min,
    max, mean, median, sd (n-1), skew G1, kurtosis G2, and flags: ``low_availability``,
    ``outliers`` (fails |G1| < 2 or G2 < 3.5), ``collinear`` (|r| >= 0.9 with a sibling)
    and ``neg_corr`` (r < 0 with a sibling; correlations of the direction-adjusted values).
    ``treated`` adds skew/kurtosis after
    treatment. Reference: COINr ``get_stats``; OECD/JRC (2008) Handbook, step 4.
    """
    rows = []
    # correlations on oriented values (x * direction) so that "negative" means conflicting
    oriented = raw * pd.Series({c: (framework.direction.get(c, 1) or 1) if framework else 1 for c in raw.columns})
    corr = oriented.corr(method="pearson", min_periods=3)
    for c in raw.columns:
        v = raw[c].to_numpy(dtype=float)
        obs = v[~np.isnan(v)]
        sk, ku = skew(v), kurt(v)
        sib = [s for s in (framework.children.get(framework.parent.get(c) or "", []) if framework else []) if s != c]
        sib = [s for s in sib if s in corr.columns]
        rs = corr.loc[c, sib] if sib else pd.Series(dtype=float)
        row = {
            "indicator": c,
            "availability": float(len(obs) / len(v)) if len(v) else float("nan"),
            "n": len(obs),
            "min": float(obs.min()) if len(obs) else np.nan,
            "max": float(obs.max()) if len(obs) else np.nan,
            "mean": float(obs.mean()) if len(obs) else np.nan,
            "median": float(np.median(obs)) if len(obs) else np.nan,
            "sd": float(obs.std(ddof=1)) if len(obs) > 1 else np.nan,
            "skew": sk,
            "kurtosis": ku,
            "low_availability": bool(len(v) and len(obs) / len(v) < availability_threshold),
            "outliers": bool(
                not (np.isnan(sk) or np.isnan(ku)) and not (abs(sk) < skew_threshold or ku < kurt_threshold)
            ),
            "collinear": ", ".join(s for s, r in rs.items() if abs(r) >= collinear_threshold),
            "neg_corr": ", ".join(s for s, r in rs.items() if r < 0),
        }
        if treated is not None and c in treated.columns:
            row["skew_treated"] = skew(treated[c].to_numpy(dtype=float))
            row["kurtosis_treated"] = kurt(treated[c].to_numpy(dtype=float))
        rows.append(row)
    return pd.DataFrame(rows).set_index("indicator")


def correlations_with_parents(values: pd.DataFrame, fw: Framework, method: str = "pearson") -> pd.DataFrame:
    """Correlation of every indicator/aggregate with its parent and with the top index
    (``values``: units x codes holding normalised indicators and aggregate scores)."""
    rows = []
    top = fw.top
    for c in values.columns:
        p = fw.parent.get(c)
        if not p or p not in values.columns:
            continue
        r_p = values[c].corr(values[p], method=method)
        r_t = values[c].corr(values[top], method=method) if top in values.columns else np.nan
        rows.append({"code": c, "parent": p, "level": fw.level.get(c), "r_parent": r_p, "r_index": r_t})
    return pd.DataFrame(rows)


def cronbach_alpha(x: pd.DataFrame | np.ndarray) -> float:
    """Cronbach's alpha of the columns of ``x`` (units with missing values dropped):

    .. math:: \\alpha = \\frac{k}{k-1}\\Big(1 - \\frac{\\sum_j \\sigma^2_j}{\\sigma^2_{T}}\\Big),\\quad
       T_i = \\sum_j x_{ij}

    (sample variances). Reference: Cronbach (1951), *Psychometrika* 16(3), 297-334;
    OECD/JRC (2008) Handbook, §4.
    """
    a = np.asarray(x, dtype=float)
    a = a[~np.isnan(a).any(axis=1)]
    k = a.shape[1]
    if k < 2 or a.shape[0] < 2:
        return float("nan")
    item_var = a.var(axis=0, ddof=1).sum()
    tot_var = a.sum(axis=1).var(ddof=1)
    if tot_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / tot_var))


def alpha_by_group(values: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Cronbach's alpha of the children of every aggregate (``values`` holds normalised
    indicators and aggregate scores)."""
    rows = []
    for p in fw.aggregation_order():
        kids = [c for c in fw.children.get(p, []) if c in values.columns]
        rows.append({"aggregate": p, "level": fw.level[p], "k": len(kids), "alpha": cronbach_alpha(values[kids])})
    return pd.DataFrame(rows)


def negative_correlations(values: pd.DataFrame, fw: Framework, threshold: float = -0.4) -> pd.DataFrame:
    """Pairs of siblings whose correlation is at or below ``threshold`` (default -0.4,
    COINr ``get_corr_flags``): they pull their parent in opposite directions (JRC ten-step
    guide, step 4)."""
    rows = []
    for p in fw.aggregation_order():
        kids = [c for c in fw.children.get(p, []) if c in values.columns]
        if len(kids) < 2:
            continue
        r = values[kids].corr()
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                if r.loc[a, b] <= threshold:
                    rows.append({"parent": p, "a": a, "b": b, "r": float(r.loc[a, b])})
    return pd.DataFrame(rows, columns=["parent", "a", "b", "r"])


def effective_weights(values: pd.DataFrame, weights: pd.DataFrame, fw: Framework, unit: str, top: str) -> pd.Series:
    """Effective weight of each indicator under ``top`` for one unit: the product of the
    within-parent weights along the path, each rescaled over the siblings the unit has
    (so that for arithmetic aggregation the contributions sum to the score)."""
    w = {(r.parent, r.code): r.weight for r in weights.itertuples()}
    row = values.loc[unit]
    out: dict[str, float] = {}

    def rec(code: str, factor: float) -> None:
        kids = [c for c in fw.children.get(code, []) if (code, c) in w]
        avail = [c for c in kids if c in row.index and not pd.isna(row[c])]
        tot = sum(w[(code, c)] for c in avail)
        for c in kids:
            f = factor * (w[(code, c)] / tot if c in avail and tot > 0 else 0.0)
            if c in fw.indicators:
                out[c] = f
            else:
                rec(c, f)

    rec(top, 1.0)
    return pd.Series(out, name="effective_weight")


@dataclass
class Explanation:
    """What makes up one unit's score: ``table`` (per indicator: normalised value, rank
    among units, effective weight, contribution = weight x value, share of the score),
    ``strengths`` / ``weaknesses`` (best and worst indicators by rank), ``score``,
    ``rank``."""

    unit: str
    code: str
    score: float
    rank: int | None
    table: pd.DataFrame
    strengths: pd.DataFrame
    weaknesses: pd.DataFrame


def explain(
    unit: str,
    normalised: pd.DataFrame,
    scores: pd.DataFrame,
    weights: pd.DataFrame,
    fw: Framework,
    code: str | None = None,
    n: int = 5,
) -> Explanation:
    """Contributions of each indicator to ``unit``'s score on ``code`` (default: the top
    index): :math:`c_j = w^{eff}_j \\, y_{uj}`. For weighted arithmetic aggregation at every
    level the contributions add up to the score exactly; for other methods they are a
    linear approximation. Strengths and weaknesses: the ``n`` indicators where the unit
    ranks best and worst among all units (COINr ``get_str_weak``)."""
    code = code or fw.top
    if unit not in normalised.index:
        raise KeyError(unit)
    values = pd.concat([normalised, scores], axis=1)
    eff = effective_weights(values, weights, fw, unit, code)
    inds = list(eff.index)
    y = normalised.loc[unit, inds]
    ranks = rank_desc(normalised[inds]).loc[unit]
    contrib = eff * y
    total = float(np.nansum(contrib))
    tab = pd.DataFrame(
        {
            "parent": [fw.parent.get(c) for c in inds],
            "value": y,
            "rank": ranks.astype("Int64"),
            "effective_weight": eff,
            "contribution": contrib,
            "share": contrib / total if total else np.nan,
        },
        index=pd.Index(inds, name="indicator"),
    )
    ordered = tab.dropna(subset=["value"]).sort_values(["rank", "contribution"], ascending=[True, False])
    rk = rank_desc(scores[code]).loc[unit]
    return Explanation(
        unit=unit,
        code=code,
        score=float(scores.loc[unit, code]),
        rank=None if pd.isna(rk) else int(rk),
        table=tab,
        strengths=ordered.head(n),
        weaknesses=ordered.tail(n).iloc[::-1],
    )


def compare(a_scores: pd.Series, b_scores: pd.Series, names: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Rank and score shifts between two results for the same index code.

    Columns ``score_a, score_b, rank_a, rank_b, rank_shift = rank_a - rank_b``
    (positive = the unit moved up in b), ``abs_shift``; units present in only one
    result have missing values. Sorted by ``rank_b``. The mean absolute rank shift is
    ``df["abs_shift"].mean()``. Reference: COINr ``compare_coins``.
    """
    A, B = names
    idx = a_scores.index.union(b_scores.index, sort=False)
    a = a_scores.reindex(idx)
    b = b_scores.reindex(idx)
    ra = rank_desc(a)
    rb = rank_desc(b)
    df = pd.DataFrame(
        {
            f"score_{A}": a,
            f"score_{B}": b,
            f"rank_{A}": ra.astype("Int64"),
            f"rank_{B}": rb.astype("Int64"),
        },
        index=idx,
    )
    shift = ra - rb
    df["rank_shift"] = shift.astype("Int64")
    df["abs_shift"] = shift.abs().astype("Int64")
    df.index.name = "unit"
    return df.sort_values(f"rank_{B}", na_position="last")
