"""``citynexus region coupling DATA --out FILE.xlsx``: one sheet per table with the units'
English and Chinese names beside their codes, relative types named with the subsystems'
names, and an ``about`` sheet naming the coupling model; a wrong --out is refused first."""

from __future__ import annotations

import pandas as pd
import pytest

from tests._cli import run_main


def test_coupling_to_excel_has_chinese_names(tmp_path, capsys):
    out = tmp_path / "coupling.xlsx"
    code, _, err = run_main(["region", "coupling", "gba", "--subsystems", "IND,URB", "--out", str(out)], capsys)
    assert code == 0, err
    book = pd.ExcelFile(out)
    assert book.sheet_names == ["coupling", "about"]
    t = pd.read_excel(book, "coupling")
    assert list(t.columns[:3]) == ["unit", "name", "name_zh"]
    row = t[(t["unit"] == "SZ") & (t["period"] == 2015)].iloc[0]
    assert row["name"] == "Shenzhen" and row["name_zh"] == "深圳"
    assert row["type_zh"] == "城市群滞后型" and row["type"] == "Urban agglomeration lagging"
    assert len(t) == 110 and t["D"].between(0, 1).all()
    about = dict(pd.read_excel(book, "about").values)
    assert "Wang et al. (2021)" in about["coupling model"] and "pooled panel" in about["scores"]
    assert "SYNTHETIC" in about["data"]


def test_coupling_from_own_census_data(shared_data, tmp_path, capsys):
    from tests.report._census import build_census_dataset

    ds = build_census_dataset(shared_data, tmp_path / "census")
    out = tmp_path / "c.xlsx"
    code, _, err = run_main(["region", "coupling", str(ds), "--subsystems", "AGE,URBN", "--out", str(out)], capsys)
    assert code == 0, err
    t = pd.read_excel(out, "coupling", dtype={"unit": str})
    assert "广州市" in set(t["name_zh"]) and "Guangzhou" in set(t["name"])
    assert set(t["type_zh"]) <= {"同步型", "年龄结构滞后型", "城镇化滞后型"}


@pytest.mark.parametrize("name", ["result.txt", "result"])
def test_wrong_out_is_refused_before_the_work(tmp_path, capsys, name):
    code, _, err = run_main(["region", "coupling", "gba", "--out", str(tmp_path / name)], capsys)
    assert code == 1 and "--out must end in .xlsx, .csv or .json" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / name).exists()
