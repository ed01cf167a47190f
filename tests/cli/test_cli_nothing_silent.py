"""Nothing silent in the outputs: the coupling model and the kind of scores are named in
every output of ``region coupling`` (table title, JSON fields, CSV columns); ``index build``
says its scores are those of one year; the report's notes name skipped cells and screened-out
units in each language."""

from __future__ import annotations

import json

import pandas as pd

from citynexus.evaluate import build
from tests._cli import folded, run_main
from tests._datasets import PLAIN, complete


def run(argv, capsys):
    code, out, err = run_main(argv, capsys)
    return code, folded(out), err


def test_coupling_names_model_and_scores_everywhere(tmp_path, capsys):
    code, out, err = run(["region", "coupling", "gba", "--period", "2020", "--method", "fan"], capsys)
    assert code == 0, err
    assert "model: Fan, Ke & Cao (2024)" in out and "pooled panel scores" in out
    code, out, err = run(["region", "coupling", "gba", "--out", str(tmp_path / "c.json")], capsys)
    assert code == 0, err
    assert "model: corrected model of Wang et al. (2021)" in out
    d = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert d["method"] == "wang" and "Wang et al. (2021)" in d["model"] and "pooled panel" in d["scores"]
    code, _, err = run(["region", "coupling", "gba", "--method", "standard", "--out", str(tmp_path / "c.csv")], capsys)
    assert code == 0, err
    t = pd.read_csv(tmp_path / "c.csv")
    assert set(t["model"]) == {"standard"} and t["scores"].str.contains("pooled panel").all()


def test_given_scores_are_named_as_given(tmp_path, capsys):
    f = tmp_path / "s.csv"
    f.write_text("unit,A,B\nx,0.2,0.4\ny,0.5,0.5\n", encoding="utf-8")
    code, out, err = run(["region", "coupling", "--scores", str(f)], capsys)
    assert code == 0, err
    assert "on scores of s.csv (as given)" in out and "pooled" not in out


def test_region_commands_on_subsystem_scores_say_pooled(capsys):
    code, out, err = run(["region", "disparity", "gba", "-v", "IND"], capsys)
    assert code == 0, err
    assert "disparity of Industrial clusters (pooled panel scores" in out
    code, out, _ = run(["region", "disparity", "gba", "-v", "population"], capsys)
    assert "disparity of Resident population" in out and "pooled" not in out


def test_index_build_says_scores_of_year(tmp_path, capsys):
    code, out, err = run(["index", "build", "--data", "gba", "--period", "2020", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert "scores of year 2020" in out


def test_report_notes_name_skipped_cells_and_screened_units():
    from citynexus.services.analysis import _build_notes

    notes: list = []
    _build_notes(build(complete(drop=("C", "i1")), PLAIN), notes)
    assert [n.key for n in notes] == ["note_cells_skipped"]
    assert "C i1" in notes[0].text("en") and "C i1" in notes[0].text("zh") and "跳过" in notes[0].text("zh")
    spec = PLAIN.with_(**{"screen.unit_threshold": 0.9})
    notes = []
    _build_notes(build(complete(drop=("C", "i1")), spec), notes)
    assert [n.key for n in notes] == ["note_screened_units"] and "C" in notes[0].text("en")
