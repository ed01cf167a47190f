"""``citynexus report --data`` on the user's own dataset: the real census data of Guangdong's
21 cities (no coordinates, then with coordinates) and the bundled GBA dataset; every page's
``<html lang>`` names its language."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from tests._cli import run_main
from tests.report._census import build_census_dataset


def html_lang(path: Path) -> str:
    m = re.search(r"<html lang=\"([^\"]+)\"", path.read_text(encoding="utf-8"))
    assert m, path
    return m.group(1)


def own_js_free(path: Path) -> str:
    """The page without plotly's inlined JavaScript."""
    html = path.read_text(encoding="utf-8")
    return re.sub(r"<script>.{100000,}?</script>", "", html, count=1, flags=re.S)


@pytest.fixture(scope="module")
def census(shared_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("census")
    return {
        "plain": build_census_dataset(shared_data, root / "plain"),
        "xy": build_census_dataset(shared_data, root / "xy", coordinates=True),
    }


def test_census_without_coordinates(census, tmp_path, capsys):
    out = tmp_path / "rep"
    code, stdout, err = run_main(["report", "--data", str(census["plain"]), "--out", str(out)], capsys)
    assert code == 0, err
    for name, lang in (("report.html", "en"), ("report_zh.html", "zh-CN"), ("report_zh-Hant.html", "zh-Hant")):
        assert html_lang(out / name) == lang
    en = own_js_free(out / "report.html")
    # no empty map panel: the map and the spatial statistics are left out, with a note saying why
    assert 'id="fig-map"' not in en and 'id="fig-lisa"' not in en
    assert 'id="spatial-omitted"' in en and "have no coordinates" in en and "lat and lon" in en
    assert 'id="network-omitted"' in en and "gdp" in en
    # coupling over the dataset's three pillars, named, with the model named
    for pillar in ("Age structure", "Urbanisation", "Households"):
        assert pillar in en
    assert "Wang et al. (2021)" in en and "pooled panel scores" in en
    # rank intervals: exact best/worst rank under any pillar weights
    assert "Best rank (any weights)" in en
    summ = pd.read_csv(out / "csv" / "summary.csv", dtype={"unit": str})
    assert len(summ) == 21 and (summ["best_rank"] <= summ["rank"]).all() and (summ["rank"] <= summ["worst_rank"]).all()
    assert "census" in en.lower() and "Dong, Du &amp; Liu 2022" in en  # sources (escaped)
    zh = own_js_free(out / "report_zh.html")
    assert "没有坐标" in zh and "深圳市" in zh and "年龄结构" in zh
    hant = own_js_free(out / "report_zh-Hant.html")
    assert "沒有座標" in hant or "沒有坐標" in hant
    assert "廣州市" in hant and "年齡結構" in hant and "深圳市" in hant
    assert "no coordinates" in stdout  # the printed notes say it too
    assert "Wang et al. (2021)" in stdout


def test_census_with_coordinates(census, tmp_path, capsys):
    out = tmp_path / "rep"
    code, _, err = run_main(["report", "--data", str(census["xy"]), "--out", str(out), "--lang", "en,zh-Hant"], capsys)
    assert code == 0, err
    assert (out / "report.html").exists() and (out / "report_zh-Hant.html").exists()
    assert not (out / "report_zh.html").exists()
    en = own_js_free(out / "report.html")
    assert 'id="fig-map"' in en and 'id="fig-lisa"' in en and "Global Moran" in en
    assert "k nearest neighbours" in en  # no boundaries for these cities: the weights are said
    assert 'id="spatial-omitted"' not in en
    hant = own_js_free(out / "report_zh-Hant.html")
    assert "莫蘭指數" in hant
    book = pd.ExcelFile(out / "results.xlsx")
    assert {"summary", "coupling", "lisa", "moran", "rank_bounds"} <= set(book.sheet_names)


def test_bundled_gba_report(tmp_path, capsys):
    out = tmp_path / "gba"
    code, _, err = run_main(["report", "--data", "gba", "--out", str(out), "--lang", "zh-Hant"], capsys)
    assert code == 0, err
    page = out / "report_zh-Hant.html"
    assert html_lang(page) == "zh-Hant"
    html = own_js_free(page)
    assert 'id="fig-map"' in html and 'id="fig-network"' in html and "合成數據" in html
    assert "澳門" in html and "大灣區" in html


def test_out_is_checked_before_the_work(tmp_path, capsys):
    f = tmp_path / "a-file"
    f.write_text("x")
    code, _, err = run_main(["report", "--data", "gba", "--out", str(f)], capsys)
    assert code == 1 and "is a file" in err and len(err.strip().splitlines()) == 1
