"""At-risk terms: rule comparisons, their series, the forecast of not-yet-due periods and where it
is shown (grid, REST, knowledge graph, page in three languages). Hand-made data, synthetic."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from citynexus.agree import evaluate
from citynexus.agree.forecast import clause_series, comparisons
from citynexus.agree.registry import AgreementRegistry
from citynexus.agree.rules import compile_rule
from citynexus.services import agree as svc

from .helpers import agreement, day, reports

FALLING = [("output", "2026Q1", 130), ("output", "2026Q2", 108), ("output", "2026Q3", 91)]
RISING = [("output", "2026Q1", 200), ("output", "2026Q2", 207), ("output", "2026Q3", 211)]


def test_comparisons_of_rules():
    (c,) = comparisons(compile_rule("5 < output"))
    assert (c.op, c.threshold, c.cumulative, c.text) == (">", 5.0, False, "output > 5")
    (c,) = comparisons(compile_rule("cum.patents >= 3"))
    assert c.cumulative and c.metric == "patents" and c.op == ">="
    two = comparisons(compile_rule("rd / revenue >= 0.05 && defects <= 500"))
    assert [x.text for x in two] == ["rd / revenue >= 0.05", "defects <= 500"]
    # a clause with prev. or metrics on both sides is left out; ||, == and ! give nothing
    (only,) = comparisons(compile_rule("co2 / output <= 12 && co2 <= 1.05 * prev.co2"))
    assert only.text == "co2 / output <= 12"
    assert comparisons(compile_rule("x >= 1 || y >= 1")) == []
    assert comparisons(compile_rule("incidents == 0")) == []
    assert comparisons(compile_rule("!(x < 1)")) == []
    assert comparisons(compile_rule("x >= y")) == []


def test_clause_series_gaps_and_zero_denominators():
    ag = agreement([{"rule": "a / b >= 0.5"}])
    rows = reports(
        [("a", "2026Q1", 1), ("b", "2026Q1", 4), ("a", "2026Q3", 3), ("b", "2026Q3", 0), ("b", "2026Q2", 2)], [ag]
    )
    (c,) = comparisons(ag.terms[0].compiled)
    labels, values = clause_series(ag, ag.terms[0], c, rows)
    # Q1: 1/4; Q2: a missing; Q3: 3/0 cannot be judged
    assert labels == ["2026Q1", "2026Q2", "2026Q3"] and values == [0.25, None, None]
    other = reports([("B", "a", "2026Q1", 1)], [ag])  # another party's rows do not count
    assert clause_series(ag, ag.terms[0], c, other) == ([], [])


def _risk(rows, rule="output >= 100"):
    ag = agreement([{"rule": rule}])
    rep = reports(rows, [ag])
    ev = evaluate(ag, rep, day("2026-10-15"))
    return svc.term_risks(ag, rep, [r.to_dict() for r in ev.results])


def test_trend_below_threshold_is_at_risk_and_above_is_not():
    down = _risk(FALLING)["T1"]["2026Q4"]
    # the least-squares line through 130, 108, 91 reaches about 71 in 2026Q4, far below 100
    assert down["at_risk"] and down["probability_breach"] > 0.9
    assert down["lead_periods"] == 1 and down["lead_days"] == 92  # 2026-09-30 -> 2026-12-31
    assert down["forecast"] == pytest.approx(71, abs=3) and down["clause"] == "output >= 100"
    up = _risk(RISING)["T1"]["2026Q4"]
    assert not up["at_risk"] and up["probability_breach"] < 0.05
    # periods already judged are not forecast; a rule that cannot be forecast gives nothing
    assert set(_risk(FALLING)["T1"]) == {"2026Q4"}
    assert _risk(FALLING, "output >= 100 || output <= 0") == {}
    assert _risk([]) == {}


def _store(db_url, rows, aid):
    reg = AgreementRegistry(db_url)
    ag = agreement([{"rule": "output >= 100"}], aid=aid)
    reg.save(ag, check_hub=False)
    raw = pd.DataFrame(
        [{"agreement": aid, "party": "A", "metric": m, "period": q, "value": str(v)} for m, q, v in rows]
    )
    reg.import_reports(raw, source=f"{aid}.csv")
    reg.run([aid], day("2026-10-15"))
    return reg


def test_stored_view_rest_graph_and_page(db_url):
    from citynexus.api import create_app

    _store(db_url, FALLING, "DOWN")
    _store(db_url, RISING, "UP")
    view = svc.agreement_view("DOWN", db_url)
    assert [(x["term"], x["period"]) for x in view["at_risk"]] == [("T1", "2026Q4")]
    assert view["cells"]["T1"]["2026Q4"]["status"] == "not_due"  # the evaluated status is unchanged
    assert svc.agreement_view("UP", db_url)["at_risk"] == []
    asked = svc.graph_query(db_url, "at-risk", "2026Q4")
    assert [(r["agreement"], r["term"], r["period"]) for r in asked] == [("DOWN", "T1", "2026Q4")]
    assert "cnx:at_risk" in svc.graph_text(db_url)
    with TestClient(create_app(db_url)) as c:
        body = c.get("/api/v1/agree/agreements/DOWN").json()
        assert body["at_risk"][0]["term"] == "T1" and body["risk"]["T1"]["2026Q4"]["lead_days"] == 92
        pages = {lang: c.get("/agree", params={"lang": lang, "id": "DOWN"}).text for lang in ("en", "zh", "zh-Hant")}
        grid = pages["en"].split('id="agree-grid"')[1].split("</table>")[0]
        assert 'class="st st-at_risk" data-status="not_due" data-risk=' in grid and "!" in grid
        assert "AT RISK" in grid  # the forecast explanation on hover
        assert 'id="agree-at-risk"' in pages["en"] and "Terms at risk" in pages["en"]
        assert "存在违约风险的条款" in pages["zh"] and "Terms at risk" not in pages["zh"]
        assert "AT RISK" not in pages["zh"] and "存在违约风险" in pages["zh"]
        assert "存在違約風險的條款" in pages["zh-Hant"] and "违约" not in pages["zh-Hant"]
        up = c.get("/agree", params={"lang": "en", "id": "UP"}).text
        assert 'st-at_risk" data-status' not in up and 'id="agree-at-risk-none"' in up


def test_pinned_check_output_has_no_risk_fields(tmp_path):
    """``agree check --json`` is a pinned interface: the risk forecast is not part of it."""
    from .test_cli import AGREEMENT, REPORTS

    (tmp_path / "a.toml").write_text(AGREEMENT, encoding="utf-8")
    (tmp_path / "r.csv").write_text(REPORTS, encoding="utf-8")
    doc = svc.check_files(tmp_path / "a.toml", tmp_path / "r.csv", day("2026-07-15"))
    assert set(doc) == {"agreement", "as_of", "results", "rule_digests", "reports_digest"}
    assert all("risk" not in r and "at_risk" not in r for r in doc["results"])


def _cli(*args):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"), "COLUMNS": "250"}
    cmd = [sys.executable, "-m", "citynexus.cli.main", "agree", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


def test_cli_check_risk_table_after_the_results(tmp_path):
    from .test_cli import AGREEMENT, REPORTS

    (tmp_path / "a.toml").write_text(AGREEMENT, encoding="utf-8")
    # with two values the forecast is their mean and spread (watch.trajectory): 8.5 ± 0.7 is well above 5
    (tmp_path / "r.csv").write_text(REPORTS.replace(",4.1", ",8.0").replace(",5.2", ",9.0"), encoding="utf-8")
    args = ["check", str(tmp_path / "a.toml"), "--as-of", "2026-07-15", "--risk", "--reports"]
    r = _cli(*args, str(tmp_path / "r.csv"))
    assert r.returncode == 0, r.stderr
    head, forecast = r.stdout.split("Forecast")
    assert "JRD-1 @ 2026-07-15" in head and "2026Q3" in forecast and "2026Q4" in forecast
    assert "on track" in forecast and "at risk" not in forecast
    both = _cli("check", str(tmp_path / "a.toml"), "--json", "--risk", "--reports", str(tmp_path / "r.csv"))
    assert both.returncode == 1 and both.stderr.count("\n") == 1 and "cannot be combined with --json" in both.stderr
    (tmp_path / "f.csv").write_text(REPORTS.replace(",5.2", ",2.0"), encoding="utf-8")  # 4.1, 2.0: below 5
    falling = _cli(*args, str(tmp_path / "f.csv")).stdout.split("Forecast")[1]
    assert "at risk" in falling and "%" in falling


def test_once_term_cumulative_target_is_forecast_to_its_due_date():
    def risk(per_quarter):
        ag = agreement([{"rule": "cum.trained >= 30", "every": "once", "due": "2026-12-31"}])
        rep = reports([("trained", q, per_quarter) for q in ("2026Q1", "2026Q2", "2026Q3")], [ag])
        ev = evaluate(ag, rep, day("2026-10-15"))
        assert [r.status for r in ev.results] == ["not_due"]
        return svc.term_risks(ag, rep, [r.to_dict() for r in ev.results])["T1"]["2026-12-31"]

    # 5 a quarter: 15 so far and about 20 by the due date, short of 30; 12 a quarter: 36 already
    slow, fast = risk(5), risk(12)
    assert slow["at_risk"] and slow["probability_breach"] > 0.9 and slow["lead_days"] == 92
    assert not fast["at_risk"] and fast["probability_breach"] < 0.05 and fast["clause"] == "cum.trained >= 30"


def test_cli_status_risk_of_stored_agreements(db_url):
    from typer.testing import CliRunner

    from citynexus.cli.agree import app

    _store(db_url, FALLING, "DOWN")
    r = CliRunner().invoke(app, ["status", "DOWN", "--as-of", "2026-10-15", "--db", db_url, "--risk", "--json"])
    assert r.exit_code == 0, r.output
    import json

    (doc,) = json.loads(r.stdout)
    assert doc["risk"]["T1"]["2026Q4"]["at_risk"] and doc["run"] == 2
    plain = CliRunner().invoke(app, ["status", "DOWN", "--as-of", "2026-10-15", "--db", db_url])
    assert plain.exit_code == 0 and "Forecast" not in plain.stdout
