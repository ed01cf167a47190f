"""Report import: CSV, Excel and JSON; all-or-nothing with every problem listed."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from citynexus.agree import ReportImportError, read_reports

from .helpers import agreement

HEAD = "agreement,party,metric,period,value\n"


@pytest.fixture
def ag():
    return agreement([{"rule": "x > 0"}])


def write(tmp_path, text, name="r.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_csv_good(tmp_path, ag):
    df = read_reports(write(tmp_path, HEAD + "AG1,A,x,2026Q1,1.5\nAG1,B,y,2026-03,2\nAG1,A,x,2026,3\n"), [ag])
    assert list(df["period"]) == ["2026Q1", "2026-03", "2026"]
    assert list(df["kind"]) == ["quarter", "month", "year"]
    assert df["value"].tolist() == [1.5, 2.0, 3.0]


def test_every_problem_listed_with_row_and_column(tmp_path, ag):
    text = HEAD + (
        "NOPE,A,x,2026Q1,1\n"  # row 2 unknown agreement
        "AG1,Z,x,2026Q1,1\n"  # row 3 unknown party
        "AG1,A,x,2026Q5,1\n"  # row 4 malformed period
        "AG1,A,x,2026-13,1\n"  # row 5 malformed month
        "AG1,A,x,2026Q2,abc\n"  # row 6 non-numeric
        "AG1,A,x,2026Q3,\n"  # row 7 empty value
        "AG1,A,x,2026Q4,1\n"
        "AG1,A,x,2026q4,2\n"  # row 9 duplicate of row 8 (same canonical period)
        "AG1,A,9x,2026Q4,2\n"  # row 10 bad metric name
        "AG1,A,y,2026Q1,inf\n"  # row 11 not finite
        "AG1,A,y,0000Q1,1\n"  # row 12 year out of range
    )
    with pytest.raises(ReportImportError) as ei:
        read_reports(write(tmp_path, text), [ag])
    got = sorted((p.location.row, p.location.column) for p in ei.value.problems)
    assert got == [
        (2, "agreement"),
        (3, "party"),
        (4, "period"),
        (5, "period"),
        (6, "value"),
        (7, "value"),
        (9, "period"),
        (10, "metric"),
        (11, "value"),
        (12, "period"),
    ]
    assert all(p.location.file == "r.csv" and p.fix for p in ei.value.problems)
    dup = next(p for p in ei.value.problems if p.location.row == 9)
    assert "first at row 8" in dup.problem


def test_missing_column(tmp_path, ag):
    with pytest.raises(ReportImportError, match="column 'value' is missing"):
        read_reports(write(tmp_path, "agreement,party,metric,period\nAG1,A,x,2026Q1\n"), [ag])


def test_only_known_drops_other_agreements(tmp_path, ag):
    df = read_reports(write(tmp_path, HEAD + "OTHER,Q,x,2026Q1,1\nAG1,A,x,2026Q1,2\n"), [ag], only_known=True)
    assert df["agreement"].tolist() == ["AG1"]


def test_excel(tmp_path, ag):
    p = tmp_path / "r.xlsx"
    pd.DataFrame(
        {
            "agreement": ["AG1", "AG1"],
            "party": ["A", "A"],
            "metric": ["x", "x"],
            "period": ["2026Q1", "bad"],
            "value": [1, 2],
        }
    ).to_excel(p, index=False)
    with pytest.raises(ReportImportError) as ei:
        read_reports(p, [ag])
    assert [(q.location.row, q.location.column) for q in ei.value.problems] == [(3, "period")]


def test_json(tmp_path, ag):
    rows = [
        {"agreement": "AG1", "party": "A", "metric": "x", "period": "2026Q1", "value": 1.25},
        {"agreement": "AG1", "party": "A", "metric": "x", "period": 2026, "value": 2},
    ]
    p = write(tmp_path, json.dumps({"reports": rows}), "r.json")
    df = read_reports(p, [ag])
    assert df["value"].tolist() == [1.25, 2.0]
    assert df["period"].tolist() == ["2026Q1", "2026"]
    bad = write(tmp_path, json.dumps([{**rows[0], "value": "n/a"}]), "b.json")
    with pytest.raises(ReportImportError) as ei:
        read_reports(bad, [ag])
    assert (ei.value.problems[0].location.row, ei.value.problems[0].location.column) == (1, "value")


def test_json_wrong_shape(tmp_path, ag):
    with pytest.raises(ReportImportError, match="list of row objects"):
        read_reports(write(tmp_path, '"hello"', "r.json"), [ag])


def test_missing_file(tmp_path, ag):
    with pytest.raises(ReportImportError, match="file not found"):
        read_reports(tmp_path / "nope.csv", [ag])
