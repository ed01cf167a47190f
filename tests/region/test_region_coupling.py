"""Coupling coordination degree: hand-computed cases (n = 2..5), edge cases, bands, types,
panels, the real gzma data against an independent loop implementation and the values
published in the R package `coupling` vignette, and property tests."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citynexus.region import (
    GRADES_10,
    RegionInputError,
    RegionSpecError,
    bands_from_edges,
    coupling_change,
    coupling_coordination,
    grade,
)


def one(values, method, **kw):
    df = pd.DataFrame([values], columns=[f"U{i + 1}" for i in range(len(values))], index=["u"])
    return coupling_coordination(df, method=method, **kw).loc["u"]


# --------------------------------------------------------------------------- hand-computed
# Every expected value below was worked out by hand from the formulas:
#   standard C = n (prod U)^(1/n) / sum U
#   wang     C = sqrt([1 - sum_{i<j}|Ui-Uj| / (n(n-1)/2)] * [prod (Ui/maxU)]^(1/(n-1)))
#   fan      C = 1 - 2 sqrt((n sum U^2 - (sum U)^2) / n^2)
HAND = [
    # n = 2, U = (0.6, 0.4): prod .24, sum 1; |diff| .2; ratios (1, 2/3); sigma .1
    ((0.6, 0.4), "standard", 2 * math.sqrt(0.24) / 1.0),
    ((0.6, 0.4), "wang", math.sqrt((1 - 0.2) * (0.4 / 0.6))),
    ((0.6, 0.4), "fan", 0.8),
    # n = 3, U = (0.2, 0.4, 0.8): gm = .064^(1/3) = .4, am = 1.4/3 -> 6/7;
    # pairs .2+.6+.4 = 1.2, /3 = .4; ratios .25*.5*1 = .125;  sum U^2 = .84
    ((0.2, 0.4, 0.8), "standard", 6 / 7),
    ((0.2, 0.4, 0.8), "wang", math.sqrt(0.6 * 0.125 ** (1 / 2))),
    ((0.2, 0.4, 0.8), "fan", 1 - 2 * math.sqrt((3 * 0.84 - 1.4**2) / 9)),
    # n = 4, U = (.25, .5, .5, 1): gm = .0625^(1/4) = .5, am = .5625 -> 8/9;
    # pairs .25+.25+.75+0+.5+.5 = 2.25, /6 = .375; ratios prod .0625; sum U^2 = 1.5625
    ((0.25, 0.5, 0.5, 1.0), "standard", 8 / 9),
    ((0.25, 0.5, 0.5, 1.0), "wang", math.sqrt(0.625 * 0.0625 ** (1 / 3))),
    ((0.25, 0.5, 0.5, 1.0), "fan", 1 - 2 * math.sqrt((4 * 1.5625 - 2.25**2) / 16)),
    # n = 5, U = (.2, .4, .4, .6, .8): prod .01536, am .48; pairs 2.8, /10 = .28;
    # ratios .25*.5*.5*.75*1 = .046875; sum U^2 = 1.36, (sum U)^2 = 5.76
    ((0.2, 0.4, 0.4, 0.6, 0.8), "standard", 0.01536 ** (1 / 5) / 0.48),
    ((0.2, 0.4, 0.4, 0.6, 0.8), "wang", math.sqrt(0.72 * 0.046875 ** (1 / 4))),
    ((0.2, 0.4, 0.4, 0.6, 0.8), "fan", 1 - 2 * math.sqrt((5 * 1.36 - 5.76) / 25)),
]


@pytest.mark.parametrize(("U", "method", "C"), HAND)
def test_hand_computed_C_T_D(U, method, C):
    r = one(U, method)
    T = sum(U) / len(U)
    assert r["C"] == pytest.approx(C, abs=1e-12)
    assert r["T"] == pytest.approx(T, abs=1e-12)
    assert r["D"] == pytest.approx(math.sqrt(C * T), abs=1e-12)


def test_hand_values_spelled_out():
    # the decimals, to catch a formula that is wrong in the same way in code and table above
    assert one((0.6, 0.4), "standard")["C"] == pytest.approx(0.9797959, abs=1e-7)
    assert one((0.6, 0.4), "wang")["C"] == pytest.approx(0.7302967, abs=1e-7)
    assert one((0.2, 0.4, 0.8), "wang")["C"] == pytest.approx(0.4605779, abs=1e-7)
    assert one((0.2, 0.4, 0.4, 0.6, 0.8), "fan")["C"] == pytest.approx(0.5920784, abs=1e-7)


def test_unequal_alpha():
    r = one((0.6, 0.4), "wang", alpha=[0.7, 0.3])
    assert r["T"] == pytest.approx(0.54)
    assert r["D"] == pytest.approx(math.sqrt(0.54 * math.sqrt(0.8 * 2 / 3)))
    r2 = one((0.6, 0.4), "wang", alpha={"U2": 0.3, "U1": 0.7})
    assert r2["D"] == pytest.approx(r["D"])


def test_fan_two_subsystems_is_one_minus_abs_difference():
    # for n = 2 the Fan model reduces to 1 - |U1 - U2| (the dispersion factor of Wang's model)
    for a, b in [(0.1, 0.9), (0.3, 0.35), (1.0, 0.0)]:
        assert one((a, b), "fan")["C"] == pytest.approx(1 - abs(a - b), abs=1e-12)


# --------------------------------------------------------------------------- edge cases
@pytest.mark.parametrize("method", ["standard", "wang"])
def test_zero_subsystem_product_models(method):
    r = one((0.0, 0.5, 0.7), method)
    assert r["C"] == 0.0 and r["D"] == 0.0
    assert r["grade"] == "extreme imbalance" and r["grade_zh"] == "极度失调"


def test_zero_subsystem_fan_is_positive():
    r = one((0.0, 0.5), "fan")
    assert r["C"] == pytest.approx(0.5)
    assert r["D"] == pytest.approx(math.sqrt(0.5 * 0.25))


@pytest.mark.parametrize("method", ["standard", "wang", "fan"])
def test_all_equal(method):
    r = one((0.3, 0.3, 0.3), method)
    assert r["C"] == pytest.approx(1.0)
    assert r["D"] == pytest.approx(math.sqrt(0.3))
    assert r["type"] == "synchronous" and r["type_zh"] == "同步型"


@pytest.mark.parametrize(("method", "C"), [("standard", None), ("wang", None), ("fan", 1.0)])
def test_all_zero(method, C):
    r = one((0.0, 0.0, 0.0, 0.0), method)
    if C is None:
        assert math.isnan(r["C"])
    else:
        assert r["C"] == C
    assert r["T"] == 0.0 and r["D"] == 0.0
    assert r["grade"] == "extreme imbalance"
    assert r["type"] == "synchronous"


def test_all_one():
    for m in ("standard", "wang", "fan"):
        r = one((1.0, 1.0), m)
        assert r["D"] == pytest.approx(1.0)
        assert r["grade"] == "high-quality coordination"


@pytest.mark.parametrize("bad", [1.2, -0.1])
def test_out_of_range_is_a_clear_error(bad):
    with pytest.raises(RegionInputError, match=r"outside \[0, 1\].*rescale=True"):
        one((0.5, bad), "wang")


def test_rescale_option_matches_manual_rescaling():
    raw = pd.DataFrame({"A": [2.0, 4.0, 10.0], "B": [1.0, 3.0, 5.0]}, index=["a", "b", "c"])
    got = coupling_coordination(raw, rescale=True)
    manual = 0.01 + 0.98 * (raw - raw.min()) / (raw.max() - raw.min())
    want = coupling_coordination(manual)
    pd.testing.assert_frame_equal(got, want)
    assert manual.min().min() == pytest.approx(0.01) and manual.max().max() == pytest.approx(0.99)
    with pytest.raises(RegionInputError, match="constant"):
        coupling_coordination(pd.DataFrame({"A": [1.0, 1.0], "B": [2.0, 3.0]}), rescale=True)


def test_bad_inputs():
    ok = pd.DataFrame({"A": [0.5], "B": [0.4]})
    with pytest.raises(RegionInputError, match="missing"):
        coupling_coordination(pd.DataFrame({"A": [0.5, np.nan], "B": [0.4, 0.3]}))
    with pytest.raises(RegionInputError, match="at least 2"):
        coupling_coordination(pd.DataFrame({"A": [0.5]}))
    with pytest.raises(RegionSpecError, match="unknown coupling method"):
        coupling_coordination(ok, method="magic")
    with pytest.raises(RegionSpecError, match="sum to 1"):
        coupling_coordination(ok, alpha=[0.5, 0.6])
    with pytest.raises(RegionSpecError, match="2 subsystems"):
        coupling_coordination(ok, alpha=[1.0])
    with pytest.raises(RegionSpecError, match="non-negative"):
        coupling_coordination(ok, alpha=[1.5, -0.5])
    with pytest.raises(RegionInputError, match="not numeric"):
        coupling_coordination(pd.DataFrame({"A": [0.5], "B": [0.4], "name": ["x"]}))
    with pytest.raises(RegionInputError, match="not in the scores"):
        coupling_coordination(ok, subsystems=["A", "Z"])
    with pytest.raises(RegionInputError, match="DataFrame"):
        coupling_coordination([[0.5, 0.4]])
    with pytest.raises(RegionInputError, match="no rows"):
        coupling_coordination(pd.DataFrame({"A": [], "B": []}, dtype=float))


# --------------------------------------------------------------------------- bands and types
def test_default_bands_boundaries():
    en, zh = grade(np.array([0.0, 0.0999, 0.1, 0.45, 0.5, 0.8999, 0.9, 1.0, np.nan]))
    assert list(en) == [
        "extreme imbalance",
        "extreme imbalance",
        "serious imbalance",
        "on the verge of imbalance",
        "barely coordinated",
        "good coordination",
        "high-quality coordination",
        "high-quality coordination",
        "",
    ]
    assert zh[4] == "勉强协调" and zh[-2] == "优质协调"
    assert len(GRADES_10) == 10


def test_custom_five_level_scheme():
    five = bands_from_edges(
        [0, 0.2, 0.4, 0.6, 0.8, 1],
        ["serious", "mild", "barely", "moderate", "high"],
        ["严重失调", "轻度失调", "勉强协调", "中度协调", "高度协调"],
    )
    r = one((0.6, 0.4), "wang", levels=five)  # D = 0.6043
    assert r["grade"] == "moderate" and r["grade_zh"] == "中度协调"
    with pytest.raises(RegionSpecError, match="contiguous"):
        coupling_coordination(pd.DataFrame({"A": [0.5], "B": [0.5]}), levels=[(0, 0.5, "low"), (0.6, 1.0, "high")])
    with pytest.raises(RegionSpecError, match="cover"):
        bands_from_edges([0.1, 1.0], ["x"])
    with pytest.raises(RegionSpecError, match="one more edge"):
        bands_from_edges([0, 1], ["a", "b"])


@pytest.mark.parametrize(
    ("U", "typ", "lag"),
    [
        ((0.4, 0.5), "U1 lagging", "U1"),  # E = 0.8 -> U1 lags (E <= 0.8)
        ((0.41, 0.5), "synchronous", ""),  # E = 0.82
        ((0.6, 0.5), "synchronous", ""),  # E = 1.2 (upper bound included)
        ((0.61, 0.5), "U2 lagging", "U2"),  # E = 1.22
        ((0.5, 0.0), "U2 lagging", "U2"),
        ((0.9, 0.7, 0.72), "U2 lagging", "U2"),  # n = 3: 0.7/0.9 = 0.78 <= 0.8, 0.72/0.9 = 0.8 -> also
    ],
)
def test_relative_type(U, typ, lag):
    r = one(U, "wang")
    if len(U) == 3:
        assert r["type"] == "U2+U3 lagging" and r["lagging"] == "U2,U3" and r["type_zh"] == "U2+U3滞后型"
    else:
        assert r["type"] == typ and r["lagging"] == lag


def test_type_bands_configurable():
    r = one((0.45, 0.5), "wang", type_bands=(0.95, 1.05))
    assert r["type"] == "U1 lagging"
    with pytest.raises(RegionSpecError):
        one((0.45, 0.5), "wang", type_bands=(1.1, 1.2))


# --------------------------------------------------------------------------- panels
def test_panel_input_and_change():
    rows = []
    for unit, vals in {"A": [(0.2, 0.3), (0.4, 0.4), (0.6, 0.5)], "B": [(0.5, 0.5), (0.5, 0.6), (0.5, 0.7)]}.items():
        for p, (u1, u2) in zip([2020, 2021, 2022], vals):
            rows.append({"unit": unit, "period": p, "X": u1, "Y": u2})
    df = pd.DataFrame(rows)
    r = coupling_coordination(df, method="standard")
    assert r.index.names == ["unit", "period"]
    # panel rows equal the per-row computation
    for (unit, p), row in r.iterrows():
        src = df[(df.unit == unit) & (df.period == p)].iloc[0]
        assert row["D"] == pytest.approx(one((src.X, src.Y), "standard")["D"])
    assert math.isnan(r.loc[("A", 2020), "dD"])
    assert r.loc[("A", 2021), "dD"] == pytest.approx(r.loc[("A", 2021), "D"] - r.loc[("A", 2020), "D"])
    ch = coupling_change(r)
    assert list(ch.index) == ["A", "B"]
    a = r.xs("A", level="unit")["D"]
    assert ch.loc["A", "change"] == pytest.approx(a[2022] - a[2020])
    assert ch.loc["A", "annual_change"] == pytest.approx((a[2022] - a[2020]) / 2)
    assert ch.loc["A", "slope"] == pytest.approx(np.polyfit([2020, 2021, 2022], a.to_numpy(), 1)[0])
    with pytest.raises(RegionInputError):
        coupling_change(r.droplevel("period"))


def test_panel_shuffled_rows_dD_follows_periods():
    df = pd.DataFrame(
        {"unit": ["A", "A", "A"], "period": [2022, 2020, 2021], "X": [0.9, 0.1, 0.5], "Y": [0.9, 0.1, 0.5]}
    )
    r = coupling_coordination(df)
    assert r.loc[("A", 2021), "dD"] == pytest.approx(math.sqrt(0.5) - math.sqrt(0.1))
    assert r.loc[("A", 2022), "dD"] == pytest.approx(math.sqrt(0.9) - math.sqrt(0.5))


# --------------------------------------------------------------------------- gzma (real data)
def loop_C(U: list[float], method: str) -> float:
    """A deliberately plain implementation, written from the formulas independently."""
    n = len(U)
    if method == "standard":
        prod = 1.0
        for u in U:
            prod *= u
        return n * prod ** (1 / n) / sum(U)
    if method == "wang":
        pairs = list(itertools.combinations(U, 2))
        disp = sum(abs(a - b) for a, b in pairs) / sum(range(1, n))
        m = max(U)
        prod = 1.0
        for u in U:
            prod *= u / m
        return math.sqrt((1 - disp) * prod ** (1 / (n - 1)))
    if method == "fan":
        s1 = sum(U)
        s2 = sum(u * u for u in U)
        return 1 - 2 * math.sqrt(max(n * s2 - s1 * s1, 0.0) / n**2)
    raise ValueError(method)


@pytest.fixture(scope="module")
def gzma(shared_data):
    raw = pd.read_csv(shared_data / "gzma" / "gzma_scores.csv").set_index("fid")
    assert raw.shape == (118, 4)
    return (raw - raw.min()) / (raw.max() - raw.min())


@pytest.mark.parametrize("method", ["standard", "wang", "fan"])
def test_gzma_against_independent_loop(gzma, method):
    r = coupling_coordination(gzma, method=method)
    assert len(r) == 118
    for fid, row in gzma.iterrows():
        U = [float(v) for v in row]
        C = loop_C(U, method) if (method == "fan" or min(U) > 0) else 0.0
        T = sum(U) / 4
        assert r.at[fid, "C"] == pytest.approx(C, abs=1e-12), fid
        assert r.at[fid, "T"] == pytest.approx(T, abs=1e-12)
        assert r.at[fid, "D"] == pytest.approx(math.sqrt(C * T), abs=1e-12)
    # min-max puts a 0 in every column: those rows have C = 0 under the product models
    zero_rows = (gzma == 0).any(axis=1)
    assert zero_rows.sum() >= 1
    if method != "fan":
        assert (r.loc[zero_rows, "C"] == 0).all()


# first six rows published in the `coupling` R package vignette (stscl/coupling, articles/ccd.md)
PUBLISHED = {
    "standard": (
        [0.8051958, 0.8914577, 0.8999423, 0.9346128, 0.9440912, 0.9519923],
        [0.6237105, 0.5497290, 0.7134825, 0.7632959, 0.7944703, 0.7858001],
    ),
    "wang": (
        [0.4722274, 0.6211236, 0.5375842, 0.5861986, 0.6640321, 0.6319211],
        [0.4776480, 0.4588675, 0.5514412, 0.6045044, 0.6662930, 0.6402164],
    ),
    "fan": (
        [0.4593785, 0.7164548, 0.4915051, 0.5399620, 0.5951898, 0.5907777],
        [0.4711049, 0.4928249, 0.5272784, 0.5801746, 0.6308098, 0.6190239],
    ),
}


@pytest.mark.parametrize("method", ["standard", "wang", "fan"])
def test_gzma_matches_published_vignette(gzma, method):
    r = coupling_coordination(gzma, method=method).head(6)
    C, D = PUBLISHED[method]
    np.testing.assert_allclose(r["C"].to_numpy(), C, atol=1e-7)
    np.testing.assert_allclose(r["D"].to_numpy(), D, atol=1e-7)


# --------------------------------------------------------------------------- properties
# 0 or >= 1e-6: the plain loop's product underflows for subnormal values (ours uses logs)
score = st.one_of(st.just(0.0), st.just(1.0), st.floats(1e-6, 1.0))
vec = st.integers(2, 6).flatmap(lambda n: st.lists(score, min_size=n, max_size=n))


@settings(max_examples=150, deadline=None)
@given(vec, st.sampled_from(["standard", "wang", "fan"]))
def test_properties(U, method):
    r = one(U, method)
    C, T, D = r["C"], r["T"], r["D"]
    assert 0.0 <= T <= 1.0 and 0.0 <= D <= 1.0
    assert math.sqrt(T) + 1e-12 >= D
    if not math.isnan(C):
        assert 0.0 <= C <= 1.0
        assert pytest.approx(math.sqrt(C * T), abs=1e-12) == D
    # C does not depend on the order of the subsystems
    r2 = one(list(reversed(U)), method)
    assert (math.isnan(C) and math.isnan(r2["C"])) or r2["C"] == pytest.approx(C, abs=1e-9)
    # and agrees with the plain loop
    if method == "fan" or min(U) > 0:
        assert pytest.approx(loop_C(U, method), abs=1e-9) == C
    elif max(U) > 0:
        assert C == 0.0


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6), st.floats(0.01, 1.0))
def test_equal_scores_give_full_coupling(n, u):
    for m in ("standard", "wang", "fan"):
        assert one([u] * n, m)["C"] == pytest.approx(1.0)
