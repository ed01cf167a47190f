"""Compliance knowledge graph (合规知识图谱) of agreements, as RDF with :mod:`rdflib`.

Vocabulary (namespace ``cnx: <https://w3id.org/citynexus/agree#>``), reusing Dublin Core
terms (``dcterms:``), schema.org (``schema:``), PROV-O (``prov:``) and SKOS where they fit:

========================  ==============================================================
``cnx:Agreement``         an agreement (``rdfs:subClassOf prov:Entity``); ``dcterms:identifier``,
                          ``dcterms:title`` (``@en`` and ``@zh``), ``schema:startDate``,
                          ``schema:endDate``, ``cnx:party`` (a ``schema:Organization``),
                          ``cnx:hasTerm``, ``cnx:synthetic`` (true for demo data)
``cnx:Term``              a KPI term; ``dcterms:identifier``, ``dcterms:description`` (en/zh),
                          ``cnx:responsibleParty``, ``cnx:category`` (a ``skos:Concept``),
                          ``cnx:every``, ``cnx:due``, ``cnx:rule`` (the CEL text),
                          ``cnx:ruleDigest``, ``cnx:usesMetric`` (a ``cnx:Metric``),
                          ``cnx:dependsOn`` (a ``cnx:Regulation``: a law, standard or rule,
                          ``rdfs:label`` its name)
``cnx:Result``            the status of a term for one period (``prov:Entity``);
                          ``cnx:ofTerm``, ``cnx:period``, ``cnx:periodEnd`` (``xsd:date``),
                          ``cnx:status`` (``cnx:met``, ``cnx:breached``, ``cnx:no_data``,
                          ``cnx:not_due``), ``cnx:explanation`` (en/zh),
                          ``prov:wasGeneratedBy`` a ``cnx:EvaluationRun`` (``prov:Activity``,
                          ``cnx:asOf``); optional ``cnx:riskStatus cnx:at_risk`` added by a
                          risk early-warning module (:func:`mark_at_risk`)
========================  ==============================================================

Reference: W3C PROV-O (https://www.w3.org/TR/prov-o/), DCMI Metadata Terms
(https://www.dublincore.org/specifications/dublin-core/dcmi-terms/), schema.org, SPARQL 1.1
Query Language (https://www.w3.org/TR/sparql11-query/).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from citynexus.agree.errors import AgreeError
from citynexus.agree.model import Agreement
from citynexus.agree.periods import containing, parse_period
from citynexus.i18n import t as label
from citynexus.i18n import table as labels

NS = "https://w3id.org/citynexus/agree#"
ORG_NS = "https://w3id.org/citynexus/org/"


def _ns():
    from rdflib import Namespace
    from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

    return Namespace(NS), Namespace("https://schema.org/"), DCTERMS, PROV, RDF, RDFS, SKOS, XSD


def _slug(s: str) -> str:
    return quote(re.sub(r"\s+", "_", s.strip()), safe="")


def _period_end(period: str) -> dt.date:
    try:
        return parse_period(period).last
    except ValueError:
        return dt.date.fromisoformat(period)


def build_graph(
    agreements: Iterable[Agreement],
    results: Mapping[str, Mapping[str, Any]] | None = None,
    org_names: Mapping[str, tuple[str, str | None]] | None = None,
):
    """An :class:`rdflib.Graph` of agreements, parties, terms, metrics, categories,
    regulations and (if ``results`` maps an agreement id to an evaluation dict with ``as_of``
    and ``results``) the status of each term per period."""
    from rdflib import BNode, Graph, Literal, URIRef

    CNX, SDO, DCT, PROV, RDF, RDFS, SKOS, XSD = _ns()
    g = Graph()
    g.bind("cnx", CNX)
    g.bind("schema", SDO)
    g.bind("dcterms", DCT)
    g.bind("prov", PROV)
    g.bind("skos", SKOS)
    g.add((CNX.Agreement, RDFS.subClassOf, PROV.Entity))
    g.add((CNX.Result, RDFS.subClassOf, PROV.Entity))
    g.add((CNX.EvaluationRun, RDFS.subClassOf, PROV.Activity))
    for st in ("met", "breached", "no_data", "not_due", "at_risk"):
        g.add((CNX[st], RDF.type, CNX.Status))
        g.add((CNX[st], RDFS.label, Literal(st.replace("_", " "), lang="en")))
    names = org_names or {}

    def org(oid: str) -> URIRef:
        u = URIRef(ORG_NS + _slug(oid))
        g.add((u, RDF.type, SDO.Organization))
        g.add((u, DCT.identifier, Literal(oid)))
        if oid in names:
            en, zh = names[oid]
            g.add((u, SDO.name, Literal(en, lang="en")))
            if zh:
                g.add((u, SDO.name, Literal(zh, lang="zh")))
        return u

    for ag in agreements:
        a = CNX[f"agreement/{_slug(ag.id)}"]
        g.add((a, RDF.type, CNX.Agreement))
        g.add((a, DCT.identifier, Literal(ag.id)))
        g.add((a, DCT.title, Literal(ag.title, lang="en")))
        g.add((a, DCT.title, Literal(ag.title_zh, lang="zh")))
        g.add((a, SDO.startDate, Literal(ag.start, datatype=XSD.date)))
        g.add((a, SDO.endDate, Literal(ag.end, datatype=XSD.date)))
        g.add((a, CNX.digest, Literal(ag.digest)))
        if ag.synthetic:
            g.add((a, CNX.synthetic, Literal(True)))
        for p in ag.parties:
            g.add((a, CNX.party, org(p)))
        terms = {}
        for t in ag.terms:
            tu = CNX[f"agreement/{_slug(ag.id)}/term/{_slug(t.id)}"]
            terms[t.id] = tu
            g.add((a, CNX.hasTerm, tu))
            g.add((tu, RDF.type, CNX.Term))
            g.add((tu, DCT.identifier, Literal(t.id)))
            g.add((tu, DCT.isPartOf, a))
            g.add((tu, DCT.description, Literal(t.text, lang="en")))
            g.add((tu, DCT.description, Literal(t.text_zh, lang="zh")))
            g.add((tu, CNX.responsibleParty, org(t.party)))
            cat = CNX[f"category/{_slug(t.category)}"]
            g.add((cat, RDF.type, SKOS.Concept))
            key = f"agree_cat_{t.category}"
            en, zh = (label(key, "en"), label(key, "zh")) if key in labels() else (t.category, t.category)
            g.add((cat, SKOS.prefLabel, Literal(en, lang="en")))
            g.add((cat, SKOS.prefLabel, Literal(zh, lang="zh")))
            g.add((cat, SKOS.notation, Literal(t.category)))
            g.add((tu, CNX.category, cat))
            g.add((tu, CNX.every, Literal(t.every)))
            if t.due:
                g.add((tu, CNX.due, Literal(t.due, datatype=XSD.date)))
            g.add((tu, CNX.rule, Literal(t.rule)))
            g.add((tu, CNX.ruleDigest, Literal(t.rule_digest)))
            for v in t.compiled.vars:
                m = CNX[f"metric/{_slug(v.metric)}"]
                g.add((m, RDF.type, CNX.Metric))
                g.add((m, DCT.identifier, Literal(v.metric)))
                meta = ag.metrics.get(v.metric, {})
                if meta.get("label"):
                    g.add((m, RDFS.label, Literal(meta["label"], lang="en")))
                if meta.get("label_zh"):
                    g.add((m, RDFS.label, Literal(meta["label_zh"], lang="zh")))
                g.add((tu, CNX.usesMetric, m))
            for dep in t.depends_on:
                r = CNX[f"regulation/{_slug(dep)}"]
                g.add((r, RDF.type, CNX.Regulation))
                g.add((r, RDFS.label, Literal(dep)))
                g.add((tu, CNX.dependsOn, r))
        ev = (results or {}).get(ag.id)
        if ev:
            run = BNode()
            g.add((run, RDF.type, CNX.EvaluationRun))
            g.add((run, CNX.asOf, Literal(dt.date.fromisoformat(str(ev["as_of"])), datatype=XSD.date)))
            for r in ev["results"]:
                tu = terms.get(r["term"])
                if tu is None:
                    continue
                ru = CNX[f"agreement/{_slug(ag.id)}/term/{_slug(r['term'])}/result/{_slug(r['period'])}"]
                g.add((ru, RDF.type, CNX.Result))
                g.add((ru, CNX.ofTerm, tu))
                g.add((ru, CNX.period, Literal(r["period"])))
                g.add((ru, CNX.periodEnd, Literal(_period_end(r["period"]), datatype=XSD.date)))
                g.add((ru, CNX.status, CNX[r["status"]]))
                if r.get("explanation"):
                    g.add((ru, CNX.explanation, Literal(r["explanation"], lang="en")))
                if r.get("explanation_zh"):
                    g.add((ru, CNX.explanation, Literal(r["explanation_zh"], lang="zh")))
                g.add((ru, PROV.wasGeneratedBy, run))
                if r.get("risk"):
                    g.add((ru, CNX.riskStatus, CNX[str(r["risk"])]))
    return g


def mark_at_risk(graph, agreement_id: str, term_id: str, period: str, status: str = "at_risk") -> None:
    """Record a risk status (from a risk early-warning module) for a term and period; the
    result node is created if the period has no evaluated status yet."""
    from rdflib import Literal

    CNX, *_rest = _ns()
    RDF, XSD = _rest[3], _rest[6]
    tu = CNX[f"agreement/{_slug(agreement_id)}/term/{_slug(term_id)}"]
    if (tu, RDF.type, CNX.Term) not in graph:
        raise AgreeError(f"the graph has no term {term_id!r} of agreement {agreement_id!r}")
    ru = CNX[f"agreement/{_slug(agreement_id)}/term/{_slug(term_id)}/result/{_slug(period)}"]
    graph.add((ru, RDF.type, CNX.Result))
    graph.add((ru, CNX.ofTerm, tu))
    graph.add((ru, CNX.period, Literal(period)))
    graph.add((ru, CNX.periodEnd, Literal(_period_end(period), datatype=XSD.date)))
    graph.add((ru, CNX.riskStatus, CNX[status]))


PREFIXES = f"""PREFIX cnx: <{NS}>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

#: canned questions: name -> (description, SPARQL with ``$ARG`` placeholders, default argument)
QUERIES: dict[str, tuple[str, str, str]] = {
    "breached-green": (
        "partners that breached a green term in year ARG (default 2026)",
        """SELECT DISTINCT ?party ?agreement ?term ?period WHERE {
  ?r a cnx:Result ; cnx:status cnx:breached ; cnx:ofTerm ?t ; cnx:period ?period ; cnx:periodEnd ?end .
  ?t cnx:category/skos:notation "green" ; cnx:responsibleParty/dcterms:identifier ?party ;
     dcterms:identifier ?term ; dcterms:isPartOf/dcterms:identifier ?agreement .
  FILTER(YEAR(?end) = $ARG)
} ORDER BY ?party ?agreement ?term ?period""",
        "2026",
    ),
    "depends-on": (
        "agreements with a term that depends on a regulation or standard whose name contains ARG",
        """SELECT DISTINCT ?agreement ?term ?regulation WHERE {
  ?t cnx:dependsOn ?reg ; dcterms:identifier ?term ; dcterms:isPartOf/dcterms:identifier ?agreement .
  ?reg rdfs:label ?regulation .
  FILTER(CONTAINS(LCASE(STR(?regulation)), LCASE($ARG)))
} ORDER BY ?agreement ?term""",
        "PIPL",
    ),
    "at-risk": (
        "terms at risk in the quarter ARG (default: this quarter), as marked by the risk module",
        """SELECT DISTINCT ?agreement ?term ?party ?period WHERE {
  ?r cnx:riskStatus cnx:at_risk ; cnx:ofTerm ?t ; cnx:period ?period ; cnx:periodEnd ?end .
  ?t dcterms:identifier ?term ; dcterms:isPartOf/dcterms:identifier ?agreement ;
     cnx:responsibleParty/dcterms:identifier ?party .
  FILTER(?end >= $START && ?end <= $END)
} ORDER BY ?agreement ?term""",
        "",
    ),
}


def _literal(arg: str) -> str:
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def canned(name: str, arg: str | None = None, today: dt.date | None = None) -> str:
    """The SPARQL text of a canned question with its argument filled in (safely quoted)."""
    if name not in QUERIES:
        raise AgreeError(f"unknown question {name!r}; use one of {', '.join(QUERIES)}")
    _desc, q, default = QUERIES[name]
    arg = default if arg is None or arg == "" else arg
    if name == "breached-green":
        if not re.fullmatch(r"\d{4}", arg):
            raise AgreeError(f"breached-green takes a year such as 2026, not {arg!r}")
        q = q.replace("$ARG", arg)
    elif name == "depends-on":
        q = q.replace("$ARG", _literal(arg))
    else:
        try:
            quarter = containing("quarter", today or dt.date.today()) if not arg else parse_period(arg)
        except ValueError as err:
            raise AgreeError(f"at-risk takes a quarter such as 2026Q3, not {arg!r} ({err})") from None
        if quarter.kind != "quarter":
            raise AgreeError(f"at-risk takes a quarter such as 2026Q3, not {arg!r}")
        q = q.replace("$START", f'"{quarter.first.isoformat()}"^^xsd:date')
        q = q.replace("$END", f'"{quarter.last.isoformat()}"^^xsd:date')
    return PREFIXES + q


def query(graph, sparql: str) -> list[dict[str, str]]:
    """Run a SPARQL SELECT (the prefixes above are added when missing); rows as dicts of strings."""
    if "PREFIX cnx:" not in sparql:
        sparql = PREFIXES + sparql
    try:
        res = graph.query(sparql)
    except Exception as err:  # pyparsing errors of a bad query
        raise AgreeError(f"SPARQL query failed: {' '.join(str(err).split())}") from None
    if res.type != "SELECT":
        raise AgreeError("only SPARQL SELECT queries are answered")
    names = [str(v) for v in res.vars]
    return [{n: (None if row[i] is None else str(row[i])) for i, n in enumerate(names)} for row in res]


def serialize(graph, fmt: str = "turtle") -> str:
    """Turtle (``turtle``/``ttl``) or JSON-LD (``json-ld``/``jsonld``) text."""
    f = {"ttl": "turtle", "turtle": "turtle", "json-ld": "json-ld", "jsonld": "json-ld"}.get(fmt)
    if f is None:
        raise AgreeError(f"unknown graph format {fmt!r}; use turtle or json-ld")
    return graph.serialize(format=f)
