"""The search scale floor, the binary-segmentation search, and the real annotated series shipped for
the benchmark (``benchmarks/data/tcpd``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from citynexus.watch.changepoints import DEFAULT, ChangePointDetector, ChangePointSettings, hampel_rows
from citynexus.watch.errors import WatchSpecError

TCPD = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "tcpd"


def test_scale_floor_limits_the_steps_cut_into_a_smooth_trend():
    """A ramp with tiny noise (population-like) is cut every min_size points when the scale is the
    month-to-month noise; with the floor of 1.25 sd only the ends of a piecewise-constant fit remain
    (two cuts: a mean model cannot follow a slope, see docs/risk.md)."""
    t = np.arange(200.0)
    x = 1e6 + 1e3 * t + np.random.default_rng(0).normal(0, 5, t.size)
    assert len(ChangePointDetector(scale_floor=0.0).fit_predict(x)) >= 30
    res = ChangePointDetector().fit(x).result_
    assert res.changepoints == [66, 133]
    assert res.extra["scale"] == pytest.approx(1.25 * x.std(), rel=1e-9)


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
    det = ChangePointDetector(search="binseg", hampel=0.0, scale_floor=0.0)
    res = det.fit(x).result_
    z = (x - np.median(x)) / res.sigma
    expect = rpt.Binseg(model="l2", min_size=DEFAULT.min_size, jump=1).fit(z.reshape(-1, 1))
    assert res.changepoints == [b for b in expect.predict(pen=res.penalty) if b < x.size]
    assert res.changepoints == [30, 60]


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
     (dict(scale_floor=float("nan")), "scale_floor")],
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
