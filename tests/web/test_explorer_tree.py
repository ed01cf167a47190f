"""Re-ranking with weights on pillars and indicators equals a build with those weights."""

from __future__ import annotations

import numpy as np
import pytest

from citynexus.data import load
from citynexus.errors import CityNexusError
from citynexus.evaluate import build, default_spec
from citynexus.services import index as service


@pytest.fixture(scope="module")
def gba():
    ds = service.dataset(None, "gba")
    return ds, service.result(ds)


def _spec_with(weights: dict[str, dict[str, float]]):
    spec = default_spec("gba")
    for parent, vals in weights.items():
        total = sum(vals.values())
        spec = spec.weights_with("given", parent=parent, values={c: v / total for c, v in vals.items()})
    return spec


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rerank_tree_equals_a_build_with_the_weights_in_the_spec(gba, seed):
    ds, res = gba
    rng = np.random.default_rng(seed)
    groups = {g["parent"]: [c["code"] for c in g["children"]] for g in service.tree_weights(res)}
    given = {p: {c: float(rng.integers(0, 100)) + 1 for c in kids} for p, kids in groups.items()}
    if seed == 2:
        given.pop("URB")  # a parent not named keeps its default (entropy) weights
    out = service.rerank_tree(res, {c: w for vals in given.values() for c, w in vals.items()}, ds)
    ref = build(load("gba"), _spec_with(given))
    got = {r["unit"]: r["score"] for r in out["ranking"]}
    for u, v in ref.scores["GBA"].items():
        assert abs(got[u] - v) < 1e-12
    assert {r["unit"]: r["rank"] for r in out["ranking"]} == {u: int(v) for u, v in ref.ranks["GBA"].items()}
    eff = ref.weights.set_index("code")["effective"]
    for c, v in out["effective"].items():
        assert abs(v - eff[c]) < 1e-12


def test_default_weights_give_the_default_ranking_and_no_change(gba):
    ds, res = gba
    out = service.rerank_tree(res, {}, ds)
    assert all(r["change"] == 0 for r in out["ranking"])
    assert {r["unit"]: r["rank"] for r in out["ranking"]} == {u: int(v) for u, v in res.ranks["GBA"].items()}
    assert abs(sum(v for c, v in out["effective"].items() if c not in ("IND", "URB")) - 1) < 1e-12


def test_rank_change_is_against_the_default(gba):
    ds, res = gba
    out = service.rerank_tree(res, {"IND": 1, "URB": 0}, ds)
    for r in out["ranking"]:
        assert r["change"] == r["default_rank"] - r["rank"]
    assert out["effective"]["URB"] == 0 and out["effective"]["pm25"] == 0


def test_bad_weights_are_refused(gba):
    ds, res = gba
    with pytest.raises(CityNexusError, match="unknown weight 'XYZ'"):
        service.rerank_tree(res, {"XYZ": 1}, ds)
    with pytest.raises(CityNexusError, match="children of IND"):
        service.rerank_tree(res, {"sei_share": 0}, ds)
    with pytest.raises(CityNexusError, match=">= 0"):
        service.rerank_tree(res, {"sei_share": -1}, ds)
