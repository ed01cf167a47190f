"""`citynexus region ...` commands on the bundled (synthetic) GBA dataset and on CSV files,
their outputs and error messages; the matplotlib figures."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import pairwise

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from typer.testing import CliRunner

from citynexus.cli.region import app
from citynexus.region import RegionInputError, coupling_coordination, kernel_density, local_moran

runner = CliRunner()


def run(*args: str):
    res = runner.invoke(app, list(args), catch_exceptions=True)
    return res


def test_coupling_dataset_csv_and_json(tmp_path):
    out = tmp_path / "c.csv"
    res = run("coupling", "gba", "--period", "2024", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "SYNTHETIC" in res.output
    df = pd.read_csv(out)
    assert len(df) == 11 and {"unit", "period", "C", "T", "D", "grade", "type"} <= set(df.columns)
    assert df["D"].between(0, 1).all()
    js = tmp_path / "c.json"
    res = run("coupling", "gba", "--change", "--method", "fan", "--out", str(js))
    assert res.exit_code == 0, res.output
    data = json.loads(js.read_text())
    assert data["method"] == "fan" and len(data["change"]) == 11 and len(data["coupling"]) == 110


def test_coupling_from_scores_csv(tmp_path):
    sc = tmp_path / "scores.csv"
    pd.DataFrame({"unit": ["A", "B"], "X": [0.6, 0.2], "Y": [0.4, 0.8]}).to_csv(sc, index=False)
    out = tmp_path / "o.csv"
    res = run("coupling", "--scores", str(sc), "--method", "standard", "--alpha", "0.5,0.5", "--out", str(out))
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out).set_index("unit")
    want = coupling_coordination(pd.DataFrame({"X": [0.6, 0.2], "Y": [0.4, 0.8]}, index=["A", "B"]), "standard")
    assert got["D"].tolist() == pytest.approx(want["D"].tolist())


def test_coupling_errors(tmp_path):
    sc = tmp_path / "bad.csv"
    pd.DataFrame({"unit": ["A"], "X": [3.0], "Y": [0.4]}).to_csv(sc, index=False)
    res = run("coupling", "--scores", str(sc))
    assert isinstance(res.exception, RegionInputError) and "outside [0, 1]" in str(res.exception)
    res = run("coupling", "--scores", str(tmp_path / "missing.csv"))
    assert isinstance(res.exception, RegionInputError)
    res = run("coupling")
    assert isinstance(res.exception, RegionInputError)
    res = run("coupling", "gba", "--out", str(tmp_path / "x.txt"))
    assert isinstance(res.exception, RegionInputError) and ".csv or .json" in str(res.exception)


def test_cli_error_is_one_line_without_traceback(tmp_path):
    sc = tmp_path / "bad.csv"
    pd.DataFrame({"unit": ["A"], "X": [3.0], "Y": [0.4]}).to_csv(sc, index=False)
    p = subprocess.run(
        [sys.executable, "-m", "citynexus.cli.main", "region", "coupling", "--scores", str(sc)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 1
    assert "outside [0, 1]" in p.stderr and "Traceback" not in p.stderr


def test_obstacles(tmp_path):
    out = tmp_path / "o.json"
    res = run("obstacles", "gba", "--top", "3", "--out", str(out))
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert {"indicators", "top", "pillars"} <= set(data)
    top = pd.DataFrame(data["top"])
    assert top.groupby("unit").size().max() == 3
    pil = pd.DataFrame(data["pillars"]).set_index("unit")
    assert pil.sum(axis=1).tolist() == pytest.approx([100.0] * 11)
    m = tmp_path / "m.csv"
    pd.DataFrame({"unit": ["A", "B"], "a": [1.0, 0.8], "b": [0.5, 0.8], "c": [0.0, 0.8]}).to_csv(m, index=False)
    w = tmp_path / "w.csv"
    pd.DataFrame({"indicator": ["a", "b", "c"], "weight": [0.5, 0.3, 0.2], "pillar": ["P", "P", "Q"]}).to_csv(
        w, index=False
    )
    out2 = tmp_path / "p.csv"
    res = run("obstacles", "--matrix", str(m), "--weights", str(w), "--pillars", "--out", str(out2))
    assert res.exit_code == 0, res.output
    p = pd.read_csv(out2).set_index("unit")
    assert p.loc["B"].tolist() == pytest.approx([80.0, 20.0])
    res = run("obstacles", "--matrix", str(m))
    assert isinstance(res.exception, RegionInputError)


def test_disparity_and_convergence(tmp_path):
    out = tmp_path / "d.csv"
    res = run("disparity", "gba", "-v", "gdp_per_capita", "--weight", "population", "--out", str(out))
    assert res.exit_code == 0, res.output
    d = pd.read_csv(out)
    assert len(d) == 10 and {"gini", "theil_T", "G_w", "G_nb", "G_t"} <= set(d.columns)
    assert (d.G_w + d.G_nb + d.G_t - d.gini).abs().max() > 0  # weighted Gini differs from Dagum's unweighted
    res = run("disparity", "gba", "-v", "nope")
    assert isinstance(res.exception, RegionInputError) and "unknown variable" in str(res.exception)
    js = tmp_path / "c.json"
    png = tmp_path / "k.png"
    res = run("convergence", "gba", "-v", "IND", "--kde", str(png), "--out", str(js))
    assert res.exit_code == 0, res.output
    data = json.loads(js.read_text())
    assert data["beta_absolute"]["kind"] == "absolute" and data["beta_conditional"]["method"] == "panel-fe"
    assert png.stat().st_size > 1000


def test_spatial(tmp_path):
    out = tmp_path / "s.json"
    gj = tmp_path / "gba.geojson"
    png = tmp_path / "lisa.png"
    res = run(
        "spatial",
        "gba",
        "-v",
        "URB",
        "--permutations",
        "99",
        "--geojson",
        str(gj),
        "--plot",
        str(png),
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["weights"] == "queen" and len(data["local"]) == 11
    assert json.loads(gj.read_text())["type"] == "FeatureCollection"
    assert png.stat().st_size > 1000
    res = run("spatial", "gba", "-v", "URB", "--weights", "knn", "--k", "3", "--permutations", "49")
    assert res.exit_code == 0, res.output
    assert "weights: knn" in res.output
    res = run("spatial", "gba", "-v", "URB", "--permutations", "0")
    assert "permutations must be >= 1" in str(res.exception)


# --------------------------------------------------------------------------- figures
def test_plots_return_figures():
    from citynexus.region.plots import plot_coupling_over_time, plot_kernel_density, plot_lisa_map

    idx = pd.MultiIndex.from_product([["A", "B"], [2020, 2021, 2022]], names=["unit", "period"])
    sc = pd.DataFrame({"X": [0.2, 0.3, 0.5, 0.6, 0.6, 0.7], "Y": [0.3, 0.3, 0.4, 0.5, 0.7, 0.7]}, index=idx)
    r = coupling_coordination(sc)
    fig = plot_coupling_over_time(r)
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 2
    with pytest.raises(RegionInputError):
        plot_coupling_over_time(r, units=["Z"])
    with pytest.raises(RegionInputError):
        plot_coupling_over_time(r.droplevel("period"))
    kd = kernel_density(sc["X"])
    fig = plot_kernel_density(kd)
    assert len(fig.axes[0].lines) == 3
    from libpysal.weights import KNN

    units = pd.DataFrame(
        {"code": list("ABCDE"), "lat": [22.0, 22.1, 22.5, 23.0, 23.2], "lon": [113.0, 113.2, 113.6, 113.1, 114.0]}
    )
    w = KNN.from_array(units[["lon", "lat"]].to_numpy(), k=2, ids=list(units.code))
    lisa = local_moran(pd.Series([1.0, 2.0, 5.0, 3.0, 9.0], index=list("ABCDE")), w, permutations=9)
    fig = plot_lisa_map(lisa, units=units)
    assert isinstance(fig, Figure)
    with pytest.raises(RegionInputError):
        plot_lisa_map(lisa)


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.floats(0.001, 0.03))
@settings(max_examples=200, deadline=None)
def test_spread_keeps_order_and_gap(wanted, gap):
    from citynexus.region.plots import spread_labels as spread

    lo, hi = 0.0, 1.0
    pos = spread(wanted, gap, lo, hi)
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [pos[i] for i in order]
    assert all(b - a >= gap - 1e-12 for a, b in pairwise(placed))  # never closer than the gap
    if gap * (len(wanted) - 1) <= hi - lo:  # room for all: inside the bounds
        assert all(lo - 1e-12 <= p <= hi + 1e-12 for p in pos)
    if all(b - a >= gap for a, b in pairwise(sorted(wanted))):
        assert pos == pytest.approx(wanted)  # labels already apart stay where they are


def test_many_lines_are_named_at_their_ends():
    """Eleven cities: no legend, one label per line with the city's name at its end; with eight or
    fewer a legend of names."""
    from citynexus.data import load
    from citynexus.region.plots import plot_coupling_over_time

    ds = load("gba")
    panel = pd.DataFrame(
        {"D": [0.1 * (i % 7) + 0.01 * t for i in range(11) for t in range(3)]},
        index=pd.MultiIndex.from_product([list(ds.units["code"]), [2020, 2021, 2022]], names=["unit", "period"]),
    )
    names = dict(zip(ds.units["code"], ds.units["name"]))
    fig = plot_coupling_over_time(panel, names=names)
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert ax.get_legend() is None and set(names.values()) <= texts
    few = plot_coupling_over_time(panel, units=list(ds.units["code"][:5]), names=names)
    legend = [t.get_text() for t in few.axes[0].get_legend().get_texts()]
    assert legend == [names[c] for c in ds.units["code"][:5]]
