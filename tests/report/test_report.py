"""The demo analysis and the report: tables, Excel, HTML that renders offline in Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from citynexus.cli.main import app
from citynexus.data import load
from citynexus.evaluate import build, default_spec
from citynexus.report.html import build_figures, geojson_or_none, render_report, write_report, write_tables
from citynexus.report.methods import describe
from citynexus.services.analysis import analyse


@pytest.fixture(scope="module")
def analysis():
    from citynexus.evaluate.robustness import read_spec
    from citynexus.evaluate.spec import default_spec_path

    spec, robust = read_spec(default_spec_path("gba"))
    return analyse(load("gba"), spec, factors=robust.factors, samples=100, seed=1)


def test_analysis_tables_agree_with_their_sources(analysis):
    a = analysis
    res = build(load("gba"), default_spec("gba"))
    pd.testing.assert_series_equal(a.result.scores["GBA"], res.scores["GBA"])
    summ = a.summary()
    assert list(summ.columns[:3]) == ["rank", "city", "score"] and summ["rank"].tolist() == list(range(1, 12))
    # coupling: every unit-year, D = sqrt(C T) with T the mean of the two subsystems / 100
    c = a.coupling
    assert len(c) == 110
    ps = a.panel_scores.set_index(["unit", "period"])
    t = (ps["IND"] + ps["URB"]) / 200
    assert c["T"].to_numpy() == pytest.approx(t.reindex(c.index).to_numpy(), abs=1e-12)
    assert (c["D"] ** 2).to_numpy() == pytest.approx((c["C"] * c["T"]).to_numpy(), abs=1e-12)
    # obstacle degrees sum to 100 % per unit
    ob = a.obstacles["indicators"]
    assert ob.sum(axis=1).to_numpy() == pytest.approx(100.0)
    assert a.lisa is not None and set(a.lisa["quadrant"]) <= {"HH", "HL", "LH", "LL"}
    assert a.network_links["r"].is_monotonic_decreasing
    # robustness: the nominal rank lies within the best-worst range under any weights, and the
    # 5-95 % interval of the replications lies within [1, n]
    assert (summ["best_rank"] <= summ["rank"]).all() and (summ["rank"] <= summ["worst_rank"]).all()
    assert (summ["rank_q05"] >= 1).all() and (summ["rank_q95"] <= 11).all()
    assert (summ["rank_q05"] <= summ["rank_q95"]).all()
    assert a.uncertainty["n"].iloc[0] == 100


def test_methods_are_generated_from_the_spec(analysis):
    items = describe(default_spec("gba"))
    steps = " ".join(i.step for i in items)
    for word in ("Denominate", "Impute", "Outlier", "Normalise", "Weights", "Aggregate", "Coupling"):
        assert word in steps
    zs = describe(default_spec("gba").with_(**{"normalise.method": "zscore"}))
    assert any("z-scores" in i.text for i in zs)
    assert any("自然资源学报" in i.reference for i in items)


def test_excel_and_csv(analysis, tmp_path):
    xlsx = write_tables(analysis, tmp_path)
    book = pd.ExcelFile(xlsx)
    assert book.sheet_names[0] == "README"
    for sheet in ("summary", "coupling", "disparity", "lisa", "network_links", "obstacles_top"):
        assert sheet in book.sheet_names
    summ = pd.read_excel(xlsx, sheet_name="summary")
    assert summ["unit"].tolist()[0] == "SZ"
    assert (tmp_path / "csv" / "coupling.csv").exists()


def test_report_html_is_self_contained(analysis, tmp_path):
    from citynexus.report.html import plotly_js

    html = render_report(analysis, "en", geojson_or_none([]))
    assert plotly_js() in html  # plotly's JavaScript is inlined from the installed package
    own = html.replace(plotly_js(), "")  # (its minified source names CDN defaults that are never used)
    assert "Synthetic data" in own and "https://" not in own and 'src="http' not in own
    assert "Plotly" in html and "Coupling coordination" in html and "dataset digest" in html
    zh = render_report(analysis, "zh", None)
    assert "合成数据" in zh


def test_report_renders_offline_in_chromium(analysis, tmp_path, browser):
    path = write_report(analysis, tmp_path, "en", geojson_or_none([]))
    n_figs = len(build_figures(analysis, "en", None))
    requests: list[str] = []
    ctx = browser.new_context(offline=True)
    page = ctx.new_page()
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(Path(path).as_uri())
    page.wait_for_function(f"window.CNX_RENDERED && window.CNX_RENDERED.length === {n_figs}", timeout=30000)
    rendered = page.evaluate("window.CNX_RENDERED")
    out = Path(__file__).resolve().parents[2] / "test-output" / "report"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "report.png"), full_page=True)
    assert page.locator("#synthetic-note").is_visible()
    ctx.close()
    assert sorted(rendered) == sorted(build_figures(analysis, "en", None))
    assert errors == []
    assert all(u.startswith(("file:", "data:", "blob:")) for u in requests), requests


def test_demo_command_writes_the_report(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYNEXUS_DB", f"sqlite:///{tmp_path / 'demo.db'}")  # the watch demo lands here
    r = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "rep")])
    assert r.exit_code == 0, r.output
    for f in ("report.html", "report_zh.html", "results.xlsx", "csv/summary.csv"):
        assert (tmp_path / "rep" / f).exists(), f
    assert "SYNTHETIC DATA" in r.output and "Shenzhen" in r.output
    assert "5–95%" in r.output and "any weights" in r.output
    assert "SME service centres (synthetic demo), default funding formula: 1,000,000.00 over 15 centres" in r.output
    assert "Risk radar (SYNTHETIC): Synthetic partner 3 is high risk" in " ".join(r.output.split())
    data = json.loads(json.dumps(pd.read_csv(tmp_path / "rep" / "csv" / "summary.csv").to_dict("records")))
    assert data[0]["rank"] == 1
