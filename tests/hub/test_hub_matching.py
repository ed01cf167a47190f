"""Matching: constraints, reciprocal rank fusion by hand, cross-language retrieval, reasons, config."""

from __future__ import annotations

import numpy as np
import pytest
from hubtest_helpers import need, offer, org
from hypothesis import given, settings
from hypothesis import strategies as st

from citynexus.hub import (
    ExactIndex,
    HubConfigError,
    MatchConfig,
    Matcher,
    NotFoundError,
    check_constraints,
    register_index,
)
from citynexus.hub.records import parse_record
from citynexus.hub.vectors import make_index, top_k


def build(records, encoder, config=None, vectors=None):
    recs = []
    for i, r in enumerate(records, 1):
        rec, probs = parse_record(r, i)
        assert not probs, probs
        recs.append(rec)
    from citynexus.hub import Need, Offer, Organization

    return Matcher(
        [r for r in recs if isinstance(r, Organization)],
        [r for r in recs if isinstance(r, Offer)],
        [r for r in recs if isinstance(r, Need)],
        encoder,
        config,
        vectors,
    )


def rec(obj):
    r, probs = parse_record(obj, 1)
    assert not probs
    return r


# ---------------------------------------------------------------- constraints


def test_constraints_met_missed_unverified():
    n = rec(
        need(
            "N",
            "A",
            "t",
            "x",
            constraints={
                "cities": ["SZ", "HK"],
                "certifications": ["ISO 9001", "CE"],
                "min_capacity": 100,
                "budget": 50,
                "deadline": "2025-06-30",
            },
        )
    )
    o = rec(org("B", "DG", certifications=["iso9001"]))
    f = rec(offer("F", "B", "t", "x", attributes={"capacity": 80, "cities": ["HK"], "available_from": "2025-07-01"}))
    chk = check_constraints(n, f, o)
    assert any("HK" in m for m in chk.met)  # served city counts
    assert "holds ISO 9001" in chk.met  # case, space and dash ignored
    assert "lacks certification CE" in chk.missed
    assert any("capacity 80" in m and "100" in m for m in chk.missed)
    assert any("after deadline" in m for m in chk.missed)
    assert chk.unverified == ["price not stated (budget 50)"]
    assert not chk.passes("keep")


def test_unverified_policy():
    n = rec(need("N", "A", "t", "x", constraints={"min_capacity": 10}))
    chk = check_constraints(n, rec(offer("F", "B", "t", "x")), rec(org("B")))
    assert chk.unverified and not chk.missed
    assert chk.passes("keep") and not chk.passes("drop")


def test_city_constraint_missed():
    n = rec(need("N", "A", "t", "x", constraints={"cities": ["GZ"]}))
    chk = check_constraints(n, rec(offer("F", "B", "t", "x")), rec(org("B", "MO")))
    assert chk.missed == ["located in MO, need allows only GZ"]


# ---------------------------------------------------------------- fusion arithmetic


class TableEncoder:
    """Encoder with fixed vectors per text (to make dense ranks known)."""

    name, dim = "table", 2

    def __init__(self, table):
        self.table = table

    def encode(self, texts):
        out = np.array([self.table.get(t, [1.0, 0.0]) for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_rrf_scores_by_hand():
    # query terms: "alpha beta"; BM25 ranks F1 (both terms) above F2 (one term); F3 has none.
    # dense ranks F3 > F2 > F1 by construction.
    records = [
        org("A"),
        org("B"),
        offer("F1", "B", "alpha beta", "alpha beta"),
        offer("F2", "B", "alpha", "gamma"),
        offer("F3", "B", "delta", "epsilon"),
        need("N", "A", "alpha beta", "query"),
    ]
    angle = {"F1": 1.2, "F2": 0.6, "F3": 0.1}
    table = {
        f"{r['title']}. {r['text']}": [np.cos(angle[r["id"]]), np.sin(angle[r["id"]])]
        for r in records
        if r["type"] == "offer"
    }
    table["alpha beta. query"] = [1.0, 0.0]
    cfg = MatchConfig(
        w_industry=0,
        w_same_city=0,
        w_neighbour_city=0,
        w_offer_kind=0,
        w_org_kind=0,
        exclude_same_org=False,
        prf_docs=0,
        rrf_k=60,
    )
    m = build(records, TableEncoder(table), cfg)
    res = {r.item_id: r for r in m.match_need("N", top=3)}
    k = 60
    norm = 2 / (k + 1)
    assert res["F1"].score == pytest.approx((1 / (k + 1) + 1 / (k + 3)) / norm, rel=1e-6)
    assert res["F2"].score == pytest.approx((1 / (k + 2) + 1 / (k + 2)) / norm, rel=1e-6)
    assert res["F3"].score == pytest.approx((1 / (k + 1)) / norm, rel=1e-6)
    assert res["F1"].reasons["bm25"]["rank"] == 1 and res["F1"].reasons["dense"]["rank"] == 3
    assert res["F3"].reasons["bm25"] is None
    assert res["F1"].reasons["bm25"]["shared_terms"] == ["alpha", "beta"] or set(
        res["F1"].reasons["bm25"]["shared_terms"]
    ) == {"alpha", "beta"}
    # single-retriever modes: normalised rank 1 = 1.0
    assert m.match_need("N", top=1, mode="bm25")[0].item_id == "F1"
    assert m.match_need("N", top=1, mode="dense")[0].item_id == "F3"
    assert m.match_need("N", top=1, mode="dense")[0].score == pytest.approx(1.0)


def test_soft_features_add_weighted_values(encoder, small_records):
    cfg = MatchConfig()
    m = build(small_records, encoder, cfg)
    for r in m.match_need("N1", top=5):
        feats = r.reasons["features"]
        total = r.reasons["fusion"] + sum(f["contribution"] for f in feats.values())
        total -= r.reasons.get("unverified_penalty", 0.0)
        assert r.score == pytest.approx(total, abs=1e-5)
        for f in feats.values():
            assert f["contribution"] == pytest.approx(f["value"] * f["weight"], abs=1e-6)


# ---------------------------------------------------------------- retrieval behaviour


def test_chinese_need_finds_english_offer_and_constraints_filter(encoder, small_records):
    m = build(small_records, encoder)
    res = m.match_need("N1", top=6)
    ids = [r.item_id for r in res]
    assert "F4" not in ids  # the best lexical match is in Zhaoqing, outside the allowed cities
    assert ids[:2] == ["F1", "F2"] or set(ids[:2]) == {"F1", "F2"}  # zh capacity + en technology
    assert "F2" in ids[:2]  # cross-language: an English offer for a Chinese need
    top = res[0]
    assert top.reasons["constraints"]["missed"] == []
    assert "semantic similarity" in top.reasons["summary"]
    # without constraints the Zhaoqing offer is back
    m2 = build(small_records, encoder, MatchConfig(apply_constraints=False))
    assert "F4" in [r.item_id for r in m2.match_need("N1", top=6)]


def test_certification_and_capacity_constraints(encoder, small_records):
    m = build(small_records, encoder)
    ids = [r.item_id for r in m.match_need("N2", top=6)]
    assert ids[0] == "F6"  # B holds ISO 9001 and has capacity 50000 >= 30000
    assert "F2" not in ids and "F3" not in ids  # no certification
    j = m.match_need("N2", top=1)[0].to_json()
    assert j["offer"] == "F6" and set(j) == {"offer", "org", "score", "reasons"}


def test_offer_to_needs_and_partners(encoder, small_records):
    m = build(small_records, encoder)
    assert m.match_offer("F2", top=2)[0].item_id == "N1"
    assert "N1" not in [r.item_id for r in m.match_offer("F4", top=2)]  # F4's city is not allowed by N1
    partners = m.partners("A", top=3)
    assert partners[0].org in {"B", "C"}
    assert all(p.org != "A" for p in partners)
    assert all(p.score == pytest.approx(sum(x["score"] for x in p.pairs), abs=1e-4) for p in partners)


def test_search_lang_filter_and_modes(encoder, small_records):
    m = build(small_records, encoder)
    en = m.search("battery recycling", top=5, lang="en")
    assert en and all(m.offers[r.item_id].lang == "en" for r in en)
    zh = m.search("battery recycling", top=2, lang="zh")
    assert {r.item_id for r in zh} <= {"F1", "F4", "F5"} and zh[0].item_id in {"F1", "F4"}
    with pytest.raises(HubConfigError):
        m.search("x", lang="fr")
    with pytest.raises(HubConfigError):
        m.match_need("N1", mode="magic")
    with pytest.raises(NotFoundError):
        m.match_need("NOPE")
    with pytest.raises(NotFoundError):
        m.partners("NOPE")


def test_empty_hub_returns_nothing(encoder):
    m = Matcher([], [], [], encoder)
    assert m.search("anything") == []


# ---------------------------------------------------------------- config and vector index


def test_config_toml_round_trip_and_errors(tmp_path):
    cfg = MatchConfig(w_dense=2.0, rrf_k=30)
    p = tmp_path / "m.toml"
    p.write_text(cfg.to_toml(), encoding="utf-8")
    assert MatchConfig.from_toml(p) == cfg
    p.write_text("[match]\nw_dnse = 2\n", encoding="utf-8")
    with pytest.raises(HubConfigError, match="w_dnse"):
        MatchConfig.from_toml(p)
    for bad in ({"rrf_k": 0}, {"w_bm25": 0, "w_dense": 0}, {"unknown_policy": "maybe"}, {"candidates": 0}):
        with pytest.raises(HubConfigError):
            MatchConfig(**bad)
    with pytest.raises(HubConfigError, match="unknown vector index"):
        make_index("hnsw-not-registered")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=40), st.integers(1, 50))
def test_top_k_agrees_with_full_sort(scores, k):
    s = np.array(scores, dtype=np.float64)
    expected = sorted(range(len(s)), key=lambda i: (-s[i], i))[: min(k, len(s))]
    assert top_k(s, k).tolist() == expected


def test_exact_index_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = x[7]
    idx = ExactIndex()
    idx.build(x)
    rows, sims = idx.search(q, 5)
    assert rows[0] == 7 and sims[0] == pytest.approx(1.0, abs=1e-5)
    assert rows.tolist() == np.argsort(-(x @ q))[:5].tolist()


def test_pluggable_index_is_used(encoder, small_records):
    used = []

    class Spy(ExactIndex):
        def search(self, query, k):
            used.append(k)
            return super().search(query, k)

    register_index("spy", Spy)
    m = build(small_records, encoder, MatchConfig(vector_index="spy"))
    m.match_need("N1", top=2)
    assert used
