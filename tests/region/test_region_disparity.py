"""Disparity: hand-computed Gini/Theil/CV/Dagum, cross-checks against PySAL `inequality`,
decomposition identities (hypothesis), weighting by replication, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inequality.gini import Gini
from inequality.theil import Theil, TheilD

from citynexus.region import (
    RegionInputError,
    cv,
    dagum_gini,
    disparity_by_period,
    gini,
    theil,
    theil_decomposition,
)
from citynexus.region.disparity import abs_diff_sum


# --------------------------------------------------------------------------- hand-computed
def test_gini_hand():
    # |xi - xj| over ordered pairs of (1,2,3,4) = 2*(1+2+3+1+2+1) = 20; G = 20 / (2*16*2.5)
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (n-1)/n for one holder


def test_theil_hand():
    # x = (1, 4): mu = 2.5; T = 1/2 [0.4 ln 0.4 + 1.6 ln 1.6]; L = 1/2 [ln 2.5 + ln 0.625]
    assert theil([1, 4]) == pytest.approx(0.5 * (0.4 * math.log(0.4) + 1.6 * math.log(1.6)))
    assert theil([1, 4], kind="L") == pytest.approx(0.5 * (math.log(2.5) + math.log(0.625)))
    assert theil([3, 3, 3]) == pytest.approx(0.0)
    # a zero contributes 0 to T (s ln s -> 0) but makes L undefined
    assert theil([0, 2]) == pytest.approx(math.log(2))
    with pytest.raises(RegionInputError, match="Theil L"):
        theil([0, 2], kind="L")


def test_cv_hand():
    assert cv([1, 2, 3]) == pytest.approx(math.sqrt(2 / 3) / 2)
    assert cv([1, 2, 3], ddof=1) == pytest.approx(1 / 2)
    # weighted: weights (1, 1, 2) = replicate the 3
    assert cv([1, 2, 3], weights=[1, 1, 2]) == pytest.approx(cv([1, 2, 3, 3]))


def test_dagum_hand_computed():
    # groups A = (1, 3), B = (2, 6); n = 4, mean 3
    # G    = sum|.| over ordered pairs 32 / (2*16*3) = 1/3
    # G_AA = 4/(2*4*2) = 1/4, G_BB = 8/(2*4*4) = 1/4; p = (1/2, 1/2), s = (1/3, 2/3)
    # G_w  = 1/4*1/2*1/3 + 1/4*1/2*2/3 = 1/8
    # G_BA = (1+1+5+3) / (2*2*(4+2)) = 5/12; d_BA = 9/4, p_BA = 1/4 -> D_BA = 4/5
    # weight p_B s_A + p_A s_B = 1/2; G_nb = 5/12*1/2*4/5 = 1/6; G_t = 5/12*1/2*1/5 = 1/24
    x = pd.Series([1.0, 3.0, 2.0, 6.0], index=list("abcd"))
    r = dagum_gini(x, {"a": "A", "b": "A", "c": "B", "d": "B"})
    assert r.total == pytest.approx(1 / 3)
    assert r.within == pytest.approx(1 / 8)
    assert r.between_net == pytest.approx(1 / 6)
    assert r.transvariation == pytest.approx(1 / 24)
    assert r.groups.loc["A", "G_jj"] == pytest.approx(0.25) and r.groups.loc["B", "s"] == pytest.approx(2 / 3)
    pair = r.pairs.iloc[0]
    assert (pair.group_j, pair.group_h) == ("B", "A")  # richer group first
    assert pair.G_jh == pytest.approx(5 / 12)
    assert (pair.d_jh, pair.p_jh, pair.D_jh) == pytest.approx((9 / 4, 1 / 4, 4 / 5))
    s = r.summary()
    assert s["share_w"] + s["share_nb"] + s["share_t"] == pytest.approx(1.0)
    assert r.total == pytest.approx(gini(x))


def test_dagum_three_groups_and_single_group():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=30)
    g = np.array(["core"] * 8 + ["mid"] * 12 + ["rim"] * 10)
    r = dagum_gini(x, g)
    assert len(r.pairs) == 3
    assert r.within + r.between_net + r.transvariation == pytest.approx(r.total, abs=1e-12)
    assert r.total == pytest.approx(Gini(x).g)
    one = dagum_gini(x, ["all"] * 30)
    assert one.within == pytest.approx(one.total) and one.between_net == 0.0 and one.pairs.empty


# --------------------------------------------------------------------------- PySAL cross-checks
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_pysal_inequality(seed):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(1, 0.8, size=60)
    groups = rng.integers(0, 4, size=60)
    assert gini(x) == pytest.approx(Gini(x).g, rel=1e-12)
    assert theil(x) == pytest.approx(Theil(x).T, rel=1e-12)
    td = TheilD(x, groups)
    ours = theil_decomposition(x, groups)
    assert ours.total == pytest.approx(float(td.T), rel=1e-12)
    assert ours.between == pytest.approx(float(np.ravel(td.bg)[0]), rel=1e-10)
    assert ours.within == pytest.approx(float(np.ravel(td.wg)[0]), rel=1e-10)


def test_gzma_against_pysal(shared_data):
    raw = pd.read_csv(shared_data / "gzma" / "gzma_scores.csv")
    for col in ["PS_Score", "EL_Score", "OH_Score", "IL_Score"]:
        x = raw[col].to_numpy()
        assert gini(x) == pytest.approx(Gini(x).g, rel=1e-12)
        assert theil(x) == pytest.approx(Theil(x).T, rel=1e-12)


# --------------------------------------------------------------------------- weighting
def test_weighted_equals_replicated():
    x = np.array([1.0, 2.0, 5.0, 9.0])
    w = np.array([3, 1, 2, 1])
    rep = np.repeat(x, w)
    assert gini(x, w) == pytest.approx(gini(rep))
    assert theil(x, w) == pytest.approx(theil(rep))
    assert theil(x, w, "L") == pytest.approx(theil(rep, kind="L"))
    g = np.array(["a", "a", "b", "b"])
    d1 = theil_decomposition(x, g, w)
    d2 = theil_decomposition(rep, np.repeat(g, w))
    assert (d1.within, d1.between) == pytest.approx((d2.within, d2.between))


def test_series_alignment_by_unit():
    x = pd.Series([1.0, 2.0, 5.0], index=["a", "b", "c"])
    w = pd.Series([1.0, 1.0, 2.0], index=["c", "b", "a"])  # other order: aligned by unit
    assert gini(x, w) == pytest.approx(gini([1, 1, 2, 5]))
    with pytest.raises(RegionInputError, match="no weight"):
        gini(x, pd.Series([1.0], index=["a"]))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(0.01, 1000), min_size=3, max_size=25),
    st.integers(1, 4),
    st.sampled_from(["T", "L"]),
)
def test_decompositions_add_up(values, k, kind):
    x = np.array(values)
    g = np.arange(len(x)) % k
    t = theil_decomposition(x, g, kind=kind)
    assert t.within + t.between == pytest.approx(t.total, abs=1e-9)
    assert t.between >= -1e-12 and t.within >= -1e-12
    d = dagum_gini(x, g)
    assert d.within + d.between_net + d.transvariation == pytest.approx(d.total, abs=1e-9)
    assert d.total == pytest.approx(gini(x), abs=1e-12)
    assert 0 <= d.total < 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=1, max_size=20), st.lists(st.floats(-100, 100), min_size=1, max_size=20))
def test_abs_diff_sum(a, b):
    brute = sum(abs(x - y) for x in a for y in b)
    assert abs_diff_sum(np.array(a), np.array(b)) == pytest.approx(brute, rel=1e-9, abs=1e-6)


# --------------------------------------------------------------------------- bad inputs and panel
def test_bad_inputs():
    with pytest.raises(RegionInputError, match="negative"):
        gini([1, -2, 3])
    with pytest.raises(RegionInputError, match="missing"):
        gini(pd.Series([1.0, np.nan], index=["a", "b"]))
    with pytest.raises(RegionInputError, match="sums to 0"):
        theil([0, 0])
    with pytest.raises(RegionInputError, match="empty"):
        gini([])
    with pytest.raises(RegionInputError, match="groups has 2 labels"):
        dagum_gini([1, 2, 3], ["a", "b"])
    with pytest.raises(RegionInputError, match="no group"):
        dagum_gini(pd.Series([1.0, 2.0], index=["x", "y"]), {"x": "a"})
    with pytest.raises(RegionInputError, match="kind"):
        theil([1, 2], kind="X")
    with pytest.raises(RegionInputError, match="weights has"):
        gini([1, 2, 3], [1, 2])


def test_disparity_by_period():
    idx = pd.MultiIndex.from_product([["a", "b", "c", "d"], [2020, 2021]], names=["unit", "period"])
    s = pd.Series([1, 2, 3, 3, 2, 2, 6, 5], index=idx, dtype=float)
    groups = pd.Series({"a": "A", "b": "A", "c": "B", "d": "B"})
    t = disparity_by_period(s, groups)
    assert list(t.index) == [2020, 2021]
    x20 = s.xs(2020, level="period")
    assert t.loc[2020, "gini"] == pytest.approx(gini(x20))
    assert t.loc[2020, "G_w"] + t.loc[2020, "G_nb"] + t.loc[2020, "G_t"] == pytest.approx(t.loc[2020, "gini"])
    w = pd.Series(1.0, index=idx)
    t2 = disparity_by_period(s, groups, w)
    assert t2["gini"].tolist() == pytest.approx(t["gini"].tolist())
