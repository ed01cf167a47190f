"""The vectorised batch detector equals the per-series detector; Dask batches give identical results."""

from __future__ import annotations

import numpy as np
import pytest

from citynexus.watch.batch import batches, changepoints_dask, changepoints_matrix
from citynexus.watch.changepoints import ChangePointDetector, rbf_gamma
from citynexus.watch.errors import WatchSpecError


def _matrix(m: int = 300, n: int = 48, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (m, n))
    X[::3, n // 2 :] += 3
    X[1::7] = rng.poisson(5, (len(X[1::7]), n))  # counts
    X[2::11] = 5.0  # constant
    X[3::13, 10] = np.nan  # missing
    X[4::9] += 3 * np.sin(2 * np.pi * np.arange(n) / 12)  # seasonal
    X[5::17] *= 1e6  # money
    X[6::19, 20] += 15  # outlier
    return X


def test_matrix_equals_per_series():
    X = _matrix()
    assert changepoints_matrix(X) == [ChangePointDetector().fit_predict(x) for x in X]


def test_gamma_matches_ruptures_heuristic():
    import ruptures as rpt

    z = np.random.default_rng(1).normal(0, 1, 40)
    cost = rpt.costs.CostRbf().fit(z.reshape(-1, 1))
    assert rbf_gamma(z) == pytest.approx(cost.gamma, rel=1e-12)


def test_small_shapes_and_errors():
    assert changepoints_matrix(np.empty((0, 5))) == []
    assert changepoints_matrix(np.ones((2, 4))) == [[], []]
    with pytest.raises(WatchSpecError):
        changepoints_matrix(np.ones(5))
    with pytest.raises(WatchSpecError):
        batches(3, 0)
    assert batches(5, 2) == [slice(0, 2), slice(2, 4), slice(4, 5)]


def test_dask_local_cluster_identical():
    distributed = pytest.importorskip("distributed")
    X = _matrix(m=120, seed=2)
    local = changepoints_matrix(X)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as c:
        remote = changepoints_dask(X, c.scheduler_address, batch_size=25)
        with distributed.Client(c) as client:
            again = changepoints_dask(X, client, batch_size=50)
    assert remote == local == again


@pytest.mark.parametrize(
    "settings",
    [
        dict(search="binseg", beta=3.0, min_size=3),
        dict(cost="rbf", beta=1.5, scale_floor=0.0, min_size=3),
        dict(scale_floor=0.0, hampel=0.0),
        dict(cost="l2", search="pelt", beta=1.5, min_size=5, hampel=4.0, scale_floor=1.25),
        dict(cost="linear", search="binseg", trend_beta=0.0, hampel=4.0, min_size=3),
        dict(cost="l2", scale="sd", beta=3.0),
    ],
)
def test_matrix_equals_per_series_for_other_settings(settings):
    from citynexus.watch.changepoints import ChangePointSettings

    X = _matrix(m=120)
    s = ChangePointSettings(**settings)
    assert changepoints_matrix(X, s) == [ChangePointDetector(s).fit_predict(x) for x in X]
