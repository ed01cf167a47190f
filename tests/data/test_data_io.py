"""Round trips in every format, long and wide values, bundled data, template, CLI."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from citynexus.cli.main import app
from citynexus.data import Dataset, available, load, open_dataset, read, write
from citynexus.data.bundled import generate_gba
from citynexus.data.template import write_template
from citynexus.errors import CityNexusError, UnknownDatasetError

runner = CliRunner()


@pytest.fixture(scope="module")
def gba() -> Dataset:
    return load("gba")


@pytest.mark.parametrize(("fmt", "name"), [("csv", "out"), ("excel", "out.xlsx"), ("parquet", "outpq")])
@pytest.mark.parametrize("wide", [False, True])
def test_round_trip_loses_nothing(gba, tmp_path, fmt, name, wide):
    path = write(gba, tmp_path / name, fmt=fmt, wide=wide)
    back = read(path, name="gba")
    assert back.equals(gba)
    pd.testing.assert_frame_equal(back.units, gba.units)
    pd.testing.assert_frame_equal(back.indicators, gba.indicators)
    pd.testing.assert_frame_equal(back.values, gba.values)
    assert back.label("GBA", "zh") == "粤港澳大湾区协调发展指数"


def test_long_and_wide_load_to_the_same_dataset(gba, tmp_path):
    a = read(write(gba, tmp_path / "long", wide=False))
    b = read(write(gba, tmp_path / "wide", wide=True))
    assert a.equals(b)
    head = (tmp_path / "wide" / "values.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert head.startswith("unit,period,sei_share")


def test_exact_floats_survive(tmp_path):
    """CSV and Parquet keep every bit; Excel keeps 15 significant digits, which is all that
    Excel itself stores (documented in docs/data-format.md)."""
    units = pd.DataFrame({"code": ["A", "B"], "name": ["a", "b"]})
    inds = pd.DataFrame({"code": ["x"], "name": ["x"], "parent": [""], "level": [1], "direction": [1]})
    vals = pd.DataFrame(
        {"unit": ["A", "B"], "period": [2020, 2020], "indicator": ["x", "x"], "value": [0.1 + 0.2, 1e-300]}
    )
    ds = Dataset.from_frames(units, inds, vals)
    for fmt, name in (("csv", "c"), ("parquet", "p")):
        back = read(write(ds, tmp_path / name, fmt=fmt))
        assert back.values["value"].tolist() == [0.1 + 0.2, 1e-300]
    back = read(write(ds, tmp_path / "e.xlsx"))
    assert [float(f"{v:.15g}") for v in back.values["value"]] == [0.3, 1e-300]


def test_write_replaces_tables_atomically(gba, tmp_path):
    out = tmp_path / "ds"
    write(gba, out)
    (out / "notes.txt").write_text("keep me")
    write(gba, out, fmt="parquet")
    assert sorted(p.name for p in out.iterdir()) == [
        "indicators.parquet",
        "notes.txt",
        "units.parquet",
        "values.parquet",
    ]
    assert read(out).equals(gba)
    assert not list(tmp_path.glob(".citynexus-*"))


def test_bundled_gba_shape_and_labels(gba):
    assert "gba" in available()
    assert gba.unit_codes == ["GZ", "SZ", "ZH", "FS", "HZ", "DG", "ZS", "JM", "ZQ", "HK", "MO"]
    assert gba.periods == list(range(2015, 2025))
    assert len(gba.codes("indicator")) == 24
    assert gba.children("GBA") == ["IND", "URB"]
    assert len(gba.descendants("IND")) == 12 and len(gba.descendants("URB")) == 12
    assert gba.synthetic
    assert set(gba.units["group"]) == {"core", "other"}
    core = gba.units.loc[gba.units["group"] == "core", "code"].tolist()
    assert core == ["GZ", "SZ", "HK", "MO"]
    src = gba.indicators.set_index("code")["source"]
    assert all("synthetic" in s for s in src[gba.codes("indicator")])
    assert "Statistical Yearbook" in src["gdp"]


def test_bundled_anchors_2023(gba):
    t = gba.table(2023, codes=["gdp", "population", "area", "gdp_per_capita", "pop_density"])
    assert t.loc["GZ", "gdp"] == pytest.approx(30355.73)
    assert t.loc["SZ", "population"] == pytest.approx(1779.01)
    assert t.loc["MO", "area"] == pytest.approx(33.3)
    # derived indicators agree with their parts
    # both are rounded to whole units in the generator
    np.testing.assert_allclose(t["gdp_per_capita"], t["gdp"] * 1e8 / (t["population"] * 1e4), atol=0.5)
    np.testing.assert_allclose(t["pop_density"], t["population"] * 1e4 / t["area"], atol=0.5)


def test_generator_reproduces_shipped_files(tmp_path):
    generate_gba.write(tmp_path)
    for name in ("units", "indicators", "values"):
        assert filecmp.cmp(tmp_path / f"{name}.csv", generate_gba.OUT / f"{name}.csv", shallow=False), name


def test_table_panel_coverage(gba):
    t = gba.table()
    assert t.shape == (11, 24) and t.index.name == "unit"
    assert t["hightech_firms"].isna().sum() == 2  # HK, MO have no such certification
    p = gba.panel()
    assert p.shape == (110, 27)
    cov = gba.coverage()
    assert cov.loc["HK", "hightech_firms"] == 0.0 and cov.loc["GZ", "gdp"] == 1.0
    with pytest.raises(KeyError, match="periods present"):
        gba.table(1999)


def test_open_dataset_unknown_name():
    with pytest.raises(UnknownDatasetError, match="neither a bundled dataset"):
        open_dataset("nope-not-here")
    with pytest.raises(UnknownDatasetError, match="available"):
        load("nope")


def test_template_is_a_valid_dataset(tmp_path):
    path = write_template(tmp_path / "t.xlsx")
    ds = read(path)
    assert ds.unit_codes == ["GZ"] and ds.codes("indicator") == ["rd_intensity"]
    sheets = pd.ExcelFile(path).sheet_names
    assert sheets == ["units", "indicators", "values", "guide"]


def test_unsupported_file_type(tmp_path):
    f = tmp_path / "data.json"
    f.write_text("{}")
    with pytest.raises(CityNexusError, match=r"not a '\.json' file"):
        read(f)


# ---------------------------------------------------------------------------- CLI
def test_cli_check_bundled():
    r = runner.invoke(app, ["data", "check", "gba"])
    assert r.exit_code == 0, r.output
    assert "SYNTHETIC" in r.output and "Guangzhou" in r.output and "2015–2024" in r.output


def test_cli_check_broken_lists_every_problem(tmp_path):
    from tests.data.test_data_validation import INDICATORS, VALUES, make

    d = make(
        tmp_path,
        indicators=INDICATORS.replace(",IDX,1,indicator,1", ",IDQ,1,indicator,"),
        values=VALUES + "GZ,20x2,a,1\n",
    )
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "citynexus.cli.main", "data", "check", str(d)], capture_output=True, text=True
    )
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "3 problems" in r.stderr
    for needle in ("indicators.csv", "values.csv", "IDQ", "direction", "20x2"):
        assert needle in r.stderr


def test_cli_convert_and_template(tmp_path):
    r = runner.invoke(app, ["data", "convert", "gba", str(tmp_path / "g.xlsx")])
    assert r.exit_code == 0, r.output
    assert read(tmp_path / "g.xlsx").equals(load("gba"))
    r = runner.invoke(app, ["template", str(tmp_path / "t.xlsx")])
    assert r.exit_code == 0 and (tmp_path / "t.xlsx").exists()
    r = runner.invoke(app, ["template", str(tmp_path / "t.xlsx")])
    assert r.exit_code != 0 and "--force" in r.output


def test_cli_version_and_tree():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.startswith("citynexus ")
    r = runner.invoke(app, ["data", "tree", "gba", "--lang", "zh"])
    assert r.exit_code == 0 and "产业集群" in r.output and "PM2.5年均浓度" in r.output
