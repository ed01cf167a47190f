"""The compliance knowledge graph: canned queries return what the stored agreements say."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from citynexus.agree.errors import AgreeError
from citynexus.agree.graph import build_graph, canned, mark_at_risk, query, serialize
from citynexus.agree.registry import AgreementRegistry, stored_graph

from .helpers import agreement


@pytest.fixture
def reg(db_url):
    r = AgreementRegistry(db_url)
    r.save(
        agreement(
            [
                {"rule": "co2 <= 10", "category": "green", "depends_on": ["ISO 14064-1:2018"]},
                {"rule": "x > 0", "party": "B", "category": "data", "depends_on": ["PIPL"]},
            ],
            aid="G1",
        )
    )
    r.save(agreement([{"rule": "co2 <= 10", "category": "green", "party": "B"}], aid="G2"))
    rows = [
        ("G1", "A", "co2", "2026Q1", "12"),  # breached, 2026
        ("G1", "A", "co2", "2026Q2", "8"),  # met
        ("G1", "B", "x", "2026Q1", "1"),
        ("G2", "B", "co2", "2026Q1", "9"),  # met: B never breaches a green term
    ]
    r.import_reports(pd.DataFrame(rows, columns=["agreement", "party", "metric", "period", "value"]))
    r.run(None, dt.date(2026, 12, 31))
    return r


def test_breached_green(reg):
    g = stored_graph(reg)
    rows = query(g, canned("breached-green", "2026"))
    assert rows == [{"party": "A", "agreement": "G1", "term": "T1", "period": "2026Q1"}]
    assert query(g, canned("breached-green", "2027")) == []


def test_depends_on(reg):
    g = stored_graph(reg)
    assert query(g, canned("depends-on", "pipl")) == [{"agreement": "G1", "term": "T2", "regulation": "PIPL"}]
    assert [r["term"] for r in query(g, canned("depends-on", "ISO 14064"))] == ["T1"]
    assert query(g, canned("depends-on", 'x" } ; DROP')) == []  # quoted, not injected


def test_at_risk_accepts_marks_from_a_risk_module(reg):
    g = stored_graph(reg)
    assert query(g, canned("at-risk", "2026Q3")) == []
    mark_at_risk(g, "G2", "T1", "2026Q3")
    assert query(g, canned("at-risk", "2026Q3")) == [
        {"agreement": "G2", "term": "T1", "party": "B", "period": "2026Q3"}
    ]
    assert query(g, canned("at-risk", today=dt.date(2026, 8, 1))) != []
    with pytest.raises(AgreeError, match="no term"):
        mark_at_risk(g, "G2", "T9", "2026Q3")


def test_exports_turtle_and_json_ld(reg):
    from rdflib import Graph

    g = stored_graph(reg)
    ttl = serialize(g, "turtle")
    assert "cnx:Agreement" in ttl and "@zh" in ttl
    back = Graph().parse(data=ttl, format="turtle")
    assert len(back) == len(g)
    doc = json.loads(serialize(g, "json-ld"))
    assert isinstance(doc, list | dict)
    back2 = Graph().parse(data=json.dumps(doc), format="json-ld")
    assert len(back2) == len(g)


def test_bad_queries():
    g = build_graph([])
    with pytest.raises(AgreeError, match="SPARQL query failed"):
        query(g, "SELECT ?x WHERE { ?x ?y }")
    with pytest.raises(AgreeError, match="year"):
        canned("breached-green", "20x6")
    with pytest.raises(AgreeError, match="unknown question"):
        canned("nope")
    for bad in ("0", "0000", "2026", "2026-03", "9999Q4"):
        with pytest.raises(AgreeError, match="quarter"):
            canned("at-risk", bad)
