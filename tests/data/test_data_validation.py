"""Every validation failure of the dataset readers, each with a real bad file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from citynexus.data import read
from citynexus.errors import (
    DatasetValidationError,
    DuplicateError,
    EmptyFileError,
    EncodingProblem,
    FrameworkCycleError,
    FrameworkStructureError,
    MissingColumnError,
    MissingDirectionError,
    MissingFileError,
    NonNumericValueError,
    PeriodError,
    SheetNameError,
    UndeclaredCodeError,
    UnknownParentError,
)

UNITS = "code,name,name_zh,lat,lon,group\nGZ,Guangzhou,广州,23.13,113.26,core\nSZ,Shenzhen,深圳,22.54,114.06,core\n"
INDICATORS = (
    "code,name,name_zh,parent,level,kind,direction,weight,unit,denominator,source\n"
    "IDX,Index,指数,,2,aggregate,,1,,,\n"
    "a,Alpha,甲,IDX,1,indicator,1,1,,,\n"
    "b,Beta,乙,IDX,1,indicator,-1,2,,pop,\n"
    "pop,Population,人口,,,denominator,,,10k,,\n"
)
VALUES = (
    "unit,period,indicator,value\n"
    "GZ,2022,a,1.5\nGZ,2022,b,2\nGZ,2022,pop,1800\nSZ,2022,a,3\nSZ,2022,b,\nSZ,2022,pop,1700\n"
)


def make(tmp_path: Path, units=UNITS, indicators=INDICATORS, values=VALUES, encoding="utf-8") -> Path:
    d = tmp_path / "ds"
    d.mkdir(exist_ok=True)
    for name, text in (("units", units), ("indicators", indicators), ("values", values)):
        if text is not None:
            (d / f"{name}.csv").write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return d


def problems(path: Path) -> list:
    with pytest.raises(DatasetValidationError) as ei:
        read(path)
    return ei.value.problems


def only(path: Path, cls: type):
    ps = problems(path)
    assert [type(p) for p in ps] == [cls], [str(p) for p in ps]
    return ps[0]


def test_good_dataset_loads(tmp_path):
    ds = read(make(tmp_path))
    assert ds.unit_codes == ["GZ", "SZ"]
    assert ds.codes("indicator") == ["a", "b"]
    assert ds.codes("denominator") == ["pop"]
    assert ds.groups == ["group"]
    t = ds.table(2022)
    assert t.loc["GZ", "a"] == 1.5 and pd.isna(t.loc["SZ", "b"])
    assert list(t.columns) == ["a", "b"]
    assert ds.table(2022, include_denominators=True).loc["SZ", "pop"] == 1700
    cov = ds.coverage(2022)
    assert cov.loc["SZ", "b"] == 0.0 and cov.loc["GZ", "b"] == 1.0


def test_unknown_parent(tmp_path):
    p = only(make(tmp_path, indicators=INDICATORS.replace("a,Alpha,甲,IDX", "a,Alpha,甲,IDY")), UnknownParentError)
    assert p.location.file == "indicators.csv" and p.location.row == 3 and p.location.column == "parent"
    assert "IDY" in p.problem and p.fix


def test_cycle_in_framework(tmp_path):
    ind = (
        "code,name,parent,level,kind,direction\n"
        "TOP,Top,,4,aggregate,\n"
        "P1,P1,P2,2,aggregate,\nP2,P2,P3,3,aggregate,\nP3,P3,P1,3,aggregate,\n"
        "a,A,P1,1,indicator,1\n"
    )
    ps = problems(make(tmp_path, indicators=ind, values="unit,period,indicator,value\nGZ,2022,a,1\n"))
    cycles = [p for p in ps if isinstance(p, FrameworkCycleError)]
    assert len(cycles) == 1
    assert "P1 -> P2 -> P3 -> P1" in cycles[0].problem or "->" in cycles[0].problem
    assert cycles[0].location.column == "parent"


def test_indicator_without_direction(tmp_path):
    p = only(
        make(tmp_path, indicators=INDICATORS.replace("a,Alpha,甲,IDX,1,indicator,1", "a,Alpha,甲,IDX,1,indicator,")),
        MissingDirectionError,
    )
    assert (p.location.row, p.location.column) == (3, "direction")
    bad = make(tmp_path, indicators=INDICATORS.replace("a,Alpha,甲,IDX,1,indicator,1", "a,Alpha,甲,IDX,1,indicator,2"))
    assert "'2'" in only(bad, MissingDirectionError).problem


def test_duplicate_value_rows_long_and_wide(tmp_path):
    p = only(make(tmp_path, values=VALUES + "GZ,2022,a,9\n"), DuplicateError)
    assert p.location.row == 8 and "first on row 2" in p.problem
    wide = "unit,period,a,b\nGZ,2022,1,2\nGZ,2022,3,4\n"
    ps = problems(make(tmp_path, values=wide))
    # a repeated wide row is one problem for the row, not one per indicator column
    assert len(ps) == 1 and isinstance(ps[0], DuplicateError)
    assert (ps[0].location.row, ps[0].location.column) == (3, "unit") and "first on row 2" in ps[0].problem


def test_duplicate_codes(tmp_path):
    p = only(make(tmp_path, units=UNITS + "GZ,Again,又,23,113,core\n"), DuplicateError)
    assert (p.location.file, p.location.row, p.location.column) == ("units.csv", 4, "code")
    ind = INDICATORS + "a,Again,又,IDX,1,indicator,1,1,,,\n"
    assert only(make(tmp_path, indicators=ind), DuplicateError).location.row == 6


def test_non_numeric_value_names_the_cell(tmp_path):
    p = only(make(tmp_path, values=VALUES.replace("SZ,2022,a,3", "SZ,2022,a,3.4.5")), NonNumericValueError)
    assert (p.location.row, p.location.column) == (5, "value")
    assert "3.4.5" in p.problem and "SZ" in p.problem
    wide = "unit,period,a,b\nGZ,2022,1,x\n"
    p = only(make(tmp_path, values=wide), NonNumericValueError)
    assert (p.location.row, p.location.column) == (2, "b")


def test_missing_tokens_are_missing_not_errors(tmp_path):
    vals = "unit,period,a,b\nGZ,2022,1,NA\nSZ,2022,..,-\n"
    ds = read(make(tmp_path, values=vals))
    assert len(ds.values) == 1


def test_undeclared_unit_and_indicator(tmp_path):
    vals = VALUES + "XX,2022,a,1\nXX,2023,a,1\nGZ,2022,zz,1\n"
    ps = problems(make(tmp_path, values=vals))
    assert sorted(type(p).__name__ for p in ps) == ["UndeclaredCodeError", "UndeclaredCodeError"]
    unit_p = next(p for p in ps if "unit 'XX'" in p.problem)
    assert unit_p.location.row == 8 and "rows 8, 9" in unit_p.problem
    ind_p = next(p for p in ps if "indicator 'zz'" in p.problem)
    assert ind_p.location.column == "indicator"
    wide = "unit,period,a,zz\nGZ,2022,1,2\n"
    p = only(make(tmp_path, values=wide), UndeclaredCodeError)
    assert p.location.column == "zz"


def test_values_for_an_aggregate_are_refused(tmp_path):
    p = only(make(tmp_path, values=VALUES + "GZ,2022,IDX,5\n"), FrameworkStructureError)
    assert "aggregate 'IDX'" in p.problem


def test_period_not_integer_year(tmp_path):
    vals = VALUES.replace("SZ,2022,a,3", "SZ,2022Q1,a,3").replace("SZ,2022,pop", "SZ,2022.5,pop")
    ps = problems(make(tmp_path, values=vals))
    assert sorted(p.location.row for p in ps if isinstance(p, PeriodError)) == [5, 7]
    # a float that is a whole year is accepted
    ds = read(make(tmp_path, values=VALUES.replace("GZ,2022,a", "GZ,2022.0,a")))
    assert ds.periods == [2022]


def test_empty_files(tmp_path):
    p = only(make(tmp_path, units=""), EmptyFileError)
    assert p.location.file == "units.csv" and "empty" in p.problem
    p = only(make(tmp_path, values="unit,period,indicator,value\n"), EmptyFileError)
    assert "header but no data rows" in p.problem


def test_missing_file_and_column(tmp_path):
    d = make(tmp_path)
    (d / "values.csv").unlink()
    assert isinstance(only(d, MissingFileError), MissingFileError)
    p = only(make(tmp_path, units="code,label\nGZ,x\n"), MissingColumnError)
    assert "'name'" in p.problem


def test_utf8_bom_is_read(tmp_path):
    d = make(tmp_path, units=b"\xef\xbb\xbf" + UNITS.encode())
    ds = read(d)
    assert list(ds.units.columns[:2]) == ["code", "name"]
    assert ds.units.loc[0, "name_zh"] == "广州"


def test_gbk_csv_is_read_and_noted(tmp_path):
    d = make(tmp_path, units=UNITS.encode("gbk"), indicators=INDICATORS.encode("gbk"))
    ds = read(d)
    assert ds.units.loc[1, "name_zh"] == "深圳"
    assert ds.label("a", "zh") == "甲"
    assert any("GBK" in n for n in ds.notes)


def test_undecodable_bytes_say_expected_encoding(tmp_path):
    p = only(make(tmp_path, units=UNITS.encode() + b"\xff\xfe\xff\n"), EncodingProblem)
    assert "UTF-8" in p.fix and p.location.file == "units.csv"


def test_excel_wrong_sheet_name(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.read_csv(make(tmp_path) / "units.csv").to_excel(xw, sheet_name="cities", index=False)
        pd.read_csv(make(tmp_path) / "indicators.csv").to_excel(xw, sheet_name="Indicators", index=False)
        pd.read_csv(make(tmp_path) / "values.csv").to_excel(xw, sheet_name="values", index=False)
    ps = problems(path)
    assert [type(p) for p in ps] == [SheetNameError]
    assert "'units'" in ps[0].problem and "cities" in ps[0].problem


def test_all_problems_reported_at_once(tmp_path):
    ind = INDICATORS.replace("a,Alpha,甲,IDX,1,indicator,1", "a,Alpha,甲,NOPE,1,indicator,")
    vals = VALUES + "GZ,20x2,a,1\nGZ,2022,b,oops\n"
    ps = problems(make(tmp_path, indicators=ind, values=vals))
    kinds = {type(p) for p in ps}
    assert {UnknownParentError, MissingDirectionError, PeriodError, NonNumericValueError} <= kinds


def test_framework_structure_errors(tmp_path):
    ind = (
        "code,name,parent,level,kind,direction,weight,denominator\n"
        "IDX,Index,,2,aggregate,,1,\n"
        "EMPTY,Empty,IDX,2,aggregate,,1,\n"
        "a,A,IDX,1,indicator,1,-3,\n"
        "b,B,,1,indicator,1,1,\n"
        "c,C,IDX,1,indicator,1,1,ghost\n"
    )
    ps = problems(make(tmp_path, indicators=ind, values="unit,period,a\nGZ,2022,1\n"))
    text = "\n".join(str(p) for p in ps)
    assert "is not above" in text  # EMPTY level 2 under IDX level 2
    assert "has no children" in text
    assert "not a positive number" in text
    assert "'b' has no parent" in text
    assert "denominator 'ghost'" in text
