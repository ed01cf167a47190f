"""Scale: the change-point scan of 10,000 parties x 8 metrics x 60 periods (80,000 SYNTHETIC series:
levels, scales, counts, seasonality and shifts drawn at random) on 2 Dask workers, against per-series
loops timed on 300 random series and scaled to the whole scan (said so in the row): ruptures' own
search for the default's cost and search (``ruptures.Pelt`` or ``ruptures.Binseg``, Python; for the
default's piecewise-linear cost, ruptures' ``CostLinear`` with covariates ``(1, t)``, which solves a
least-squares problem per segment, without the slope penalty) with the same penalty and minimum
segment on the series z-scored by its standard deviation, and the detector
itself called once per series (the same compiled search as the batch path, so this ratio is what the
vectorised preparation and Dask add). The scan's results are checked to equal a local (no Dask) run
on the first 4,000 series. Set ``CITYNEXUS_BENCH_SCALE_PARTIES`` for a smaller run.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

METRICS, PERIODS = 8, 60


def synthetic_matrix(parties: int, seed: int = 0) -> np.ndarray:
    """SYNTHETIC reported series, one per row."""
    rng = np.random.default_rng(seed)
    m = parties * METRICS
    t = np.arange(PERIODS)
    level = rng.lognormal(3, 2, (m, 1))
    X = level * (1 + rng.normal(0, 0.05, (m, PERIODS)))
    seas = rng.random(m) < 0.3
    X[seas] *= 1 + 0.1 * np.sin(2 * np.pi * t / 12)
    shift = rng.random(m) < 0.2
    at = rng.integers(10, 50, m)
    factor = np.where(rng.random(m) < 0.5, 0.7, 1.3)
    X = np.where(shift[:, None] & (t[None, :] >= at[:, None]), X * factor[:, None], X)
    counts = rng.random(m) < 0.25
    X[counts] = rng.poisson(np.clip(X[counts] / level[counts] * 8, 0.1, None))
    return X


def run() -> list[dict]:
    import distributed
    import ruptures as rpt

    from citynexus.watch.batch import changepoints_dask, changepoints_matrix
    from citynexus.watch.changepoints import DEFAULT

    parties = int(os.environ.get("CITYNEXUS_BENCH_SCALE_PARTIES", "10000"))
    X = synthetic_matrix(parties)
    m = X.shape[0]
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster as c, distributed.Client(c) as client:
        changepoints_dask(X[:200], client, batch_size=100)  # warm the workers (imports)
        t0 = time.perf_counter()
        cps = changepoints_dask(X, client, batch_size=2000)
        ours = time.perf_counter() - t0
    check = min(4000, m)
    same = changepoints_matrix(X[:check]) == cps[:check]
    rng = np.random.default_rng(1)
    sub = rng.choice(m, size=min(300, m), replace=False)
    pen = DEFAULT.beta * math.log(PERIODS)
    t0 = time.perf_counter()
    for i in sub:
        x = X[i]
        z = ((x - np.median(x)) / (x.std() or 1.0)).reshape(-1, 1)
        if DEFAULT.cost == "linear":  # ruptures' linear model: the series, then the covariates 1 and t
            z = np.c_[z, np.ones(PERIODS), np.arange(PERIODS, dtype=float)]
        algo = rpt.Binseg if DEFAULT.search == "binseg" else rpt.Pelt
        algo(model=DEFAULT.cost, min_size=DEFAULT.min_size, jump=1).fit(z).predict(pen=pen)
    loop = (time.perf_counter() - t0) / len(sub) * m
    from citynexus.watch.changepoints import ChangePointDetector

    t0 = time.perf_counter()
    for i in sub:  # the detector itself, one series at a time (same compiled search as the batch path)
        ChangePointDetector().fit_predict(X[i])
    detector_loop = (time.perf_counter() - t0) / len(sub) * m
    found = sum(1 for c in cps if c)
    return [
        {
            "benchmark": "watch scale (change-point scan)",
            "case": f"{parties:,} parties x {METRICS} metrics x {PERIODS} periods ({m:,} series), 2 Dask workers",
            "ours_s": ours,
            "baseline": f"per-series ruptures {DEFAULT.search}({DEFAULT.cost}) loop, timed on {len(sub)} series and "
            f"scaled to {m:,}",
            "baseline_s": loop,
            "detector_loop_s": detector_loop,
            "identical_to_local": same,
            "series_with_changes": found,
            "note": f"identical to a local run on the first {check:,} series: {same}; "
            f"{found:,} series with change points; the detector series by series: {detector_loop:.0f} s (scaled)",
        }
    ]


if __name__ == "__main__":  # pragma: no cover
    for r in run():
        print(r)
