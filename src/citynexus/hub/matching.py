"""Hybrid bilingual matching of needs and offers (供需智能匹配).

Pipeline for one query (a need looking for offers, an offer looking for needs, or free text):

1. **Lexical** — BM25 (Robertson & Zaragoza 2009, "The Probabilistic Relevance Framework:
   BM25 and Beyond") with ``bm25s`` over :func:`citynexus.hub.text.tokenize` tokens (jieba
   search-mode words with a domain dictionary, folded English words):
   ``bm25(q, d) = Σ_{t∈q} idf(t) · tf(t,d)(k1+1) / (tf(t,d) + k1(1 - b + b·|d|/avgdl))``.
2. **Dense** — cosine similarity of multilingual sentence vectors (USE multilingual v3),
   searched exactly or by a plugged-in ANN index (:mod:`citynexus.hub.vectors`).
3. **Fusion** — reciprocal rank fusion (Cormack, Clarke & Büttcher 2009, SIGIR):
   ``rrf(d) = Σ_r w_r / (k + rank_r(d))`` over the retrievers that returned d, divided by
   ``Σ_r w_r / (k + 1)`` so that 1.0 means "first in every list".
4. **Hard constraints** — cities, certifications, minimum capacity, deadline, budget; items
   that violate one are removed before ranks are counted.
5. **Soft features** — same industry, same or neighbouring city, offer kind and
   organization kind fit: ``score = rrf + Σ_f w_f · x_f − unverified_penalty · n_unverified``.

Every number of the pipeline comes back in the reasons of a match.

:meth:`Matcher.rank` is the one entry point of the pipeline: "rank the offers (or needs) for
this :class:`Query`, with these hard constraints (``accept``) and these soft boosts
(``boosts``)". ``match_need``, ``match_offer`` and ``search`` are that call with the hub's own
constraints (:func:`citynexus.hub.constraints.check_constraints`) and features; other matchers
pass theirs::

    q = Query(text, detect_lang(text), matcher.encoder.encode([text])[0])
    matcher.rank("offer", q, top=5, accept=lambda o: ConstraintCheck() if o.kind == "service" else None,
                 boosts=lambda o: {"local": feature(float(o.org == "ORG1"), 0.1, "same owner")})
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citynexus.hub import cities as _cities
from citynexus.hub.config import MatchConfig
from citynexus.hub.constraints import Accept, ConstraintCheck, check_constraints, city_label
from citynexus.hub.encoder import Encoder, default_encoder
from citynexus.hub.errors import HubConfigError, NotFoundError
from citynexus.hub.industries import labels_both
from citynexus.hub.models import Need, Offer, Organization
from citynexus.hub.text import detect_lang, tokenize
from citynexus.hub.vectors import VectorIndex, make_index, top_k

MODES = ("hybrid", "bm25", "dense")

__all__ = [
    "MODES",
    "Accept",
    "Boosts",
    "ConstraintCheck",
    "Match",
    "Matcher",
    "PartnerMatch",
    "Query",
    "check_constraints",
    "feature",
]


@dataclass
class Match:
    """One ranked result: the matched item, its final score and the reasons for it."""

    item_type: str  # "offer" or "need"
    item_id: str
    org: str
    score: float
    reasons: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {self.item_type: self.item_id, "org": self.org, "score": round(self.score, 6), "reasons": self.reasons}


@dataclass
class PartnerMatch:
    """A partner organization for an organization, with the pairs of items that link them."""

    org: str
    score: float
    pairs: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"org": self.org, "score": round(self.score, 6), "pairs": self.pairs}


Item = Offer | Need
#: Soft boosts of a ranking: ``{name: feature(value, weight, detail)}`` for an item.
Boosts = Callable[[Any], dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class Query:
    """What :meth:`Matcher.rank` ranks candidates for: the text BM25 reads, its language
    (``"zh"``/``"en"``; coverage-aware fusion and feedback terms use it) and its sentence
    vector (from the matcher's encoder, unit length)."""

    text: str
    lang: str
    vector: np.ndarray


@dataclass(frozen=True)
class _Plan:
    """Which retrievers one ranking uses, from the mode and the configured weights."""

    bm25: bool
    dense: bool
    coverage: bool  # coverage-aware fusion: BM25 ranks only items in the query's language

    @classmethod
    def of(cls, mode: str, cfg: MatchConfig) -> _Plan:
        bm25 = mode in ("hybrid", "bm25") and cfg.w_bm25 > 0
        dense = mode in ("hybrid", "dense") and cfg.w_dense > 0
        return cls(bm25, dense, cfg.coverage_aware_fusion and bm25 and dense)

    @property
    def retrievers(self) -> list[str]:
        return [name for name, on in (("bm25", self.bm25), ("dense", self.dense)) if on]


class _DenseSearch:
    """The query's dense neighbours, searched once per pool size."""

    def __init__(self, index: VectorIndex, vector: np.ndarray):
        self.index, self.vector = index, vector
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, pool: int) -> tuple[np.ndarray, np.ndarray]:
        if pool not in self._cache:
            self._cache[pool] = self.index.search(self.vector, pool)
        return self._cache[pool]


class _Gate:
    """The hard constraints of one ranking: ``accept`` is asked once per item, and an item
    passes when its check exists and (if constraints apply) passes the unknown-data policy."""

    def __init__(self, accept: Accept, items: Sequence[Item], cfg: MatchConfig):
        self.accept, self.items, self.cfg = accept, items, cfg
        self._checks: dict[int, ConstraintCheck | None] = {}

    def admits(self, row: int) -> bool:
        if row not in self._checks:
            chk = self.accept(self.items[row])
            ok = chk is not None and (not self.cfg.apply_constraints or chk.passes(self.cfg.unknown_policy))
            self._checks[row] = chk if ok else None
        return self._checks[row] is not None

    def check(self, row: int) -> ConstraintCheck:
        chk = self._checks[row]
        assert chk is not None, "only admitted rows have a check"
        return chk


@dataclass
class _Candidate:
    """One item's state during a ranking: its row on the side, the constraint check it passed,
    its (rank, raw score) in each retriever that returned it, the summed RRF terms, the
    normalised fusion score, its soft features and the final score."""

    row: int
    check: ConstraintCheck
    hits: dict[str, tuple[int, float]] = field(default_factory=dict)
    rrf: float = 0.0
    fusion: float = 0.0
    features: dict[str, dict[str, Any]] = field(default_factory=dict)
    score: float = 0.0


class _Side:
    """BM25 and vector indices over one kind of item (offers or needs)."""

    def __init__(
        self,
        items: Sequence[Offer | Need],
        vectors: np.ndarray,
        cfg: MatchConfig,
    ):
        import bm25s

        self.items = list(items)
        self.pos = {it.id: i for i, it in enumerate(self.items)}
        self.cfg = cfg
        corpus = [tokenize(_index_text(it, cfg)) for it in self.items]
        self.df: Counter[str] = Counter()
        for toks in corpus:
            self.df.update(set(toks))
        self.n_docs = len(corpus)
        self.bm25 = bm25s.BM25(k1=cfg.bm25_k1, b=cfg.bm25_b)
        if self.items:
            # an empty document still needs one token for bm25s; "" is its empty token
            self.bm25.index([t if t else [""] for t in corpus], show_progress=False)
        self.vec: VectorIndex = make_index(cfg.vector_index)
        self.vec.build(vectors)

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        if not self.items:
            return np.zeros(0, dtype=np.float32)
        known = [t for t in tokens if t in self.bm25.vocab_dict and t != ""]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))


def _index_text(item: Offer | Need, cfg: MatchConfig) -> str:
    text = item.document()
    if cfg.index_industry_labels and item.industries:
        text += " " + " ".join(labels_both(i) for i in item.industries)
    return text


class Matcher:
    """Ranks offers for needs, needs for offers, free text against both, and partners.

    ``vectors`` maps ``("offer"|"need", id)`` to precomputed unit vectors of the same
    encoder (e.g. the cache in the store); the rest is encoded on first use.
    """

    def __init__(
        self,
        organizations: Sequence[Organization],
        offers: Sequence[Offer],
        needs: Sequence[Need],
        encoder: Encoder | None = None,
        config: MatchConfig | None = None,
        vectors: dict[tuple[str, str], np.ndarray] | None = None,
    ):
        self.cfg = config or MatchConfig()
        self.encoder = encoder or default_encoder()
        self.orgs = {o.id: o for o in organizations}
        self.offers = {o.id: o for o in offers}
        self.needs = {n.id: n for n in needs}
        self._vectors = dict(vectors or {})
        self._sides: dict[str, _Side] = {}

    # ------------------------------------------------------------------ building
    def vectors_for(self, item_type: str, items: Sequence[Offer | Need]) -> np.ndarray:
        """Vectors of ``items`` (cached ones reused, the others encoded now)."""
        missing = [it for it in items if (item_type, it.id) not in self._vectors]
        if missing:
            enc = self.encoder.encode([it.document() for it in missing])
            for it, v in zip(missing, enc):
                self._vectors[(item_type, it.id)] = v
        if not items:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack([self._vectors[(item_type, it.id)] for it in items]).astype(np.float32)

    def side(self, item_type: str) -> _Side:
        """The (lazily built) indices over offers (``"offer"``) or needs (``"need"``)."""
        if item_type not in self._sides:
            items = list((self.offers if item_type == "offer" else self.needs).values())
            self._sides[item_type] = _Side(items, self.vectors_for(item_type, items), self.cfg)
        return self._sides[item_type]

    def build(self) -> Matcher:
        """Build both sides now (otherwise built on first use)."""
        self.side("offer")
        self.side("need")
        return self

    # ------------------------------------------------------------------ public queries
    def match_need(self, need_id: str, top: int = 10, mode: str = "hybrid") -> list[Match]:
        """Offers for a need, best first (offers of the need's own organization excluded)."""
        need = self.needs.get(need_id)
        if need is None:
            raise NotFoundError(f"no need with id {need_id!r} in the hub (see `citynexus hub export` for the ids)")
        return self._match(need, "need", "offer", lambda offer: (need, offer), top, mode)

    def match_offer(self, offer_id: str, top: int = 10, mode: str = "hybrid") -> list[Match]:
        """Needs an offer can serve, best first (the needs' constraints are checked against the offer)."""
        offer = self.offers.get(offer_id)
        if offer is None:
            raise NotFoundError(f"no offer with id {offer_id!r} in the hub")
        return self._match(offer, "offer", "need", lambda need: (need, offer), top, mode)

    def _match(
        self, item: Need | Offer, own: str, target: str, pair: Callable[[Any], tuple[Need, Offer]], top: int, mode: str
    ) -> list[Match]:
        """Items of side ``target`` for ``item`` (of side ``own``), best first: ``pair(candidate)``
        gives the (need, offer) whose hard constraints are checked and whose soft features score;
        candidates of ``item``'s own organization are left out when ``exclude_same_org``."""
        q_vec = self.vectors_for(own, [item])[0]

        def accept(other: Need | Offer) -> ConstraintCheck | None:
            if self.cfg.exclude_same_org and other.org == item.org:
                return None
            need, offer = pair(other)
            return check_constraints(need, offer, self.orgs.get(offer.org))

        def feats(other: Need | Offer) -> dict[str, Any]:
            need, offer = pair(other)
            return self._features(need, offer, self.orgs.get(need.org), self.orgs.get(offer.org))

        return self.rank(target, Query(item.document(), item.lang, q_vec), top, mode, accept, feats)

    def search(
        self, text: str, top: int = 10, target: str = "offer", lang: str | None = None, mode: str = "hybrid"
    ) -> list[Match]:
        """Free-text search of offers (``target="offer"``) or needs; ``lang`` keeps only items
        written in that language ("zh" or "en"). No constraints, no soft features."""
        if target not in ("offer", "need"):
            raise HubConfigError(f"target must be 'offer' or 'need', got {target!r}")
        if lang not in (None, "zh", "en"):
            raise HubConfigError(f"lang must be 'zh' or 'en', got {lang!r}")
        q_vec = self.encoder.encode([text])[0]

        def accept(item: Item) -> ConstraintCheck | None:
            return ConstraintCheck() if lang is None or item.lang == lang else None

        return self.rank(target, Query(text, detect_lang(text), q_vec), top, mode, accept)

    def partners(self, org_id: str, top: int = 10, mode: str = "hybrid") -> list[PartnerMatch]:
        """Organizations to work with: the owners of the best offers for ``org_id``'s needs and
        of the needs its offers can serve. Partner score = sum of the scores of the linking
        pairs (each own item contributes its ``partner_per_item`` best matches)."""
        if org_id not in self.orgs:
            raise NotFoundError(f"no organization with id {org_id!r} in the hub")
        acc: dict[str, PartnerMatch] = {}
        for need in (n for n in self.needs.values() if n.org == org_id):
            for m in self.match_need(need.id, self.cfg.partner_per_item, mode):
                p = acc.setdefault(m.org, PartnerMatch(m.org, 0.0))
                p.score += m.score
                p.pairs.append({"via": "need", "need": need.id, "offer": m.item_id, "score": round(m.score, 6)})
        for offer in (o for o in self.offers.values() if o.org == org_id):
            for m in self.match_offer(offer.id, self.cfg.partner_per_item, mode):
                p = acc.setdefault(m.org, PartnerMatch(m.org, 0.0))
                p.score += m.score
                p.pairs.append({"via": "offer", "offer": offer.id, "need": m.item_id, "score": round(m.score, 6)})
        acc.pop(org_id, None)
        out = sorted(acc.values(), key=lambda p: (-p.score, p.org))
        for p in out:
            p.pairs.sort(key=lambda d: -d["score"])
        return out[:top]

    # ------------------------------------------------------------------ internals
    def _features(
        self, need: Need, offer: Offer, need_org: Organization | None, offer_org: Organization | None
    ) -> dict[str, Any]:
        cfg = self.cfg
        out: dict[str, Any] = {}
        if need.industries:
            # the offer's own industries; the organization's only when the offer lists none
            offer_inds = set(offer.industries) or set(offer_org.industries if offer_org else [])
            shared = [i for i in need.industries if i in offer_inds]
            x = len(shared) / len(need.industries)
            out["industry"] = feature(x, cfg.w_industry, f"shared industries: {', '.join(shared) or 'none'}")
        if need_org and offer_org:
            a, b = need_org.city, offer_org.city
            if a == b:
                out["same_city"] = feature(1.0, cfg.w_same_city, f"both in {city_label(a)}")
            else:
                near = b in _cities.neighbours(a, cfg.neighbour_km)
                if near:
                    d = _cities.distance_km(a, b)
                    out["neighbour_city"] = feature(1.0, cfg.w_neighbour_city, f"{a}-{b} {d:.0f} km apart")
        x = cfg.offer_kind_affinity.get(need.kind, {}).get(offer.kind, 0.0)
        out["offer_kind"] = feature(x, cfg.w_offer_kind, f"{need.kind} need / {offer.kind} offer")
        if offer_org:
            x = cfg.org_kind_affinity.get(need.kind, {}).get(offer_org.kind, 0.0)
            out["org_kind"] = feature(x, cfg.w_org_kind, f"{need.kind} need / offered by {offer_org.kind}")
        return out

    def rank(
        self,
        item_type: str,
        query: Query,
        top: int = 10,
        mode: str = "hybrid",
        accept: Accept | None = None,
        boosts: Boosts | None = None,
    ) -> list[Match]:
        """Rank the items of one side (``item_type`` ``"offer"`` or ``"need"``) for ``query``.

        1. retrieve: BM25 over the query's tokens (expanded by dense feedback terms in hybrid
           mode) and/or the dense index, each keeping its ``candidates`` best;
        2. hard constraints: ``accept(item)`` returns a :class:`ConstraintCheck` (the item stays
           if it passes) or None (removed); the pool grows x4 until ``top`` items survive;
        3. fusion: ``rrf = Σ_r w_r / (rrf_k + rank_r)`` over the survivors' ranks, divided by
           its maximum over the retrievers that can see the item;
        4. soft boosts: ``score = fusion + Σ_f contribution_f − unverified_penalty · n_unverified``
           with ``boosts(item) = {name: feature(value, weight, detail)}``;
        5. the ``top`` best (ties by id) are explained in ``Match.reasons``.

        ``accept`` defaults to "every item, nothing checked", ``boosts`` to none. Other
        matchers (service-centre routing, talent) plug their constraints and boosts in here.
        """
        if mode not in MODES:
            raise HubConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if top < 1:
            raise HubConfigError(f"top must be >= 1, got {top}")
        side = self.side(item_type)
        if not side.items:
            return []
        plan = _Plan.of(mode, self.cfg)
        gate = _Gate(accept or (lambda item: ConstraintCheck()), side.items, self.cfg)
        q_tokens = tokenize(query.text)
        dense = _DenseSearch(side.vec, query.vector)
        survivors = self._retrieve(side, plan, query.lang, q_tokens, dense, gate, top)
        candidates = self._fuse(survivors, gate)
        self._score(candidates, side, plan, query.lang, boosts or (lambda item: {}))
        best = sorted(candidates, key=lambda c: (-c.score, side.items[c.row].id))[:top]
        return [
            Match(
                item_type,
                side.items[c.row].id,
                side.items[c.row].org,
                c.score,
                self._explain(c, side, q_tokens, query, plan),
            )
            for c in best
        ]

    def _retrieve(
        self,
        side: _Side,
        plan: _Plan,
        q_lang: str,
        q_tokens: list[str],
        dense: _DenseSearch,
        gate: _Gate,
        top: int,
    ) -> dict[str, list[tuple[int, float]]]:
        """Each retriever's ``(row, score)`` list, best first, of items that pass the gate;
        the pool starts at ``candidates`` and grows x4 until ``top`` items survive or the
        whole side is seen."""
        cfg = self.cfg
        bm_all = side.bm25_scores(self._lexical_tokens(side, plan, q_lang, q_tokens, dense)) if plan.bm25 else None
        n = len(side.items)
        pool = cfg.candidates
        while True:
            lists = self._retrieved(side, plan, q_lang, bm_all, dense, pool)
            survivors = {name: [(r, s) for r, s in lst if gate.admits(r)] for name, lst in lists.items()}
            found = {r for lst in survivors.values() for r, _ in lst}
            if len(found) >= top or pool >= n:
                return survivors
            pool = min(n, pool * 4)

    def _lexical_tokens(
        self, side: _Side, plan: _Plan, q_lang: str, q_tokens: list[str], dense: _DenseSearch
    ) -> list[str]:
        """The BM25 query: the query's tokens, in hybrid mode repeated ``prf_query_repeat``
        times and followed by the feedback terms of the dense neighbours."""
        cfg = self.cfg
        if not (plan.bm25 and plan.dense and cfg.prf_docs > 0 and cfg.prf_terms > 0):
            return q_tokens
        near = dense(max(cfg.candidates, cfg.prf_docs * 4))[0][: cfg.prf_docs * 4]
        return q_tokens * cfg.prf_query_repeat + self._feedback_terms(side, near, q_lang, q_tokens)

    def _retrieved(
        self,
        side: _Side,
        plan: _Plan,
        q_lang: str,
        bm_all: np.ndarray | None,
        dense: _DenseSearch,
        pool: int,
    ) -> dict[str, list[tuple[int, float]]]:
        """The ``pool`` best ``(row, score)`` of each retriever, before constraints: BM25 keeps
        positive scores (only items in the query's language under coverage-aware fusion), dense
        keeps similarities above ``dense_min_similarity``."""
        lists: dict[str, list[tuple[int, float]]] = {}
        if plan.bm25:
            assert bm_all is not None
            lists["bm25"] = [
                (int(r), float(bm_all[r]))
                for r in top_k(bm_all, pool)
                if bm_all[r] > 0 and (not plan.coverage or side.items[r].lang == q_lang)
            ]
        if plan.dense:
            rows, sims = dense(pool)
            lists["dense"] = [(int(r), float(s)) for r, s in zip(rows, sims) if s > self.cfg.dense_min_similarity]
        return lists

    def _fuse(self, survivors: dict[str, list[tuple[int, float]]], gate: _Gate) -> list[_Candidate]:
        """Reciprocal rank fusion: each surviving item sums ``w_r / (rrf_k + rank_r)`` over the
        retrievers that returned it (in order of first appearance)."""
        weights = {"bm25": self.cfg.w_bm25, "dense": self.cfg.w_dense}
        out: dict[int, _Candidate] = {}
        for name, lst in survivors.items():
            for rank, (r, s) in enumerate(lst, start=1):
                c = out.setdefault(r, _Candidate(r, gate.check(r)))
                c.rrf += weights[name] / (self.cfg.rrf_k + rank)
                c.hits[name] = (rank, s)
        return list(out.values())

    def _score(self, candidates: list[_Candidate], side: _Side, plan: _Plan, q_lang: str, boosts: Boosts) -> None:
        """Fusion score and final score of each candidate.

        The RRF sum is divided by the best fused score an item can get from the retrievers that
        can see it: BM25 cannot match across languages, so under coverage-aware fusion an item in
        another language is normalised by the dense weight alone (its missing BM25 rank is not
        evidence). Then ``score = fusion + Σ contributions − unverified_penalty · n_unverified``.
        """
        cfg = self.cfg
        weights = {"bm25": cfg.w_bm25, "dense": cfg.w_dense}
        active = plan.retrievers
        norm_all = sum(weights[k] for k in active) / (cfg.rrf_k + 1)
        norm_other = sum(weights[k] for k in active if k != "bm25") / (cfg.rrf_k + 1)
        for c in candidates:
            item = side.items[c.row]
            other_lang = plan.coverage and item.lang != q_lang
            c.fusion = c.rrf / (norm_other if other_lang and norm_other > 0 else norm_all)
            c.features = boosts(item)
            c.score = c.fusion + sum(v["contribution"] for v in c.features.values())
            c.score -= cfg.unverified_penalty * len(c.check.unverified)

    def _feedback_terms(self, side: _Side, near: np.ndarray, q_lang: str, q_tokens: list[str]) -> list[str]:
        """Dense pseudo-relevance feedback: the ``prf_terms`` best tf·idf terms of the first
        ``prf_docs`` items of ``near`` (the dense neighbours) written in the query's language
        (Rocchio 1971; RM3, Lavrenko & Croft 2001, with the dense retriever as feedback source)."""
        cfg = self.cfg
        same = [int(r) for r in near if side.items[int(r)].lang == q_lang][: cfg.prf_docs]
        have = set(q_tokens)
        weight: Counter[str] = Counter()
        for r in same:
            for t, c in Counter(tokenize(side.items[r].document())).items():
                if t not in have and len(t) > 1 and not t.isdigit():
                    weight[t] += c * side.idf(t)
        return [t for t, _ in sorted(weight.items(), key=lambda x: (-x[1], x[0]))[: cfg.prf_terms]]

    def _explain(self, c: _Candidate, side: _Side, q_tokens: list[str], query: Query, plan: _Plan) -> dict[str, Any]:
        """The reasons of a match: each retriever's rank and score (BM25's shared terms, the
        dense similarity), the fusion score, the constraint check, the features and a summary."""
        item = side.items[c.row]
        chk = c.check
        reasons: dict[str, Any] = {}
        summary: list[str] = []
        if plan.bm25:
            if "bm25" in c.hits:
                doc_terms = set(tokenize(_index_text(item, self.cfg)))
                shared = sorted({t for t in q_tokens if t in doc_terms}, key=lambda t: (-side.idf(t), t))
                shared = _drop_subwords(shared)[: self.cfg.shared_terms_shown]
                rank, score = c.hits["bm25"]
                reasons["bm25"] = {"rank": rank, "score": round(score, 4), "shared_terms": shared}
                summary.append(f"shares terms {', '.join(shared)}")
            else:
                reasons["bm25"] = None
        if plan.dense:
            sim = float(side.vec.similarity(query.vector, np.array([c.row]))[0])
            reasons["dense"] = {"rank": c.hits["dense"][0] if "dense" in c.hits else None, "similarity": round(sim, 4)}
            summary.append(f"semantic similarity {sim:.2f}")
        reasons["fusion"] = round(c.fusion, 6)
        reasons["constraints"] = chk.to_json()
        if chk.met:
            summary.append("meets: " + "; ".join(chk.met))
        if chk.unverified:
            summary.append("unverified: " + "; ".join(chk.unverified))
            reasons["unverified_penalty"] = round(self.cfg.unverified_penalty * len(chk.unverified), 6)
        reasons["features"] = c.features
        for name, f in c.features.items():
            if f["contribution"] > 0:
                summary.append(f"{name.replace('_', ' ')} +{f['contribution']:.3f} ({f['detail']})")
        reasons["summary"] = "; ".join(summary)
        return reasons


def feature(value: float, weight: float, detail: str) -> dict[str, Any]:
    """A soft feature of a match: ``value`` x in [0, 1], its ``weight`` w_f and the score it adds
    (``contribution = x · w_f``), with a human-readable ``detail`` shown in the reasons."""
    return {"value": round(value, 4), "weight": weight, "contribution": round(value * weight, 6), "detail": detail}


def _drop_subwords(terms: list[str]) -> list[str]:
    """Drop a Chinese term when a longer shown term contains it (锂电 inside 锂电池)."""
    out = []
    for t in terms:
        if any(t != u and t in u for u in terms if not u.isascii()):
            continue
        out.append(t)
    return out
