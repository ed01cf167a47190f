"""Use cases of the ``citynexus centres`` and ``citynexus talent`` commands that work on files:
route a requests file, score the bundled evaluation set, fund from a records CSV, import files."""

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


def fund_file(
    records: str | Path | None,
    budget: str,
    formula: str | Path | None = None,
    compare_with: str | Path | None = None,
    centres: str | Path | None = None,
    sensitivity: bool = False,
    db: str | None = None,
) -> dict[str, Any]:
    """Allocate a budget from a records CSV (``--db``: only ledger-verified records count)."""
    from citynexus.centres import funding as fu
    from citynexus.centres.records import read_centres

    f = fu.Formula.from_toml(formula) if formula else fu.Formula.default()
    kw: dict[str, Any] = {}
    book = None
    if db:
        from citynexus.centres.lifecycle import ServiceBook

        book = ServiceBook(db)
        stored = book.centres()
        kw = {"centres": [c.id for c in stored], "affiliates": {c.id: c.affiliates for c in stored}}
    if centres:
        cs = read_centres(centres)
        kw = {"centres": [c.id for c in cs], "affiliates": {c.id: c.affiliates for c in cs}}
    if records is not None:
        recs = fu.read_records_csv(records)
        if book is not None:
            recs = book.verify_funding_records(recs)
    else:
        recs = book.funding_records()
    out = fu.allocate(recs, budget, f, **kw).to_json()
    out["marginal_reward"] = fu.marginal_reward(recs, budget, f, **kw)
    if compare_with:
        g = fu.Formula.from_toml(compare_with)
        if g.name == f.name:
            g.name = f"{g.name}-b"
        out["comparison"] = {"a": f.name, "b": g.name, "rows": fu.compare(recs, budget, f, g, **kw)}
    if sensitivity:
        out["sensitivity"] = fu.sensitivity(recs, budget, f, **kw)
    return out


def import_files(centres: str | Path, requests: str | Path | None = None, db: str | None = None) -> dict[str, int]:
    """Validate (all-or-nothing) and store centres and requests; ``centres="demo"`` stores the
    synthetic demo network with its requests and service records."""
    from citynexus.centres.lifecycle import ServiceBook
    from citynexus.centres.records import read_centres, read_requests

    if str(centres) == "demo":
        from citynexus.centres.demo import load_demo

        return load_demo(db)
    cs = read_centres(centres)
    rs = read_requests(requests) if requests else []
    book = ServiceBook(db)
    return {"centres": book.import_centres(cs), "requests": book.import_requests(rs)}


def import_talent(file: str | Path, db: str | None = None) -> dict[str, int]:
    """Validate and store talent profiles and positions (``"demo"``: the synthetic demo)."""
    from citynexus.centres import talent as tl

    ts, ps = tl.demo_talent() if str(file) == "demo" else tl.read_talent_file(file)
    return tl.store_talent(db, ts, ps)


def match_talent(
    position: str | None = None,
    talent: str | None = None,
    file: str | Path | None = None,
    db: str | None = None,
    top: int = 5,
    encoder=None,
) -> list[dict[str, Any]]:
    """Talents for a position or positions for a talent, from a file or the store."""
    from citynexus.centres import talent as tl

    ts, ps = tl.read_talent_file(file) if file else tl.load_talent(db)
    m = tl.TalentMatcher(ts, ps, encoder=encoder)
    return m.for_position(position, top) if position else m.for_talent(talent, top)
