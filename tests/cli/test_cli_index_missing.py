"""``citynexus index build`` names every cell that the aggregation skips (unit and indicator
codes), in what it prints and in ``log.json``."""

from __future__ import annotations

import json

from tests._cli import folded, run_main
from tests.report._census import build_census_dataset


def test_a_skipped_missing_cell_is_named(shared_data, tmp_path, capsys):
    ds = build_census_dataset(shared_data, tmp_path / "census")
    vals = ds / "values.csv"
    lines = vals.read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if not ln.startswith("440300,2020,elderly,")]
    assert len(kept) == len(lines) - 1
    vals.write_text("\n".join(kept) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, out_text, _ = run_main(["index", "build", "--data", str(ds), "--out", str(out)], capsys)
    printed = folded(out_text)
    assert code == 0
    assert "missing value skipped: unit 440300, indicator elderly in AGE" in printed
    log = json.loads((out / "log.json").read_text(encoding="utf-8"))
    recs = log if isinstance(log, list) else log.get("log", log)
    hits = [r for r in recs if r.get("unit") == "440300" and r.get("indicator") == "elderly"]
    assert len(hits) == 1 and hits[0]["level"] == "warning"


def test_complete_data_names_nothing(shared_data, tmp_path, capsys):
    ds = build_census_dataset(shared_data, tmp_path / "census")
    _, out, _ = run_main(["index", "build", "--data", str(ds), "--out", str(tmp_path / "o")], capsys)
    assert "missing value skipped" not in out
