"""Uncertainty summary, replay, Sobol indices, plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _robustness_data import random_dataset
from matplotlib.figure import Figure

from citynexus.evaluate import IndexSpec
from citynexus.evaluate.robustness import (
    Engine,
    factor_from_dict,
    rank_shift,
    saltelli_sample,
    sensitivity,
    sobol_indices,
    summarise,
    uncertainty,
)
from citynexus.evaluate.robustness.plots import rank_range_plot, rank_uncertainty_plot, sobol_plot


def test_summary_by_hand():
    # unit A: ranks 1..5, nominal 2; unit B: always 3 except one missing replication
    ranks = np.array([[1, 3], [2, 3], [3, 3], [4, np.nan], [5, 3]], dtype=float)
    scores = np.array([[10, 1], [20, 2], [30, 3], [40, np.nan], [50, 5]], dtype=float)
    s = summarise(ranks, scores, np.array([2.0, 3.0]), np.array([25.0, 2.0]), ["A", "B"], top_k=[2, 3])
    a = s.set_index("unit").loc["A"]
    assert a["nominal_rank"] == 2 and a["mean_rank"] == 3 and a["median_rank"] == 3
    assert a["q05"] == pytest.approx(1.2) and a["q95"] == pytest.approx(4.8)  # 1 + 0.05 * 4, 1 + 0.95 * 4
    assert a["p_top2"] == pytest.approx(0.4) and a["p_top3"] == pytest.approx(0.6)
    assert a["mean_abs_shift"] == pytest.approx((1 + 0 + 1 + 2 + 3) / 5)
    assert a["mean_score"] == 30 and a["q05_score"] == pytest.approx(12.0) and a["n"] == 5
    b = s.set_index("unit").loc["B"]
    assert b["mean_rank"] == 3 and b["q05"] == 3 and b["q95"] == 3 and b["n"] == 4 and b["p_top2"] == 0
    assert b["mean_score"] == pytest.approx(11 / 4)
    assert list(s.columns[:6]) == ["unit", "nominal_rank", "mean_rank", "median_rank", "q05", "q95"]
    assert list(s["unit"]) == ["A", "B"]
    np.testing.assert_allclose(rank_shift(ranks, np.array([2.0, 3.0])), [0.5, 0, 0.5, 2, 1.5])


@pytest.fixture(scope="module")
def engine():
    ds = random_dataset(21, n_units=10, n_pillars=3, missing=0.05)
    spec = IndexSpec().impute_with("mean").normalise_with("minmax", range=(1, 100))
    fs = [
        factor_from_dict({"name": "winmax", "kind": "integer", "path": "treat.winmax", "low": 1, "high": 3}),
        factor_from_dict({"name": "noise", "kind": "weights_noise", "levels": [1, 2], "sets": 25, "a": 0.3}),
        factor_from_dict(
            {
                "name": "agg",
                "kind": "choice",
                "target": "aggregate",
                "options": [{"method": "arithmetic"}, {"method": "geometric"}],
            }
        ),
    ]
    return Engine(ds, spec, fs)


def test_uncertainty_run_is_seeded_and_replayable(engine, tmp_path):
    a = uncertainty(engine=engine, n=60, seed=5, top_k=[1, 3])
    b = uncertainty(engine=engine, n=60, seed=5, top_k=[1, 3])
    np.testing.assert_array_equal(a.ranks, b.ranks)
    files = a.to_csv(tmp_path / "run")
    assert {f.name for f in files} >= {"uncertainty.csv", "samples.csv", "ranks.csv", "scores.csv"}
    unc = pd.read_csv(tmp_path / "run" / "uncertainty.csv")
    assert list(unc.columns[:6]) == ["unit", "nominal_rank", "mean_rank", "median_rank", "q05", "q95"]
    assert {"p_top1", "p_top3", "mean_abs_shift"} <= set(unc.columns)
    assert (unc["q05"] <= unc["median_rank"]).all() and (unc["median_rank"] <= unc["q95"]).all()
    ranks = pd.read_csv(tmp_path / "run" / "ranks.csv", index_col="unit")
    assert ranks.shape == (10, 60)
    np.testing.assert_array_equal(ranks.to_numpy().T, a.ranks)
    # replaying samples.csv reproduces every replication
    r = uncertainty(engine=engine, replay=tmp_path / "run" / "samples.csv")
    np.testing.assert_array_equal(r.ranks, a.ranks)
    np.testing.assert_array_equal(r.scores, a.scores)
    assert r.meta["design"] == "replay"
    # the naive path on the same samples gives the same ranks
    n = uncertainty(engine=engine, replay=tmp_path / "run" / "samples.csv", naive=True)
    np.testing.assert_allclose(n.scores, a.scores, atol=1e-9)
    # each unit's statistics are those of its column
    col = a.ranks[:, 0]
    row = a.summary.set_index("unit").loc[engine.units[0]]
    assert row["mean_rank"] == pytest.approx(col.mean())
    assert row["q95"] == pytest.approx(np.quantile(col, 0.95))
    assert a.mean_shift == pytest.approx(np.mean(np.abs(a.ranks - engine.nominal_ranks).mean(axis=1)))


def test_nominal_is_the_spec_as_written(engine):
    from citynexus.evaluate import build

    r = build(_dataset(engine), engine.spec)
    np.testing.assert_allclose(engine.nominal_scores, r.scores["T"].to_numpy())


def _dataset(engine):
    return random_dataset(21, n_units=10, n_pillars=3, missing=0.05)


def test_sobol_indices_on_the_ishigami_function():
    """Published values (Ishigami & Homma 1990; a = 7, b = 0.1): S1 = 0.3139, 0.4424, 0;
    ST = 0.5576, 0.4424, 0.2437."""
    fs = [
        factor_from_dict(
            {"name": f"x{i}", "kind": "continuous", "path": "treat.skew_threshold", "low": -np.pi, "high": np.pi}
        )
        for i in (1, 2, 3)
    ]
    x = saltelli_sample(fs, 4096, seed=1)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    t = sobol_indices(y, ["x1", "x2", "x3"], num_resamples=300, seed=2).set_index("factor")
    np.testing.assert_allclose(t["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(t["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)
    assert (t["S1_low"] <= t["S1"]).all() and (t["S1"] <= t["S1_high"]).all()
    assert (t["ST_low"] < [0.5576, 0.4424, 0.2437]).all() and (t["ST_high"] > [0.5576, 0.4424, 0.2437]).all()
    flat = sobol_indices(np.ones(5 * 8), ["a", "b", "c"])
    assert (flat[["S1", "ST"]] == 0).all().all()
    with pytest.raises(Exception, match="Saltelli design"):
        sobol_indices(np.ones(7), ["a", "b", "c"])


def test_sensitivity_finds_the_factor_that_matters(engine):
    ds = _dataset(engine)
    fs = [
        factor_from_dict(
            {
                "name": "agg",
                "kind": "choice",
                "target": "aggregate",
                "options": [{"method": "arithmetic"}, {"method": "harmonic"}],
            }
        ),
        # a factor with no effect: both options are the nominal setting
        factor_from_dict(
            {"name": "dummy", "kind": "choice", "target": "treat", "options": [{"winmax": 2}, {"winmax": 2}]}
        ),
    ]
    spec = IndexSpec().impute_with("mean").normalise_with("minmax", range=(1, 100)).treat_with(winmax=2)
    s = sensitivity(ds, spec, fs, n=64, seed=3, num_resamples=200, per_unit=True)
    t = s.indices.set_index("factor")
    assert t.loc["dummy", "S1"] == 0 and t.loc["dummy", "ST"] == 0
    assert t.loc["agg", "ST"] > 0.9 and t.loc["agg", "S1"] > 0.8
    assert s.samples.shape == (64 * 4, 3)
    assert list(s.convergence.columns) == ["factor", "S1_half", "S1", "ST_half", "ST", "max_change"]
    assert s.converged
    assert set(s.unit_indices["factor"]) == {"agg", "dummy"}
    assert (s.unit_indices.query("factor == 'dummy'")["ST"] == 0).all()


def test_plots_return_figures(engine, tmp_path):
    a = uncertainty(engine=engine, n=30, seed=1)
    fig = rank_uncertainty_plot(a.summary, title="t")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(a.summary["unit"])
    assert len(ax.collections) == 1  # the 5-95% bars
    fig.savefig(tmp_path / "u.png")
    idx = pd.DataFrame(
        {
            "factor": ["a", "b"],
            "S1": [0.5, 0.1],
            "S1_low": [0.4, 0.0],
            "S1_high": [0.6, 0.2],
            "ST": [0.7, 0.2],
            "ST_low": [0.6, 0.1],
            "ST_high": [0.8, 0.3],
        }
    )
    f2 = sobol_plot(idx)
    assert isinstance(f2, Figure) and len(f2.axes[0].patches) == 4
    f3 = rank_range_plot(
        pd.DataFrame({"unit": ["A", "B"], "nominal_rank": [1, 2], "best_rank": [1, 1], "worst_rank": [2, 2]})
    )
    assert isinstance(f3, Figure)
    assert (tmp_path / "u.png").stat().st_size > 1000
