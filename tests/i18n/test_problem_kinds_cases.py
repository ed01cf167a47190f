"""Every problem the case library raises (cases.models, cases.io, cases.library and the upload of
services.cases) names a ``kind`` whose templates (``hubprob_<kind>``, ``hubfix_<kind>``) are in a
catalog, with the ``values`` its English sentence quotes: a Chinese page writes it without English.
Each path is driven with a bad input, in JSON Lines and in Excel; the set of kinds seen is compared
with a hand-written list, and the 422 answer of the REST import carries them."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from openpyxl import Workbook

from citynexus.cases.errors import CaseImportError
from citynexus.cases.io import read_excel, read_file, read_jsonl
from citynexus.cases.library import CaseLibrary
from citynexus.cases.models import FIELDS, parse_case
from tests.i18n.test_problem_kinds import check, kinds, problems

CASE = {
    "id": "kinds-1",
    "city": "Shenzhen",
    "country": "China",
    "title_en": "Electric buses (synthetic test case)",
    "title_zh": "公交电动化（合成测试案例）",
    "description_en": "A synthetic test case.",
    "description_zh": "合成测试案例。",
}


def jsonl(tmp_path, name, *records) -> str:
    path = tmp_path / name
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def case_problems(fn, *args, **kw) -> list:
    return problems(fn, *args, error=CaseImportError, **kw)


def by_kind(probs) -> dict:
    return {p.kind: p for p in probs}


def test_case_records_every_path_in_json_lines(tmp_path):
    evidence = [
        5,
        {"zzz": 1, "indicator": "x", "unit": "%", "source": "s", "before": 1},
        {"indicator": "y", "unit": "%", "source": "s"},
        {"indicator": "z", "unit": "%", "source": "s", "before": True, "after": "12 kg"},
        {"indicator": "w", "unit": "%", "source": "s", "before": "inf", "year_before": 2020, "year_after": 2010},
    ]
    bad = {**CASE, "id": "bad id", "zzz": 1, "city": 5, "country": "", "year": "soon", "title_zh": "English only",
           "themes": {"a": 1}, "sdg_goals": [18], "sdg_targets": ["11.99"], "evidence": evidence,
           "contact": "c" * 501, "source_url": "ftp://example.org"}  # fmt: skip
    records = [
        "[1, 2]",
        "{not json",
        bad,
        {**CASE, "id": "seed-mine", "year": 1800, "evidence": "table"},
        CASE,
        CASE,
    ]
    probs = case_problems(read_jsonl, jsonl(tmp_path, "c.jsonl", *records))
    seen = kinds(probs)
    got = by_kind(probs)
    # hand-read: the values are what the English sentences quote
    assert got["duplicate_id"].problem == "id 'kinds-1' already used on line 5"
    assert got["duplicate_id"].values == {"value": "'kinds-1'", "first": "5"}
    assert got["too_long"].values == {"max": "500", "length": "501"}
    assert got["years_reversed"].values == {"after": "2010", "before": "2020"}
    assert got["years_reversed"].field == "evidence[4].year_after"
    assert got["out_of_range"].values == {"value": "1800", "lo": "1900", "hi": "2100"}
    assert got["not_whole"].problem == "must be a whole number, got 'soon'"
    assert got["not_whole"].values == {"value": "'soon'", "lo": "1900", "hi": "2100"}
    assert got["seed_prefix"].values == {"value": "'seed-mine'", "prefix": "'seed-'"}
    assert got["not_case_object"].values == {"value": "list"} and got["not_case_object"].line == 1
    assert got["missing_text"].values == {"field": "country"}
    unknown = [p for p in probs if p.kind == "unknown_field"]
    assert {p.field for p in unknown} == {"zzz", "evidence[1].zzz"}
    assert next(p for p in unknown if p.field == "zzz").values == {"allowed": ", ".join(FIELDS)}
    assert seen == {
        "not_case_object", "bad_json", "unknown_field", "bad_case_id", "not_text", "missing_text", "not_whole",
        "no_chinese", "not_text_list", "not_sdg_goal", "not_sdg_target", "evidence_not_object", "no_measure",
        "bool_not_number", "not_a_number", "not_finite", "years_reversed", "too_long", "not_url", "seed_prefix",
        "out_of_range", "not_object_list", "duplicate_id",
    }  # fmt: skip


def test_case_files_every_path(tmp_path):
    (tmp_path / "latin1.jsonl").write_bytes('{"city": "caf\xe9"}\n'.encode("latin-1"))
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    seen = set()
    for name in ("gone.jsonl", "latin1.jsonl", "empty.jsonl", "notes.txt"):
        seen |= kinds(case_problems(read_file, tmp_path / name))
    (gone,) = case_problems(read_jsonl, tmp_path / "gone.jsonl")
    assert gone.values == {"reason": "No such file or directory"}
    assert gone.problem == "cannot read the file: No such file or directory"
    assert seen == {"unreadable_case_file", "not_utf8", "no_cases", "case_file_type"}


def workbook(path, cases: list[list] | None, evidence: list[list] | None = None, other: str | None = None):
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in (("cases", cases), ("evidence", evidence), (other, [["x"]])):
        if title and rows is not None:
            ws = wb.create_sheet(title)
            for row in rows:
                ws.append(row)
    wb.save(path)
    return path


def test_case_workbooks_every_path(tmp_path):
    head = [*CASE, "year", "evidence"]
    row = list(CASE.values())
    ev_head = ["case_id", "indicator", "unit", "source", "before", "after"]
    book = workbook(
        tmp_path / "c.xlsx",
        [head, [*row, 2020, "[]"], row, ["kinds-2", "", *row[2:], 20.5, None]],
        [ev_head, ["nope", "x", "%", "s", 1, 2], ["kinds-2", "x", "%", "s", "inf", "12 kg"]],
    )
    probs = case_problems(read_excel, book)
    seen = kinds(probs)
    got = by_kind(probs)
    assert got["unknown_case_id"].values == {"value": "'nope'"} and got["unknown_case_id"].line == 2
    assert got["evidence_in_cases_sheet"].line == 2 and got["evidence_in_cases_sheet"].values == {}
    assert got["not_a_number"].values == {"value": "'12 kg'"} and got["not_a_number"].field == "evidence[0].after"
    assert got["duplicate_id"].values == {"value": "'kinds-1'", "first": "2"}
    assert "sheet 'cases'" in got["duplicate_id"].file
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    for path in (
        tmp_path / "junk.xlsx",
        workbook(tmp_path / "nosheet.xlsx", None, other="other"),
        workbook(tmp_path / "empty.xlsx", [head]),
    ):
        seen |= kinds(case_problems(read_file, path))
    (nosheet,) = case_problems(read_excel, tmp_path / "nosheet.xlsx")
    assert nosheet.values == {"found": "other"}
    assert seen == {
        "evidence_in_cases_sheet", "unknown_case_id", "not_finite", "not_a_number", "missing_text", "not_whole",
        "no_measure", "duplicate_id", "unreadable_workbook", "no_case_sheet", "no_cases_in_sheet",
    }  # fmt: skip


def test_case_library_and_upload_refusals(tmp_path):
    from citynexus.services.auth import Principal
    from citynexus.services.cases import import_upload

    url = f"sqlite:///{tmp_path / 'c.db'}"
    lib = CaseLibrary(url)
    seed, _ = parse_case({**CASE, "id": "seed-x"}, 1, origin="seed")
    case, _ = parse_case(CASE, 1)
    lib.import_cases([case], "a.jsonl", owner="A")
    (reserved,) = case_problems(lib.import_cases, [seed], "b.jsonl", owner="B")
    assert reserved.problem.startswith("id 'seed-x' starts with 'seed-'")
    (foreign,) = case_problems(lib.import_cases, [case], "b.jsonl", owner="B")
    assert foreign.values == {"value": "'kinds-1'", "owner": "'A'", "org": "'B'"}
    who = Principal(key_id=1, key_name="bob", org="B", role="editor")
    (upload,) = case_problems(import_upload, lib.engine, who, "notes.txt", b"x")
    assert upload.values == {"value": "'notes.txt'", "allowed": ".jsonl, .xlsx"}
    assert kinds([reserved, foreign, upload]) == {"seed_prefix", "case_not_owner", "file_type_of"}


@pytest.fixture
def client(tmp_path):
    from fastapi.testclient import TestClient

    from citynexus.api import create_app
    from citynexus.services.keys import create_key, create_org
    from citynexus.store import get_engine

    db = f"sqlite:///{tmp_path / 'api.db'}"
    create_org(get_engine(db), "A", name="Office A")
    with TestClient(create_app(db)) as c:
        c.headers.update({"X-API-Key": create_key(get_engine(db), "alice", org="A", role="editor")})
        yield c


def test_a_refused_import_answers_each_problem_with_its_kind_and_values(client):
    content = (json.dumps({**CASE, "sdg_goals": [18]}, ensure_ascii=False) + "\n").encode()
    r = client.post("/api/v1/cases/import", files={"file": ("cases.jsonl", content)})
    assert r.status_code == 422
    (p,) = r.json()["problems"]
    check(SimpleNamespace(**p))  # what a client receives fills the Chinese templates
    assert p["kind"] == "not_sdg_goal" and p["values"] == {"value": "'18'"}
    assert p["file"] == "cases.jsonl" and p["problem"] == "'18' is not an SDG goal"
