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
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citynexus.hub import cities as _cities
from citynexus.hub.config import MatchConfig
from citynexus.hub.encoder import Encoder, default_encoder
from citynexus.hub.errors import HubConfigError, NotFoundError
from citynexus.hub.industries import labels_both
from citynexus.hub.models import Need, Offer, Organization, cert_key
from citynexus.hub.text import detect_lang, tokenize
from citynexus.hub.vectors import VectorIndex, make_index, top_k

MODES = ("hybrid", "bm25", "dense")


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


@dataclass
class ConstraintCheck:
    """Which constraints of a need an offer meets, misses, or cannot be checked against."""

    met: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)

    def passes(self, unknown_policy: str = "keep") -> bool:
        return not self.missed and (unknown_policy == "keep" or not self.unverified)

    def to_json(self) -> dict[str, list[str]]:
        return {"met": self.met, "missed": self.missed, "unverified": self.unverified}


def _city_label(code: str) -> str:
    c = _cities.cities().get(code)
    return f"{code} ({c.name}/{c.name_zh})" if c else code


def check_constraints(need: Need, offer: Offer, offer_org: Organization | None) -> ConstraintCheck:
    """Check the hard constraints of ``need`` against ``offer`` and the organization offering it.

    - ``cities``: met when the organization's city, or a city in ``offer.attributes.cities``
      (cities served), is allowed.
    - ``certifications``: each required one must be held by the organization or listed in
      ``offer.attributes.certifications`` (compared ignoring case, spaces and dashes).
    - ``min_capacity``: ``offer.attributes.capacity >= min_capacity``; unverified if unknown.
    - ``budget``: ``offer.attributes.price <= budget``; unverified if the price is unknown.
    - ``deadline``: ``offer.attributes.available_from <= deadline``; an offer without
      ``available_from`` is taken as available now (met).
    """
    res = ConstraintCheck()
    con = need.constraints or {}
    attrs = offer.attributes or {}
    if con.get("cities"):
        allowed = list(con["cities"])
        places = ([offer_org.city] if offer_org else []) + list(attrs.get("cities") or [])
        hit = [p for p in places if p in allowed]
        if hit:
            res.met.append(f"city {_city_label(hit[0])} is allowed")
        elif not places:
            res.unverified.append("city unknown")
        else:
            res.missed.append(f"located in {'/'.join(places)}, need allows only {', '.join(allowed)}")
    if con.get("certifications"):
        held = {cert_key(c) for c in (offer_org.certifications if offer_org else [])}
        held |= {cert_key(c) for c in attrs.get("certifications") or []}
        for req in con["certifications"]:
            if cert_key(req) in held:
                res.met.append(f"holds {req}")
            else:
                res.missed.append(f"lacks certification {req}")
    if con.get("min_capacity") is not None:
        cap = attrs.get("capacity")
        unit = attrs.get("capacity_unit", "")
        if cap is None:
            res.unverified.append(f"capacity not stated (need >= {con['min_capacity']:g})")
        elif cap >= con["min_capacity"]:
            res.met.append(f"capacity {cap:g} {unit}>= {con['min_capacity']:g}".replace("  ", " "))
        else:
            res.missed.append(f"capacity {cap:g} {unit}< required {con['min_capacity']:g}".replace("  ", " "))
    if con.get("budget") is not None:
        price = attrs.get("price")
        if price is None:
            res.unverified.append(f"price not stated (budget {con['budget']:g})")
        elif price <= con["budget"]:
            res.met.append(f"price {price:g} within budget {con['budget']:g}")
        else:
            res.missed.append(f"price {price:g} over budget {con['budget']:g}")
    if con.get("deadline"):
        start = attrs.get("available_from")
        if start is None or start <= con["deadline"]:
            res.met.append(f"available by deadline {con['deadline']}")
        else:
            res.missed.append(f"available only from {start}, after deadline {con['deadline']}")
    return res


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
        q_vec = self.vectors_for("need", [need])[0]
        own = self.orgs.get(need.org)

        def accept(offer: Offer) -> ConstraintCheck | None:
            if self.cfg.exclude_same_org and offer.org == need.org:
                return None
            return check_constraints(need, offer, self.orgs.get(offer.org))

        def feats(offer: Offer) -> dict[str, Any]:
            return self._features(need, offer, own, self.orgs.get(offer.org))

        return self._rank("offer", need.document(), need.lang, q_vec, top, mode, accept, feats)

    def match_offer(self, offer_id: str, top: int = 10, mode: str = "hybrid") -> list[Match]:
        """Needs an offer can serve, best first (the needs' constraints are checked against the offer)."""
        offer = self.offers.get(offer_id)
        if offer is None:
            raise NotFoundError(f"no offer with id {offer_id!r} in the hub")
        q_vec = self.vectors_for("offer", [offer])[0]
        offer_org = self.orgs.get(offer.org)

        def accept(need: Need) -> ConstraintCheck | None:
            if self.cfg.exclude_same_org and need.org == offer.org:
                return None
            return check_constraints(need, offer, offer_org)

        def feats(need: Need) -> dict[str, Any]:
            return self._features(need, offer, self.orgs.get(need.org), offer_org)

        return self._rank("need", offer.document(), offer.lang, q_vec, top, mode, accept, feats)

    def search(self, text: str, top: int = 10, target: str = "offer", lang: str | None = None, mode: str = "hybrid"):
        """Free-text search of offers (``target="offer"``) or needs; ``lang`` keeps only items
        written in that language ("zh" or "en"). No constraints, no soft features."""
        if target not in ("offer", "need"):
            raise HubConfigError(f"target must be 'offer' or 'need', got {target!r}")
        if lang not in (None, "zh", "en"):
            raise HubConfigError(f"lang must be 'zh' or 'en', got {lang!r}")
        q_vec = self.encoder.encode([text])[0]

        def accept(item):
            return ConstraintCheck() if lang is None or item.lang == lang else None

        return self._rank(target, text, detect_lang(text), q_vec, top, mode, accept, lambda item: {})

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
            out["industry"] = _feat(x, cfg.w_industry, f"shared industries: {', '.join(shared) or 'none'}")
        if need_org and offer_org:
            a, b = need_org.city, offer_org.city
            if a == b:
                out["same_city"] = _feat(1.0, cfg.w_same_city, f"both in {_city_label(a)}")
            else:
                near = b in _cities.neighbours(a, cfg.neighbour_km)
                if near:
                    d = _cities.distance_km(a, b)
                    out["neighbour_city"] = _feat(1.0, cfg.w_neighbour_city, f"{a}-{b} {d:.0f} km apart")
        x = cfg.offer_kind_affinity.get(need.kind, {}).get(offer.kind, 0.0)
        out["offer_kind"] = _feat(x, cfg.w_offer_kind, f"{need.kind} need / {offer.kind} offer")
        if offer_org:
            x = cfg.org_kind_affinity.get(need.kind, {}).get(offer_org.kind, 0.0)
            out["org_kind"] = _feat(x, cfg.w_org_kind, f"{need.kind} need / offered by {offer_org.kind}")
        return out

    def _rank(self, item_type, query_text, q_lang, q_vec, top, mode, accept, feats) -> list[Match]:
        if mode not in MODES:
            raise HubConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if top < 1:
            raise HubConfigError(f"top must be >= 1, got {top}")
        cfg = self.cfg
        side = self.side(item_type)
        n = len(side.items)
        if n == 0:
            return []
        q_tokens = tokenize(query_text)
        use_bm25 = mode in ("hybrid", "bm25") and cfg.w_bm25 > 0
        use_dense = mode in ("hybrid", "dense") and cfg.w_dense > 0
        fuse_by_coverage = cfg.coverage_aware_fusion and use_bm25 and use_dense
        dense_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

        def dense(pool: int) -> tuple[np.ndarray, np.ndarray]:
            if pool not in dense_cache:
                dense_cache[pool] = side.vec.search(q_vec, pool)
            return dense_cache[pool]

        bm_tokens = q_tokens
        if use_bm25 and use_dense and cfg.prf_docs > 0 and cfg.prf_terms > 0:
            near = dense(max(cfg.candidates, cfg.prf_docs * 4))[0][: cfg.prf_docs * 4]
            bm_tokens = q_tokens * cfg.prf_query_repeat + self._feedback_terms(side, near, q_lang, q_tokens)
        bm_all = side.bm25_scores(bm_tokens) if use_bm25 else None
        checks: dict[int, ConstraintCheck | None] = {}
        pool = cfg.candidates
        while True:
            lists: dict[str, list[tuple[int, float]]] = {}
            if use_bm25:
                rows = top_k(bm_all, pool)
                lists["bm25"] = [
                    (int(r), float(bm_all[r]))
                    for r in rows
                    if bm_all[r] > 0 and (not fuse_by_coverage or side.items[r].lang == q_lang)
                ]
            if use_dense:
                rows, sims = dense(pool)
                lists["dense"] = [(int(r), float(s)) for r, s in zip(rows, sims) if s > cfg.dense_min_similarity]
            survivors: dict[str, list[tuple[int, float]]] = {}
            for name, lst in lists.items():
                keep = []
                for r, s in lst:
                    if r not in checks:
                        chk = accept(side.items[r])
                        ok = chk is not None and (not cfg.apply_constraints or chk.passes(cfg.unknown_policy))
                        checks[r] = chk if ok else None
                    if checks[r] is not None:
                        keep.append((r, s))
                survivors[name] = keep
            found = {r for lst in survivors.values() for r, _ in lst}
            if len(found) >= top or pool >= n:
                break
            pool = min(n, pool * 4)

        weights = {"bm25": cfg.w_bm25, "dense": cfg.w_dense}
        active = list(lists)
        # the best fused score an item can get from the retrievers that can see it: BM25 cannot
        # match across languages, so under coverage-aware fusion an item in another language
        # is normalised by the dense weight alone (its missing BM25 rank is not evidence)
        norm_all = sum(weights[k] for k in active) / (cfg.rrf_k + 1)
        norm_other = sum(weights[k] for k in active if k != "bm25") / (cfg.rrf_k + 1)
        info: dict[int, dict[str, Any]] = {}
        for name, lst in survivors.items():
            for rank, (r, s) in enumerate(lst, start=1):
                d = info.setdefault(r, {"rrf": 0.0})
                d["rrf"] += weights[name] / (cfg.rrf_k + rank)
                d[name] = (rank, s)
        results: list[Match] = []
        for r, d in info.items():
            item = side.items[r]
            chk = checks[r]
            other_lang = fuse_by_coverage and item.lang != q_lang
            norm = norm_other if other_lang and norm_other > 0 else norm_all
            fused = d["rrf"] / norm
            f = feats(item)
            score = fused + sum(v["contribution"] for v in f.values())
            score -= cfg.unverified_penalty * len(chk.unverified)
            results.append(
                Match(item_type, item.id, item.org, score, {"_row": r, "_d": d, "fusion": fused, "features": f})
            )
        results.sort(key=lambda m: (-m.score, m.item_id))
        results = results[:top]
        for m in results:
            self._explain(m, side, q_tokens, q_vec, checks[m.reasons["_row"]], use_bm25, use_dense)
        return results

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

    def _explain(self, m, side, q_tokens, q_vec, chk, use_bm25, use_dense) -> None:
        r, d = m.reasons.pop("_row"), m.reasons.pop("_d")
        item = side.items[r]
        reasons: dict[str, Any] = {}
        summary: list[str] = []
        if use_bm25:
            if "bm25" in d:
                doc_terms = set(tokenize(_index_text(item, self.cfg)))
                shared = sorted({t for t in q_tokens if t in doc_terms}, key=lambda t: (-side.idf(t), t))
                shared = _drop_subwords(shared)[: self.cfg.shared_terms_shown]
                reasons["bm25"] = {"rank": d["bm25"][0], "score": round(d["bm25"][1], 4), "shared_terms": shared}
                summary.append(f"shares terms {', '.join(shared)}")
            else:
                reasons["bm25"] = None
        if use_dense:
            sim = float(side.vec.similarity(q_vec, np.array([r]))[0])
            reasons["dense"] = {"rank": d["dense"][0] if "dense" in d else None, "similarity": round(sim, 4)}
            summary.append(f"semantic similarity {sim:.2f}")
        reasons["fusion"] = round(m.reasons["fusion"], 6)
        reasons["constraints"] = chk.to_json()
        if chk.met:
            summary.append("meets: " + "; ".join(chk.met))
        if chk.unverified:
            summary.append("unverified: " + "; ".join(chk.unverified))
            reasons["unverified_penalty"] = round(self.cfg.unverified_penalty * len(chk.unverified), 6)
        reasons["features"] = m.reasons["features"]
        for name, f in m.reasons["features"].items():
            if f["contribution"] > 0:
                summary.append(f"{name.replace('_', ' ')} +{f['contribution']:.3f} ({f['detail']})")
        reasons["summary"] = "; ".join(summary)
        m.reasons = reasons


def _feat(value: float, weight: float, detail: str) -> dict[str, Any]:
    return {"value": round(value, 4), "weight": weight, "contribution": round(value * weight, 6), "detail": detail}


def _drop_subwords(terms: list[str]) -> list[str]:
    """Drop a Chinese term when a longer shown term contains it (锂电 inside 锂电池)."""
    out = []
    for t in terms:
        if any(t != u and t in u for u in terms if not u.isascii()):
            continue
        out.append(t)
    return out
