"""Score hub matching on the labelled evaluation set: NDCG@10 and recall@10 per method.

NDCG@k (Järvelin & Kekäläinen 2002): DCG@k = Σ_{i=1..k} (2^{g_i} − 1) / log2(i + 1), divided
by the DCG@k of the ideal ordering of the need's judged offers. Recall@k = relevant offers
(grade > 0) in the top k / all relevant offers. Both are averaged over needs.

Run: ``python benchmarks/hub_eval/evaluate.py`` (prints a table; ``--json`` for JSON).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).parent
K = 10


def ndcg_at_k(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """NDCG@k with exponential gain 2^g − 1 and log2(i + 1) discount."""
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """Share of the relevant (grade > 0) items found in the top k."""
    rel = {d for d, g in grades.items() if g > 0}
    return len(rel & set(ranked[:k])) / len(rel) if rel else 0.0


def load_eval():
    data = json.loads((HERE / "qrels.json").read_text(encoding="utf-8"))
    records = [json.loads(line) for line in (HERE / "eval_set.jsonl").read_text(encoding="utf-8").splitlines()]
    return records, data["qrels"], data["hard_negatives"]


def build_matcher(records, encoder=None, config=None):
    """A Matcher over the evaluation records (validated by the hub's own record parser)."""
    from citynexus.hub.matching import Matcher
    from citynexus.hub.models import Need, Offer, Organization
    from citynexus.hub.records import parse_record

    recs = []
    for i, obj in enumerate(records, start=1):
        rec, problems = parse_record(obj, i)
        if problems:
            raise ValueError("; ".join(map(str, problems)))
        recs.append(rec)
    orgs = [r for r in recs if isinstance(r, Organization)]
    offers = [r for r in recs if isinstance(r, Offer)]
    needs = [r for r in recs if isinstance(r, Need)]
    return Matcher(orgs, offers, needs, encoder=encoder, config=config).build()


def evaluate(matcher, qrels, hard, modes=("bm25", "dense", "hybrid"), k: int = K) -> dict[str, dict[str, float]]:
    """Mean NDCG@k, recall@k and the share of needs with a hard negative in the top k, per mode."""
    out = {}
    for mode in modes:
        nd, rc, hn = [], [], []
        for need_id, grades in qrels.items():
            ranked = [m.item_id for m in matcher.match_need(need_id, top=k, mode=mode)]
            nd.append(ndcg_at_k(ranked, grades, k))
            rc.append(recall_at_k(ranked, grades, k))
            negs = set(hard[need_id]["near_miss"])
            hn.append(1.0 if negs & set(ranked) else 0.0)
        n = len(nd)
        out[mode] = {"ndcg@10": sum(nd) / n, "recall@10": sum(rc) / n, "near_miss_in_top10": sum(hn) / n}
    return out


def per_need_wins(matcher, qrels, a: str = "hybrid", b: str = "dense", k: int = K) -> dict[str, int]:
    """How many needs have a higher / equal / lower NDCG@k under mode ``a`` than under ``b``."""
    out = {"better": 0, "equal": 0, "worse": 0}
    for need_id, grades in qrels.items():
        x = ndcg_at_k([m.item_id for m in matcher.match_need(need_id, top=k, mode=a)], grades, k)
        y = ndcg_at_k([m.item_id for m in matcher.match_need(need_id, top=k, mode=b)], grades, k)
        out["better" if x > y + 1e-12 else "worse" if x < y - 1e-12 else "equal"] += 1
    return out


def run_all(encoder=None, ablation: bool = True) -> dict[str, dict]:
    """Full pipeline (constraints + soft features) and retrieval alone (no constraints, no soft
    features), each for BM25 only, dense only and hybrid with the default options; then the
    hybrid under plain RRF and with each fusion refinement switched on in turn."""
    from dataclasses import replace

    from citynexus.hub.config import MatchConfig
    from citynexus.hub.matching import Matcher

    records, qrels, hard = load_eval()
    full = build_matcher(records, encoder)
    orgs, offers, needs = list(full.orgs.values()), list(full.offers.values()), list(full.needs.values())

    def matcher(cfg):
        return Matcher(orgs, offers, needs, full.encoder, cfg, full._vectors).build()

    raw_cfg = MatchConfig(
        apply_constraints=False, w_industry=0, w_same_city=0, w_neighbour_city=0, w_offer_kind=0, w_org_kind=0
    )
    out: dict[str, dict] = {
        "pipeline": evaluate(full, qrels, hard),
        "retrieval_only": evaluate(matcher(raw_cfg), qrels, hard),
        "hybrid_vs_dense_per_need": per_need_wins(full, qrels),
    }
    if ablation:
        base = MatchConfig()
        variants = {
            "plain RRF": replace(base, coverage_aware_fusion=False, prf_docs=0),
            "+ coverage-aware normalisation": replace(base, prf_docs=0),
            "+ dense pseudo-relevance feedback (default)": base,
        }
        out["ablation_pipeline_hybrid"] = {
            name: evaluate(matcher(cfg), qrels, hard, modes=("hybrid",))["hybrid"] for name, cfg in variants.items()
        }
    return out


def main(argv: list[str]) -> int:
    res = run_all()
    if "--json" in argv:
        print(json.dumps(res, indent=2))
        return 0
    for setting in ("pipeline", "retrieval_only", "ablation_pipeline_hybrid"):
        by_mode = res[setting]
        print(f"\n{setting}")
        print(f"{'method':44} {'NDCG@10':>8} {'recall@10':>10} {'near-miss in top10':>19}")
        for mode, m in by_mode.items():
            print(f"{mode[:44]:44} {m['ndcg@10']:8.4f} {m['recall@10']:10.4f} {m['near_miss_in_top10']:19.3f}")
    print(f"\nhybrid vs dense, NDCG@10 per need: {res['hybrid_vs_dense_per_need']}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1] / "src"))
    raise SystemExit(main(sys.argv[1:]))
