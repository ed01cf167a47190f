"""Obstacle degree model (障碍度模型): which indicators hold a unit back most.

For unit i and indicator j, with x_ij the normalised value on [0, 1] (1 = best) and w_j the
effective weight of indicator j in the overall index (factor contribution, 因子贡献度)::

    I_ij = 1 - x_ij                                  (indicator deviation, 指标偏离度)
    O_ij = w_j I_ij / sum_k w_k I_ik * 100%          (obstacle degree, 障碍度)
    O_i,P = sum_{j in pillar P} O_ij                 (obstacle degree of a pillar / 准则层)

This is the factor contribution x deviation diagnosis (因子贡献度 x 指标偏离度) common in
Chinese regional-science studies of sustainable and coordinated development; the same formula is
implemented, for instance, by ``obstacle_degree(scaled=TRUE)`` in the R package ``mathmodels``
(zhjx19/mathmodels, ``R/system_evaluation.R``).

A unit at the top of every indicator (sum_k w_k I_ik = 0) has no obstacle to share out: its
obstacle degrees are NaN (not 0, which would not sum to 100%).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from citynexus.region.errors import RegionInputError

if TYPE_CHECKING:
    from collections.abc import Mapping


def _weights(weights: Mapping[str, float] | pd.Series, columns: list[str]) -> np.ndarray:
    w = pd.Series(weights, dtype=float) if not isinstance(weights, pd.Series) else weights.astype(float)
    missing = [c for c in columns if c not in w.index]
    if missing:
        raise RegionInputError(
            f"no weight for indicator(s) {missing}; give a weight (effective weight in the index) for every column"
        )
    w = w.reindex(columns)
    if (~np.isfinite(w.to_numpy())).any() or (w < 0).any():
        bad = w[(~np.isfinite(w)) | (w < 0)]
        raise RegionInputError(f"weights must be finite and >= 0; bad: {bad.to_dict()}")
    if w.sum() <= 0:
        raise RegionInputError("weights sum to 0; at least one indicator needs a positive weight")
    return w.to_numpy()


def obstacle_degree(
    normalised: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series,
    missing: str = "error",
) -> pd.DataFrame:
    """Obstacle degree O_ij (percent) of every unit (row) and indicator (column).

    ``normalised``: units x indicators on [0, 1] (1 = best, direction already applied);
    ``weights``: indicator -> effective weight of the indicator in the overall index (extra
    keys are ignored; the scale of the weights does not matter). Rows sum to 100 (NaN for a
    unit without any deviation). Formula in the module docstring.

    ``missing``: ``"error"`` (default) rejects missing values; ``"skip"`` leaves a missing
    indicator out of that unit's sum (its obstacle is NaN and the unit's available obstacles
    still sum to 100).
    """
    if not isinstance(normalised, pd.DataFrame):
        raise RegionInputError("normalised must be a DataFrame (units x indicators on [0, 1])")
    cols = [str(c) for c in normalised.columns]
    X = normalised.to_numpy(dtype=float)
    if missing not in ("error", "skip"):
        raise RegionInputError(f"missing must be 'error' or 'skip', not {missing!r}")
    if missing == "error" and np.isnan(X).any():
        r, c = np.argwhere(np.isnan(X))[0]
        raise RegionInputError(
            f"missing normalised value for unit {normalised.index[r]!r}, indicator '{cols[c]}'; impute first"
        )
    with np.errstate(invalid="ignore"):
        bad = (X < -1e-12) | (X > 1 + 1e-12)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise RegionInputError(
            f"normalised value {X[r, c]:.6g} (unit {normalised.index[r]!r}, indicator '{cols[c]}') is outside [0, 1]; "
            "obstacle degrees need values normalised to [0, 1] with 1 = best"
        )
    w = _weights(weights, list(normalised.columns))
    contrib = w[None, :] * (1.0 - np.clip(X, 0.0, 1.0))
    total = np.nansum(contrib, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        O = np.where(total > 0, 100.0 * contrib / np.where(total > 0, total, 1.0), np.nan)
    return pd.DataFrame(O, index=normalised.index, columns=normalised.columns)


def pillar_obstacles(obstacles: pd.DataFrame, pillars: Mapping[str, str] | pd.Series) -> pd.DataFrame:
    """Aggregate indicator obstacle degrees to pillars: O_i,P = sum_{j in P} O_ij.

    ``pillars``: indicator -> pillar code. Every indicator must have a pillar.
    """
    p = pd.Series(pillars, dtype=object)
    missing = [c for c in obstacles.columns if c not in p.index]
    if missing:
        raise RegionInputError(f"indicator(s) {missing} have no pillar in the indicator -> pillar mapping")
    order = list(dict.fromkeys(p.reindex(obstacles.columns)))
    out = obstacles.T.groupby(p.reindex(obstacles.columns).to_numpy(), sort=False).sum(min_count=1).T
    return out[order]


def top_obstacles(obstacles: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """The k largest obstacles of each unit, long: ``unit, rank, indicator, obstacle``.

    Ties keep column order; units with NaN obstacles (no deviation) are left out.
    """
    if k < 1:
        raise RegionInputError(f"k must be >= 1, got {k}")
    X = obstacles.to_numpy(dtype=float)
    k = min(k, X.shape[1])
    order = np.argsort(-np.nan_to_num(X, nan=-np.inf), axis=1, kind="stable")[:, :k]
    rows = []
    cols = list(obstacles.columns)
    for i, unit in enumerate(obstacles.index):
        if np.isnan(X[i]).all():
            continue
        for r, j in enumerate(order[i], start=1):
            if np.isnan(X[i, j]):
                break
            rows.append({"unit": unit, "rank": r, "indicator": cols[j], "obstacle": X[i, j]})
    return pd.DataFrame(rows, columns=["unit", "rank", "indicator", "obstacle"])


def obstacle_analysis(
    normalised: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series,
    pillars: Mapping[str, str] | pd.Series | None = None,
    k: int = 5,
    missing: str = "error",
) -> dict[str, pd.DataFrame]:
    """All obstacle outputs at once: ``{"indicators", "top", "pillars"?}`` (see the functions
    above). ``pillars`` is added when an indicator -> pillar mapping is given."""
    ob = obstacle_degree(normalised, weights, missing)
    out = {"indicators": ob, "top": top_obstacles(ob, k)}
    if pillars is not None:
        out["pillars"] = pillar_obstacles(ob, pillars)
    return out
