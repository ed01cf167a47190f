"""Obstacle degree: hand-computed case, pillars, top-k, missing values, bad inputs, and the
dataset helpers that feed it (effective weights, normalisation)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from citynexus.region import RegionInputError, obstacle_analysis, obstacle_degree, pillar_obstacles, top_obstacles

X = pd.DataFrame({"a": [1.0, 0.8, 1.0], "b": [0.5, 0.8, 1.0], "c": [0.0, 0.8, 1.0]}, index=["U1", "U2", "U3"])
W = {"a": 0.5, "b": 0.3, "c": 0.2}


def test_hand_computed():
    O = obstacle_degree(X, W)
    # U1: contributions (0, .3*.5, .2*1) = (0, .15, .2), total .35
    assert O.loc["U1"].tolist() == pytest.approx([0.0, 100 * 0.15 / 0.35, 100 * 0.2 / 0.35])
    # U2: (.5*.2, .3*.2, .2*.2) = (.1, .06, .04), total .2
    assert O.loc["U2"].tolist() == pytest.approx([50.0, 30.0, 20.0])
    # U3 is at the top everywhere: nothing to share out
    assert O.loc["U3"].isna().all()


def test_weight_scale_does_not_matter_and_extra_keys_ignored():
    O1 = obstacle_degree(X, W)
    O2 = obstacle_degree(X, {**{k: 10 * v for k, v in W.items()}, "unused": 3.0})
    pd.testing.assert_frame_equal(O1, O2)


def test_pillars_and_top():
    res = obstacle_analysis(X, W, {"a": "P1", "b": "P1", "c": "P2"}, k=2)
    P = res["pillars"]
    assert list(P.columns) == ["P1", "P2"]
    assert P.loc["U1", "P1"] == pytest.approx(100 * 0.15 / 0.35)
    assert P.loc["U2"].tolist() == pytest.approx([80.0, 20.0])
    assert P.loc["U3"].isna().all()
    top = res["top"]
    assert top[top.unit == "U1"]["indicator"].tolist() == ["c", "b"]
    assert top[top.unit == "U2"]["indicator"].tolist() == ["a", "b"]
    assert "U3" not in set(top.unit)
    assert top_obstacles(res["indicators"], k=10).groupby("unit").size().max() == 3
    with pytest.raises(RegionInputError, match="no pillar"):
        pillar_obstacles(res["indicators"], {"a": "P1"})
    with pytest.raises(RegionInputError):
        top_obstacles(res["indicators"], k=0)


def test_missing_values():
    Xm = X.copy()
    Xm.loc["U2", "a"] = np.nan
    with pytest.raises(RegionInputError, match="missing normalised value for unit 'U2', indicator 'a'"):
        obstacle_degree(Xm, W)
    O = obstacle_degree(Xm, W, missing="skip")
    assert math.isnan(O.loc["U2", "a"])
    assert O.loc["U2", ["b", "c"]].tolist() == pytest.approx([60.0, 40.0])
    assert top_obstacles(O, 3).query("unit == 'U2'")["indicator"].tolist() == ["b", "c"]


def test_bad_inputs():
    with pytest.raises(RegionInputError, match="no weight for indicator"):
        obstacle_degree(X, {"a": 1.0, "b": 1.0})
    with pytest.raises(RegionInputError, match="outside"):
        obstacle_degree(X.assign(a=[1.5, 0.2, 0.3]), W)
    with pytest.raises(RegionInputError, match=">= 0"):
        obstacle_degree(X, {"a": -1.0, "b": 1.0, "c": 1.0})
    with pytest.raises(RegionInputError, match="sum to 0"):
        obstacle_degree(X, {"a": 0.0, "b": 0.0, "c": 0.0})
    with pytest.raises(RegionInputError, match="DataFrame"):
        obstacle_degree(X.to_numpy(), W)
    with pytest.raises(RegionInputError, match="missing must be"):
        obstacle_degree(X, W, missing="zero")


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (4, 5), elements=st.floats(0, 1)), arrays(np.float64, 5, elements=st.floats(0.01, 5)))
def test_rows_sum_to_100(x, w):
    df = pd.DataFrame(x, columns=list("abcde"))
    O = obstacle_degree(df, dict(zip("abcde", w)))
    for _, row in O.iterrows():
        if row.notna().any():
            assert row.sum() == pytest.approx(100.0)
            assert (row >= 0).all()


def test_dataset_helpers_on_gba():
    """Subsystem scores and obstacle inputs come from the index engine."""
    from citynexus.data import load
    from citynexus.evaluate import build, default_spec
    from citynexus.evaluate.panel import build_panel
    from citynexus.services.scores import obstacle_inputs, subsystem_scores

    ds = load("gba")
    sc = subsystem_scores(ds)
    assert list(sc.columns) == ["IND", "URB"] and ((sc >= 0) & (sc <= 1)).all().all()
    _, panel = build_panel(ds, default_spec("gba"))
    expect = panel.set_index(["unit", "period"])[["IND", "URB"]] / 100
    pd.testing.assert_frame_equal(sc, expect.reindex(sc.index), check_names=False)
    norm, ew, pil = obstacle_inputs(ds, 2023)
    res = build(ds, default_spec("gba"), period=2023)
    pd.testing.assert_frame_equal(norm, (res.normalised / 100).clip(0, 1))
    assert ew.sum() == pytest.approx(1.0) and len(ew) == len(ds.codes("indicator"))
    assert set(pil) == {"IND", "URB"}
    out = obstacle_analysis(norm, ew, pil, missing="skip")
    assert out["pillars"].sum(axis=1).to_numpy() == pytest.approx(100.0)
    with pytest.raises(RegionInputError, match="not in the dataset"):
        obstacle_inputs(ds, 1990)
    with pytest.raises(RegionInputError, match="min-max"):
        subsystem_scores(ds, spec=default_spec("gba").with_(**{"normalise.method": "zscore"}))
    with pytest.raises(RegionInputError, match="not an aggregate"):
        subsystem_scores(ds, ["pm25"])
