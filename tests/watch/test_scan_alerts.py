"""Partner risk and the alert workflow (SQLite and PostgreSQL through the db_url fixture)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from citynexus.services.watch import list_alerts, read_reports, read_targets, scan_reports, set_alert_status
from citynexus.watch.errors import WatchAlertError, WatchInputError, WatchSpecError
from citynexus.watch.risk import CATEGORY_WEIGHTS, SIGNAL_WEIGHTS, Signal, category_of, combine, level_of
from citynexus.watch.scan import scan
from citynexus.watch.synthetic import partner_reports
from citynexus.watch.trajectory import parse_term

REPO = Path(__file__).resolve().parents[2]
EVENTS = {"SYN-0001": ("funding_drop", 28), "SYN-0003": ("delivery_slippage", 30), "SYN-0004": ("reporting_stop", 31)}


@pytest.fixture(scope="module")
def reports():
    df, planted = partner_reports(n_parties=8, events=EVENTS, seed=0)
    return df, planted


def test_weights_documented_and_sum():
    assert sum(CATEGORY_WEIGHTS.values()) == pytest.approx(1.0)
    assert set(SIGNAL_WEIGHTS) == {"changepoint", "anomaly", "trajectory", "breached", "stopped", "missing", "late",
                                   "revised"}  # fmt: skip


def test_combine_hand_computed():
    s1 = Signal("changepoint", "funding", 1.0, "f", "2026-01", "a", "甲")  # 0.8
    s2 = Signal("late", "compliance", 0.5, None, "2026-01", "b", "乙")  # 0.2
    r = combine("p", [s1, s2])
    assert r.categories["funding"]["score"] == pytest.approx(0.8)
    assert r.categories["compliance"]["score"] == pytest.approx(0.2)
    # 0.6 * 0.8 + 0.4 * (0.3 * 0.8 + 0.2 * 0.2) = 0.48 + 0.112
    assert r.score == pytest.approx(0.592)
    assert r.level == "high" and r.reasons("en") == ["a", "b"] and r.reasons("zh") == ["甲", "乙"]
    # noisy-or within a category
    two = combine("p", [s1, Signal("anomaly", "funding", 1.0, "f", "2026-02", "c", "丙")])
    assert two.categories["funding"]["score"] == pytest.approx(1 - 0.2 * 0.5)
    assert combine("q", []).level == "low"
    assert level_of(0.3) == "medium"


def test_category_keywords():
    assert category_of("funding_received") == "funding"
    assert category_of("rd_milestones") == "rd"
    assert category_of("on_time_delivery") == "supply_chain"
    assert category_of("headcount") == "compliance"
    assert category_of("x", {"x": "rd"}) == "rd"
    with pytest.raises(WatchSpecError):
        category_of("x", {"x": "weather"})


def test_planted_events_rank_first(reports):
    df, planted = reports
    res = scan(df)
    ranking = [p.party for p in res.ranking()]
    assert set(ranking[:3]) == {e["party"] for e in planted}
    by = {p.party: p for p in res.parties}
    assert by["SYN-0001"].categories["funding"]["level"] == "high"
    assert by["SYN-0003"].categories["supply_chain"]["score"] > 0.5
    assert by["SYN-0004"].categories["compliance"]["level"] == "high"
    assert "stopped reporting" in by["SYN-0004"].reasons("en")[0]
    assert "停止报告" in by["SYN-0004"].reasons("zh")[0]
    # each alert links the series with the detection marked
    cp = next(a for a in res.alerts if a["party"] == "SYN-0001" and a["kind"] == "changepoint")
    ev = cp["evidence"]
    assert cp["period"] in ev["series"]["periods"] and ev["marks"] == [cp["period"]]
    assert abs(int(cp["period"][-2:]) + 12 * (int(cp["period"][:4]) - 2024) - 1 - 28) <= 2


def test_trajectory_and_revision_signals(reports):
    df, _ = reports
    d = df[(df.party == "SYN-0002") & (df.metric == "deliveries")]["value"]
    need = d.sum() + 6 * d.tail(6).mean() * 1.5  # half as much again as the recent pace over six more months
    tg = {"SYN-0002": [parse_term(f"cum.deliveries >= {need:.0f}", "2027-06")]}
    prev = df.copy()
    i = prev.index[(prev.party == "SYN-0005") & (prev.metric == "deliveries")][3]
    prev.loc[i, "value"] = prev.loc[i, "value"] * 1.5
    res = scan(df, targets=tg, previous=prev)
    kinds = {(a["party"], a["kind"]) for a in res.alerts}
    assert ("SYN-0002", "trajectory") in kinds
    assert ("SYN-0005", "revised") in kinds


def test_alert_workflow(db_url, reports):
    df, _ = reports
    out = scan_reports(df, db_url=db_url)
    n = out["stored"]["new"]
    assert n == len(out["alerts"]) > 0
    again = scan_reports(df, db_url=db_url)  # deduplicated
    assert again["stored"] == {"new": 0, "updated": n}
    rows = list_alerts(db_url, status="open")
    assert len(rows) == n and all(r["seen"] == 2 for r in rows)
    a = rows[0]["id"]
    assert set_alert_status(a, "acknowledged", by="analyst", db_url=db_url)["status"] == "acknowledged"
    with pytest.raises(WatchAlertError, match="can move to resolved, not acknowledged"):
        set_alert_status(a, "acknowledged", db_url=db_url)
    r = set_alert_status(a, "resolved", by="lead", note="called the partner", db_url=db_url)
    assert (r["status"], r["resolved_by"], r["note"]) == ("resolved", "lead", "called the partner")
    with pytest.raises(WatchAlertError, match="nothing"):
        set_alert_status(a, "open", db_url=db_url)
    with pytest.raises(WatchAlertError, match="does not exist"):
        set_alert_status(99999, "resolved", db_url=db_url)
    scan_reports(df, db_url=db_url)
    assert next(x for x in list_alerts(db_url) if x["id"] == a)["status"] == "resolved"  # stays resolved
    assert len(list_alerts(db_url, status="resolved")) == 1
    ev = list_alerts(db_url, evidence=True)[0]["evidence"]
    assert "series" in ev or "stopped" in ev or "late" in ev


def test_read_reports_errors(tmp_path):
    f = tmp_path / "r.csv"
    for text, match in (
        ("party,metric,period,value\na,m,2026-01,1\na,m,2026-02,x\n", "row 3, column 'value'"),
        ("party,metric,period,value\na,m,2026-01,1\na,m,Jan,2\n", "row 3, column 'period'"),
        ("party,metric,period,value\na,m,2026-01,1\na,m,2026-01,2\n", "row 3: the same party"),
        ("party,metric,value\n", "no column"),
    ):
        f.write_text(text)
        with pytest.raises(WatchInputError, match=match):
            read_reports(f)
    t = tmp_path / "t.csv"
    t.write_text("party,rule,due\na,m == 3,2026\n")
    with pytest.raises(WatchSpecError, match="row 2, column 'rule'"):
        read_targets(t)


def test_cli_scan_and_alerts(tmp_path):
    df, _ = partner_reports(n_parties=3, n_periods=24, events={"SYN-0001": ("funding_drop", 16)}, seed=4)
    f = tmp_path / "reports.csv"
    df.to_csv(f, index=False)
    db = str(tmp_path / "w.db")
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "citynexus.cli.main", "watch", *a],  # noqa: E731
                                    capture_output=True, text=True, env=env)  # fmt: skip
    r = run("scan", str(f), "--db", db, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["parties"][0]["party"] == "SYN-0001" and out["parties"][0]["level"] == "high"
    r = run("alerts", "--db", db, "--json")
    alerts = json.loads(r.stdout)
    assert len(alerts) == out["stored"]["new"] > 0
    r = run("alerts", "--db", db, "--ack", str(alerts[0]["id"]), "--by", "me", "--json")
    assert json.loads(r.stdout)["status"] == "acknowledged"
    r = run("alerts", "--db", db, "--ack", str(alerts[0]["id"]))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "can move to resolved" in r.stderr
    r = run("alerts", "--db", db, "--lang", "zh")
    assert r.returncode == 0 and "已确认" in r.stdout


def test_empty_and_bad_tables():
    assert scan(pd.DataFrame(columns=["party", "metric", "period", "value"])).parties == []
    with pytest.raises(WatchInputError, match="lacks column"):
        scan(pd.DataFrame({"party": ["a"]}))


def test_mixed_period_kinds_in_one_series():
    df = pd.DataFrame({"party": ["a", "a"], "metric": ["m", "m"], "period": ["2026-01", "2026Q1"], "value": [1, 2]})
    with pytest.raises(WatchInputError, match="a, m: one series mixes period kinds"):
        scan(df)


def test_seed_demo_out_of_the_box(db_url):
    from citynexus.services.watch import DEMO_EVENTS, credit_for, seed_demo

    out = seed_demo(db_url)
    top = {p["party"] for p in out["parties"] if p["level"] == "high"}
    assert {"SYN-0001", "SYN-0003", "SYN-0004"} <= top  # the planted events (the R&D stall is too faint)
    assert out["stored"]["new"] >= 4 and set(DEMO_EVENTS) == {e["party"] for e in out["planted"]}
    again = seed_demo(db_url)  # idempotent: no second copy in the ledger, alerts deduplicated
    assert again["ledger_size"] == out["ledger_size"] and again["stored"]["new"] == 0
    rep = credit_for("SYN-0003", db_url=db_url, lang="zh", proofs=False)
    assert "合成" in rep["model_note"] and rep["inputs"]["kpi_compliance"]["entries"]
