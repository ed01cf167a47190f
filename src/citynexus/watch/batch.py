"""Many series at once: the default change-point detector over the rows of a matrix, vectorised, and
in batches on a Dask distributed cluster.

:func:`changepoints_matrix` gives, for every row of an ``(m, n)`` matrix (one series per row, NaN =
missing), exactly the change points that :class:`~citynexus.watch.changepoints.ChangePointDetector`
with the same settings gives for that row alone: the preparation (count transform, noise scale,
seasonal period, robust standardisation, Hampel filter) runs on whole rows at once with numpy; only the
ruptures search runs row by row (compiled code). Rows with missing values go through the detector
itself. :func:`changepoints_dask` cuts the rows into consecutive batches whose boundaries depend only
on ``m`` and ``batch_size`` and runs them as tasks on a cluster, so the result is identical to a local
run.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from citynexus.watch.changepoints import (
    CANDIDATE_PERIODS,
    DEFAULT,
    ChangePointDetector,
    ChangePointSettings,
    hampel_rows,
    noise_scale,
    search_penalties,
    search_scale,
    seasonal_profile,
)
from citynexus.watch.errors import WatchSpecError

__all__ = ["batches", "changepoints_dask", "changepoints_matrix"]


def _noise_rows(X: np.ndarray) -> np.ndarray:
    d = np.diff(X, axis=1)
    med = np.median(d, axis=1, keepdims=True)
    s = 1.4826 * np.median(np.abs(d - med), axis=1) / math.sqrt(2)
    for i in np.flatnonzero(s <= 0):
        s[i] = noise_scale(X[i])
    return s


def _periods_rows(X: np.ndarray, threshold: float) -> list[int | None]:
    d = np.diff(X, axis=1)
    m, n = X.shape
    best: list[int | None] = [None] * m
    best_r = np.full(m, threshold)
    mean = d.mean(axis=1, keepdims=True)
    for p in CANDIDATE_PERIODS:
        if n < 3 * p or d.shape[1] <= p:
            continue
        a, b = d[:, :-p] - mean, d[:, p:] - mean
        den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(den > 0, (a * b).sum(axis=1) / np.where(den > 0, den, 1.0), 0.0)
        better = r > best_r
        for i in np.flatnonzero(better):
            best[i] = p
        best_r = np.where(better, r, best_r)
    return best


def _gamma_rows(Z: np.ndarray) -> np.ndarray:
    """:func:`~citynexus.watch.changepoints.rbf_gamma` of every row."""
    iu, ju = np.triu_indices(Z.shape[1], 1)
    d = Z[:, iu] - Z[:, ju]
    med = np.median(d * d, axis=1)
    return np.where(med != 0, 1.0 / np.where(med != 0, med, 1.0), 1.0)


def changepoints_matrix(X: Any, settings: ChangePointSettings | None = None) -> list[list[int]]:
    """Change points of every row of ``X`` (see the module docstring)."""
    s = settings or DEFAULT
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise WatchSpecError(f"changepoints_matrix needs a 2-D array (series in rows), got shape {X.shape}")
    m, n = X.shape
    out: list[list[int]] = [[] for _ in range(m)]
    if m == 0 or n == 0:
        return out
    has_nan = np.isnan(X).any(axis=1)
    for i in np.flatnonzero(has_nan):
        out[i] = ChangePointDetector(s).fit_predict(X[i])
    rows = np.flatnonzero(~has_nan & (np.ptp(np.where(has_nan[:, None], 0, X), axis=1) > 0))
    if rows.size == 0 or n < 2 * s.min_size:
        return out
    R = X[rows]
    if s.counts is None:
        counts = np.all(R >= 0, axis=1) & np.all(np.round(R) == R, axis=1)
    else:
        counts = np.full(R.shape[0], bool(s.counts))
    XS = np.where(counts[:, None], 2.0 * np.sqrt(np.where(counts[:, None], R, 0) + 0.375), R)
    sigma = _noise_rows(XS)
    periods = [s.period] * len(rows) if s.period is not None else _periods_rows(XS, s.seasonal_acf)
    XA = XS.copy()
    for j, p in enumerate(periods):
        if p and sigma[j] > 0:
            XA[j] = XS[j] - seasonal_profile(XS[j], p)
            sigma[j] = noise_scale(XA[j]) or sigma[j]
    sigma = np.where(sigma > 0, search_scale(sigma, XA.std(axis=1), s), sigma)
    ok = sigma > 0
    Z = np.zeros_like(XA)
    Z[ok] = (XA[ok] - np.median(XA[ok], axis=1, keepdims=True)) / sigma[ok, None]
    Z[ok] = hampel_rows(Z[ok], s.hampel, s.hampel_window) if ok.any() else Z[ok]
    penalty = s.beta * math.log(max(n, 2))
    slope = s.trend_beta * math.log(max(n, 2))
    gammas = _gamma_rows(Z) if s.cost == "rbf" else np.full(len(rows), np.nan)
    for j in np.flatnonzero(ok):
        gamma = None if np.isnan(gammas[j]) else float(gammas[j])
        bk = search_penalties(Z[j], s.cost, [penalty], s.min_size, gamma, s.search, slope_penalty=slope)[0]
        out[int(rows[j])] = [int(b) for b in bk if 0 < b < n]
    return out


def batches(m: int, batch_size: int) -> list[slice]:
    """Consecutive row slices of at most ``batch_size`` covering ``range(m)``."""
    if batch_size < 1:
        raise WatchSpecError(f"batch_size must be at least 1, not {batch_size}")
    return [slice(i, min(i + batch_size, m)) for i in range(0, m, batch_size)]


def changepoints_dask(
    X: Any, scheduler: Any, batch_size: int = 2000, settings: ChangePointSettings | None = None
) -> list[list[int]]:
    """:func:`changepoints_matrix` in batches on a Dask cluster (``scheduler``: an address or a
    ``distributed.Client``); the result is identical to a local run."""
    from distributed import Client

    X = np.asarray(X, dtype=float)
    parts = batches(X.shape[0], batch_size)
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        futures = [client.submit(changepoints_matrix, X[sl], settings, pure=False) for sl in parts]
        results = client.gather(futures)
    finally:
        if own:
            client.close()
    return [cp for part in results for cp in part]
