"""The SYNTHETIC demo out of the box: partner reports with planted events written to the ledger,
scanned, and the alerts stored (public), so the risk radar, alerts and credit reports work without
any setup."""

from __future__ import annotations

from typing import Any

import pandas as pd

from citynexus.services.watch.alerts import store_alerts
from citynexus.services.watch.common import DEMO_SOURCE, humanise, party_name
from citynexus.services.watch.scans import _save_scan, scan_reports

#: The planted events of the demo reports (party -> (kind, month index from 2024-01)).
DEMO_EVENTS = {
    "SYN-0001": ("funding_drop", 28),
    "SYN-0002": ("rd_stall", 26),
    "SYN-0003": ("delivery_slippage", 30),
    "SYN-0004": ("reporting_stop", 31),
}


def demo_reports(seed: int = 0) -> tuple[pd.DataFrame, dict[str, list[Any]], list[dict[str, Any]]]:
    """SYNTHETIC demo: 12 partners x 4 metrics x 36 months with the planted events of
    :data:`DEMO_EVENTS`, two KPI targets not yet due, and the list of planted events."""
    from citynexus.watch.synthetic import partner_reports
    from citynexus.watch.trajectory import parse_term

    df, planted = partner_reports(n_parties=12, n_periods=36, events=DEMO_EVENTS, seed=seed)
    targets = {
        "SYN-0003": [parse_term("on_time_rate >= 0.9", "2027-06")],
        "SYN-0006": [parse_term("on_time_rate >= 0.95", "2027-03")],
    }
    return df, targets, planted


def seed_demo(db_url: str | None = None, seed: int = 0) -> dict[str, Any]:
    """Put the SYNTHETIC demo reports in the ledger at ``db_url`` (created if absent) as ``kpi.report``
    entries, with quarterly ``agree.evaluation`` entries of the on-time term, then scan them and store
    the alerts — so risk ranking, alerts and credit reports work without any setup."""
    from citynexus.ledger import Ledger
    from citynexus.watch.periods import to_period

    df, targets, planted = demo_reports(seed)
    led = Ledger.init(db_url, exist_ok=True)
    have = {e.payload.get("party") for e in led.find(type="kpi.report", limit=1)} if led.size else set()
    if not have:
        recs = [{"type": "kpi.report", "payload": r, "submitter": r["party"]} for r in df.to_dict("records")]
        otd = df[df["metric"] == "on_time_rate"].copy()
        otd["q"] = [str(to_period(p).asfreq("Q")) for p in otd["period"]]
        for (party, q), g in otd.groupby(["party", "q"]):
            v = float(g["value"].mean())
            recs.append(
                {
                    "type": "agree.evaluation",
                    "payload": {"party": party, "term": "on_time_rate >= 0.85", "period": q,
                                "status": "met" if v >= 0.85 else "breached", "value": v,
                                "severity": 0.0 if v >= 0.85 else round(min(1.0, (0.85 - v) / 0.15), 3)},
                    "submitter": "demo-evaluator",
                }
            )  # fmt: skip
        led.append_many(recs)
    out = scan_reports(df, targets)
    from sqlalchemy import select

    from citynexus.store import get_engine, session_scope
    from citynexus.store.watch import WatchScan

    eng = get_engine(db_url)
    stored = store_alerts(out["alerts"], engine=eng, public=True)
    with session_scope(eng) as s:
        scan_id = s.scalars(
            select(WatchScan.id).where(WatchScan.source == DEMO_SOURCE, WatchScan.synthetic.is_(True)).limit(1)
        ).first()
    if scan_id is None:
        scan_id = _save_scan(eng, "local", DEMO_SOURCE, df, targets, out, public=True, synthetic=True)
    return {
        "planted": planted,
        "parties": out["parties"],
        "stored": stored,
        "ledger_size": led.size,
        "scan": scan_id,
    }


def demo_summary(out: dict[str, Any], lang: str = "en") -> str:
    """One line: the riskiest party of a :func:`seed_demo` result and its top reason."""
    from citynexus.i18n import t

    top = max(out["parties"], key=lambda p: p["score"])
    reasons = top["reasons_zh"] if lang == "zh" else top["reasons_en"]
    reason = humanise(reasons[0], lang) if reasons else "-"
    return t("watch_demo_summary", lang).format(
        party=party_name(top["party"], lang), level=t(f"watch_level_{top['level']}", lang), score=top["score"],
        reason=reason,
    )  # fmt: skip


def load_demo(engine: Any, who: Any, client: str | None = None) -> dict[str, Any]:
    """Load the SYNTHETIC demo (see :func:`seed_demo`) into the app's database; needs an editor key; audited."""
    from citynexus.services import audit
    from citynexus.services.auth import require_role

    require_role(who, "editor", "loading the demo partner reports")
    out = seed_demo(engine.url.render_as_string(hide_password=False))
    audit.record(engine, who, "watch.demo", "watch_scan", str(out.get("scan")), client, {"stored": out["stored"]})
    return {k: v for k, v in out.items() if k != "parties"} | {"parties": len(out["parties"])}
