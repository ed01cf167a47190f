"""Rank ranges under any weights: exact MILP against brute force on a fine weight grid."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from _robustness_data import random_dataset

from citynexus.evaluate import IndexSpec, build
from citynexus.evaluate.robustness import RobustnessError, RobustnessSpecError, rank_ranges, rank_ranges_for


def grid_ranks(X: np.ndarray, steps: int, lo=None, hi=None, delta: float = 0.0):
    """Best and worst rank of every unit over all weights on a grid of the simplex
    (w_j = i_j / steps) inside the bounds."""
    k = X.shape[1]
    pts = [p for p in itertools.product(range(steps + 1), repeat=k - 1) if sum(p) <= steps]
    W = np.array([[*p, steps - sum(p)] for p in pts], dtype=float) / steps
    if lo is not None:
        W = W[np.all((lo - 1e-12 <= W) & (hi + 1e-12 >= W), axis=1)]
    S = W @ X.T
    R = 1 + ((S[:, None, :] - S[:, :, None]) > delta).sum(axis=2)  # R[g, u]
    return R.min(axis=0), R.max(axis=0)


@pytest.mark.parametrize(
    ("seed", "k"), [(0, 2), (1, 2), (2, 2), (3, 2), (0, 3), (1, 3), (2, 3), (3, 3), (4, 4), (5, 4)]
)
def test_exact_ranges_equal_brute_force_on_a_fine_grid(seed, k):
    """Two children: the exact sweep; three and four: the MILP."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 10))
    X = rng.integers(0, 25, size=(n, k)).astype(float)
    x = pd.DataFrame(X, index=[f"u{i}" for i in range(n)], columns=[f"c{j}" for j in range(k)])
    rr = rank_ranges(x)
    best, worst = grid_ranks(X, {2: 4000, 3: 240, 4: 60}[k], delta=rr.delta)
    t = rr.table.set_index("unit").loc[x.index]
    np.testing.assert_array_equal(t["best_rank"], best)
    np.testing.assert_array_equal(t["worst_rank"], worst)
    assert t["exact"].all() and rr.method == "milp" and not rr.approximate
    assert (t["best_bound"] == t["best_rank"]).all() and (t["worst_bound"] == t["worst_rank"]).all()
    # the reported weights achieve the reported ranks
    for u in range(n):
        for which, col in (("best_weights", "best_rank"), ("worst_weights", "worst_rank")):
            w = getattr(rr, which).iloc[u].to_numpy()
            assert w.min() >= -1e-12 and abs(w.sum() - 1) < 1e-9
            s = X @ w
            assert 1 + np.sum(s - s[u] > rr.delta) == t[col].iloc[u]


def test_bounds_restrict_the_weights():
    rng = np.random.default_rng(42)
    X = rng.integers(0, 30, size=(7, 3)).astype(float)
    x = pd.DataFrame(X, columns=["a", "b", "c"], index=list("ABCDEFG"))
    bounds = {"a": (0.2, 0.5), "b": (0.1, 0.6), "c": (0.2, 0.4)}
    rr = rank_ranges(x, bounds)
    lo, hi = np.array([0.2, 0.1, 0.2]), np.array([0.5, 0.6, 0.4])
    best, worst = grid_ranks(X, 300, lo, hi, delta=rr.delta)
    t = rr.table.set_index("unit").loc[x.index]
    np.testing.assert_array_equal(t["best_rank"], best)
    np.testing.assert_array_equal(t["worst_rank"], worst)
    w = rr.best_weights.to_numpy()
    assert (w >= lo - 1e-9).all() and (w <= hi + 1e-9).all()
    free = rank_ranges(x).table.set_index("unit").loc[x.index]
    assert (free["best_rank"] <= t["best_rank"]).all() and (free["worst_rank"] >= t["worst_rank"]).all()


def test_dominance_and_ties_by_hand():
    # A dominates everyone: always first; D is dominated by everyone: always last;
    # B and C swap depending on the weights; E ties with C on every child.
    x = pd.DataFrame({"p": [10, 8, 2, 0, 2], "q": [10, 2, 8, 0, 8]}, index=["A", "B", "C", "D", "E"], dtype=float)
    t = rank_ranges(x).table.set_index("unit")
    assert (t.loc["A", "best_rank"], t.loc["A", "worst_rank"]) == (1, 1)
    assert (t.loc["D", "best_rank"], t.loc["D", "worst_rank"]) == (5, 5)
    assert (t.loc["B", "best_rank"], t.loc["B", "worst_rank"]) == (2, 4)
    assert (t.loc["C", "best_rank"], t.loc["C", "worst_rank"]) == (2, 3)  # tied with E, min rank
    assert (t.loc["E", "best_rank"], t.loc["E", "worst_rank"]) == (2, 3)


def test_sampling_estimate_is_labelled_and_inside_the_exact_range():
    rng = np.random.default_rng(3)
    X = rng.random((40, 4)) * 100
    x = pd.DataFrame(X)
    exact = rank_ranges(x).table.set_index("unit")
    approx = rank_ranges(x, method="sampling", n_samples=3000, seed=1)
    assert approx.approximate and approx.method == "sampling"
    a = approx.table.set_index("unit").loc[exact.index]
    assert (a["best_rank"] >= exact["best_rank"]).all() and (a["worst_rank"] <= exact["worst_rank"]).all()
    assert not a["exact"].any()
    # beyond max_exact units 'auto' switches to sampling
    assert rank_ranges(x, max_exact=10, n_samples=500).approximate


def test_rank_ranges_for_a_result():
    ds = random_dataset(9, n_units=9, n_pillars=3, missing=0.0)
    r = build(ds, IndexSpec())
    rr = rank_ranges_for(r)
    assert rr.code == "T" and rr.children == ["P1", "P2", "P3"]
    t = rr.table
    assert (t["best_rank"] <= t["nominal_rank"]).all() and (t["nominal_rank"] <= t["worst_rank"]).all()
    with pytest.raises(RobustnessSpecError, match="arithmetic"):
        rank_ranges_for(build(ds, IndexSpec().normalise_with("minmax", range=(1, 100)).aggregate_with("geometric")))
    with pytest.raises(RobustnessSpecError, match="not an aggregate"):
        rank_ranges_for(r, "P1_0")


def test_bad_inputs():
    x = pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, np.nan]}, index=["A", "B"])
    with pytest.raises(RobustnessError, match="unit B has no value for b"):
        rank_ranges(x)
    y = x.fillna(0)
    with pytest.raises(RobustnessSpecError, match="lower bounds sum"):
        rank_ranges(y, {"a": (0.7, 1), "b": (0.6, 1)})
    with pytest.raises(RobustnessSpecError, match="not one of the children"):
        rank_ranges(y, {"z": (0, 1)})
    with pytest.raises(RobustnessSpecError, match="0 <= low <= high"):
        rank_ranges(y, {"a": (0.5, 0.2)})
    with pytest.raises(RobustnessSpecError, match="method"):
        rank_ranges(y, method="exact")


def test_out_of_time_keeps_proven_bounds():
    rng = np.random.default_rng(8)
    X = rng.random((30, 4)) * 100
    x = pd.DataFrame(X)
    exact = rank_ranges(x).table.set_index("unit")
    assert exact["exact"].all()
    rushed = rank_ranges(x, time_budget=0.0, n_samples=200).table.set_index("unit").loc[exact.index]
    # achieved ranks are inside the true range, proven bounds outside it
    assert (rushed["best_bound"] <= exact["best_rank"]).all() and (exact["best_rank"] <= rushed["best_rank"]).all()
    assert (rushed["worst_rank"] <= exact["worst_rank"]).all() and (exact["worst_rank"] <= rushed["worst_bound"]).all()
    assert not rushed["exact"].all()
