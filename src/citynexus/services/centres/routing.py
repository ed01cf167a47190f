"""Routing of SME problem statements to centres (需求分派): one text, or the inbox of stored
requests, over the centres' router (cached per stored state and encoder)."""

from __future__ import annotations

from typing import Any

from citynexus.services.cache import LRU
from citynexus.services.centres.state import Network, network
from citynexus.services.centres.talent import _talent_matcher, talent_pool

MAX_TOP = 15
_router_cache = LRU(4)
_route_cache = LRU(512)


def _router(net: Network, encoder=None):
    from citynexus.centres.routing import Router

    key = (net.digest if not net.synthetic else "demo", tuple(c.id for c in net.centres), id(encoder))
    return _router_cache.get(key, lambda: Router(net.centres, encoder=encoder))


def route_text(
    db,
    text: str,
    sme: str = "SME",
    city: str | None = None,
    top: int = 3,
    mode: str = "hybrid",
    referrals: bool = True,
    encoder=None,
) -> dict[str, Any]:
    """Rank the centres (stored, or the synthetic demo's) for one problem statement: reasons,
    a referral when the problem spans fields, a team for a cross-disciplinary case."""
    from citynexus.centres.errors import RoutingError
    from citynexus.centres.records import parse_requests

    if not 1 <= top <= MAX_TOP:
        raise RoutingError(f"top must lie between 1 and {MAX_TOP}, got {top}")
    if mode not in ("hybrid", "bm25", "dense"):
        raise RoutingError(f"mode must be hybrid, bm25 or dense, got {mode!r}")
    net = network(db)
    obj: dict[str, Any] = {"id": "REQ", "sme": sme, "text": text, "city": city or "GZ"}
    (req,) = parse_requests([obj], "(request)")
    out = _router(net, encoder).route(req, top=top, mode=mode, referrals=referrals).to_json()
    out["synthetic"] = net.synthetic
    return out


def inbox(db, page: int = 1, size: int = 8, encoder=None) -> dict[str, Any]:
    """One page of the request inbox: each request with its routing (cached per request)."""
    net = network(db)
    reqs = net.requests
    pages = max(1, -(-len(reqs) // size))
    page = min(max(1, page), pages)
    shown = reqs[(page - 1) * size : page * size]
    router = _router(net, encoder)
    key0 = net.digest if not net.synthetic else "demo"
    items = []
    for r in shown:
        routing = _route_cache.get((key0, r.id, r.text, r.city), lambda r=r: router.route(r, top=3).to_json())
        items.append({"request": r.to_record() | {"lang": r.lang}, "routing": routing})
    return {"synthetic": net.synthetic, "page": page, "pages": pages, "total": len(reqs), "items": items}


def warm(db=None, encoder=None) -> None:
    """Build what the first routing and talent request would build (the sentence encoder, jieba's
    dictionary, the centres' and the talent matchers): about 10-15 s on two shared cores, once per
    process."""
    net = network(db)
    _router(net, encoder)
    if net.requests:
        route_text(db, net.requests[0].text, encoder=encoder)
    _talent_matcher(talent_pool(db), encoder)
