"""SME service network: routing quality on the labelled bilingual set, routing latency, funding at scale.

Rows:

- routing quality (top-1, MRR, recall@3) of the routing (hub hybrid matcher + clause referrals)
  against the hub matcher in BM25-only, dense-only and hybrid mode, all in this run on the bundled
  labelled set (15 centres, 48 requests, 23 Chinese; labels written before scoring). Quality
  rows carry no ratio: the numbers are in ``ours`` / ``baseline``; the matcher runs with the
  routing options (city bonus as a tie-breaker) and, for comparison, with the hub's defaults;
- routing latency per request: with clause referrals (up to 3 extra matcher calls per clause)
  against the matcher's ranking alone;
- funding: allocation of a budget over 200 SYNTHETIC centres from 40,000 SYNTHETIC records
  against the fixed per-centre grant (the baseline the issue names), and the incentive of
  each: the mean marginal reward of one more served SME on the demo (fixed grant: 0).
"""

from __future__ import annotations

import random
import time


def _quality_rows(router, requests, tag: str) -> list[dict]:
    from citynexus.centres.evaluation import evaluate

    rows = {(r["system"], r["subset"]): r for r in evaluate(router, requests)}
    out = []
    for metric in ("top1", "mrr", "recall@3"):
        for subset in ("all", "en", "zh", "cross-field"):
            ours = rows[("hybrid+referrals", subset)]
            peers = " / ".join(f"{s} {rows[(s, subset)][metric]:.3f}" for s in ("hybrid", "bm25", "dense"))
            out.append(
                {
                    "benchmark": f"centres routing {metric}",
                    "case": f"{subset} (n={ours['n']}), {tag}",
                    "ours_s": ours[metric],
                    "unit": metric,
                    "baseline": peers,
                    "note": "routing = hybrid + clause referrals; higher is better",
                }
            )
    return out


def run() -> list[dict]:
    from citynexus.centres import Router
    from citynexus.centres.evaluation import evaluate_referrals, load_eval_set, load_holdout
    from citynexus.centres.funding import FundingRecord, allocate, fixed_grant, marginal_reward, read_records_csv
    from citynexus.hub.config import MatchConfig

    centres, requests = load_eval_set()
    router = Router(centres)
    rows = _quality_rows(router, requests, "routing options")
    rows += _quality_rows(
        Router(centres, encoder=router.matcher.encoder, config=MatchConfig()), requests, "hub defaults"
    )
    hold = load_holdout(centres)
    rows += [r for r in _quality_rows(router, hold, "HELD-OUT set") if "all" in r["case"] or "cross" in r["case"]]
    ref_h = evaluate_referrals(router, hold)
    rows.append(
        {
            "benchmark": "centres referrals",
            "case": f"HELD-OUT: {ref_h['cross_field']} cross-field / {ref_h['single_field']} single-field",
            "ours_s": ref_h["hit_rate"],
            "unit": "hit rate",
            "baseline": f"spurious {ref_h['spurious_referrals']}/{ref_h['single_field']}",
            "note": f"referral names an expected 2nd centre in {ref_h['referral_hits']}/{ref_h['cross_field']}; "
            f"teams {ref_h['teams']} ({ref_h['teams_all_expected']} all expected)",
        }
    )
    ref = evaluate_referrals(router, requests)
    rows.append(
        {
            "benchmark": "centres referrals",
            "case": f"{ref['cross_field']} cross-field / {ref['single_field']} single-field requests",
            "ours_s": ref["hit_rate"],
            "unit": "hit rate",
            "baseline": f"spurious {ref['spurious_referrals']}/{ref['single_field']}",
            "note": f"referral names an expected 2nd centre in {ref['referral_hits']}/{ref['cross_field']}; "
            f"teams {ref['teams']} ({ref['teams_all_expected']} all expected)",
        }
    )
    for r in requests[:3]:  # warm-up
        router.route(r)
    t0 = time.perf_counter()
    for r in requests:
        router.route(r, top=3)
    ours = (time.perf_counter() - t0) / len(requests)
    t0 = time.perf_counter()
    for r in requests:
        router.route(r, top=3, referrals=False)
    base = (time.perf_counter() - t0) / len(requests)
    rows.append(
        {
            "benchmark": "centres routing latency",
            "case": "per request, 15 centres",
            "ours_s": ours,
            "baseline": "hub matcher ranking only",
            "baseline_s": base,
            "note": "ratio < 1: the price of clause referrals",
        }
    )

    rng = random.Random(3)
    ids = [f"C{i:03d}" for i in range(200)]
    recs = [
        FundingRecord(
            rng.choice(ids),
            f"S{rng.randrange(8000)}",
            str(rng.choice([2024, 2025])),
            rng.random() < 0.85,
            float(rng.randint(1, 5)),
            None,
            rng.choice([None, "cost_saved"]),
        )
        for _ in range(40_000)
    ]
    t0 = time.perf_counter()
    alloc = allocate(recs, "100000000")
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    fixed_grant(ids, "100000000")
    base = time.perf_counter() - t0
    assert sum(r["cents"] for r in alloc.rows) == 100000000 * 100
    rows.append(
        {
            "benchmark": "centres funding",
            "case": "200 centres, 40,000 records (synthetic)",
            "ours_s": ours,
            "baseline": "fixed per-centre grant",
            "baseline_s": base,
            "note": "sum = budget to the cent checked",
        }
    )
    import tempfile

    from citynexus.centres.demo import write_demo

    with tempfile.TemporaryDirectory() as d:
        paths = write_demo(d)
        demo = read_records_csv(paths["records"])
    mr = marginal_reward(demo, "1000000")
    rows.append(
        {
            "benchmark": "centres funding incentive",
            "case": "one more served SME, demo (synthetic), budget 1,000,000",
            "ours_s": sum(mr.values()) / len(mr),
            "unit": "yuan",
            "baseline": "fixed grant: 0",
            "note": f"min {min(mr.values()):,.0f}, max {max(mr.values()):,.0f} over {len(mr)} centres",
        }
    )
    return rows
