"""Analyst features of the CLI: select or exclude units and periods (options and [select] in
the spec, unknown codes refused by name), the pooled panel index (`index build --panel`), and
`region coupling --scores` on `index build`'s 0-100 scores."""

from __future__ import annotations

import pandas as pd
import pytest

from citynexus.data import load
from citynexus.errors import SpecError
from citynexus.evaluate import IndexSpec, IndexSpecError, build, default_spec
from tests._cli import folded, run_main


def run(argv, capsys):
    code, out, err = run_main(argv, capsys)
    return code, folded(out), folded(err)


def test_select_in_the_spec_equals_building_on_the_subset():
    ds = load("gba")
    spec = default_spec("gba")
    sel = IndexSpec.from_dict({**spec.to_dict(), "select": {"exclude": ["MO", "HK"], "periods": [2015, 2020]}})
    r = build(ds, sel)
    assert r.period == 2020 and set(r.scores.index) == set(ds.unit_codes) - {"MO", "HK"}
    ref = build(ds.select(exclude=["MO", "HK"], periods=[2015, 2020]), spec)
    pd.testing.assert_frame_equal(r.scores, ref.scores)
    assert "select" not in spec.to_dict()  # an unused [select] leaves the digest as before


def test_select_unknown_code_and_period_are_named():
    ds = load("gba")
    with pytest.raises(SpecError, match=r"unknown unit code 'SZZ' — did you mean 'SZ'\?"):
        build(ds, default_spec("gba").with_(**{"select.units": ["SZ", "SZZ"]}))
    with pytest.raises(SpecError, match="1999 has no data"):
        build(ds, default_spec("gba").with_(**{"select.periods": [1999]}))
    with pytest.raises(IndexSpecError, match=r"select\.units must be a list of unit codes"):
        IndexSpec.from_dict({"select": {"units": "SZ"}})


def test_units_and_exclude_on_the_command_line(tmp_path, capsys):
    code, _, err = run(["index", "build", "--data", "gba", "--units", "SZ,GZ,HK", "--out", str(tmp_path / "a")], capsys)
    assert code == 0, err
    assert set(pd.read_csv(tmp_path / "a" / "scores.csv")["unit"]) == {"SZ", "GZ", "HK"}
    code, _, err = run(["index", "build", "--data", "gba", "--exclude", "MO,ZQ", "--out", str(tmp_path / "b")], capsys)
    assert code == 0 and len(pd.read_csv(tmp_path / "b" / "scores.csv")) == 9
    code, _, err = run(["index", "build", "--data", "gba", "--exclude", "SZZ", "--out", str(tmp_path / "c")], capsys)
    assert code == 1 and "--exclude / [select] exclude: unknown unit code 'SZZ' — did you mean 'SZ'?" in err


def test_index_build_panel(tmp_path, capsys):
    out = tmp_path / "p"
    code, printed, err = run(
        ["index", "build", "--data", "gba", "--panel", "--periods", "2015,2024", "--out", str(out)], capsys
    )
    assert code == 0, err
    assert "pooled panel scores" in printed and "comparable across years" in printed
    t = pd.read_csv(out / "panel_scores.csv")
    assert sorted(set(t["period"])) == [2015, 2024] and len(t) == 22
    assert set(t.columns) >= {"unit", "name", "period", "GBA", "IND", "URB", "rank"}
    from citynexus.evaluate.panel import build_panel

    _, ref = build_panel(load("gba").select(periods=[2015, 2024]), default_spec("gba"))
    assert t["GBA"].to_numpy() == pytest.approx(ref["GBA"].to_numpy(), abs=1e-9)
    code, _, err = run(["index", "build", "--data", "gba", "--panel", "--period", "2020", "--out", str(out)], capsys)
    assert code == 1 and "--panel pools every period" in err


def test_coupling_accepts_index_build_scores(tmp_path, capsys):
    out = tmp_path / "b"
    run(["index", "build", "--data", "gba", "--period", "2020", "--out", str(out)], capsys)
    code, printed, err = run(
        [
            "region",
            "coupling",
            "--scores",
            str(out / "scores.csv"),
            "--subsystems",
            "IND,URB",
            "--out",
            str(tmp_path / "c.csv"),
        ],
        capsys,
    )
    assert code == 0, err
    assert "lie on 0-100" in printed and "divided by 100" in printed
    c = pd.read_csv(tmp_path / "c.csv").set_index("unit")
    s = pd.read_csv(out / "scores.csv").set_index("unit")
    assert c["T"].to_numpy() == pytest.approx(((s["IND"] + s["URB"]) / 200).to_numpy())
    # without --subsystems the rank column is not a subsystem
    code, _, err = run(["region", "coupling", "--scores", str(out / "scores.csv")], capsys)
    assert code == 0, err


def test_coupling_units_and_exclude(tmp_path, capsys):
    code, _, err = run(["region", "coupling", "gba", "--exclude", "MO", "--out", str(tmp_path / "c.csv")], capsys)
    assert code == 0, err
    assert "MO" not in set(pd.read_csv(tmp_path / "c.csv")["unit"])


def test_coupling_scale_option_for_other_files(tmp_path, capsys):
    f = tmp_path / "mine.csv"
    f.write_text("unit,A,B\nx,20,40\ny,50,50\n", encoding="utf-8")
    code, _, err = run(["region", "coupling", "--scores", str(f)], capsys)
    assert code == 1 and "outside [0, 1]" in err  # not index build's file: no guessing
    code, printed, err = run(["region", "coupling", "--scores", str(f), "--scale", "100"], capsys)
    assert code == 0 and "divided by 100 (--scale)" in printed, err


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Shenzhen", "corrected model of Wang et al. (2021)", "Urban", "grade"]),
        ("zh", ["深圳", "王淑佳等（2021）修正模型", "城市群滞后型", "协调等级", "面板合并得分"]),
        ("zh-Hant", ["深圳", "城市群滯後型", "協調等級", "面板合併得分"]),
    ],
)
def test_region_lang_names_not_codes(lang, words, capsys):
    code, printed, err = run(["region", "coupling", "gba", "--period", "2020", "--lang", lang], capsys)
    assert code == 0, err
    for w in words:
        assert w in printed, w
    assert "URB lagging" not in printed and "URB滞后型" not in printed
    if lang != "en":
        assert "primary coordination" not in printed and "pooled panel" not in printed


def test_region_lang_refused_and_obstacles_named(capsys):
    code, _, err = run(["region", "coupling", "gba", "--lang", "fr"], capsys)
    assert code == 1 and "--lang must be en, zh or zh-Hant" in err
    code, printed, err = run(["region", "obstacles", "gba", "--top", "1", "--lang", "zh"], capsys)
    assert code == 0, err
    assert "障碍度" in printed and "广州" in printed and "gdp_pc" not in printed


def test_index_robust_to_excel(tmp_path, capsys):
    book = tmp_path / "rob.xlsx"
    code, printed, err = run(
        ["index", "robust", "--data", "gba", "--samples", "20", "--rank-ranges", "--out", str(book)], capsys
    )
    assert code == 0, err
    assert f"wrote {book}" in printed and "tmp" not in printed.replace(str(book), "")
    x = pd.ExcelFile(book)
    assert {"uncertainty", "samples", "ranks", "scores", "rank_ranges"} <= set(x.sheet_names)
    u = pd.read_excel(x, "uncertainty")
    assert list(u.columns[:3]) == ["unit", "name", "name_zh"]
    assert u.set_index("unit").loc["SZ", "name_zh"] == "深圳" and len(u) == 11
    assert list(tmp_path.iterdir()) == [book]
