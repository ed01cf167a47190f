"""``/api/v1/watch``: keys and roles (401/403), bad input (400/413/422), and the workflow — scan an
upload, risk ranking, alerts visible to the scanning organisation, the party itself and the platform
only, acknowledge/resolve (audited, a repeated move records nothing), series with its detections,
change points of a posted series, a credit report with its ledger proofs."""

from __future__ import annotations

import io

import numpy as np
import pytest
from tests.api._tenants import TWO_TENANTS, tenant_client

from citynexus.store import session_scope
from citynexus.store.app import AuditEvent


def reports_csv(drop_at: int = 16, n: int = 24, seed: int = 1) -> bytes:
    """SYNTHETIC monthly reports of three parties: P1's funding drops by 40 % at ``drop_at``,
    party B's on-time rate slips at the same month, P2 is steady."""
    rng = np.random.default_rng(seed)
    periods = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(n)]
    lines = ["party,metric,period,value"]
    for party in ("P1", "P2", "B"):
        for i, per in enumerate(periods):
            f = 1_000_000 * (0.6 if party == "P1" and i >= drop_at else 1.0) * (1 + 0.03 * rng.standard_normal())
            r = (0.78 if party == "B" and i >= drop_at else 0.95) + 0.01 * rng.standard_normal()
            lines += [f"{party},funding_received,{per},{f:.0f}", f"{party},on_time_rate,{per},{r:.4f}"]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def svc(db_url):
    with tenant_client(db_url, {**TWO_TENANTS, "c": ("carl", "C", "editor")}) as c:
        yield c


def _scan(c, headers, content=None, name="reports.csv"):
    files = {"file": (name, content if content is not None else reports_csv())}
    return c.post("/api/v1/watch/scan", files=files, headers=headers)


def _actions(eng) -> list[str]:
    from sqlalchemy import select

    with session_scope(eng) as s:
        return [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_scan_needs_an_editor_key_and_refuses_bad_files(svc):
    assert _scan(svc, {}).status_code == 401
    assert _scan(svc, {"X-API-Key": "cnx_nope"}).status_code == 401
    assert _scan(svc, svc.viewer).status_code == 403
    bad = b"party,metric,period,value\nP1,funding,2024-01,12\nP1,funding,2024-02,lots\n"
    r = _scan(svc, svc.a, bad)
    assert r.status_code == 400 and "row 3, column 'value'" in r.json()["message"]
    r = _scan(svc, svc.a, b"party,metric,value\nP1,x,1\n")
    assert r.status_code == 400 and "no column(s) period" in r.json()["message"]
    assert _scan(svc, svc.a, b"party,metric,period,value\n").status_code == 400
    assert _scan(svc, svc.a, b"").status_code == 400
    assert _scan(svc, svc.a, b"\xff\xfe\x00bad").status_code == 400
    r = _scan(svc, svc.a, b"party,metric,period,value\nP1,x,2024-13,1\n")
    assert r.status_code == 400 and "period" in r.json()["message"]
    assert _scan(svc, svc.a, b"not a workbook", name="r.xlsx").status_code == 400
    assert _scan(svc, svc.a, b"x" * (10 * 1024 * 1024 + 1)).status_code == 413
    assert not any(a.startswith("watch.") for a in _actions(svc.eng))  # nothing stored, nothing audited


def test_scan_an_excel_workbook(svc):
    import pandas as pd

    df = pd.read_csv(io.BytesIO(reports_csv()))
    df["period"] = pd.to_datetime(df["period"] + "-01")  # what Excel makes of a typed month
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    r = _scan(svc, svc.a, buf.getvalue(), name="reports.xlsx")
    assert r.status_code == 200, r.text
    assert {p["party"] for p in r.json()["parties"]} == {"P1", "P2", "B"}
    s = svc.get("/api/v1/watch/series/P1/funding_received", headers=svc.a).json()
    assert s["periods"][0] == "2024-01" and [c["period"] for c in s["changepoints"]] == ["2025-05"]


def test_scan_risk_alerts_workflow_with_ownership(svc):
    r = _scan(svc, svc.a)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["alerts"]["new"] >= 2 and out["rows"] == 144
    # the ranking: highest risk first, reasons in both languages; private to A (and the platform)
    rk = svc.get("/api/v1/watch/risk", params={"lang": "zh"}, headers=svc.a).json()
    scores = [p["score"] for p in rk["parties"]]
    assert scores == sorted(scores, reverse=True)
    assert rk["parties"][-1]["party"] == "P2"
    p1 = next(p for p in rk["parties"] if p["party"] == "P1")
    assert p1["level"] in ("medium", "high") and "到位资金" in p1["reasons"][0]
    assert p1["categories"]["funding"]["score"] > 0.3
    assert svc.get("/api/v1/watch/risk").status_code == 404  # anonymous: no public scan
    assert svc.get("/api/v1/watch/risk", headers=svc.c).status_code == 404
    assert svc.get("/api/v1/watch/risk", headers=svc.ops).status_code == 200
    assert svc.get("/api/v1/watch/risk/P1", headers=svc.a).json()["metrics"] == ["funding_received", "on_time_rate"]
    assert svc.get("/api/v1/watch/risk/P1", headers=svc.c).status_code == 404
    # alerts: A sees its scan's, B only the one about itself, C none, the platform all
    mine = svc.get("/api/v1/watch/alerts", headers=svc.a).json()
    assert {a["party"] for a in mine} >= {"P1", "B"} and all(a["owner_org"] == "A" for a in mine)
    about_b = svc.get("/api/v1/watch/alerts", headers=svc.b).json()
    assert about_b and {a["party"] for a in about_b} == {"B"}
    assert svc.get("/api/v1/watch/alerts", headers=svc.c).json() == []
    assert svc.get("/api/v1/watch/alerts").json() == []
    assert len(svc.get("/api/v1/watch/alerts", headers=svc.ops).json()) == len(mine)
    # the series with the planted drop marked
    s = svc.get("/api/v1/watch/series/P1/funding_received", headers=svc.a).json()
    assert [c["period"] for c in s["changepoints"]] == ["2025-05"]
    assert len(s["forecast"]["periods"]) == 6 and all(
        lo <= m <= hi for lo, m, hi in zip(s["forecast"]["lo"], s["forecast"]["median"], s["forecast"]["hi"])
    )
    assert svc.get("/api/v1/watch/series/P1/funding_received", headers=svc.c).status_code == 404
    assert svc.get("/api/v1/watch/series/P1/nothing", headers=svc.a).status_code == 404
    # the workflow
    aid = next(a["id"] for a in mine if a["party"] == "P1")
    assert svc.post(f"/api/v1/watch/alerts/{aid}/ack").status_code == 401
    assert svc.post(f"/api/v1/watch/alerts/{aid}/ack", headers=svc.c).status_code == 404  # hidden
    assert svc.post(f"/api/v1/watch/alerts/{aid}/ack", headers=svc.viewer).status_code == 403
    b_alert = about_b[0]["id"]
    assert svc.post(f"/api/v1/watch/alerts/{b_alert}/ack", headers=svc.b).status_code == 403  # sees, not owns
    r = svc.post(f"/api/v1/watch/alerts/{aid}/ack", json={"note": "called them"}, headers=svc.a)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged" and r.json()["acknowledged_by"] == "A/alice"
    again = svc.post(f"/api/v1/watch/alerts/{aid}/ack", headers=svc.a).json()
    assert again["unchanged"] is True
    r = svc.post(f"/api/v1/watch/alerts/{aid}/resolve", headers=svc.ops)
    assert r.status_code == 200 and r.json()["status"] == "resolved" and r.json()["resolved_by"] == "ops/olga"
    r = svc.post(f"/api/v1/watch/alerts/{aid}/ack", headers=svc.a)
    assert r.status_code == 409 and "resolved" in r.json()["message"]
    assert svc.post("/api/v1/watch/alerts/999999/ack", headers=svc.a).status_code == 404
    assert svc.get("/api/v1/watch/alerts", params={"status": "bogus"}).status_code == 422
    acts = _actions(svc.eng)
    assert acts.count("watch.scan") == 1
    assert acts.count("watch.alert.acknowledged") == 1 and acts.count("watch.alert.resolved") == 1
    # a second scan of the same table deduplicates: no new alert, the resolved one stays resolved
    r = _scan(svc, svc.a).json()
    assert r["alerts"]["new"] == 0 and r["alerts"]["updated"] >= 2
    after = {a["id"]: a for a in svc.get("/api/v1/watch/alerts", headers=svc.a).json()}
    assert after[aid]["status"] == "resolved" and after[aid]["seen"] == 2
    # another organisation scanning the same parties keeps its own alerts
    assert _scan(svc, svc.c).json()["alerts"]["new"] >= 2
    assert all(a["owner_org"] == "C" for a in svc.get("/api/v1/watch/alerts", headers=svc.c).json())


def test_changepoints_endpoint_uses_the_cli_default(svc):
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(10, 1, 40), rng.normal(16, 1, 40)]
    r = svc.post("/api/v1/watch/changepoints", json={"values": [float(v) for v in x]})
    assert r.status_code == 200 and r.json()["changepoints"] == [40]
    from citynexus.services.watch import changepoints_of_values

    assert changepoints_of_values([float(v) for v in x])["changepoints"] == [40]
    with_gap = [float(v) for v in x]
    with_gap[5] = None
    assert svc.post("/api/v1/watch/changepoints", json={"values": with_gap}).json()["changepoints"] == [40]
    assert svc.post("/api/v1/watch/changepoints", json={"values": []}).status_code == 422
    assert svc.post("/api/v1/watch/changepoints", json={"values": ["x"]}).status_code == 422
    r = svc.post("/api/v1/watch/changepoints", json={"values": [1.0, 2.0], "t": ["a"]})
    assert r.status_code == 400
    for values in ([None, None, None], [3.0] * 30, [1.0]):
        r = svc.post("/api/v1/watch/changepoints", json={"values": values})
        assert r.status_code in (200, 400) and r.json().get("changepoints", []) == []


def test_credit_report_and_stored_scan_from_the_ledger(svc):
    import pandas as pd

    from citynexus.ledger import Ledger, generate_key
    from citynexus.ledger.verify import verify_bundle

    assert svc.get("/api/v1/watch/credit/P1").status_code == 404  # no ledger yet
    assert svc.post("/api/v1/watch/scan", headers=svc.a).status_code == 404
    led = Ledger.init(svc.url, exist_ok=True)
    df = pd.read_csv(io.BytesIO(reports_csv()))
    df["period"] = df["period"].astype(str)
    led.append_many([{"type": "kpi.report", "payload": r} for r in df.to_dict("records")], "A/alice")
    signer = generate_key("watch-test")
    led.checkpoint(signer)
    r = svc.get("/api/v1/watch/credit/P1")
    assert r.status_code == 200, r.text
    rep = r.json()
    assert set(rep["inputs"]) >= {"on_time_share", "tenure_months", "reporting_discipline"}
    used = {i for v in rep["inputs"].values() for i in v["entries"]}
    assert used and set(map(int, rep["proofs"])) == used
    verify_bundle(next(iter(rep["proofs"].values())), [signer.verifier])  # offline; raises on a bad proof
    assert svc.get("/api/v1/watch/credit/NOBODY").status_code == 404
    # a scan of the organisation's stored reports
    r = svc.post("/api/v1/watch/scan", headers=svc.a)
    assert r.status_code == 200 and r.json()["source"] == "ledger" and r.json()["rows"] == 144
    assert svc.post("/api/v1/watch/scan", headers=svc.c).status_code == 404  # C reported nothing


def test_agreement_terms_feed_the_kpi_trajectory(svc):
    """The SYNTHETIC agreements demo: a bare ``metric OP number`` term not yet due is flagged at risk
    with its lead time before it is breached."""
    from citynexus.services.agree import load_demo_data
    from citynexus.services.watch import agreement_targets, parse_term_metric

    assert svc.post("/api/v1/watch/scan", params={"source": "agreements"}, headers=svc.a).status_code == 404
    load_demo_data(svc.url)
    assert parse_term_metric("cum.deliveries >= 1200") == "deliveries"
    assert parse_term_metric("rd_spend / revenue >= 0.05") is None  # a ratio is not a trajectory target
    r = svc.post("/api/v1/watch/scan", params={"source": "agreements"}, headers=svc.ops)
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "agreements"
    at_risk = [
        a
        for a in svc.get("/api/v1/watch/alerts", params={"evidence": True}, headers=svc.ops).json()
        if a["kind"] == "trajectory" and a["evidence"]["trajectory"]["at_risk"]
    ]
    assert at_risk, "no agreement term at risk"
    tr = at_risk[0]["evidence"]["trajectory"]
    assert tr["status"] == "at_risk" and tr["lead_days"] > 0 and tr["horizon"] >= 1
    assert "AT RISK" in at_risk[0]["message_en"] and "存在违约风险" in at_risk[0]["message_zh"]
    from citynexus.agree.registry import AgreementRegistry

    targets = agreement_targets(AgreementRegistry(svc.url).list())
    assert all(t.name.count("/") == 1 for ts in targets.values() for t in ts)
