"""The ranking entry point ``Matcher.rank``: hard constraints and soft boosts as hooks, the
state of each candidate kept out of the reasons, and the hub's own queries as calls of it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_hub_matching import build

from citynexus.hub.constraints import ConstraintCheck, check_constraints
from citynexus.hub.matching import Query, feature
from citynexus.hub.text import detect_lang
from citynexus.hub.vectors import top_k

REASON_KEYS = {"bm25", "dense", "fusion", "constraints", "features", "summary"}


@pytest.fixture
def matcher(encoder, small_records):
    return build(small_records, encoder).build()


def _query(m, text):
    return Query(text, detect_lang(text), m.encoder.encode([text])[0])


def test_rank_without_hooks_is_search(matcher):
    q = _query(matcher, "battery recycling")
    got = [x.to_json() for x in matcher.rank("offer", q, top=4)]
    assert got == [x.to_json() for x in matcher.search("battery recycling", top=4)]
    for m in got:
        assert set(m["reasons"]) <= REASON_KEYS  # no private state left in the reasons


def test_rank_with_the_hubs_hooks_is_match_need(matcher):
    need = matcher.needs["N1"]
    q = Query(need.document(), need.lang, matcher.vectors_for("need", [need])[0])
    own = matcher.orgs.get(need.org)

    def accept(offer):
        return None if offer.org == need.org else check_constraints(need, offer, matcher.orgs.get(offer.org))

    def boosts(offer):
        return matcher._features(need, offer, own, matcher.orgs.get(offer.org))

    got = [x.to_json() for x in matcher.rank("offer", q, top=5, accept=accept, boosts=boosts)]
    assert got == [x.to_json() for x in matcher.match_need("N1", top=5)]


def test_accept_removes_and_boosts_add_to_the_score(matcher):
    q = _query(matcher, "battery recycling")
    base = {m.item_id: m for m in matcher.rank("offer", q, top=6)}
    only_f3 = matcher.rank("offer", q, top=6, accept=lambda o: ConstraintCheck() if o.id == "F3" else None)
    assert [m.item_id for m in only_f3] == ["F3"]
    boosted = matcher.rank("offer", q, top=6, boosts=lambda o: {"pick": feature(float(o.id == "F3"), 5.0, "F3")})
    assert boosted[0].item_id == "F3"
    assert boosted[0].score == pytest.approx(base["F3"].score + 5.0)
    assert boosted[0].reasons["features"]["pick"] == {"value": 1.0, "weight": 5.0, "contribution": 5.0, "detail": "F3"}
    assert "pick +5.000 (F3)" in boosted[0].reasons["summary"]


def test_unverified_constraints_cost_the_penalty(matcher):
    q = _query(matcher, "battery recycling")
    base = {m.item_id: m.score for m in matcher.rank("offer", q, top=6)}
    two = matcher.rank("offer", q, top=6, accept=lambda o: ConstraintCheck(unverified=["a", "b"]))
    for m in two:
        assert m.score == pytest.approx(base[m.item_id] - 2 * matcher.cfg.unverified_penalty)
        assert m.reasons["unverified_penalty"] == pytest.approx(2 * matcher.cfg.unverified_penalty)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-2, 2), min_size=1, max_size=30), st.integers(1, 35))
def test_top_k_breaks_ties_at_the_boundary_by_lower_index(scores, k):
    # few distinct values, so that ties straddle the k-th place (argpartition alone picks any of them)
    s = np.array(scores, dtype=np.float64)
    assert top_k(s, k).tolist() == sorted(range(len(s)), key=lambda i: (-s[i], i))[:k]
    assert top_k(np.array([-1.0, -1.0, 0.0, 0.0]), 1).tolist() == [2]


def test_problem_messages_share_one_format():
    from citynexus.errors import DataProblem, DatasetValidationError
    from citynexus.hub.errors import HubImportError, ImportProblem

    one = DatasetValidationError([DataProblem("bad", "fix it")], "f.csv")
    assert str(one).splitlines() == ["1 problem found in f.csv:", "  - (no location): bad -> fix it"]
    many = HubImportError([ImportProblem(i + 1, "id", "missing") for i in range(53)], "x.jsonl")
    lines = str(many).splitlines()
    assert lines[0] == "import rejected, nothing stored: 53 problems in x.jsonl:"
    assert len(lines) == 1 + 50 + 1 and lines[-1] == "  ... and 3 more"
