"""Batches of replications on a Dask distributed cluster give exactly the local numbers."""

from __future__ import annotations

import numpy as np
import pytest
from _robustness_data import random_dataset

from citynexus.evaluate import IndexSpec
from citynexus.evaluate.robustness import (
    Engine,
    RobustnessSpecError,
    factor_from_dict,
    run_batches,
    sensitivity,
    uncertainty,
)
from citynexus.evaluate.robustness.distributed import batches

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def engine():
    ds = random_dataset(13, n_units=9, n_pillars=3, missing=0.1)
    fs = [
        factor_from_dict({"name": "winmax", "kind": "integer", "path": "treat.winmax", "low": 1, "high": 3}),
        factor_from_dict({"name": "noise", "kind": "weights_noise", "levels": [1, 2], "sets": 30}),
        factor_from_dict(
            {
                "name": "impute",
                "kind": "choice",
                "target": "impute",
                "options": [{"method": "mean"}, {"method": "none"}],
            }
        ),
    ]
    return Engine(ds, IndexSpec(), fs)


@pytest.mark.parametrize("processes", [False, True])
def test_local_cluster_matches_local_run(engine, processes):
    local = uncertainty(engine=engine, n=150, seed=9, batch_size=32)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=None
    ) as cluster:
        done = []
        remote = uncertainty(
            engine=engine, n=150, seed=9, batch_size=32, scheduler=cluster.scheduler_address, progress=done.append
        )
        assert sum(done) == 150 and len(done) == 5
        with distributed.Client(cluster) as client:  # an existing Client is accepted too
            s = sensitivity(engine=engine, n=8, seed=1, batch_size=16, scheduler=client, num_resamples=50)
    np.testing.assert_array_equal(remote.ranks, local.ranks)
    np.testing.assert_array_equal(remote.scores, local.scores)
    s_local = sensitivity(engine=engine, n=8, seed=1, batch_size=16, num_resamples=50)
    np.testing.assert_array_equal(s.output, s_local.output)


def test_batches_cover_the_rows_in_order():
    assert batches(5, 2) == [slice(0, 2), slice(2, 4), slice(4, 5)]
    assert batches(0, 3) == []
    with pytest.raises(RobustnessSpecError):
        batches(3, 0)


def test_unreachable_scheduler_says_how_to_fix(engine):
    with pytest.raises(RobustnessSpecError, match="cannot reach the Dask scheduler"):
        run_batches(engine, np.ones((4, 3)), scheduler="tcp://127.0.0.1:9", connect_timeout=1)
