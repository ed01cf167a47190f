"""The default change-point setting against the baselines on the real annotated series (the claim of
issue #14 and of docs/risk.md), and the selection rule of ``benchmarks/bench_watch.py`` on hand-made
scores."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from citynexus.watch.changepoints import DEFAULT, ChangePointDetector, ChangePointSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_watch


@pytest.fixture(scope="module")
def real():
    return bench_watch.real_series()


def test_default_beats_zero_and_every_ruptures_baseline_on_real_f1_and_covering(real):
    """In-sample (the default was chosen on these 25 series): F1 0.736 and covering 0.695, recorded
    here; each baseline's mean is below on both."""
    assert len(real) == 25
    f, c = bench_watch._scores(ChangePointDetector().fit_predict, real)
    assert np.mean(f) == pytest.approx(0.7363, abs=5e-4)
    assert np.mean(c) == pytest.approx(0.6946, abs=5e-4)
    base = bench_watch.baselines()
    assert len(base) == 16 and "zero" in base
    for name, fn in base.items():
        fb, cb = bench_watch._scores(fn, real)
        assert np.mean(f) > np.mean(fb) and np.mean(c) > np.mean(cb), name


def test_the_shipped_default_is_one_setting_of_the_grid():
    grid = bench_watch.grid_settings()
    assert sum(1 for g in grid if ChangePointSettings(**g) == DEFAULT) == 1
    # a setting whose cost uses trend_beta names it (it must not follow whatever the default is)
    assert all("trend_beta" in g for g in grid if g["cost"] == "linear")


def _scores(mean_f: list[float], mean_c: list[float], n: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Score matrices whose row means are ``mean_f`` / ``mean_c`` (constant over the ``n`` series)."""
    return np.repeat(np.array(mean_f)[:, None], n, axis=1), np.repeat(np.array(mean_c)[:, None], n, axis=1)


def test_choose_maximises_the_worst_margin_among_guarded_settings():
    # settings: A beats both baselines by 0.01 / 0.02; B by more but fails the synthetic guard;
    # C has the best F1 but loses on covering to baseline 2.
    F, C = _scores([0.70, 0.80, 0.90], [0.66, 0.80, 0.60])
    FB, CB = _scores([0.69, 0.65], [0.60, 0.64])
    FS, CS = _scores([0.85, 0.70, 0.85], [0.85, 0.70, 0.85], n=3)
    FBS, CBS = _scores([0.86, 0.80], [0.86, 0.80], n=3)
    grid = [{"beta": 1.0}, {"beta": 2.0}, {"beta": 3.0}]
    m = {"grid": grid, "names": ["zero", "b2"], "F": F, "C": C, "FS": FS, "CS": CS,
         "FB": FB, "CB": CB, "FBS": FBS, "CBS": CBS}  # fmt: skip
    out = bench_watch.choose(m)
    assert out["chosen"] == {"beta": 1.0}
    assert out["worst_margin"] == pytest.approx(0.01)  # min(0.70 - 0.69, 0.66 - 0.64)
    assert out["guarded"] == 2  # B: 0.70 < 0.86 - 0.03
    assert out["loso_f1"] == pytest.approx(0.70) and out["loso_cover"] == pytest.approx(0.66)
    m["FS"], m["CS"] = _scores([0.85, 0.84, 0.85], [0.85, 0.84, 0.85], n=3)  # B passes the guard now
    assert bench_watch.choose(m, folds=False)["chosen"] == {"beta": 2.0}


def test_worst_margin_is_per_held_out_mask():
    F = np.array([[1.0, 0.0]])
    C = np.array([[1.0, 1.0]])
    FB = np.array([[0.5, 0.5]])
    CB = np.array([[0.0, 0.0]])
    assert bench_watch.worst_margin(F, C, FB, CB, np.array([True, False]))[0] == pytest.approx(0.5)
    assert bench_watch.worst_margin(F, C, FB, CB, np.array([False, True]))[0] == pytest.approx(-0.5)
