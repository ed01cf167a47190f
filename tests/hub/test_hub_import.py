"""Import/export: all-or-nothing with line and field, updates reported, round trips; SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from hubtest_helpers import need, offer, org

from citynexus.hub import Hub, HubImportError


def write_jsonl(path, records, raw_lines=()):
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(raw_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = [
    org("O1", "广州市", industries=["新能源汽车", "battery"], name_zh="甲公司", certifications=["ISO 9001"]),
    org("O2", "Hong Kong", kind="university"),
    offer("F1", "O2", "Cathode recycling", "Regenerates spent cathodes.", attributes={"capacity": 10}),
    need("N1", "O1", "寻求电池回收技术", "回收退役电池。", constraints={"cities": ["HK", "深圳"], "min_capacity": 5}),
]


def test_import_normalises_and_stores(db_url, tmp_path):
    hub = Hub(db_url)
    rep = hub.import_file(write_jsonl(tmp_path / "a.jsonl", GOOD))
    assert rep.n_created == 4 and rep.n_updated == 0
    o1 = hub.organization("O1")
    assert o1.city == "GZ" and o1.industries == ["nev", "battery"] and o1.certifications == ["ISO 9001"]
    n1 = hub.need("N1")
    assert n1.constraints == {"cities": ["HK", "SZ"], "min_capacity": 5} and n1.lang == "zh"
    assert hub.offer("F1").lang == "en"
    assert hub.counts() == {"organizations": 2, "offers": 1, "needs": 1}


def test_reimport_updates_and_says_so(db_url, tmp_path):
    hub = Hub(db_url)
    hub.import_records(GOOD)
    changed = [dict(GOOD[2], title="Cathode regeneration")]
    rep = hub.import_records(changed, source="b.jsonl")
    assert rep.updated["offer"] == ["F1"] and rep.n_created == 0
    assert "updated existing ids: F1" in rep.summary()
    assert hub.offer("F1").title == "Cathode regeneration"
    assert hub.counts()["offers"] == 1


BAD_CASES = [
    # (records, raw extra lines, expected line, expected field, words in the message)
    ([{k: v for k, v in GOOD[0].items() if k != "name"}], [], 1, "name", "missing"),
    ([GOOD[0], offer("F9", "NOPE", "t", "x")], [], 2, "org", "unknown organization"),
    ([org("O9", "Beijing")], [], 1, "city", "unknown city"),
    ([dict(GOOD[0], industries="nev")], [], 1, "industries", "list"),
    ([dict(GOOD[0], id=17)], [], 1, "id", "text"),
    ([GOOD[0], GOOD[0]], [], 2, "id", "duplicate"),
    ([GOOD[0]], ['{"type": "organization", "id": '], 2, "(json)", "invalid JSON"),
    ([GOOD[0], dict(GOOD[3], constraints={"min_capcity": 3})], [], 2, "constraints.min_capcity", "unknown"),
    ([GOOD[0], dict(GOOD[3], constraints={"deadline": "next week"})], [], 2, "constraints.deadline", "date"),
    ([GOOD[1], dict(GOOD[2], attributes={"capacity": -1})], [], 2, "attributes.capacity", "non-negative"),
    ([dict(GOOD[0], kind="company")], [], 1, "kind", "not one of"),
    ([dict(GOOD[0], type="person")], [], 1, "type", "record type"),
    ([dict(GOOD[0], colour="red")], [], 1, "colour", "unknown field"),
    ([GOOD[0], dict(GOOD[3], constraints={"cities": ["Paris"]})], [], 2, "constraints.cities", "unknown city"),
]


@pytest.mark.parametrize(("records", "raw", "line", "field", "words"), BAD_CASES)
def test_bad_import_names_line_and_field_and_stores_nothing(db_url, tmp_path, records, raw, line, field, words):
    hub = Hub(db_url)
    hub.import_records([org("KEEP")])  # existing content must survive untouched
    path = write_jsonl(tmp_path / "bad.jsonl", records, raw)
    with pytest.raises(HubImportError) as err:
        hub.import_file(path)
    probs = err.value.problems
    assert any(p.line == line and p.field == field and words in p.problem for p in probs), probs
    assert f"line {line}" in str(err.value) and "nothing stored" in str(err.value)
    assert hub.counts() == {"organizations": 1, "offers": 0, "needs": 0}


def test_one_bad_line_among_good_ones_stores_nothing(db_url, tmp_path):
    hub = Hub(db_url)
    recs = [*GOOD, offer("F2", "O2", "", "text")]  # empty title on line 5
    with pytest.raises(HubImportError) as err:
        hub.import_file(write_jsonl(tmp_path / "x.jsonl", recs))
    assert [(p.line, p.field) for p in err.value.problems] == [(5, "title")]
    assert hub.counts() == {"organizations": 0, "offers": 0, "needs": 0}


def test_offer_may_reference_an_org_imported_earlier(db_url):
    hub = Hub(db_url)
    hub.import_records([GOOD[1]])
    rep = hub.import_records([GOOD[2]])
    assert rep.created["offer"] == ["F1"]


def test_jsonl_and_excel_round_trip(tmp_path):
    hub = Hub(f"sqlite:///{tmp_path / 'a.db'}")
    hub.import_records(GOOD)
    for name in ("out.jsonl", "out.xlsx"):
        hub.export(tmp_path / name)
        other = Hub(f"sqlite:///{tmp_path / (name + '.db')}")
        rep = other.import_file(tmp_path / name)
        assert rep.n_created == 4
        assert other.records() == hub.records()


def test_excel_errors_name_sheet_row_and_column(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "organizations"
    ws.append(["id", "name", "kind", "city", "industries"])
    ws.append(["O1", "Org", "enterprise", "GZ", "nev; battery"])
    ws.append(["O2", "Org 2", "enterprise", "Atlantis", ""])
    ws2 = wb.create_sheet("needs")
    ws2.append(["id", "org", "kind", "title", "text", "constraints.cities", "constraints.min_capacity"])
    ws2.append(["N1", "O1", "capacity", "t", "x", "GZ; 深圳", "many"])
    wb.save(tmp_path / "bad.xlsx")
    hub = Hub(f"sqlite:///{tmp_path / 'a.db'}")
    with pytest.raises(HubImportError) as err:
        hub.import_file(tmp_path / "bad.xlsx")
    got = {(p.sheet, p.line, p.field) for p in err.value.problems}
    assert got == {("organizations", 3, "city"), ("needs", 2, "constraints.min_capacity")}
    assert "sheet 'organizations' row 3" in str(err.value)
    assert hub.counts()["organizations"] == 0


def test_unsupported_and_missing_files(tmp_path):
    hub = Hub(f"sqlite:///{tmp_path / 'a.db'}")
    with pytest.raises(HubImportError, match="unsupported"):
        hub.import_file(tmp_path / "x.csv")
    with pytest.raises(HubImportError, match="cannot read"):
        hub.import_file(tmp_path / "missing.jsonl")
    (tmp_path / "gbk.jsonl").write_bytes('{"name": "广州"}'.encode("gbk"))
    with pytest.raises(HubImportError, match="UTF-8"):
        hub.import_file(tmp_path / "gbk.jsonl")


def test_demo_hub_imports_and_is_labelled_synthetic(tmp_path):
    from citynexus.hub import demo_path

    hub = Hub(f"sqlite:///{tmp_path / 'demo.db'}")
    rep = hub.import_file(demo_path())
    c = hub.counts()
    assert c["organizations"] >= 200 and c["offers"] >= 300 and c["needs"] >= 100 and rep.n_updated == 0
    orgs = hub.organizations()
    assert all("synthetic" in (o.description or "").lower() for o in orgs)
    assert {o.city for o in orgs} == {"GZ", "SZ", "ZH", "FS", "HZ", "DG", "ZS", "JM", "ZQ", "HK", "MO"}
    assert {o.lang for o in hub.offers()} == {"zh", "en"}


def test_vectors_are_cached_and_refreshed_when_text_changes(db_url):
    from citynexus.hub import HashingEncoder

    hub = Hub(db_url)
    hub.import_records(GOOD)
    enc = HashingEncoder(64)
    v1 = hub.ensure_vectors(enc)
    calls = []
    orig = enc.encode
    enc.encode = lambda texts: calls.append(list(texts)) or orig(texts)
    v2 = hub.ensure_vectors(enc)
    assert calls == [] and all((v1[k] == v2[k]).all() for k in v1)
    hub.import_records([dict(GOOD[2], text="Something else entirely")])
    hub.ensure_vectors(enc)
    assert calls == [["Cathode recycling. Something else entirely"]]
