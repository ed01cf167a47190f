"""Digital portraits of organizations (数字画像): profile, listings, keywords, network position.

``portrait(matcher, org_id)`` returns a JSON-ready dict; :func:`render_text` prints it for a
person. Agreement compliance and risk level are *not* part of a portrait yet: the
agreements and risk modules do not exist, and the portrait does not invent placeholders.

Network position is read from the *match graph*: organizations are nodes; each need links
its organization to the organizations of its ``partner_per_item`` best offers, with the
match score as edge weight (summed over pairs). Reported: partners (degree), strength
(weighted degree), the rank of that strength among all organizations, betweenness
centrality (Brandes 2001, with distance = 1 / weight), and how many partners are in other
cities.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

import networkx as nx

from citynexus.hub import cities as _cities
from citynexus.hub.errors import NotFoundError
from citynexus.hub.industries import label
from citynexus.hub.text import tokenize

if TYPE_CHECKING:
    from citynexus.hub.matching import Matcher


def match_graph(matcher: Matcher, mode: str = "hybrid") -> nx.Graph:
    """Undirected weighted graph of organizations linked by need -> offer matches."""
    g = nx.Graph()
    g.add_nodes_from(matcher.orgs)
    per = matcher.cfg.partner_per_item
    for need in matcher.needs.values():
        for m in matcher.match_need(need.id, per, mode):
            a, b = need.org, m.org
            if a == b:
                continue
            w = max(m.score, 1e-6)
            if g.has_edge(a, b):
                g[a][b]["weight"] += w
                g[a][b]["pairs"] += 1
            else:
                g.add_edge(a, b, weight=w, pairs=1)
    for _, _, d in g.edges(data=True):
        d["distance"] = 1.0 / d["weight"]
    return g


def keywords(matcher: Matcher, org_id: str, k: int = 10) -> list[dict[str, Any]]:
    """Top terms of an organization's texts by tf·idf, idf over all offers and needs:
    ``tfidf(t) = tf(t) · ln(1 + N / df(t))``. A Chinese term contained in a better-scored
    longer term is dropped."""
    org = matcher.orgs[org_id]
    texts = [org.description or "", org.description_zh or ""]
    texts += [o.document() for o in matcher.offers.values() if o.org == org_id]
    texts += [n.document() for n in matcher.needs.values() if n.org == org_id]
    tf = Counter(t for text in texts for t in tokenize(text) if len(t) > 1 and not t.isdigit())
    offer_side, need_side = matcher.side("offer"), matcher.side("need")
    n_docs = max(1, offer_side.n_docs + need_side.n_docs)
    scored = []
    for t, c in tf.items():
        df = offer_side.df.get(t, 0) + need_side.df.get(t, 0)
        scored.append((c * math.log(1 + n_docs / (df + 1)), t))
    scored.sort(key=lambda x: (-x[0], x[1]))
    out: list[dict[str, Any]] = []
    for s, t in scored:
        if not t.isascii() and any(t in u["term"] for u in out if not u["term"].isascii()):
            continue
        out.append({"term": t, "weight": round(s, 4)})
        if len(out) == k:
            break
    return out


def portrait(matcher: Matcher, org_id: str, graph: nx.Graph | None = None, top_partners: int = 5) -> dict[str, Any]:
    """The portrait of ``org_id`` as a JSON-ready dict (``graph``: a precomputed :func:`match_graph`)."""
    org = matcher.orgs.get(org_id)
    if org is None:
        raise NotFoundError(f"no organization with id {org_id!r} in the hub")
    g = graph if graph is not None else match_graph(matcher)
    city = _cities.cities().get(org.city)
    offers = [o for o in matcher.offers.values() if o.org == org_id]
    needs = [n for n in matcher.needs.values() if n.org == org_id]
    strength = dict(g.degree(weight="weight"))
    ranked = sorted(strength, key=lambda n: (-strength[n], n))
    between = nx.betweenness_centrality(g, weight="distance", normalized=True) if g.number_of_edges() else {}
    nbrs = list(g.neighbors(org_id)) if org_id in g else []
    other_city = [n for n in nbrs if matcher.orgs[n].city != org.city]
    partners = matcher.partners(org_id, top=top_partners)
    industries = sorted(set(org.industries) | {i for x in [*offers, *needs] for i in x.industries})
    return {
        "id": org.id,
        "profile": {
            "name": org.name,
            "name_zh": org.name_zh,
            "kind": org.kind,
            "city": org.city,
            "city_name": city.name if city else None,
            "city_name_zh": city.name_zh if city else None,
            "size": org.size,
            "certifications": org.certifications,
            "description": org.description,
            "description_zh": org.description_zh,
        },
        "industries": [{"code": i, "en": label(i, "en"), "zh": label(i, "zh")} for i in industries],
        "offers": [{"id": o.id, "kind": o.kind, "title": o.title, "lang": o.lang} for o in offers],
        "needs": [{"id": n.id, "kind": n.kind, "title": n.title, "lang": n.lang} for n in needs],
        "keywords": keywords(matcher, org_id),
        "network": {
            "organizations": g.number_of_nodes(),
            "partners": len(nbrs),
            "strength": round(strength.get(org_id, 0.0), 6),
            "strength_rank": ranked.index(org_id) + 1,
            "betweenness": round(between.get(org_id, 0.0), 6),
            "partners_in_other_cities": len(other_city),
            "partner_cities": sorted({matcher.orgs[n].city for n in nbrs}),
        },
        "top_partners": [
            {
                "org": p.org,
                "name": matcher.orgs[p.org].name,
                "name_zh": matcher.orgs[p.org].name_zh,
                "city": matcher.orgs[p.org].city,
                "score": round(p.score, 6),
                "pairs": p.pairs[:3],
            }
            for p in partners
        ],
        "not_included": ["agreement compliance", "risk level"],
    }


def render_text(p: dict[str, Any]) -> str:
    """A plain-text, printable view of a portrait (bilingual headings)."""
    pr = p["profile"]
    lines = [
        f"{pr['name']}" + (f" / {pr['name_zh']}" if pr.get("name_zh") else "") + f"  [{p['id']}]",
        "=" * 72,
        f"Kind 类型: {pr['kind']}    City 城市: {pr['city']} {pr.get('city_name') or ''} {pr.get('city_name_zh') or ''}"
        + (f"    Size 规模: {pr['size']}" if pr.get("size") else ""),
    ]
    if pr.get("certifications"):
        lines.append(f"Certifications 资质: {', '.join(pr['certifications'])}")
    if p["industries"]:
        lines.append("Industries 行业: " + ", ".join(f"{i['en']} {i['zh']}" for i in p["industries"]))
    for key in ("description", "description_zh"):
        if pr.get(key):
            lines.append(pr[key])
    lines.append("")
    lines.append(f"Offers 供给 ({len(p['offers'])})")
    lines += [f"  - {o['id']} [{o['kind']}] {o['title']}" for o in p["offers"]] or ["  (none)"]
    lines.append(f"Needs 需求 ({len(p['needs'])})")
    lines += [f"  - {n['id']} [{n['kind']}] {n['title']}" for n in p["needs"]] or ["  (none)"]
    lines.append("")
    lines.append("Keywords 关键词: " + (", ".join(k["term"] for k in p["keywords"]) or "(none)"))
    net = p["network"]
    lines.append(
        f"Network 网络位置: {net['partners']} partners, strength {net['strength']:.3f} "
        f"(rank {net['strength_rank']} of {net['organizations']}), betweenness {net['betweenness']:.3f}, "
        f"{net['partners_in_other_cities']} partners in other cities ({', '.join(net['partner_cities']) or '-'})"
    )
    lines.append("")
    lines.append("Suggested partners 推荐合作伙伴")
    for tp in p["top_partners"]:
        name = tp["name"] + (f" / {tp['name_zh']}" if tp.get("name_zh") else "")
        lines.append(f"  - {tp['org']} {name} ({tp['city']}), score {tp['score']:.3f}")
        for pair in tp["pairs"]:
            if pair["via"] == "need":
                a = f"its need {pair['need']} <- their offer {pair['offer']}"
            else:
                a = f"its offer {pair['offer']} -> their need {pair['need']}"
            lines.append(f"      {a} ({pair['score']:.3f})")
    if not p["top_partners"]:
        lines.append("  (none)")
    lines.append("")
    lines.append("Not included 未包含: " + ", ".join(p["not_included"]) + " (not available in this version)")
    return "\n".join(lines)
