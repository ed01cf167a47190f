"""Hand-computed checks of the data steps: statistics, denominate, screen, impute,
outlier treatment (COINr rules) and normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats as sps

from citynexus.evaluate import normalise as nz
from citynexus.evaluate._util import kurt, rank_descending, skew
from citynexus.evaluate.denominate import denominate
from citynexus.evaluate.impute import impute, impute_panel
from citynexus.evaluate.screen import screen
from citynexus.evaluate.treat import TreatOptions, boxcox, check_skew_kurt, log_ct, treat, treat_vector, winsorise


# ---------------------------------------------------------------- skew / kurtosis
def test_skew_kurt_hand_computed():
    # x = 1,2,3,4,10: d = -3,-2,-1,0,6; sum d^2 = 50, sum d^3 = 180, sum d^4 = 1394
    x = np.array([1, 2, 3, 4, 10.0])
    g1 = np.sqrt(5) * 180 / 50**1.5 * np.sqrt(20) / 3
    assert skew(x) == pytest.approx(g1, rel=1e-12)
    assert skew(x) == pytest.approx(1.697056, abs=1e-6)
    # r = 5*1394/2500 = 2.788; G2 = ((6)(r-3)+6)(4)/((3)(2)) = 3.152
    assert kurt(x) == pytest.approx(3.152, rel=1e-12)


def test_skew_kurt_ignore_nan_and_match_scipy_bias_adjusted():
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=40)
    x[[3, 7]] = np.nan
    obs = x[~np.isnan(x)]
    assert skew(x) == pytest.approx(sps.skew(obs, bias=False), rel=1e-10)
    assert kurt(x) == pytest.approx(sps.kurtosis(obs, bias=False), rel=1e-10)


def test_skew_kurt_undefined_cases():
    assert np.isnan(skew([1.0, 2.0]))
    assert np.isnan(kurt([1.0, 2.0, 3.0]))
    assert np.isnan(skew([5.0, 5.0, 5.0, 5.0]))


def test_rank_descending_ties_take_minimum():
    r = rank_descending(np.array([3.0, 5.0, 5.0, 1.0, np.nan]))
    assert r[:4].tolist() == [3, 1, 1, 4]
    assert np.isnan(r[4])


# ---------------------------------------------------------------- denominate / screen
def test_denominate_divides_scales_and_logs_zero_or_missing():
    t = pd.DataFrame({"a": [10.0, 20.0, 30.0, 5.0], "b": [1.0, 2.0, 3.0, 4.0]}, index=list("WXYZ"))
    d = pd.DataFrame({"pop": [2.0, 0.0, np.nan, 10.0]}, index=list("WXYZ"))
    out, log = denominate(t, d, {"a": "pop", "b": None}, {"a": 100.0})
    assert out.loc["W", "a"] == 500.0
    assert out.loc["Z", "a"] == 50.0
    assert np.isnan(out.loc["X", "a"]) and np.isnan(out.loc["Y", "a"])
    assert out["b"].tolist() == [1.0, 2.0, 3.0, 4.0]
    reasons = {(r["unit"], r["reason"]) for r in log}
    assert reasons == {("X", "denominator is zero"), ("Y", "denominator is missing")}


def test_screen_thresholds_units_then_indicators():
    t = pd.DataFrame(
        {"a": [1, 2, 3, np.nan], "b": [1, np.nan, np.nan, np.nan], "c": [1, 2, 3, 4.0]}, index=list("WXYZ")
    )
    # unit availability: W 1, X 2/3, Y 2/3, Z 1/3
    s, info = screen(t, unit_threshold=2 / 3, indicator_threshold=2 / 3)
    assert list(s.index) == ["W", "X", "Y"]
    assert info["dropped_units"] == {"Z": pytest.approx(1 / 3)}
    # over W, X, Y: b availability 1/3 -> dropped
    assert list(s.columns) == ["a", "c"]
    assert info["dropped_indicators"] == {"b": pytest.approx(1 / 3)}
    s0, info0 = screen(t, 0, 0)
    assert s0.shape == t.shape and not info0["dropped_units"]


# ---------------------------------------------------------------- impute
def test_impute_mean_median_even_count():
    t = pd.DataFrame({"a": [1.0, 2.0, 10.0, 3.0, np.nan]}, index=list("VWXYZ"))
    m, cells = impute(t, "mean")
    assert m.loc["Z", "a"] == 4.0
    assert cells[["unit", "indicator", "value"]].values.tolist() == [["Z", "a", 4.0]]
    md, _ = impute(t, "median")
    assert md.loc["Z", "a"] == 2.5  # mean of the two middle values 2 and 3
    # observed values never change
    assert (m.loc[list("VWXY"), "a"] == t.loc[list("VWXY"), "a"]).all()


def test_impute_group_mean_and_median_edge_cases():
    t = pd.DataFrame({"a": [1.0, 3.0, np.nan, np.nan, np.nan, 8.0, np.nan]}, index=list("ABCDEFG"))
    g = pd.Series(["x", "x", "x", "y", "y", "z", ""], index=list("ABCDEFG"))
    out, cells = impute(t, "group_mean", g)
    assert out.loc["C", "a"] == 2.0  # group x mean of 1, 3
    assert np.isnan(out.loc["D", "a"]) and np.isnan(out.loc["E", "a"])  # group y has no data
    assert np.isnan(out.loc["G", "a"])  # no group: left alone
    assert len(cells) == 1
    t2 = pd.DataFrame({"a": [1.0, 2.0, 4.0, 9.0, np.nan]}, index=list("ABCDE"))
    g2 = pd.Series(["x"] * 5, index=list("ABCDE"))
    out2, _ = impute(t2, "group_median", g2)
    assert out2.loc["E", "a"] == 3.0


def test_impute_rejects_unknown_method():
    with pytest.raises(ValueError, match="unknown"):
        impute(pd.DataFrame({"a": [1.0]}), "avg")


def test_impute_panel_methods():
    idx = pd.MultiIndex.from_product([["A"], [2015, 2016, 2017, 2018, 2019]], names=["unit", "period"])
    p = pd.DataFrame({"x": [np.nan, 10.0, np.nan, 16.0, np.nan]}, index=idx)
    lin, cells = impute_panel(p, "interpolate")
    assert lin["x"].tolist()[1:4] == [10.0, 13.0, 16.0]
    assert np.isnan(lin["x"].iloc[0]) and np.isnan(lin["x"].iloc[4])  # no extrapolation
    assert set(cells["period"]) == {2017}
    locf, _ = impute_panel(p, "locf")
    assert locf["x"].tolist()[1:] == [10.0, 10.0, 16.0, 16.0]
    nocb, _ = impute_panel(p, "nocb")
    assert nocb["x"].tolist()[:4] == [10.0, 10.0, 16.0, 16.0]
    near, _ = impute_panel(p, "nearest")
    # 2017 is 1 year from both 2016 and 2018: the earlier year wins
    assert near["x"].tolist() == [10.0, 10.0, 10.0, 16.0, 16.0]


# ---------------------------------------------------------------- outlier treatment (COINr rules)
def test_check_skew_kurt_is_or_rule():
    assert check_skew_kurt(np.r_[np.arange(1, 11), 100.0]) is False
    assert check_skew_kurt(np.arange(1, 11.0)) is True
    # high skew but low kurtosis passes (the rule is |skew| < 2 OR kurt < 3.5)
    x = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    assert abs(skew(x)) < 2 and check_skew_kurt(x, skew_threshold=1.0) is True


def test_winsorise_single_outlier_like_coinr():
    # COINr tests/testthat/test-treat.R: c(1:10, 100) -> the 100 becomes 10, the rest unchanged
    x = np.r_[np.arange(1, 11), 100.0]
    w = winsorise(x, winmax=5)
    assert w.x[-1] == 10.0 and (w.x[:10] == x[:10]).all()
    assert w.nwin == 1 and w.passed is True and w.tails[-1] == "high"


def test_winsorise_counts_tied_points_and_stops_at_winmax():
    x = np.r_[np.arange(1, 21), 100.0, 200.0]
    w1 = winsorise(x, winmax=1)
    assert w1.nwin == 1 and w1.passed is False and w1.x[-1] == 100.0
    # forced to 3: 200 -> 100; (100, 100) -> 20; now 1..20,20,20 is skewed to the left, so
    # the low tail is clipped: 1 -> 2. COINr counts len(imax) + len(imin) = 2 + 1 = 3
    wf = winsorise(x, winmax=3, force=True)
    assert wf.nwin == 3 and wf.iterations == 3
    assert (wf.tails != "").sum() == 3
    assert wf.x[-2:].tolist() == [20.0, 20.0] and wf.x[0] == 2.0
    assert wf.tails[0] == "low" and wf.tails[-1] == "high"
    # ties at the extreme are clipped together and counted together
    y = np.r_[np.arange(1, 31), 200.0, 200.0]
    assert check_skew_kurt(y) is False
    wy = winsorise(y, winmax=5)
    assert wy.iterations == 1 and wy.nwin == 2 and wy.x[-2:].tolist() == [30.0, 30.0]


def test_winsorise_low_tail_follows_negative_skew():
    x = np.r_[np.arange(1, 11), -100.0]
    w = winsorise(x)
    assert w.x[-1] == 1.0 and w.tails[-1] == "low"


def test_treat_falls_back_to_log_of_original_values():
    x = np.r_[np.arange(1, 21), 100.0, 200.0]
    out, det, marks = treat_vector(x, TreatOptions(winmax=1, fallback="log"))
    assert det["treatment"] == "log"
    np.testing.assert_allclose(out, np.log(x - 1 + 0.01 * 199))
    assert (marks == "log").all()
    # fallback none keeps the (insufficient) winsorisation
    out2, det2, _ = treat_vector(x, TreatOptions(winmax=1, fallback="none"))
    assert det2["treatment"] == "winsorise" and out2[-1] == 100.0 and det2["passed_after"] is False


def test_log_ct_and_boxcox_formulas():
    x = np.array([1.0, 2.0, 5.0, 11.0])
    np.testing.assert_allclose(log_ct(x), np.log(x - 1 + 0.1))
    y, lam = boxcox(x, 0.5)
    np.testing.assert_allclose(y, (np.sqrt(x - 1 + 1) - 1) / 0.5)
    assert lam == 0.5
    y0, _ = boxcox(x, 0.0)
    np.testing.assert_allclose(y0, np.log(x))
    _, lam_mle = boxcox(np.r_[np.arange(1, 30), 500.0])
    assert lam_mle < 0.5  # a long right tail asks for a compressing transform


def test_treat_table_details_and_points():
    t = pd.DataFrame(
        {"ok": np.arange(1, 12, dtype=float), "out": np.r_[np.arange(1, 11), 100.0], "few": [1, 2, 3] + [np.nan] * 8},
        index=[f"u{i}" for i in range(11)],
    )
    out, det, pts = treat(t, per_indicator={"ok": {"method": "none"}})
    d = det.set_index("indicator")
    assert d.loc["out", "treatment"] == "winsorise"
    assert d.loc["out", "winsorised_high"] == ["u10"]
    assert d.loc["out", "skew_before"] == pytest.approx(skew(t["out"]))
    assert d.loc["out", "passed_after"] is True
    assert d.loc["ok", "treatment"] == "none"
    assert d.loc["few", "treatment"].startswith("none (skew/kurtosis undefined")
    assert pts.to_dict("records") == [
        {"unit": "u10", "indicator": "out", "treatment": "winsorised high", "before": 100.0, "after": 10.0}
    ]
    assert out.loc["u10", "out"] == 10.0


# ---------------------------------------------------------------- normalisation
X = np.array([[2.0], [4.0], [6.0], [10.0]])


@pytest.mark.parametrize(
    ("method", "params", "direction", "expected"),
    [
        ("minmax", {}, 1, [0, 25, 50, 100]),
        ("minmax", {}, -1, [100, 75, 50, 0]),
        ("minmax", {"low": 1, "high": 100}, 1, [1, 25.75, 50.5, 100]),
        ("zscore", {}, 1, np.array([-3.5, -1.5, 0.5, 4.5]) / np.sqrt(35 / 3)),
        ("zscore", {"mean": 10, "sd": 2}, -1, 10 + 2 * np.array([3.5, 1.5, -0.5, -4.5]) / np.sqrt(35 / 3)),
        ("rank", {}, 1, [1, 2, 3, 4]),
        ("rank", {}, -1, [4, 3, 2, 1]),
        ("percentile", {}, 1, [0, 1 / 3, 2 / 3, 1]),
        ("borda", {}, 1, [0, 1, 2, 3]),
        ("goalposts", {"lower": [0.0], "upper": [8.0]}, 1, [25, 50, 75, 100]),
        ("goalposts", {"lower": [0.0], "upper": [8.0]}, -1, [75, 50, 25, 0]),
        ("goalposts", {"lower": [0.0], "upper": [8.0], "clip": False, "scale": 1}, 1, [0.25, 0.5, 0.75, 1.25]),
        ("dist2max", {}, 1, [0, 0.25, 0.5, 1]),
        ("dist2target", {"target": [8.0]}, 1, [0, 1 / 3, 2 / 3, 4 / 3]),
        ("dist2target", {"target": [8.0], "cap": True}, 1, [0, 1 / 3, 2 / 3, 1]),
        ("dist2ref", {"ref": 2}, 1, [0, 0.5, 1, 2]),
        ("dist2ref", {"ref": 2, "cap": True}, 1, [0, 0.5, 1, 1]),
        ("fracmax", {}, 1, [0.2, 0.4, 0.6, 1.0]),
        ("none", {}, -1, [-2, -4, -6, -10]),
    ],
)
def test_normalise_hand_computed(method, params, direction, expected):
    y = nz.normalise_array(X, method, [direction], **params)
    np.testing.assert_allclose(y[:, 0], expected, rtol=1e-12, atol=1e-12)


def test_rank_ties_take_minimum_and_missing_stays_missing():
    y = nz.rank(np.array([[2.0], [4.0], [4.0], [np.nan], [10.0]]))
    assert y[[0, 1, 2, 4], 0].tolist() == [1, 2, 2, 4] and np.isnan(y[3, 0])
    p = nz.percentile(np.array([[2.0], [4.0], [4.0], [np.nan], [10.0]]))
    np.testing.assert_allclose(p[[0, 1, 2, 4], 0], [0, 1 / 3, 1 / 3, 1])


def test_zero_range_documented_results_and_warning():
    t = pd.DataFrame({"flat": [3.0, 3.0, np.nan, 3.0], "x": [1.0, 2.0, 3.0, 4.0]})
    y, warns = nz.normalise(t, "minmax")
    assert y["flat"].tolist()[:2] == [50.0, 50.0] and np.isnan(y["flat"].iloc[2])
    assert any("flat" in w and "zero range" in w for w in warns)
    z, _ = nz.normalise(t, "zscore", mean=10)
    assert z["flat"].iloc[0] == 10.0


def test_normalise_table_per_indicator_and_errors():
    t = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [10.0, 20.0, 40.0]}, index=["P", "Q", "R"])
    y, _ = nz.normalise(
        t, "minmax", {"a": 1, "b": -1}, per_indicator={"b": {"method": "dist2ref", "ref": "Q"}}, low=0, high=1
    )
    assert y["a"].tolist() == [0.0, 0.5, 1.0]
    # b oriented: -10, -20, -40; ref Q = -20; min = -40 -> 1 - (-20 - x)/(-20 + 40)
    np.testing.assert_allclose(y["b"], [1.5, 1.0, 0.0])
    with pytest.raises(ValueError, match="reference unit"):
        nz.normalise(t, "dist2ref", ref="nowhere")
    with pytest.raises(ValueError, match="unknown normalisation"):
        nz.normalise_array(t.to_numpy(), "minimax")


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (6, 3), elements=st.integers(-1000, 1000).map(float)),
    st.floats(0.1, 100),
    st.floats(-100, 100),
)
def test_minmax_invariant_to_positive_affine_maps(x, a, b):
    y1 = nz.minmax(x)
    y2 = nz.minmax(a * x + b)
    np.testing.assert_allclose(y1, y2, atol=1e-6)
    assert np.nanmin(y1) >= -1e-9 and np.nanmax(y1) <= 100 + 1e-9


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (3, 5, 4), elements=st.floats(0, 100, allow_nan=False)))
def test_normalise_batch_axis_equals_loop(x):
    for f in (nz.minmax, nz.zscore, nz.rank, nz.percentile, nz.dist2max):
        batch = f(x, [1, -1, 1, 1])
        for k in range(x.shape[0]):
            np.testing.assert_allclose(batch[k], f(x[k], [1, -1, 1, 1]), equal_nan=True)
