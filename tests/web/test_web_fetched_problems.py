"""The hub's record problems carry a stable ``kind`` and the ``values`` their sentences quote
(additive JSON keys of the 422 answer), and every kind has a problem (and fix) template in
English and Chinese with exactly those values; the labels of the API's error statuses are
Chinese on Chinese pages."""

from __future__ import annotations

import json
import re
import string

import pytest
from tests.api._tenants import keyed_client
from tests.i18n.purity import foreign_in_chinese

from citynexus.hub.models import ORG_KINDS
from citynexus.hub.records import parse_record
from citynexus.i18n import area, t
from citynexus.i18n.fetched import error_keys, error_labels

TEXT = area("fetched")
ERROR_KEYS = error_keys()

BAD = [
    {"type": "organization", "id": "bad id!", "name": 5, "kind": "castle", "city": "Atlantis", "industries": "ai"},
    {"type": "need", "id": "N1", "org": "O1", "kind": "supplier", "title": "t", "text": "x",
     "constraints": {"deadline": "2026-13-01", "budget": -3, "colour": "red", "cities": []}},
    {"type": "offer", "id": "F1", "org": "O1", "kind": "capacity", "title": "t", "text": "x", "shoe": 1,
     "attributes": {"certifications": "ISO", "capacity": "lots"}},
    {"type": "planet"},
    ["not", "an", "object"],
]  # fmt: skip


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def problems_of(records) -> list:
    out = []
    for i, rec in enumerate(records, start=1):
        out += parse_record(rec, i)[1]
    return out


def test_each_problem_has_a_kind_and_the_values_of_its_template():
    probs = problems_of(BAD)
    assert probs and all(p.kind for p in probs), [str(p) for p in probs if not p.kind]
    for p in probs:
        key = f"hubprob_{p.kind}" if f"hubprob_{p.kind}" in TEXT else "hubprob_missing"
        assert key in TEXT, p.kind
        for k in (key, f"hubfix_{p.kind}"):
            if k in TEXT:
                assert fields(TEXT[k][1]) <= set(p.values), (k, p.values)
    by = {(p.line, p.field): p for p in probs}
    # hand-read: the kind and the quoted value of a few
    assert by[(2, "constraints.deadline")].kind == "not_date"
    assert by[(2, "constraints.deadline")].values == {"value": "'2026-13-01'"}
    assert by[(1, "kind")].kind == "not_choice"
    assert by[(1, "kind")].values == {"value": "castle", "allowed": ", ".join(ORG_KINDS)}
    assert by[(1, "city")].kind == "unknown_city" and by[(1, "city")].values == {"value": "'Atlantis'"}
    assert by[(2, "constraints.budget")].kind == "not_number"
    assert by[(2, "constraints.colour")].kind == "unknown_constraint"
    assert by[(3, "shoe")].kind == "unknown_field" and by[(3, "shoe")].values["type"] == "offer"
    assert by[(4, "type")].kind == "bad_type" and by[(5, "(record)")].kind == "not_record"
    # the English text is unchanged by the kind
    assert by[(2, "constraints.deadline")].problem == "'2026-13-01' is not a date"
    assert by[(2, "constraints.deadline")].fix == "write an ISO date YYYY-MM-DD"


@pytest.mark.parametrize("key", [k for k in TEXT if k.startswith(("hubprob_", "hubfix_", "fetched_err_"))])
def test_templates_have_the_same_values_in_both_languages(key):
    en, zh = TEXT[key]
    assert fields(en) == fields(zh), key
    assert not foreign_in_chinese(re.sub(r"\{\w+\}", " ", zh), {"gba"})


def test_every_kind_the_hub_writes_has_a_problem_template():
    """The kinds given in the hub's sources (``"<kind>", name=`` of a checker, ``kind="..."``,
    the kind beside the values dict of the registry) all have a template."""
    from pathlib import Path

    import citynexus.hub as hub

    here = Path(hub.__file__).parent
    src = "".join((here / f).read_text(encoding="utf-8") for f in ("records.py", "registry.py", "errors.py"))
    kinds = set(re.findall(r'kind="(\w+)"', src))
    kinds |= set(re.findall(r'"([a-z]+_[a-z_]+)",\s*(?:\w+=|\{"value")', src)) - {"id", "org", "city", "type", "(file)"}
    kinds |= set(re.findall(r'\.bad\([^\n]*"(\w+)"\)', src))
    assert {"not_date", "unknown_org", "duplicate_id", "file_type", "bad_json", "not_record", "missing_city"} <= kinds
    for k in kinds:
        assert f"hubprob_{k}" in TEXT or (k.startswith("missing_") and f"hubfix_{k}" in TEXT), k


def test_error_labels_are_in_the_page_language():
    zh, en = error_labels("zh"), error_labels("en")
    assert set(zh) == set(en) >= set(ERROR_KEYS) | {"val_PeriodError", "valfix_PeriodError"}
    assert zh["val_PeriodError"] == t("val_PeriodError", "zh")
    assert zh["fetched_err_401"] == t("fetched_err_401", "zh") and "API" in zh["fetched_err_401"]
    assert not foreign_in_chinese(re.sub(r"\{\w+\}", " ", "\n".join(zh[k] for k in ERROR_KEYS)), {"gba"})


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with keyed_client(f"sqlite:///{tmp_path_factory.mktemp('problems') / 'p.db'}", "problems") as c:
        yield c


def test_import_answer_keeps_its_keys_and_adds_kind(client):
    body = "\n".join(json.dumps(r) for r in BAD[:2]) + "\n{not json\n"
    r = client.post("/api/v1/hub/import", files={"file": ("bad.jsonl", body.encode())},
                    headers={"X-API-Key": client.key})  # fmt: skip
    assert r.status_code == 422, r.text
    res = r.json()
    assert set(res) >= {"error", "message", "problems"} and res["error"] == "HubImportError"
    for p in res["problems"]:
        assert {"line", "field", "problem", "fix", "sheet", "kind", "values"} <= set(p)
    kinds = {(p["line"], p["kind"]) for p in res["problems"]}
    assert (3, "bad_json") in kinds and (2, "not_date") in kinds
    dup = "\n".join(json.dumps(r) for r in [BAD[0] | {"id": "O1", "name": "A", "kind": "enterprise", "city": "SZ",
                                                     "industries": []}] * 2)  # fmt: skip
    r = client.post(
        "/api/v1/hub/import", files={"file": ("dup.jsonl", dup.encode())}, headers={"X-API-Key": client.key}
    )
    assert r.status_code == 422
    (p,) = [p for p in r.json()["problems"] if p["kind"] == "duplicate_id"]
    assert p["values"] == {"value": "'O1'", "first": "1"} and p["problem"].startswith("duplicate organization id 'O1'")


def test_pages_carry_the_error_labels_in_their_language(client):
    html = client.get("/hub?lang=zh").text
    m = re.search(r'<script type="application/json" id="fetch-labels">(.*?)</script>', html, re.S)
    assert m and json.loads(m.group(1))["fetched_err_403"] == t("fetched_err_403", "zh")
    hant = client.get("/hub?lang=zh-Hant").text
    m = re.search(r'id="fetch-labels">(.*?)</script>', hant, re.S)
    assert "角色無權" in json.loads(m.group(1))["fetched_err_403"]


def test_error_pair_labels_by_kind_of_error():
    from citynexus import errors
    from citynexus.web.errtext import error_pair

    assert error_pair(errors.NotFoundError("no case 'X'"), "zh") == ("未找到", "no case 'X'")
    assert error_pair(errors.CityNexusError("bad file"), "zh") == ("请求无效", "bad file")
    assert error_pair(errors.CityNexusError("bad"), "en", "cases_upload_problem") == (
        "The scores cannot be used as given:",
        "bad",
    )


def test_single_record_answers_name_their_kind(client):
    """The body problems of the single-record endpoints (wrong type, id unlike the path's) and
    a file of the wrong type name their kind, with templates whose values they carry."""
    from tests.i18n.test_problem_kinds import CATALOG, placeholders

    h = {"X-API-Key": client.key}
    org = {"id": "O9", "name": "A", "kind": "enterprise", "city": "SZ", "industries": []}
    assert client.post("/api/v1/hub/orgs", json={**org, "id": "O8"}, headers=h).status_code == 201
    answers = [
        client.post("/api/v1/hub/orgs", json={**org, "type": "offer"}, headers=h),
        client.put("/api/v1/hub/orgs/O8", json=org, headers=h),
        client.post("/api/v1/hub/import", files={"file": ("o.csv", b"x")}, headers=h),
    ]
    got = []
    for r in answers:
        assert r.status_code == 422, r.text
        (p,) = r.json()["problems"]
        got.append((p["kind"], p["values"]))
        assert f"hubprob_{p['kind']}" in CATALOG
        assert placeholders(CATALOG[f"hubprob_{p['kind']}"][1]) <= set(p["values"])
    assert got == [
        ("wrong_endpoint", {"value": "'offer'", "endpoint": "organization"}),
        ("id_mismatch", {"value": "'O9'", "path": "'O8'"}),
        ("file_type", {"value": "'o.csv'"}),
    ]
