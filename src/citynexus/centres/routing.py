"""Routing SME service requests to centres (服务需求分派), on the hub's hybrid matcher.

No second matcher: every score comes from :class:`citynexus.hub.matching.Matcher`
(BM25 over the hub's bilingual tokens + multilingual sentence vectors, fused by reciprocal
rank fusion, soft city features; see ``docs/hub.md``). Each centre is a hub organization of
kind ``service_centre`` with one ``service`` offer per language it describes itself in
(:meth:`Centre.offers`); a request becomes a hub ``service`` need of its SME, located in the
request's city. A centre's score is the best score of its offers:

``score(c) = max_{o ∈ offers(c)} [ rrf(o) + Σ_f w_f x_f(o) ]``

**Referral and team.** A problem that spans fields ("EMC test failed → redesign the PCB")
is cut into clauses at sentence marks, semicolons, commas, arrows and a few connectives
(``then``, ``and then``, ``also``, ``同时``, ``然后``, ``还要``, ``并且``, ``以及``). Each clause of at
least ``min_clause_tokens`` tokens is routed on its own, once per retriever. A clause
*supports* a centre when the hybrid, the BM25-only and the dense-only rankings of the clause
all put that centre first (agreement of independent retrievers; a clause such as "we need
help" that only one retriever can place supports nothing) and its fields are not already
covered by the centres chosen before.
The first supported centre other than the primary is the **referral**; when three or more
distinct centres are supported the request is cross-disciplinary and they form a **team**.
With ``promote_referrals`` the referral and team members are moved up to ranks 2, 3, ...
of the returned list (the rest keep the matcher's order).

``docs/centres.md`` tells how this rule was arrived at (a first, score-threshold rule did not
separate clauses, because normalised RRF scores saturate near 1 with a few dozen offers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from citynexus.centres.errors import RoutingError
from citynexus.centres.models import Centre, ServiceRequest
from citynexus.hub.config import MatchConfig
from citynexus.hub.encoder import Encoder
from citynexus.hub.matching import MODES, Matcher
from citynexus.hub.models import Organization
from citynexus.hub.text import tokenize

_SPLIT = re.compile(
    r"\s*(?:->|→|=>|[.;!?。；！？，,:：]|\band then\b|\bthen\b|\balso\b|\bas well as\b"
    r"|同时|然后|还要|并且|以及|另外)\s*",
    re.IGNORECASE,
)


@dataclass
class RoutingConfig:
    """Options of the router (a priori values; see ``docs/centres.md``)."""

    min_clause_tokens: int = 2
    max_team: int = 4
    promote_referrals: bool = True

    def __post_init__(self) -> None:
        if self.min_clause_tokens < 1:
            raise RoutingError(f"min_clause_tokens must be >= 1, got {self.min_clause_tokens}")
        if self.max_team < 2:
            raise RoutingError(f"max_team must be >= 2, got {self.max_team}")


@dataclass
class CentreScore:
    """One centre for one request: score and the hub matcher's reasons (of its best offer)."""

    centre: str
    score: float
    offer: str
    reasons: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"centre": self.centre, "score": round(self.score, 6), "offer": self.offer, "reasons": self.reasons}


@dataclass
class Routing:
    """The routing of one request: centres best first, a referral, a team, the clauses seen."""

    request: str
    lang: str
    ranking: list[CentreScore]
    referral: dict[str, Any] | None = None
    team: list[dict[str, Any]] = field(default_factory=list)
    clauses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def centres(self) -> list[str]:
        return [c.centre for c in self.ranking]

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "centres": self.centres,
            "lang": self.lang,
            "ranking": [c.to_json() for c in self.ranking],
            "referral": self.referral,
            "team": self.team,
            "clauses": self.clauses,
        }


def split_clauses(text: str) -> list[str]:
    """Clauses of a problem statement (cut at sentence marks, commas, arrows and connectives).

    >>> split_clauses("EMC test failed -> redesign the PCB")
    ['EMC test failed', 'redesign the PCB']
    """
    return [p.strip() for p in _SPLIT.split(text) if p and p.strip()]


def routing_match_config(**overrides: Any) -> MatchConfig:
    """The hub's matching options as routing uses them: the city features shrink to tie-breakers
    (``w_same_city`` 0.005, ``w_neighbour_city`` 0.0025 instead of 0.05 / 0.025).

    A centre serves SMEs across the region, and with a few dozen offers the normalised RRF
    gap between ranks 1 and 2 is ``(1/61 - 1/62) / (2/61) ≈ 0.008`` — the hub's default city
    bonus would outweigh a clear lexical and semantic winner in a neighbouring city."""
    base: dict[str, Any] = {"w_same_city": 0.005, "w_neighbour_city": 0.0025}
    base.update(overrides)
    return MatchConfig(**base)


class Router:
    """Ranks centres for SME requests with the hub matcher (modes ``hybrid``, ``bm25``, ``dense``)."""

    def __init__(
        self,
        centres: Sequence[Centre],
        encoder: Encoder | None = None,
        config: MatchConfig | None = None,
        routing: RoutingConfig | None = None,
    ):
        if not centres:
            raise RoutingError("no centres to route to: give a centres file with at least one centre")
        self.centres = {c.id: c for c in centres}
        self.cfg = routing or RoutingConfig()
        offers = [o for c in centres for o in c.offers()]
        self.matcher = Matcher(
            [c.organization() for c in centres], offers, [], encoder=encoder, config=config or routing_match_config()
        )
        self.matcher.side("offer")
        self._n_offers = len(offers)
        self._tmp = 0

    def _rank_text(self, req: ServiceRequest, text: str, mode: str) -> list[CentreScore]:
        """Centres for ``text`` (the request's statement or one clause), best first."""
        m = self.matcher
        self._tmp += 1
        need = req.need(f"~route{self._tmp}", text)
        m.orgs[req.sme] = Organization(req.sme, req.sme, "enterprise", req.city, [])  # this request's city
        m.needs[need.id] = need
        try:
            matches = m.match_need(need.id, top=self._n_offers, mode=mode)
        finally:
            # the need's vector stays in the matcher's cache under its never-reused id
            m.needs.pop(need.id, None)
        best: dict[str, CentreScore] = {}
        for mt in matches:
            if mt.org not in best:
                best[mt.org] = CentreScore(mt.org, mt.score, mt.item_id, mt.reasons)
        return sorted(best.values(), key=lambda c: (-c.score, c.centre))

    def route(self, req: ServiceRequest, top: int = 3, mode: str = "hybrid", referrals: bool = True) -> Routing:
        """Route one request: the centres best first (at most ``top``), referral and team
        (``referrals=False``: the matcher's ranking only, no clause routing)."""
        if mode not in MODES:
            raise RoutingError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if top < 1:
            raise RoutingError(f"top must be >= 1, got {top}")
        if req.sme in self.centres:
            raise RoutingError(f"request {req.id}: SME id {req.sme!r} is also a centre id; give the SME its own id")
        full = self._rank_text(req, req.text, mode)
        out = Routing(req.id, req.lang, full)
        if not full:
            return out
        primary = full[0].centre
        chosen = [primary]
        covered = set(self.centres[primary].fields)
        clauses = split_clauses(req.text)
        if referrals and len(clauses) > 1:
            for cl in clauses:
                n_tok = len(tokenize(cl))
                row: dict[str, Any] = {"text": cl, "tokens": n_tok, "centre": None}
                if n_tok >= self.cfg.min_clause_tokens:
                    votes = {m: self._rank_text(req, cl, m) for m in ("hybrid", "bm25", "dense")}
                    tops = {m: (v[0].centre if v else None) for m, v in votes.items()}
                    winner = tops["hybrid"]
                    if winner is not None:
                        best = votes["hybrid"][0]
                        row.update(centre=winner, score=round(best.score, 6), votes=tops)
                        agree = tops["bm25"] == winner and tops["dense"] == winner
                        fields = set(self.centres[winner].fields)
                        new = winner not in chosen and not fields <= covered
                        row["supports"] = bool(agree and new)
                        if row["supports"] and len(chosen) < self.cfg.max_team:
                            chosen.append(winner)
                            covered |= fields
                out.clauses.append(row)
        support = {r["centre"]: r for r in out.clauses if r.get("supports")}
        if len(chosen) >= 2:
            c2 = chosen[1]
            out.referral = {
                "centre": c2,
                "clause": support[c2]["text"],
                "reason": f"clause '{support[c2]['text']}' is best served by {c2} "
                f"(fields {', '.join(self.centres[c2].fields)}; first for BM25, dense and hybrid alike), "
                f"outside the fields of {primary} ({', '.join(self.centres[primary].fields)})",
            }
        if len(chosen) >= 3:
            out.team = [
                {
                    "centre": c,
                    "role": "lead" if c == primary else "member",
                    "fields": list(self.centres[c].fields),
                    "clause": support[c]["text"] if c in support else None,
                }
                for c in chosen
            ]
        ranking = full
        if self.cfg.promote_referrals and len(chosen) > 1:
            pos = {c: i for i, c in enumerate(chosen)}
            ranking = sorted(full, key=lambda s: (pos.get(s.centre, len(chosen)), full.index(s)))
        out.ranking = ranking[:top]
        return out

    def route_all(
        self, requests: Sequence[ServiceRequest], top: int = 3, mode: str = "hybrid", referrals: bool = True
    ) -> list[Routing]:
        """:meth:`route` for each request, in order."""
        return [self.route(r, top, mode, referrals) for r in requests]
