"""The search scale (floor, plain z-scoring), the piecewise-linear cost, the binary-segmentation search,
and the real annotated series shipped for the benchmark (``benchmarks/data/tcpd``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from citynexus.watch.changepoints import (
    DEFAULT,
    ChangePointDetector,
    ChangePointSettings,
    hampel_rows,
    linear_trend_cost,
)
from citynexus.watch.errors import WatchSpecError

TCPD = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "tcpd"
#: The earlier default: a piecewise-constant mean (l2 cost) searched by PELT.
MEAN_MODEL = dict(cost="l2", search="pelt", beta=1.5, min_size=5, hampel=4.0, scale_floor=1.25)


def test_scale_floor_limits_the_steps_cut_into_a_smooth_trend():
    """A ramp with tiny noise (population-like) is cut every min_size points by a mean model when the
    scale is the month-to-month noise; with the floor of 1.25 sd only the ends of a piecewise-constant
    fit remain (two cuts: a mean model cannot follow a slope, see docs/risk.md)."""
    t = np.arange(200.0)
    x = 1e6 + 1e3 * t + np.random.default_rng(0).normal(0, 5, t.size)
    assert len(ChangePointDetector(**{**MEAN_MODEL, "scale_floor": 0.0}).fit_predict(x)) >= 30
    res = ChangePointDetector(**MEAN_MODEL).fit(x).result_
    assert res.changepoints == [66, 133]
    assert res.extra["scale"] == pytest.approx(1.25 * x.std(), rel=1e-9)


def test_default_follows_a_steady_trend_without_cuts():
    """The default's segments are lines, so the same ramp is one segment, with or without the floor."""
    t = np.arange(200.0)
    x = 1e6 + 1e3 * t + np.random.default_rng(0).normal(0, 5, t.size)
    assert DEFAULT.cost == "linear"
    assert ChangePointDetector().fit_predict(x) == []
    assert ChangePointDetector(scale_floor=0.0).fit_predict(x) == []


def test_a_change_of_slope_is_a_change_point():
    """Rising by 2 a period, then falling by 1 from t = 50, no jump: found within the 5-point margin."""
    t = np.arange(100.0)
    x = np.where(t < 50, 100 + 2 * t, 200 - (t - 50)) + np.random.default_rng(0).normal(0, 2, t.size)
    (cp,) = ChangePointDetector().fit_predict(x)
    assert abs(cp - 50) <= 5
    assert ChangePointDetector(**MEAN_MODEL).fit_predict(x) != [cp]  # a mean model cuts the slopes into steps


def test_linear_trend_cost_equals_ruptures_costlinear():
    """The O(1) cumulative-sum cost equals ruptures' least-squares CostLinear with covariates (1, t),
    also for uneven times (missing values)."""
    import ruptures as rpt

    rng = np.random.default_rng(4)
    y = rng.normal(0, 1, 50).cumsum()
    t = np.sort(rng.choice(80, 50, replace=False)).astype(float)
    ours = linear_trend_cost(t).fit(y.reshape(-1, 1))
    peer = rpt.costs.CostLinear().fit(np.c_[y, np.ones(50), t])
    for a in range(0, 45, 3):
        for b in range(a + 2, 51, 4):
            assert ours.error(a, b) == pytest.approx(peer.error(a, b), abs=1e-9)


def test_slope_penalty_keeps_a_slope_only_when_it_pays():
    """y = 0, 1, 2, 3: the mean leaves RSS 5, the line 0; ``error = min(RSS_mean, RSS_line + p)``."""
    y = np.array([0.0, 1.0, 2.0, 3.0]).reshape(-1, 1)
    assert linear_trend_cost().fit(y).error(0, 4) == pytest.approx(0.0)
    assert linear_trend_cost(slope_penalty=2.0).fit(y).error(0, 4) == pytest.approx(2.0)
    assert linear_trend_cost(slope_penalty=10.0).fit(y).error(0, 4) == pytest.approx(5.0)
    assert linear_trend_cost().fit(y).error(1, 2) == 0.0  # one point: no slope to fit


def test_sd_scale_is_plain_z_scoring():
    x = np.random.default_rng(2).normal(0, 1, 60) + np.r_[np.zeros(30), np.full(30, 3.0)]
    res = ChangePointDetector(scale="sd").fit(x).result_
    assert res.extra["scale"] == pytest.approx(x.std(), rel=1e-12)
    assert res.changepoints == [30]


def test_scale_floor_keeps_a_clear_step_and_reports_noise_sigmas():
    x = np.r_[np.zeros(40), np.full(40, 4.0)] + np.random.default_rng(1).normal(0, 1, 80)
    res = ChangePointDetector().fit(x).result_
    assert res.changepoints == [40]
    # the magnitude is in noise sigmas (about 4), not on the search scale (about 4 / (1.25 * 2.2))
    assert 3.0 < res.magnitudes[0]["sigmas"] < 5.5
    assert res.extra["scale"] > res.sigma


def test_binseg_search_matches_ruptures_binseg():
    import ruptures as rpt

    rng = np.random.default_rng(2)
    x = np.r_[rng.normal(0, 1, 30), rng.normal(3, 1, 30), rng.normal(-1, 1, 30)]
    det = ChangePointDetector(cost="l2", search="binseg", hampel=0.0, scale_floor=0.0, min_size=5)
    res = det.fit(x).result_
    z = (x - np.median(x)) / res.sigma
    expect = rpt.Binseg(model="l2", min_size=5, jump=1).fit(z.reshape(-1, 1))
    assert res.changepoints == [b for b in expect.predict(pen=res.penalty) if b < x.size]
    assert res.changepoints == [30, 60]


def test_default_search_matches_ruptures_binseg_with_its_linear_cost():
    """Without the slope penalty the default search is ruptures' Binseg with its own CostLinear
    (covariates 1, t) on the prepared series; missing values keep their time."""
    import ruptures as rpt

    rng = np.random.default_rng(5)
    t = np.arange(120.0)
    x = np.where(t < 60, 10 + 0.5 * t, 80 - 0.2 * t) + rng.normal(0, 1, t.size)
    x[[7, 8, 90]] = np.nan
    det = ChangePointDetector(trend_beta=0.0)
    prep, res = det.prepare(x), det.fit(x).result_
    signal = np.c_[prep.z, np.ones(prep.z.size), prep.obs]
    peer = rpt.Binseg(model="linear", min_size=DEFAULT.min_size, jump=1).fit(signal)
    expect = [int(prep.obs[b]) for b in peer.predict(pen=res.penalty) if b < prep.z.size]
    assert res.changepoints == expect and len(expect) >= 1


def test_hampel_rows_equals_row_by_row():
    Z = np.random.default_rng(3).normal(0, 1, (5, 30))
    Z[:, 7] += 9
    rows = hampel_rows(Z, 4.0, 2)
    for i in range(5):
        assert np.array_equal(rows[i], hampel_rows(Z[i : i + 1], 4.0, 2)[0])
    assert np.all(np.abs(rows[:, 7]) < 4)


@pytest.mark.parametrize(
    "kw, message",
    [(dict(search="dp"), "search must be one of"), (dict(scale_floor=-0.1), "scale_floor"),
     (dict(scale_floor=float("nan")), "scale_floor"), (dict(scale="mad"), "scale must be one of"),
     (dict(trend_beta=-1.0), "trend_beta"), (dict(trend_beta=float("nan")), "trend_beta")],
)  # fmt: skip
def test_bad_settings(kw, message):
    with pytest.raises(WatchSpecError, match=message):
        ChangePointSettings(**kw)


def test_shipped_tcpd_series_match_their_annotations():
    ann = json.loads((TCPD / "annotations.json").read_text())
    files = sorted(TCPD.glob("*.csv"))
    assert len(files) == 23 and set(ann) == {f.stem for f in files} | {"nile", "seatbelts"}
    for f in files:
        df = pd.read_csv(f)
        assert list(df.columns) == ["t", "value"]
        n = len(df)
        assert 21 <= n <= 816
        for marks in ann[f.stem].values():
            assert all(0 < m < n for m in marks), f.stem
        assert df["value"].notna().sum() >= n - 2
    readme = (TCPD / "README.md").read_text()
    assert all(f"`{f.name}`" in readme for f in files)
