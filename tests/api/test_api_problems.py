"""One 422 body for every rejected import (hub, centres, cases), from the shared error base."""

from __future__ import annotations

import json

from citynexus.api.problems import problems_response
from citynexus.cases.errors import CaseImportError, CaseProblem
from citynexus.centres.errors import CentresImportError
from citynexus.errors import ImportRejectedError
from citynexus.hub.errors import HubImportError, ImportProblem


def test_each_import_error_is_one_kind_with_its_own_words():
    hub = HubImportError([ImportProblem(3, "city", "unknown", "use a code")], "a.jsonl")
    case = CaseImportError([CaseProblem(2, "goal", "not 1-17"), CaseProblem(5, "id", "missing")])
    assert all(isinstance(e, ImportRejectedError) for e in (hub, case, CentresImportError([])))
    assert hub.summary() == "import rejected, nothing stored: 1 problem in a.jsonl"
    assert case.summary() == "case import rejected, nothing stored: 2 problems"
    assert str(hub).splitlines() == [
        "import rejected, nothing stored: 1 problem in a.jsonl:",
        "  - line 3, field 'city': unknown -> use a code",
    ]


def test_the_response_lists_every_problem_with_its_fields():
    err = CentresImportError([ImportProblem(1, "id", "missing"), ImportProblem(4, "fields", "is empty", "name one")])
    err.source = "upload.xlsx"  # the faces rename the temporary file after the fact
    r = problems_response(err, "HubImportError")
    body = json.loads(r.body)
    assert r.status_code == 422
    assert body["error"] == "HubImportError"
    assert body["message"] == "import rejected, nothing stored: 2 problems in upload.xlsx"
    assert body["problems"][1] == {
        "line": 4,
        "field": "fields",
        "problem": "is empty",
        "fix": "name one",
        "sheet": None,
        "kind": "",  # a hub problem's kind and values let pages write it in their language; none given here
        "values": {},
    }
    case = json.loads(problems_response(CaseImportError([CaseProblem(2, "goal", "bad", file="c.jsonl")]), "X").body)
    assert case["problems"] == [
        {"line": 2, "field": "goal", "problem": "bad", "fix": "", "file": "c.jsonl", "kind": "", "values": {}}
    ]


def test_one_problem_base_shows_each_place_as_before():
    from citynexus.errors import RecordProblem

    assert issubclass(ImportProblem, RecordProblem) and issubclass(CaseProblem, RecordProblem)
    assert str(RecordProblem(2, "id", "missing", "add one")) == "line 2, field 'id': missing -> add one"
    # a hub problem of the whole input names no place; a parenthesised field is a kind, not a field
    assert str(ImportProblem(0, "(file)", "not UTF-8 text")) == "not UTF-8 text"
    assert str(ImportProblem(0, "name", "empty")) == "field 'name': empty"
    assert str(ImportProblem(4, "(json)", "bad", sheet="offers")) == "sheet 'offers' row 4, field '(json)': bad"
    # a case problem always names its place, the file first; rows in a sheet, lines elsewhere
    assert str(CaseProblem(0, "(file)", "empty", file="c.jsonl")) == "c.jsonl, (file), field '(file)': empty"
    assert str(CaseProblem(3, "goal", "bad", file="c.xlsx, sheet 'cases'")) == (
        "c.xlsx, sheet 'cases', row 3, field 'goal': bad"
    )
    assert str(CaseProblem(3, "goal", "bad", "1-17")) == "line 3, field 'goal': bad -> 1-17"
