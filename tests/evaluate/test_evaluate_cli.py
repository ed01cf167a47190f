"""`citynexus index build|stats|explain|compare` through the real entry point."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from citynexus.cli.main import app, main

runner = CliRunner()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("idx") / "gba"
    res = runner.invoke(app, ["index", "build", "--data", "gba", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_build_writes_every_file(built):
    out, text = built
    assert "SYNTHETIC" in text and "ranking" in text
    for f in ("scores.csv", "weights.csv", "log.json", "result.json", "treatment.csv"):
        assert (out / f).exists(), f
    for st in ("raw", "denominated", "screened", "imputed", "treated", "normalised", "aggregated"):
        assert (out / "stages" / f"{st}.csv").exists(), st
    sc = pd.read_csv(out / "scores.csv", encoding="utf-8-sig")
    assert list(sc.columns) == ["unit", "GBA", "IND", "URB", "rank"]
    assert len(sc) == 11 and sorted(sc["rank"]) == list(range(1, 12))
    log = json.loads((out / "log.json").read_text())
    assert log["provenance"]["synthetic"] is True and log["log"]
    w = pd.read_csv(out / "weights.csv")
    assert set(w.columns) >= {"code", "parent", "level", "method", "weight", "effective"}


def test_build_with_spec_and_period(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('[normalise]\nmethod = "zscore"\n[impute]\nmethod = "interpolate"\n')
    res = runner.invoke(app, ["index", "build", "-d", "gba", "-s", str(spec), "-p", "2020", "-o", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    d = json.loads((tmp_path / "o" / "result.json").read_text())
    assert d["period"] == 2020 and d["spec"]["normalise"]["method"] == "zscore"


def test_stats_explain_compare(built, tmp_path):
    out, _ = built
    res = runner.invoke(app, ["index", "stats", "--data", "gba", "--out", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert "Cronbach" in res.output and (tmp_path / "s.csv").exists()
    res = runner.invoke(app, ["index", "explain", "SZ", "--data", "gba"])
    assert res.exit_code == 0, res.output
    assert "Shenzhen (SZ)" in res.output and "strengths" in res.output
    spec = tmp_path / "geo.toml"
    spec.write_text('[normalise]\nrange = [1, 100]\n[aggregate]\nmethod = "geometric"\n')
    res = runner.invoke(app, ["index", "compare", str(out), str(spec), "--data", "gba", "-o", str(tmp_path / "c.csv")])
    assert res.exit_code == 0, res.output
    assert "mean absolute rank shift" in res.output
    c = pd.read_csv(tmp_path / "c.csv", encoding="utf-8-sig")
    assert len(c) == 11 and {"rank_a", "rank_b", "rank_shift"} <= set(c.columns)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["index", "explain", "XX", "--data", "gba"], "unit 'XX' is not in this result"),
        (["index", "build", "--data", "gba", "--spec", "/nonexistent.toml", "--out", "/tmp/x"], "does not exist"),
        (["index", "compare", "/nonexistent", "/nonexistent2"], "neither a result folder"),
    ],
)
def test_user_mistakes_give_one_message(args, message, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["citynexus", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert message in " ".join(err.split()) and "Traceback" not in err


def test_bad_spec_file_is_reported(tmp_path, monkeypatch, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('[aggregate]\nmethod = "geometrc"\n')
    monkeypatch.setattr("sys.argv", ["citynexus", "index", "build", "-d", "gba", "-s", str(spec), "-o", str(tmp_path)])
    with pytest.raises(SystemExit):
        main()
    err = " ".join(capsys.readouterr().err.split())
    assert "bad.toml: unknown method 'geometrc' in aggregate.method (did you mean 'geometric'?)" in err
