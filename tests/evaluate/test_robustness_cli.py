"""`citynexus index robust` on a Typer app that registers the command."""

from __future__ import annotations

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from citynexus.cli.robust import register
from citynexus.evaluate import default_spec
from citynexus.evaluate.robustness import RobustnessSpecError

runner = CliRunner()

FACTORS = """
[robustness]
samples = 40
seed = 3
top_k = [3]

[[robustness.factor]]
name = "weights"
kind = "weights_noise"
levels = [1, 2]
sets = 20

[[robustness.factor]]
name = "normalisation"
kind = "choice"
target = "normalise"
options = [{method = "minmax", range = [1, 100]}, {method = "zscore", mean = 10, sd = 2}]
"""


@pytest.fixture(scope="module")
def app():
    a = typer.Typer()

    @a.callback()
    def _root() -> None:
        """index"""

    register(a)
    return a


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("spec") / "gba-robust.toml"
    p.write_text(default_spec("gba").to_toml() + FACTORS, encoding="utf-8")
    return p


def test_robust_writes_every_file_and_replays(app, spec_file, tmp_path):
    out = tmp_path / "run"
    res = runner.invoke(
        app,
        [
            "robust",
            "--data",
            "gba",
            "--spec",
            str(spec_file),
            "--out",
            str(out),
            "--sensitivity",
            "-n",
            "16",
            "--rank-ranges",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "SYNTHETIC" in res.output and "rank uncertainty over 16 replications" in res.output
    # names, not codes: the index and the cities are named in both tables
    assert "GBA coordinated development index: rank uncertainty" in res.output
    assert res.output.count("Shenzhen") >= 2 and "best and worst rank" in res.output
    for f in (
        "uncertainty.csv",
        "samples.csv",
        "ranks.csv",
        "scores.csv",
        "sensitivity.csv",
        "sensitivity_convergence.csv",
        "rank_ranges.csv",
        "rank_uncertainty.png",
        "sobol.png",
    ):
        assert (out / f).exists(), f
    unc = pd.read_csv(out / "uncertainty.csv")
    assert list(unc.columns[:6]) == ["unit", "nominal_rank", "mean_rank", "median_rank", "q05", "q95"]
    assert "p_top3" in unc.columns and len(unc) == 11
    sens = pd.read_csv(out / "sensitivity.csv")
    assert list(sens.columns) == ["factor", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]
    assert list(sens["factor"]) == ["weights", "normalisation"]
    samples = pd.read_csv(out / "samples.csv")
    assert list(samples.columns) == ["replication", "weights", "normalisation"] and len(samples) == 16
    ranks = pd.read_csv(out / "ranks.csv", index_col="unit")
    assert ranks.shape == (11, 16)
    # replay the samples: the same ranks
    out2 = tmp_path / "replay"
    res = runner.invoke(
        app,
        [
            "robust",
            "-d",
            "gba",
            "-s",
            str(spec_file),
            "-o",
            str(out2),
            "--replay",
            str(out / "samples.csv"),
            "--no-plots",
        ],
    )
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(pd.read_csv(out2 / "ranks.csv", index_col="unit"), ranks)
    assert not (out2 / "rank_uncertainty.png").exists()


def test_seed_and_samples_default_from_the_spec(app, spec_file, tmp_path):
    res = runner.invoke(app, ["robust", "-d", "gba", "-s", str(spec_file), "-o", str(tmp_path), "--no-plots"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "samples.csv")) == 40


def test_spec_without_factors_is_refused(app, tmp_path):
    p = tmp_path / "plain.toml"
    p.write_text(default_spec("gba").to_toml(), encoding="utf-8")
    res = runner.invoke(app, ["robust", "-d", "gba", "-s", str(p), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0
    assert isinstance(res.exception, RobustnessSpecError)
    assert "[[robustness.factor]]" in str(res.exception)


def test_help_explains_every_option(app):
    res = runner.invoke(app, ["robust", "--help"])
    assert res.exit_code == 0
    for opt in ("--data", "--spec", "--out", "--samples", "--seed", "--replay", "--sensitivity", "--scheduler"):
        assert opt in res.output
