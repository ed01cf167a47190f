"""Convergence: sigma (hand values, trend), beta (against numpy least squares, exact
synthetic panels, implied speed and half-life by hand), kernel density."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import gaussian_kde

from citynexus.region import (
    RegionInputError,
    RegionSpecError,
    beta_convergence,
    implied_speed,
    kernel_density,
    sigma_convergence,
)


def panel(n=40, T=12, rho=0.85, noise=0.03, seed=0):
    rng = np.random.default_rng(seed)
    y = np.zeros((n, T))
    y[:, 0] = rng.normal(1.0, 0.6, n)
    for t in range(1, T):
        y[:, t] = 0.2 + rho * y[:, t - 1] + rng.normal(0, noise, n)
    return pd.DataFrame(np.exp(y), index=[f"u{i}" for i in range(n)], columns=range(2000, 2000 + T))


def test_implied_speed_by_hand():
    # beta = -0.02 over T = 10: lambda = -ln(1 - 0.2)/10 = 0.0223144; half-life = ln 2 / lambda = 31.06
    assert implied_speed(-0.02, 10) == pytest.approx(-math.log(0.8) / 10)
    assert math.log(2) / implied_speed(-0.02, 10) == pytest.approx(31.0628, abs=1e-3)
    assert math.isnan(implied_speed(0.01, 10))
    assert math.isnan(implied_speed(-0.2, 10))  # 1 + beta T <= 0


def test_sigma_hand_values_and_trend():
    w = pd.DataFrame({2000: [1.0, 3.0], 2001: [1.5, 2.5], 2002: [1.8, 2.2], 2003: [2.0, 2.0]}, index=["a", "b"])
    s = sigma_convergence(w, measure="cv")
    assert s.table.loc[2000, "sd"] == pytest.approx(1.0)
    assert s.table.loc[2000, "cv"] == pytest.approx(0.5)
    assert s.table.loc[2003, "cv"] == pytest.approx(0.0)
    assert s.slope < 0
    slope = np.polyfit([2000, 2001, 2002, 2003], s.table["cv"].to_numpy(), 1)[0]
    assert s.slope == pytest.approx(slope)
    assert s.table.loc[2000, "sd_log"] == pytest.approx(np.std(np.log([1.0, 3.0])))
    diverging = sigma_convergence(w[w.columns[::-1]].set_axis(w.columns, axis=1))
    assert diverging.slope > 0 and not diverging.converging
    with pytest.raises(RegionSpecError):
        sigma_convergence(w, measure="range")
    with pytest.raises(RegionInputError, match="at least 3 periods"):
        sigma_convergence(w[[2000, 2001]])


def test_beta_cross_section_against_lstsq():
    w = panel()
    r = beta_convergence(w)
    T = 11
    g = np.log(w[2011] / w[2000]) / T
    X = np.column_stack([np.ones(len(w)), np.log(w[2000])])
    coef, *_ = np.linalg.lstsq(X, g, rcond=None)
    assert r.beta == pytest.approx(coef[1], rel=1e-10)
    resid = g - X @ coef
    sigma2 = resid @ resid / (len(g) - 2)
    se = math.sqrt(sigma2 * np.linalg.inv(X.T @ X)[1, 1])
    assert r.se == pytest.approx(se, rel=1e-8)
    assert r.kind == "absolute" and r.n == 40 and r.span == 11
    assert r.speed == pytest.approx(-math.log(1 + r.beta * T) / T)
    assert r.half_life == pytest.approx(math.log(2) / r.speed)
    assert r.converging
    assert set(r.summary().index) >= {"beta", "se", "speed", "half_life"}


def test_beta_exact_synthetic():
    # ln y_T - ln y_0 = T (a + b ln y_0) exactly -> beta = b
    rng = np.random.default_rng(1)
    y0 = rng.lognormal(0, 1, 30)
    b, a, T = -0.03, 0.05, 10
    yT = y0 * np.exp(T * (a + b * np.log(y0)))
    w = pd.DataFrame({2000: y0, 2010: yT})
    r = beta_convergence(w)
    assert r.beta == pytest.approx(b, abs=1e-10)
    assert r.params.loc["const", "coef"] == pytest.approx(a, abs=1e-10)


def test_beta_conditional_with_controls():
    w = panel(seed=2)
    rng = np.random.default_rng(5)
    controls = pd.DataFrame({"z": rng.normal(size=len(w))}, index=w.index)
    r = beta_convergence(w, controls)
    g = np.log(w[2011] / w[2000]) / 11
    X = np.column_stack([np.ones(len(w)), np.log(w[2000]), controls["z"]])
    coef, *_ = np.linalg.lstsq(X, g, rcond=None)
    assert r.kind == "conditional"
    assert r.beta == pytest.approx(coef[1], rel=1e-10)
    assert "z" in r.params.index
    with pytest.raises(RegionInputError, match="controls missing"):
        beta_convergence(w, controls.iloc[:5])


def test_beta_panel_fixed_effects_equals_within_estimator():
    w = panel(n=15, T=8, seed=3)
    r = beta_convergence(w, method="panel-fe")
    ln = np.log(w.to_numpy())
    lag, growth = ln[:, :-1], ln[:, 1:] - ln[:, :-1]
    xd = lag - lag.mean(axis=1, keepdims=True)
    yd = growth - growth.mean(axis=1, keepdims=True)
    beta = (xd * yd).sum() / (xd * xd).sum()
    assert r.beta == pytest.approx(beta, rel=1e-9)
    assert r.n == 15 * 7 and r.kind == "conditional" and r.span == 1
    assert r.speed == pytest.approx(-math.log(1 + beta))
    # true rho = 0.85 -> beta = -0.15 (roughly recovered)
    assert -0.3 < r.beta < -0.05
    r_t = beta_convergence(w, method="panel-fe", time_effects=True)
    assert r_t.n == r.n


def test_beta_panel_skips_gaps_and_takes_lagged_controls():
    w = panel(n=10, T=6, seed=4)
    gap = w.drop(columns=[2003])
    r = beta_convergence(gap, method="panel-fe")
    assert r.n == 10 * 3  # 2000-01, 01-02, 04-05 (02 -> 04 is not one step)
    idx = pd.MultiIndex.from_product([w.index, w.columns], names=["unit", "period"])
    c = pd.DataFrame({"x": np.random.default_rng(0).normal(size=len(idx))}, index=idx)
    rc = beta_convergence(w, c, method="panel-fe")
    assert "x" in rc.params.index


def test_beta_bad_inputs():
    w = panel(n=5, T=3)
    with pytest.raises(RegionInputError, match="> 0"):
        beta_convergence(w - 100)
    with pytest.raises(RegionInputError, match="start"):
        beta_convergence(w, start=2002, end=2000)
    with pytest.raises(RegionSpecError):
        beta_convergence(w, method="gmm")
    with pytest.raises(RegionInputError, match="integer periods"):
        beta_convergence(w.rename(columns=str).add_prefix("y"))


def test_kernel_density():
    w = panel(n=30, T=3)
    kd = kernel_density(w, points=400)
    assert list(kd.columns) == [2000, 2001, 2002]
    x = kd.index.to_numpy()
    for p in kd.columns:
        assert np.trapezoid(kd[p].to_numpy(), x) == pytest.approx(1.0, abs=0.02)
        np.testing.assert_allclose(kd[p].to_numpy(), gaussian_kde(w[p].to_numpy())(x))
    long = w.stack()
    long.index.names = ["unit", "period"]
    pd.testing.assert_frame_equal(kernel_density(long, points=400), kd)
    assert kernel_density(w, grid=[0.0, 1.0, 2.0]).shape == (3, 3)
    with pytest.raises(RegionInputError, match="2 distinct"):
        kernel_density(pd.DataFrame({2000: [1.0, 1.0]}))
