"""Every problem the agreements (agree.model, agree.reports), the SME service centres
(centres.records, centres.funding_records, centres.talent) and the hub's ownership rule
(services.hub.write_policy) raise names a ``kind`` whose
templates (``hubprob_<kind>``, ``hubfix_<kind>``) are in a catalog, with the ``values`` its
English sentence quotes: a Chinese page writes it without English. Each path is driven with a
bad input; the set of kinds seen is compared with the hand-written list of each module."""

from __future__ import annotations

import re
import string

import pandas as pd
import pytest

from citynexus.agree.errors import AgreementError, ReportImportError, RuleError
from citynexus.agree.model import _bad_rule, agreement_from_dict, load_agreement
from citynexus.agree.reports import read_table, validate_reports
from citynexus.centres.errors import CentresImportError
from citynexus.centres.funding_records import parse_records_csv, read_records_csv
from citynexus.centres.records import parse_centres, parse_requests, read_centres, read_requests
from citynexus.centres.talent import parse_talent_records
from citynexus.i18n import area, t

CATALOG = {**area("fetched"), **area("problems")}
#: Written in Latin letters in Chinese technical text too (outside backticks).
LATIN_OK = {"JSON", "CEL", "CSV", "GZ", "SZ", "HK"}  # and unit codes of the hub's city hint


def placeholders(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def check(p) -> None:
    """``p`` has a kind with templates whose placeholders are its values; filled in Chinese they
    hold no Latin letters but the values, codes in backticks and :data:`LATIN_OK`."""
    assert p.kind, f"no kind: {p}"
    prob = f"hubprob_{p.kind}" if f"hubprob_{p.kind}" in CATALOG else "hubprob_missing"
    assert prob in CATALOG and (prob != "hubprob_missing" or p.kind.startswith("missing_")), p.kind
    keys = [prob] + ([f"hubfix_{p.kind}"] if p.fix else [])
    assert all(k in CATALOG for k in keys), (p.kind, p.fix)
    for key in keys:
        for lang in ("zh", "zh-Hant"):
            zh = t(key, lang)
            assert placeholders(zh) <= set(p.values), (key, p.values)
            filled = zh.format(**p.values)
            rest = re.sub(r"`[^`]*`", " ", filled)
            for v in sorted(p.values.values(), key=len, reverse=True):
                rest = rest.replace(v, " ")
            latin = set(re.findall(r"[A-Za-z]+", rest)) - LATIN_OK
            assert not latin, (key, lang, filled)
            assert re.search(r"[\u4e00-\u9fff]", filled), filled


def problems(fn, *args, error=(AgreementError, ReportImportError, CentresImportError), **kw) -> list:
    with pytest.raises(error) as ei:
        fn(*args, **kw)
    assert ei.value.problems
    for p in ei.value.problems:
        check(p)
    return ei.value.problems


def kinds(probs) -> set[str]:
    return {p.kind for p in probs}


BASE = {"id": "JRD-1", "title": "Deal", "title_zh": "协议", "parties": ["A", "B"], "start": "2026-01-01",
        "end": "2026-12-31"}  # fmt: skip
TERM = {"id": "T0", "party": "A", "text": "t", "text_zh": "条", "category": "rd", "every": "year", "rule": "x >= 1"}


def test_agreement_model_every_path(tmp_path):
    seen = kinds(problems(agreement_from_dict, ["not", "a", "table"]))
    d1 = {"zzz": 1, "id": "bad id", "parties": [], "start": "soon", "visibility": "secret", "metrics": 3,
          "clauses": 3, "terms": []}  # fmt: skip
    seen |= kinds(problems(agreement_from_dict, d1))
    terms = [
        5,
        {**TERM, "id": "bad id"},
        {"id": "T1", "zzz": 1, "party": "C", "category": "1x", "every": "weekly", "due": "nope", "depends_on": "x"},
        {**TERM, "id": "T1", "every": "month", "due": "2026-03-01"},
        {**TERM, "id": "T3", "every": "once"},
        {**TERM, "id": "T4", "every": "once", "due": "2030-01-01", "rule": "x >="},
    ]
    d2 = {**BASE, "parties": ["A", "A", "B"], "end": "2025-06-30", "terms": terms}
    probs = problems(agreement_from_dict, d2, known_parties={"A"})
    seen |= kinds(probs)
    by = {(p.term, p.field, p.kind): p for p in probs}
    # hand-read: the values are what the English sentence quotes
    (listed,) = [p for p in probs if p.kind == "party_not_listed"]
    assert listed.values == {"party": "'C'", "parties": "['A', 'A', 'B']"}
    assert listed.problem == "party 'C' is not among the parties ['A', 'A', 'B']"
    assert by[(None, "end", "end_before_start")].values == {"end": "2025-06-30", "start": "2026-01-01"}
    rule = by[("T4", "rule", "bad_rule_at")]
    assert rule.values == {"rule": "'x >='", "line": "1", "column": "3", "reason": "CEL syntax error near 'x >='"}
    assert rule.problem == "rule 'x >=' does not compile at line 1, column 3: CEL syntax error near 'x >='"
    out: list = []
    _bad_rule(lambda *a, **kw: out.append((a, kw)), "T9", "x", RuleError("no position", "x"))
    assert out[0][0][-1] == "bad_rule" and out[0][1] == {"rule": "'x'", "reason": "no position"}
    assert placeholders(t("hubprob_bad_rule", "zh")) == set(out[0][1])
    (tmp_path / "latin1.toml").write_bytes("title = 'caf\xe9'".encode("latin-1"))
    (tmp_path / "bad.toml").write_text("id = = 1", encoding="utf-8")
    for name in ("missing.toml", "latin1.toml", "bad.toml"):
        seen |= kinds(problems(load_agreement, tmp_path / name))
    assert seen == {
        "not_table", "unknown_key", "bad_agreement_id", "missing_title", "missing_title_zh", "bad_parties",
        "missing_date", "not_date", "bad_visibility", "bad_metrics", "bad_clauses", "no_terms", "party_twice",
        "party_not_in_hub", "end_before_start", "term_not_table", "bad_term_id", "duplicate_term_id",
        "party_not_listed", "missing_term_text", "missing_term_text_zh", "bad_category", "bad_every",
        "due_not_once", "due_outside", "once_without_due", "missing_rule", "bad_rule_at", "bad_depends_on",
        "file_not_found", "not_utf8", "bad_toml",
    }  # fmt: skip


def test_agreement_reports_every_path(tmp_path):
    from citynexus.agree.model import agreement_from_dict as build

    ag = build({**BASE, "terms": [TERM]})
    (tmp_path / "r.json").write_text('{"reports": 3}', encoding="utf-8")
    (tmp_path / "r.csv").write_bytes("agreement,party\ncaf\xe9,x\n".encode("latin-1"))
    seen = set()
    for name in ("none.csv", "r.json", "r.csv"):
        seen |= kinds(problems(read_table, tmp_path / name))
    seen |= kinds(problems(validate_reports, pd.DataFrame({"agreement": ["JRD-1"]}), [ag]))
    rows = pd.DataFrame(
        [
            ["NOPE", "A", "x", "2026", "1"],
            ["JRD-1", "C", "x", "2026", "1"],
            ["JRD-1", "A", "1x", "2026Q9", "abc"],
            ["JRD-1", "A", "x", "2026", "1"],
            ["JRD-1", "A", "x", "2026", "2"],
        ],
        columns=["agreement", "party", "metric", "period", "value"],
    )
    probs = problems(validate_reports, rows, [ag], "r.csv")
    seen |= kinds(probs)
    dup = next(p for p in probs if p.kind == "duplicate_report")
    assert dup.values == {"key": "JRD-1, A, x, 2026", "first": "5"} and dup.location.row == 6
    assert next(p for p in probs if p.kind == "bad_period").values == {"value": "'2026Q9'"}
    assert seen == {
        "file_not_found", "bad_report_json", "unreadable_reports", "missing_column", "unknown_agreement",
        "not_a_party", "bad_period", "bad_metric", "report_not_number", "duplicate_report",
    }  # fmt: skip


CENTRE = {"id": "C1", "name": "Lab", "city": "SZ", "fields": ["emc"], "description": "tests"}


def test_centres_records_every_path(tmp_path):
    bad = [
        "not an object",
        {**CENTRE, "id": "C2", "zzz": 1, "fields": None, "capacity": -1},
        {**CENTRE, "id": "C3", "fields": "emc", "city": "", "affiliates": [1]},
        {**CENTRE, "id": "C4", "city": "Atlantis", "fields": []},
        {k: v for k, v in CENTRE.items() if k != "description"} | {"id": "C5"},
        CENTRE,
        CENTRE,
    ]
    probs = problems(parse_centres, bad)
    seen = kinds(probs)
    assert next(p for p in probs if p.kind == "below_minimum").values == {"minimum": "0", "value": "-1"}
    seen |= kinds(problems(parse_centres, []))
    req = {"id": "R1", "sme": "S1", "city": "SZ", "text": "EMC test failed", "expect": ["C9"]}
    seen |= kinds(problems(parse_requests, [req, req]))
    seen |= kinds(problems(parse_requests, []))
    (tmp_path / "req.jsonl").write_text('{"id": "R1", "sme": "S1", "city": "SZ", "text": "x", "expect": ["C9"]}\n')
    seen |= kinds(problems(read_requests, tmp_path / "req.jsonl", [parse_centres([CENTRE])[0]]))
    (tmp_path / "c.jsonl").write_text("{not json\n", encoding="utf-8")
    (tmp_path / "l1.jsonl").write_bytes('{"name": "caf\xe9"}\n'.encode("latin-1"))
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "other"
    wb.save(tmp_path / "nosheet.xlsx")
    for name in ("c.jsonl", "l1.jsonl", "junk.xlsx", "nosheet.xlsx", "gone.jsonl"):
        seen |= kinds(problems(read_centres, tmp_path / name))
    assert seen == {
        "not_record", "unknown_field", "missing_ids", "below_minimum", "not_list", "missing_city", "unknown_city",
        "no_fields", "missing_description", "duplicate_centre_id", "no_centres", "duplicate_request_id",
        "no_requests", "unknown_centre", "bad_json", "not_utf8", "bad_workbook", "no_sheet", "unreadable_file",
    }  # fmt: skip


def test_funding_records_every_path(tmp_path):
    seen = kinds(problems(parse_records_csv, "centre,sme\nC1,S1\n"))
    text = (
        "centre,sme,period,confirmed,rating,outcome,affiliated,colour\n"
        ",S1,2026Q1,maybe,9,won,perhaps,red\n"
        "C1,S1,2026Q1,true,,,false,\n"
    )
    probs = problems(parse_records_csv, text)
    seen |= kinds(probs)
    where = {(p.line, p.field, p.kind) for p in probs}
    assert where >= {(2, "centre", "missing_value"), (3, "rating", "missing_rating"), (1, "colour", "unknown_column")}
    seen |= kinds(problems(parse_records_csv, "centre,sme,period,confirmed,rating\n"))
    (tmp_path / "r.csv").write_bytes("centre\ncaf\xe9\n".encode("latin-1"))
    seen |= kinds(problems(read_records_csv, tmp_path / "r.csv"))
    assert seen == {
        "missing_column", "unknown_column", "missing_value", "not_bool", "bad_rating", "not_choice",
        "missing_rating", "no_records", "not_utf8",
    }  # fmt: skip


def test_talent_every_path():
    talent = {"type": "talent", "id": "T1", "name": "Li", "skills": ["pcb"], "field": "emc", "languages": ["zh"],
              "cities": ["SZ"], "level": "mid", "permit": "citizen", "summary": "s"}  # fmt: skip
    position = {"type": "position", "id": "P1", "org": "O1", "title": "EMC", "text": "t", "field": "emc",
                "city": "SZ", "min_level": "guru", "sponsorship": "yes"}  # fmt: skip
    rows = [
        (1, {"type": "robot"}),
        (2, {**talent, "id": "T2", "languages": ["klingon"], "cities": [], "level": "boss", "permit": "none"}),
        (3, position),
        (4, talent),
        (5, talent),
    ]
    probs = problems(parse_talent_records, rows, "t.jsonl")
    dup = next(p for p in probs if p.kind == "duplicate_record_id")
    assert dup.values == {"record": "talent", "value": "'T1'", "first": "4"}
    seen = kinds(probs) | kinds(problems(parse_talent_records, [], "t.jsonl"))
    assert seen == {
        "bad_talent_type", "unknown_language", "missing_cities", "not_choice", "not_bool", "duplicate_record_id",
        "no_talent",
    }  # fmt: skip


def test_hub_ownership_refusals():
    from citynexus.services.auth import Principal
    from citynexus.services.hub import write_policy

    authorize = write_policy(Principal(key_id=1, key_name="bob", org="B", role="editor"))
    refusals = [authorize("organization", "ORG1", "A", None), authorize("offer", "OF1", None, "A")]
    for p in refusals:
        check(p)
    assert kinds(refusals) == {"not_owner", "not_own_organization"}
    assert authorize("offer", "OF1", "B", "B") is None and authorize("need", "NE1", None, None) is None
    platform = write_policy(Principal(key_id=2, key_name="olga", org="ops", role="platform"))
    assert platform("organization", "ORG1", "A", None) is None


def test_catalog_families_have_the_same_values_in_both_languages():
    for key, (en, zh) in area("problems").items():
        assert key.startswith(("hubprob_", "hubfix_")), key
        assert placeholders(en) == placeholders(zh), key
        if key.startswith("hubfix_"):
            assert "hubprob_" + key.removeprefix("hubfix_") in CATALOG, key
