"""Nothing silent in the engine: every missing value an aggregation skips (with the other
weights rescaled) and every screened-out unit or indicator is named in ``IndexResult.log``,
so ``log.json``, ``result.json`` (the API) and the report carry them."""

from __future__ import annotations

import json

import numpy as np
from _evaluate_data import tiny
from tests._datasets import PLAIN, complete

from citynexus.evaluate import IndexSpec, build


def test_skipped_aggregate_and_unscored_units_are_named():
    r = build(tiny(), PLAIN)
    # B has no i3: Q (i3 alone) has no score for B, and T skips Q for B (P's weight becomes 1)
    assert np.isnan(r.scores.loc["B", "Q"]) and r.scores.loc["B", "T"] == r.scores.loc["B", "P"]
    skipped = [e for e in r.log if e["message"].startswith("missing value skipped")]
    assert len(skipped) == 1
    e = skipped[0]
    assert e["unit"] == "B" and e["aggregate"] == "Q" and e["parent"] == "T" and e["level"] == "warning"
    assert e["details"] == {"unit": "B", "aggregate": "Q", "parent": "T"}
    assert "unit B, aggregate Q in T" in e["message"] and "rescaled" in e["message"]
    dead = [e for e in r.log if e["step"] == "aggregate" and "no score" in e["message"]]
    assert len(dead) == 1 and dead[0]["message"].endswith(": B") and dead[0]["details"]["units"] == ["B"]


def test_skipped_indicator_is_named_in_log_and_result_json(tmp_path):
    r = build(complete(drop=("C", "i1")), PLAIN)
    hits = [e for e in r.log if e.get("unit") == "C" and e.get("indicator") == "i1"]
    assert len(hits) == 1 and "unit C, indicator i1 in T" in hits[0]["message"]
    assert r.scores.loc["C", "T"] == r.normalised.loc["C", "i2"]  # i2's weight rescaled to 1
    r.to_csv(tmp_path)
    log = json.loads((tmp_path / "log.json").read_text(encoding="utf-8"))["log"]
    assert any(e.get("unit") == "C" and e.get("indicator") == "i1" for e in log)
    full = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))["log"]
    assert any(e.get("unit") == "C" and e.get("indicator") == "i1" for e in full)


def test_complete_data_logs_no_skipped_cell():
    r = build(complete(), PLAIN)
    assert not [e for e in r.log if "skipped" in e["message"]]


def test_screened_out_unit_and_indicator_are_named():
    spec = IndexSpec().with_(**{"treat.method": "none", "screen.unit_threshold": 0.9})
    r = build(tiny(), spec, period=2020)
    screen = [e for e in r.log if e["step"] == "screen"]
    assert screen and "B" in screen[0]["message"] and list(screen[0]["details"]["units"]) == ["B"]
    assert "B" not in r.scores.index
