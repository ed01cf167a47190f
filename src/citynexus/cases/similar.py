"""Learning from cases (案例借鉴): "cases like this" across languages, and hub organizations that
offer relevant services.

**Similar cases** — each case is encoded twice with the hub's multilingual sentence encoder
(English title + description, Chinese title + description); a query (a problem a city wants to
act on, in either language, or another case) gets :math:`\\text{sim}(q, c) = \\max(\\cos(q,
c_{en}), \\cos(q, c_{zh}))`, so a Chinese query finds an English-only description and the other
way round (USE multilingual maps both languages into one space: Yang et al. 2020).

**Hub links** — the case's text (both languages and its themes) is a free-text query to the
hub's hybrid search of offers (:meth:`citynexus.hub.matching.Matcher.search`: BM25 + sentence
vectors + reciprocal rank fusion); offers are grouped by organization (best offer first). The
hub is only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from citynexus.cases.errors import CasesError
from citynexus.cases.models import Case


@dataclass
class SimilarCase:
    case: Case
    score: float
    matched_lang: str

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        c = self.case
        return {
            "case": c.id,
            "score": round(self.score, 4),
            "matched": self.matched_lang,
            "title": c.title(lang),
            "city": c.place(lang)[0],
            "country": c.place(lang)[1],
            "sdg_goals": c.sdg_goals,
            "seed": c.seed,
        }


def _case_texts(c: Case) -> tuple[str, str]:
    return f"{c.title_en}. {c.description_en}", f"{c.title_zh}。{c.description_zh}"


def similar_cases(
    query: str | Case, cases: list[Case], encoder=None, top: int = 5, goal: int | None = None
) -> list[SimilarCase]:
    """The ``top`` cases most like ``query`` (text in any language, or a case, which is left out
    of its own results); ``goal`` keeps only cases tagged with that SDG."""
    if encoder is None:
        from citynexus.hub.encoder import default_encoder

        encoder = default_encoder()
    if isinstance(query, Case):
        qtext = "\n".join(_case_texts(query))
        pool = [c for c in cases if c.id != query.id]
    else:
        if not isinstance(query, str) or not query.strip():
            raise CasesError("the query is empty; describe the problem or practice to look for")
        qtext, pool = query.strip(), list(cases)
    if goal is not None:
        pool = [c for c in pool if goal in c.sdg_goals]
    if top < 1:
        raise CasesError(f"top must be at least 1, got {top}")
    if not pool:
        return []
    texts = [t for c in pool for t in _case_texts(c)]
    vecs = encoder.encode([qtext, *texts])
    q, m = vecs[0], vecs[1:]
    sims = (m @ q).reshape(len(pool), 2)
    best = sims.max(axis=1)
    which = np.where(sims[:, 0] >= sims[:, 1], "en", "zh")
    order = sorted(range(len(pool)), key=lambda i: (-best[i], pool[i].id))[:top]
    return [SimilarCase(pool[i], float(best[i]), str(which[i])) for i in order]


def hub_query(case: Case) -> str:
    """The text a case sends to the hub: titles, descriptions and themes in both languages."""
    return "\n".join([case.title_en, case.description_en, ", ".join(case.themes), case.title_zh, case.description_zh])


def hub_links(case: Case, matcher, top: int = 5) -> list[dict[str, Any]]:
    """Organizations of the hub whose offers best fit ``case`` (``matcher``: a
    :class:`citynexus.hub.Matcher`, e.g. ``Hub(url).matcher()``). Best organization first."""
    results = matcher.search(hub_query(case), top=max(top * 4, 10), target="offer")
    orgs: dict[str, dict[str, Any]] = {}
    for m in results:
        entry = orgs.get(m.org)
        if entry is None:
            entry = orgs[m.org] = {"org": m.org, "score": round(m.score, 6), "offers": []}
            o = matcher.orgs.get(m.org)
            if o is not None:
                entry.update(name=o.name, name_zh=o.name_zh, city=o.city, kind=o.kind)
        offer = matcher.offers.get(m.item_id)
        entry["offers"].append(
            {"offer": m.item_id, "score": round(m.score, 6), "title": getattr(offer, "title", None),
             "kind": getattr(offer, "kind", None)}
        )  # fmt: skip
    return list(orgs.values())[:top]
