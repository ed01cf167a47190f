"""`citynexus network interlocking|gravity`."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from citynexus.cli.main import app, main

runner = CliRunner()


def test_cli_interlocking_gawc(shared_data, tmp_path):
    folder = shared_data / "gawc-2000"
    out = tmp_path / "gawc"
    r = runner.invoke(
        app,
        [
            "network",
            "interlocking",
            str(folder / "da11-1.csv"),
            "--coords",
            str(folder / "wcn-cities-ll.csv"),
            "--out",
            str(out),
            "--structure",
            "top_k",
            "--k",
            "3",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "LONDON" in r.output
    nodes = pd.read_csv(out / "nodes.csv", encoding="utf-8-sig")
    assert nodes["city"].head(5).tolist() == ["LONDON", "NEW YORK", "HONG KONG", "PARIS", "TOKYO"]
    assert nodes.loc[1, "relative_gnc"] == pytest.approx(97.6, abs=0.05)
    assert {"degree", "betweenness", "closeness", "position", "community"} <= set(nodes.columns)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == "interlocking" and summary["structure"]["threshold"] == "top_k"
    gj = json.loads((out / "links.geojson").read_text())
    assert sum(f["geometry"]["type"] == "LineString" for f in gj["features"]) == 50
    assert (out / "map.png").stat().st_size > 10_000


def test_cli_interlocking_top_k_links(tmp_path):
    p = tmp_path / "sv.csv"
    p.write_text("city,F1,F2,F3\nA,5,1,0\nB,2,2,1\nC,0,3,3\nD,1,0,2\n")
    r = runner.invoke(
        app, ["network", "interlocking", str(p), "--out", str(tmp_path / "o"), "--top-k", "1", "--structure", "off"]
    )
    assert r.exit_code == 0, r.output
    links = pd.read_csv(tmp_path / "o" / "links.csv", encoding="utf-8-sig")
    assert len(links) < 6
    assert not (tmp_path / "o" / "map.png").exists()  # no coordinates, no map


def gravity(*args: str) -> None:
    """``citynexus network gravity --data gba --mass gdp <args>``, which succeeds."""
    r = runner.invoke(app, ["network", "gravity", "--data", "gba", "--mass", "gdp", *args])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("model", ["classic", "modified"])
def test_cli_gravity_gba(tmp_path, model):
    out = tmp_path / model
    gravity("--pop", "population", "--period", "2023", "--model", model, "--out", str(out))
    nodes = pd.read_csv(out / "nodes.csv", encoding="utf-8-sig")
    assert len(nodes) == 11 and nodes["relative_gnc"].max() == 100
    assert {"name", "name_zh", "lat", "lon"} <= set(nodes.columns)
    links = pd.read_csv(out / "links.csv", encoding="utf-8-sig")
    assert len(links) == (55 if model == "classic" else 110)
    mem = pd.read_csv(out / "membership.csv", index_col=0, encoding="utf-8-sig")
    assert mem.sum(axis=1).round(9).eq(1).all()
    assert json.loads((out / "summary.json").read_text())["period"] == 2023


def test_cli_gravity_with_distance_matrix(tmp_path):
    from citynexus.data import load

    codes = load("gba").unit_codes
    D = pd.DataFrame(60.0, index=codes, columns=codes)  # equal travel time everywhere
    for c in codes:
        D.loc[c, c] = 0
    D.to_csv(tmp_path / "tt.csv")
    gravity("--distance", str(tmp_path / "tt.csv"), "--beta", "1", "--out", str(tmp_path / "o"))
    links = pd.read_csv(tmp_path / "o" / "links.csv", encoding="utf-8-sig")
    # equal distances: the strongest link joins the two largest economies
    assert set(links.loc[0, ["a", "b"]]) == {"SZ", "GZ"} or set(links.loc[0, ["a", "b"]]) == {"SZ", "HK"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gravity", "--data", "gba", "--mass", "nope", "--out", "{tmp}"], "not a code"),
        (["gravity", "--data", "gba", "--mass", "gdp", "--period", "1990", "--out", "{tmp}"], "period 1990"),
        (["gravity", "--data", "gba", "--mass", "gdp", "--model", "x", "--out", "{tmp}"], "model"),
        (["gravity", "--data", "no-such-data", "--mass", "gdp", "--out", "{tmp}"], "neither a bundled"),
        (["interlocking", "{tmp}/missing.csv", "--out", "{tmp}"], "does not exist"),
        (["interlocking", "{bad}", "--out", "{tmp}"], "1 problem found in bad.csv"),
        (["interlocking", "{good}", "--out", "{tmp}", "--structure", "wild"], "--structure"),
    ],
)
def test_cli_errors_exit_1_with_message(tmp_path, monkeypatch, capsys, args, message):
    (tmp_path / "bad.csv").write_text("city,F\nA,1\nB,x\n")
    (tmp_path / "good.csv").write_text("city,F\nA,1\nB,2\n")
    argv = [a.format(tmp=tmp_path, bad=tmp_path / "bad.csv", good=tmp_path / "good.csv") for a in args]
    monkeypatch.setattr(sys, "argv", ["citynexus", "network", *argv])
    with pytest.raises(SystemExit) as ei:
        main()
    assert ei.value.code == 1
    err = capsys.readouterr().err
    assert message in err.replace("\n", " ")
    assert "Traceback" not in err
