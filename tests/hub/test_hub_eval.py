"""The labelled evaluation set: its shape, the metrics by hand, and hybrid beating both retrievers."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parents[2] / "benchmarks" / "hub_eval"


def load_module(name):
    spec = importlib.util.spec_from_file_location(f"hubeval_{name}", EVAL / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(EVAL))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(EVAL))
    return mod


@pytest.fixture(scope="module")
def ev():
    return load_module("evaluate")


def test_eval_set_shape():
    records = [json.loads(x) for x in (EVAL / "eval_set.jsonl").read_text(encoding="utf-8").splitlines()]
    data = json.loads((EVAL / "qrels.json").read_text(encoding="utf-8"))
    offers = [r for r in records if r["type"] == "offer"]
    needs = [r for r in records if r["type"] == "need"]
    assert len(offers) >= 300 and len(needs) >= 60
    from citynexus.hub.text import detect_lang

    assert {detect_lang(r["title"] + r["text"]) for r in needs} == {"zh", "en"}
    assert {detect_lang(r["title"] + r["text"]) for r in offers} == {"zh", "en"}
    grades = {g for q in data["qrels"].values() for g in q.values()}
    assert grades >= {2, 3}
    assert set(data["qrels"]) == {r["id"] for r in needs}
    # every need has a near-miss that violates its constraint, and it is not judged relevant
    for nid, hard in data["hard_negatives"].items():
        assert hard["near_miss"] and not set(hard["near_miss"]) & set(data["qrels"][nid])


def test_eval_file_is_what_the_generator_writes():
    gen = load_module("generate_eval")
    records, qrels, hard = gen.build()
    on_disk = [json.loads(x) for x in (EVAL / "eval_set.jsonl").read_text(encoding="utf-8").splitlines()]
    assert records == on_disk
    assert json.loads((EVAL / "qrels.json").read_text(encoding="utf-8")) == {"qrels": qrels, "hard_negatives": hard}


def test_ndcg_and_recall_by_hand(ev):
    grades = {"a": 3, "b": 2, "c": 3}
    ranked = ["b", "x", "a"]
    dcg = (2**2 - 1) / math.log2(2) + 0 + (2**3 - 1) / math.log2(4)
    idcg = 7 / math.log2(2) + 7 / math.log2(3) + 3 / math.log2(4)
    assert ev.ndcg_at_k(ranked, grades) == pytest.approx(dcg / idcg)
    assert ev.recall_at_k(ranked, grades) == pytest.approx(2 / 3)
    assert ev.ndcg_at_k(["a", "c", "b"], grades) == pytest.approx(1.0)
    assert ev.ndcg_at_k([], grades) == 0.0 and ev.recall_at_k(["x"], {}) == 0.0


@pytest.mark.slow
def test_hybrid_beats_bm25_and_dense(ev, encoder):
    res = ev.run_all(encoder, ablation=False)
    for setting in ("pipeline", "retrieval_only"):
        r = res[setting]
        for metric in ("ndcg@10", "recall@10"):
            assert r["hybrid"][metric] > r["bm25"][metric], (setting, metric, r)
            assert r["hybrid"][metric] > r["dense"][metric], (setting, metric, r)
    # hard constraints keep every near-miss out of the pipeline's top 10
    assert res["pipeline"]["hybrid"]["near_miss_in_top10"] == 0.0
    assert res["retrieval_only"]["hybrid"]["near_miss_in_top10"] > 0.5
