"""The change-point detector on hand-made series, real annotated series, and bad inputs; the pinned CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citynexus.watch.changepoints import DEFAULT, ChangePointDetector, ChangePointSettings, noise_scale
from citynexus.watch.errors import WatchInputError, WatchSpecError
from citynexus.watch.metrics import covering, f_measure

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "citynexus.cli.main", "watch", *args], capture_output=True, text=True, env=env
    )


def test_level_shift_found_with_magnitude():
    rng = np.random.default_rng(1)
    x = np.r_[np.full(40, 100.0), np.full(40, 130.0)] + rng.normal(0, 5, 80)
    det = ChangePointDetector().fit(x)
    assert det.predict() == [40]
    res = det.result_
    assert res.magnitudes[0]["delta"] == pytest.approx(30, abs=4)
    assert res.segments[0]["start"] == 0 and res.segments[-1]["end"] == 80
    assert "rises" in res.explain("en") and "上升" in res.explain("zh")


def test_scale_free():
    rng = np.random.default_rng(2)
    x = np.r_[np.zeros(50), np.full(50, 4.0)] + rng.normal(0, 1, 100)
    a = ChangePointDetector().fit_predict(x)
    b = ChangePointDetector().fit_predict(x * 1e6 + 3e7)
    c = ChangePointDetector().fit_predict(x * 1e-3)
    assert a == b == c == [50]


def test_missing_values_map_back_to_positions():
    x = np.r_[np.full(20, 10.0), np.full(20, 20.0)] + np.random.default_rng(3).normal(0, 0.5, 40)
    x[[5, 19, 21, 30]] = np.nan
    cps = ChangePointDetector().fit_predict(list(x))
    assert cps == [20]


def test_outlier_is_not_a_change():
    x = np.random.default_rng(4).normal(50, 1, 60)
    x[25] = 80
    assert ChangePointDetector().fit_predict(x) == []


def test_noise_only_and_short_series():
    rng = np.random.default_rng(5)
    for n in (15, 30, 200):
        assert ChangePointDetector().fit_predict(rng.normal(0, 1, n)) == []


def test_short_series_with_step():
    x = [3, 3.2, 2.9, 3.1, 3.0, 3.1, 2.8, 9.0, 9.2, 8.9, 9.1, 9.0, 9.3, 8.8, 9.1]
    assert ChangePointDetector().fit_predict(x) == [7]


def test_noise_free_step():
    assert ChangePointDetector().fit_predict([1.0] * 10 + [2.0] * 10) == [10]


@pytest.mark.parametrize(
    ("values", "note"),
    [
        ([], "empty"),
        ([None, float("nan"), None], "missing"),
        ([5.0] * 30, "constant"),
        ([1.0], "observed"),
    ],
)
def test_nothing_to_detect(values, note):
    res = ChangePointDetector().fit(values).result_
    assert res.changepoints == []
    assert note in res.note
    assert "No change point" in res.explain("en")


def test_bad_values():
    with pytest.raises(WatchInputError, match="numbers"):
        ChangePointDetector().fit(["1", "two"])
    with pytest.raises(WatchInputError, match="infinite"):
        ChangePointDetector().fit([1.0, float("inf"), 2.0])
    with pytest.raises(WatchSpecError, match="cost"):
        ChangePointSettings(cost="quadratic")
    with pytest.raises(WatchSpecError, match="predict"):
        ChangePointDetector().predict()


def test_noise_scale_ignores_steps():
    rng = np.random.default_rng(6)
    e = rng.normal(0, 2, 400)
    x = e + np.repeat([0, 50, -30, 80], 100)
    assert noise_scale(x) == pytest.approx(2, rel=0.15)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e9, 1e9)), max_size=120))
def test_never_crashes_and_positions_valid(values):
    res = ChangePointDetector().fit(values).result_
    assert all(0 < c < len(values) for c in res.changepoints)
    assert res.changepoints == sorted(set(res.changepoints))
    for c in res.changepoints:
        assert values[c] is not None  # a new segment starts at an observed value


def test_nile_1899():  # the real series ships with statsmodels
    import statsmodels.api as sm

    nile = sm.datasets.nile.load_pandas().data
    cps = ChangePointDetector().fit_predict(nile["volume"].to_numpy())
    # TCPD annotators (van den Burg & Williams 2020): [], [28], [], [28], [28]; index 28 = 1899 (Aswan dam)
    ann = {"6": [], "7": [28], "8": [], "12": [28], "13": [28]}
    assert f_measure(ann, cps) > f_measure(ann, [])
    assert covering(ann, cps, len(nile)) > covering(ann, [], len(nile))
    assert int(nile["year"].iloc[cps[0]]) in (1898, 1899)


def test_default_is_one_setting():
    assert ChangePointDetector().settings == DEFAULT


# ---------------------------------------------------------------------------- the pinned CLI
def test_cli_json(tmp_path):
    f = tmp_path / "s.csv"
    vals = [10, 11, 9, 10, "", 11, 10, 9, 10, 11, 30, 31, 29, 30, 31, 30, 29, 31, 30, 30]
    f.write_text("t,value\n" + "".join(f"2024-{i:02d},{v}\n" for i, v in enumerate(vals)), encoding="utf-8")
    r = _cli("changepoints", str(f), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["changepoints"] == [10]
    assert out["t"] == ["2024-10"]


def test_cli_constant_is_nothing_to_detect(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("t,value\n" + "".join(f"{i},5\n" for i in range(20)))
    r = _cli("changepoints", str(f), "--json")
    assert r.returncode == 0
    assert json.loads(r.stdout)["changepoints"] == []
    assert "constant" in json.loads(r.stdout)["note"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("t,v\n1,2\n", "no 'value' column"),
        ("t,value\n1,\n2,\n", "no numeric value"),
        ("t,value\n1,2\n2,abc\n", "row 3, column 'value': 'abc' is not a number"),
        ("", "empty"),
        (b"\x00\x01\x02binary", "binary"),
    ],
)
def test_cli_bad_files(tmp_path, content, message):
    f = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_text(content)
    r = _cli("changepoints", str(f), "--json")
    assert r.returncode != 0
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""


def test_cli_missing_file(tmp_path):
    r = _cli("changepoints", str(tmp_path / "nope.csv"), "--json")
    assert r.returncode != 0 and "not found" in r.stderr and "Traceback" not in r.stderr


def test_cli_usage_error_has_no_traceback():
    r = _cli("changepoints")
    assert r.returncode == 2 and "Missing argument" in r.stderr and "Traceback" not in r.stderr
