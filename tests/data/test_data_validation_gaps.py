"""Validation gaps closed: template examples left in a filled workbook, the sheet named in
workbook problems, "did you mean" for unknown codes, a repeated wide row reported once, and
a weight of 0 meaning "excluded" in indicators.csv as in the spec."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from citynexus.data import read
from citynexus.data.template import template_frames, write_template
from citynexus.errors import DatasetValidationError, DuplicateError, UndeclaredCodeError, UnknownParentError

UNITS = "code,name,name_zh,lat,lon,group\nSZ,Shenzhen,深圳,22.54,114.06,core\nZH,Zhuhai,珠海,22.27,113.58,other\n"
INDICATORS = (
    "code,name,name_zh,parent,level,kind,direction,weight,unit,denominator,source\n"
    "IDX,Index,指数,,2,aggregate,,1,,,\n"
    "rd_share,R&D share,研发,IDX,1,indicator,1,1,,,\n"
    "green,Green space,绿地,IDX,1,indicator,1,1,,,\n"
)
VALUES = "unit,period,indicator,value\nSZ,2020,rd_share,4.9\nSZ,2020,green,15\nZH,2020,rd_share,3.1\nZH,2020,green,18\n"


def make(tmp_path: Path, units=UNITS, indicators=INDICATORS, values=VALUES) -> Path:
    d = tmp_path / "ds"
    d.mkdir(exist_ok=True)
    for name, text in (("units", units), ("indicators", indicators), ("values", values)):
        (d / f"{name}.csv").write_text(text, encoding="utf-8")
    return d


def problems(path: Path) -> list:
    with pytest.raises(DatasetValidationError) as ei:
        read(path)
    return ei.value.problems


def filled_template(path: Path, keep_examples: bool) -> Path:
    """The template workbook filled with two cities, with or without its example rows."""
    write_template(path)
    ex = template_frames()
    own_units = pd.read_csv(io.StringIO(UNITS))
    own_ind = pd.read_csv(io.StringIO(INDICATORS), dtype=str, keep_default_na=False)
    own_vals = pd.read_csv(io.StringIO(VALUES))
    frames = {"units": own_units, "indicators": own_ind, "values": own_vals}
    if keep_examples:
        frames = {k: pd.concat([ex[k], v], ignore_index=True) for k, v in frames.items()}
    with pd.ExcelWriter(path, engine="openpyxl", mode="a", if_sheet_exists="replace") as xw:
        for k, v in frames.items():
            v.to_excel(xw, sheet_name=k, index=False)
    return path


def test_template_examples_left_in_a_filled_workbook_are_reported(tmp_path):
    ps = problems(filled_template(tmp_path / "census.xlsx", keep_examples=True))
    ex = [p for p in ps if "template's example" in p.problem]
    where = {(p.location.file, p.location.row) for p in ex}
    assert ("census.xlsx[units]", 2) in where and ("census.xlsx[values]", 2) in where
    assert ("census.xlsx[indicators]", 2) in where and ("census.xlsx[indicators]", 3) in where
    assert any(p.problem == "row 2 is the template's example (GZ) — delete it" for p in ex)


def test_filled_workbook_without_examples_loads(tmp_path):
    ds = read(filled_template(tmp_path / "census.xlsx", keep_examples=False))
    assert list(ds.units["code"]) == ["SZ", "ZH"]


def test_unfilled_template_and_a_real_guangzhou_are_not_examples(tmp_path):
    write_template(tmp_path / "t.xlsx")
    assert list(read(tmp_path / "t.xlsx").units["code"]) == ["GZ"]  # the template alone is a valid dataset
    gz = "GZ,Guangzhou,广州,23.1291,113.2644,core\n"  # the bundled data's Guangzhou row = the example row
    vals = VALUES + "GZ,2020,rd_share,3.4\nGZ,2020,green,17\n"
    ds = read(make(tmp_path, units=UNITS + gz, values=vals))
    assert "GZ" in set(ds.units["code"])


def test_workbook_problems_name_the_sheet(tmp_path):
    path = filled_template(tmp_path / "census.xlsx", keep_examples=False)
    book = pd.read_excel(path, sheet_name=None)
    book["values"]["value"] = book["values"]["value"].astype(object)
    book["values"].loc[0, "value"] = "4,9"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for k, v in book.items():
            v.to_excel(xw, sheet_name=k, index=False)
    ps = problems(path)
    assert [p.location.file for p in ps] == ["census.xlsx[values]"] and ps[0].location.row == 2
    assert "census.xlsx[values], row 2" in str(ps[0])


def test_unknown_codes_get_did_you_mean(tmp_path):
    vals = VALUES + "SZ,2021,rd_shares,5\nSZZ,2021,green,1\n"
    ind = INDICATORS + "extra,Extra,额外,IDXX,1,indicator,1,1,,,\n"
    ps = problems(make(tmp_path, indicators=ind, values=vals))
    text = {type(p): [] for p in ps}
    for p in ps:
        text[type(p)].append(p.problem)
    und = " | ".join(text[UndeclaredCodeError])
    assert "indicator 'rd_shares' is not declared in units.csv" not in und
    assert "'rd_shares' is not declared in indicators.csv (row 6) — did you mean 'rd_share'?" in und
    assert "unit 'SZZ' is not declared in units.csv (row 7) — did you mean 'SZ'?" in und
    assert text[UnknownParentError] == ["parent 'IDXX' of 'extra' is not declared — did you mean 'IDX'?"]


def test_no_suggestion_when_nothing_is_close(tmp_path):
    ps = problems(make(tmp_path, values=VALUES + "SZ,2021,qqqqqqq,5\n"))
    assert [p.problem for p in ps] == ["indicator 'qqqqqqq' is not declared in indicators.csv (row 6)"]


def test_repeated_wide_row_is_reported_once(tmp_path):
    wide = "unit,period,rd_share,green\nSZ,2020,4.9,15\nZH,2020,3.1,18\nSZ,2020,4.9,15\n"
    ps = problems(make(tmp_path, values=wide))
    assert [type(p) for p in ps] == [DuplicateError]
    assert ps[0].problem == "unit SZ, period 2020 is given again (first on row 2)" and ps[0].location.row == 4


def test_repeated_long_rows_are_each_reported(tmp_path):
    ps = problems(make(tmp_path, values=VALUES + "SZ,2020,rd_share,4.9\nSZ,2020,green,15\n"))
    assert [type(p) for p in ps] == [DuplicateError, DuplicateError]


def test_weight_zero_means_excluded_in_indicators_csv_and_in_the_spec(tmp_path):
    from citynexus.evaluate import IndexSpec, build

    plain = IndexSpec().with_(**{"treat.method": "none", "screen.unit_threshold": 0.0})
    ind0 = INDICATORS.replace(
        "green,Green space,绿地,IDX,1,indicator,1,1", "green,Green space,绿地,IDX,1,indicator,1,0"
    )
    ds0 = read(make(tmp_path, indicators=ind0))
    assert ds0.indicators.set_index("code").loc["green", "weight"] == 0
    r0 = build(ds0, plain)
    r_spec = build(read(make(tmp_path)), plain.weights_set(rd_share=1.0, green=0.0))
    pd.testing.assert_series_equal(r0.scores["IDX"], r_spec.scores["IDX"])
    pd.testing.assert_series_equal(r0.scores["IDX"], r0.normalised["rd_share"], check_names=False)
    for r in (r0, r_spec):
        msg = [e["message"] for e in r.log if e.get("details", {}).get("excluded") == ["green"]]
        assert msg and "excluded from IDX" in msg[0]


def test_negative_weight_is_refused(tmp_path):
    ind = INDICATORS.replace(
        "green,Green space,绿地,IDX,1,indicator,1,1", "green,Green space,绿地,IDX,1,indicator,1,-1"
    )
    ps = problems(make(tmp_path, indicators=ind))
    assert len(ps) == 1 and "weight '-1' is not a positive number or 0" in ps[0].problem
