"""Evaluation of routing on a labelled set (分派评测): top-1 accuracy, MRR and recall@k.

For a request with the set ``E`` of centres that should take it and a ranking ``r_1, r_2, ...``:

- top-1 = 1 if ``r_1 ∈ E``;
- reciprocal rank = ``1 / min{i : r_i ∈ E}`` (0 if none is ranked); MRR is its mean
  (Voorhees 1999, TREC-8 QA track);
- recall@k = ``|{r_1..r_k} ∩ E| / |E|`` (for a cross-field request it asks whether the whole
  team is among the first k).

The bundled labelled set (``citynexus/centres/data/eval_*.jsonl``, 15 centres, 48 requests,
half Chinese, 9 of them cross-field) was written, labels included, before any scoring.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from citynexus.centres.models import Centre, ServiceRequest

#: Configurations compared: (name, matcher mode, clause referrals on)
SYSTEMS: tuple[tuple[str, str, bool], ...] = (
    ("hybrid+referrals", "hybrid", True),
    ("hybrid", "hybrid", False),
    ("bm25", "bm25", False),
    ("dense", "dense", False),
)


def eval_paths() -> tuple[Path, Path]:
    """(centres file, requests file) of the bundled labelled set."""
    base = resources.files("citynexus.centres").joinpath("data")
    return Path(str(base / "eval_centres.jsonl")), Path(str(base / "eval_requests.jsonl"))


def load_eval_set() -> tuple[list[Centre], list[ServiceRequest]]:
    from citynexus.centres.records import read_centres, read_requests

    c, r = eval_paths()
    centres = read_centres(c)
    return centres, read_requests(r, centres)


def load_holdout(centres: list[Centre] | None = None) -> list[ServiceRequest]:
    """The held-out requests (``data/eval_requests_holdout.jsonl``: 16, 8 English / 8 Chinese,
    7 cross-field), written after the referral rule was fixed and before they were scored."""
    from citynexus.centres.records import read_centres, read_requests

    c, r = eval_paths()
    return read_requests(r.parent / "eval_requests_holdout.jsonl", centres or read_centres(c))


def scores(ranking: list[str], expect: list[str], k: int = 3) -> dict[str, float]:
    """top1, rr (reciprocal rank) and recall@k of one ranking against the expected centres."""
    exp = set(expect)
    rr = next((1.0 / i for i, c in enumerate(ranking, start=1) if c in exp), 0.0)
    return {
        "top1": 1.0 if ranking and ranking[0] in exp else 0.0,
        "rr": rr,
        f"recall@{k}": len(set(ranking[:k]) & exp) / len(exp) if exp else 0.0,
    }


def evaluate(router, requests: list[ServiceRequest], k: int = 3, systems=SYSTEMS) -> list[dict[str, Any]]:
    """One row per system and subset (all, en, zh, cross-field): n, top1, MRR, recall@k."""
    rows = []
    labelled = [r for r in requests if r.expect]
    for name, mode, refs in systems:
        per = []
        for req in labelled:
            ranking = router.route(req, top=len(router.centres), mode=mode, referrals=refs).centres
            per.append((req, scores(ranking, req.expect, k)))
        subsets = {
            "all": per,
            "en": [p for p in per if p[0].lang == "en"],
            "zh": [p for p in per if p[0].lang == "zh"],
            "cross-field": [p for p in per if len(p[0].expect) > 1],
        }
        for sub, items in subsets.items():
            n = len(items)
            if not n:
                continue
            rows.append(
                {
                    "system": name,
                    "subset": sub,
                    "n": n,
                    "top1": sum(s["top1"] for _, s in items) / n,
                    "mrr": sum(s["rr"] for _, s in items) / n,
                    f"recall@{k}": sum(s[f"recall@{k}"] for _, s in items) / n,
                }
            )
    return rows


def evaluate_referrals(router, requests: list[ServiceRequest]) -> dict[str, Any]:
    """How the clause referrals fare: on cross-field requests (≥ 2 expected centres), the share
    whose referral is an expected centre other than the primary (``hit_rate``); on single-field
    requests, the share that got a referral anyway (``spurious_rate``); teams proposed."""
    cross = [r for r in requests if len(r.expect) > 1]
    single = [r for r in requests if len(r.expect) == 1]
    hits = 0
    teams_ok = 0
    n_team = 0
    for r in cross:
        out = router.route(r, top=len(router.centres))
        primary = out.centres[0] if out.centres else None
        if out.referral and out.referral["centre"] in set(r.expect) - {primary}:
            hits += 1
        if out.team:
            n_team += 1
            teams_ok += all(t["centre"] in r.expect for t in out.team)
    spurious = sum(1 for r in single if router.route(r, top=1).referral)
    return {
        "cross_field": len(cross),
        "referral_hits": hits,
        "hit_rate": hits / len(cross) if cross else 0.0,
        "single_field": len(single),
        "spurious_referrals": spurious,
        "spurious_rate": spurious / len(single) if single else 0.0,
        "teams": n_team,
        "teams_all_expected": teams_ok,
    }
