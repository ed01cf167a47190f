"""Use cases of the SME technology service network shared by the faces (CLI, API, pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def route_files(
    requests: str | Path,
    centres: str | Path,
    top: int = 3,
    mode: str = "hybrid",
    referrals: bool = True,
    encoder=None,
) -> list[dict[str, Any]]:
    """Route every request of a JSON Lines file over the centres of another (both validated
    all-or-nothing); one JSON-ready routing per request, in file order."""
    from citynexus.centres.records import read_centres, read_requests
    from citynexus.centres.routing import Router

    cs = read_centres(centres)
    reqs = read_requests(requests)
    router = Router(cs, encoder=encoder)
    return [r.to_json() for r in router.route_all(reqs, top=top, mode=mode, referrals=referrals)]


def evaluate_routing(encoder=None) -> dict[str, Any]:
    """Scores of the bundled labelled set: rows per system and subset, and the referral tally."""
    from citynexus.centres.evaluation import evaluate, evaluate_referrals, load_eval_set
    from citynexus.centres.routing import Router

    centres, requests = load_eval_set()
    router = Router(centres, encoder=encoder)
    return {"rows": evaluate(router, requests), "referrals": evaluate_referrals(router, requests)}
