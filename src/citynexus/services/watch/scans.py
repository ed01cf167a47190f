"""Scans: every detector over a report table (:func:`scan_reports`), stored per organisation with its
alerts (:func:`scan_upload`, :func:`scan_stored`), and what the risk radar reads back —
:func:`risk_ranking`, :func:`party_risk` and :func:`series_of` (a series with its detections).

A scan belongs to the organisation that ran it: its ranking and series are read by that organisation
and the platform (404 to others); the SYNTHETIC demo's scan is public. Writes need an editor key and
append an audit event.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from citynexus.services.watch.alerts import alerts_for, store_alerts
from citynexus.services.watch.common import BAND_HORIZON, WatchNotFoundError, humanise, party_name
from citynexus.services.watch.inputs import reports_from_upload


def scan_reports(
    reports: pd.DataFrame,
    targets: dict[str, list[Any]] | None = None,
    previous: pd.DataFrame | None = None,
    as_of: str | None = None,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Scan a report table; with ``db_url`` store the alerts (deduplicated). A JSON-ready dict with
    the parties ranked by risk (score, level, categories, reasons in both languages) and the alerts."""
    from citynexus.watch.scan import scan

    res = scan(reports, targets=targets, previous=previous, as_of=as_of)
    stored = store_alerts(res.alerts, db_url) if db_url else None
    parties = []
    for p in res.ranking():
        parties.append(
            {
                "party": p.party,
                "score": p.score,
                "level": p.level,
                "categories": {c: {"score": v["score"], "level": v["level"]} for c, v in p.categories.items()},
                "reasons_en": p.reasons("en"),
                "reasons_zh": p.reasons("zh"),
            }
        )
    return {"parties": parties, "alerts": res.alerts, "stored": stored, "settings": res.settings}


def _scan_visible(who: Any, row: Any) -> bool:
    from citynexus.services.auth import can_see

    return bool(row.public) or can_see(who, row.owner_org, True)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [c for c in ("party", "metric", "period", "value", "agreement", "submitted") if c in df.columns]
    out = []
    for r in df[cols].to_dict("records"):
        v = r.get("value")
        r["value"] = None if v is None or pd.isna(v) else float(v)
        out.append({k: (str(x) if k != "value" and x is not None else x) for k, x in r.items()})
    return out


def _target_rows(targets: dict[str, list[Any]] | None) -> list[dict[str, str]]:
    return [
        {"party": p, "rule": t.rule(), "due": t.due, "name": t.name} for p, ts in (targets or {}).items() for t in ts
    ]


def _targets_of(rows: list[dict[str, str]]) -> dict[str, list[Any]]:
    from citynexus.watch.trajectory import parse_term

    out: dict[str, list[Any]] = {}
    for r in rows:
        out.setdefault(r["party"], []).append(parse_term(r["rule"], r["due"], r.get("name", "")))
    return out


def _save_scan(
    engine: Any,
    owner: str,
    source: str,
    df: pd.DataFrame,
    targets: dict[str, list[Any]] | None,
    out: dict[str, Any],
    public: bool = False,
    synthetic: bool = False,
) -> int:
    from citynexus.store import session_scope
    from citynexus.store.watch import WatchScan

    with session_scope(engine) as s:
        row = WatchScan(
            owner_org=owner,
            public=public,
            source=source[:300],
            synthetic=synthetic,
            n_parties=len(out["parties"]),
            reports=_records(df),
            targets=_target_rows(targets),
            result={"parties": out["parties"], "settings": out["settings"]},
        )
        s.add(row)
        s.flush()
        return int(row.id)


def _scan_and_store(
    engine: Any, who: Any, df: pd.DataFrame, targets: dict[str, list[Any]] | None, source: str, client: str | None,
    as_of: str | None,
) -> dict[str, Any]:  # fmt: skip
    from citynexus.services import audit

    out = scan_reports(df, targets, as_of=as_of)
    scan_id = _save_scan(engine, who.org, source, df, targets, out)
    stored = store_alerts(out["alerts"], owner=who.org, engine=engine)
    audit.record(
        engine, who, "watch.scan", "watch_scan", str(scan_id), client,
        {"source": source, "parties": len(out["parties"]), "rows": len(df), "alerts": stored},
    )  # fmt: skip
    return {"scan": scan_id, "source": source, "rows": len(df), "parties": out["parties"], "alerts": stored}


def scan_upload(
    engine: Any, who: Any, filename: str, content: bytes, client: str | None = None, as_of: str | None = None
) -> dict[str, Any]:
    """Scan an uploaded report table (CSV or Excel ``party, metric, period, value``) for ``who``'s
    organisation: stores the scan (private to the organisation) and its alerts (deduplicated), audited."""
    from citynexus.services.auth import require_role

    require_role(who, "editor", "scanning reports")
    df = reports_from_upload(filename, content)
    return _scan_and_store(engine, who, df, None, f"upload:{Path(filename or 'upload.csv').name}", client, as_of)


def scan_stored(engine: Any, who: Any, client: str | None = None, as_of: str | None = None) -> dict[str, Any]:
    """Scan the verified reports (``kpi.report`` ledger entries) of ``who``'s organisation: entries its
    keys submitted or that name it as the party (the platform: every report)."""
    from citynexus.services.auth import require_role
    from citynexus.services.ledger import ledger_of

    require_role(who, "editor", "scanning reports")
    led = ledger_of(engine)
    if led is None:
        raise WatchNotFoundError("there is no ledger yet, so no stored reports -> upload a report table instead")
    rows = []
    for e in led.iter_entries():
        if e.type != "kpi.report" or not isinstance(e.payload, dict):
            continue
        p = e.payload
        mine = who.is_platform or str(e.submitter).startswith(f"{who.org}/") or p.get("party") == who.org
        if mine and {"party", "metric", "period"} <= set(p):
            rows.append({k: p.get(k) for k in ("party", "metric", "period", "value", "submitted") if k in p})
    if not rows:
        raise WatchNotFoundError(f"no verified reports of organisation {who.org!r} in the ledger")
    df = pd.DataFrame(rows).drop_duplicates(["party", "metric", "period"], keep="last")
    return _scan_and_store(engine, who, df, None, "ledger", client, as_of)


def _latest_scan(s: Any, who: Any, party: str | None = None) -> Any:
    from sqlalchemy import select

    from citynexus.store.watch import WatchScan

    for row in s.scalars(select(WatchScan).order_by(WatchScan.id.desc()).limit(500)):
        if not _scan_visible(who, row):
            continue
        if party is None or any(p["party"] == party for p in row.result.get("parties", [])):
            return row
    return None


def _scan_meta(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source,
        "owner_org": row.owner_org,
        "public": bool(row.public),
        "synthetic": bool(row.synthetic),
        "parties": row.n_parties,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }


def _party_row(p: dict[str, Any], lang: str | None) -> dict[str, Any]:
    out = {**p, "name": party_name(p["party"], lang or "en")}
    if lang is not None:
        out["reasons"] = [humanise(r, lang) for r in (p["reasons_zh"] if lang == "zh" else p["reasons_en"])]
    return out


def risk_ranking(engine: Any, who: Any = None, lang: str | None = None, top: int | None = None) -> dict[str, Any]:
    """Parties of the latest scan ``who`` may see, highest risk first, with categories and top reasons
    (both languages; with ``lang`` also ``reasons`` in that language, names for codes)."""
    from citynexus.store import session_scope

    with session_scope(engine) as s:
        row = _latest_scan(s, who)
        if row is None:
            raise WatchNotFoundError("no scan yet -> POST /api/v1/watch/scan a report table, or load the demo")
        parties = sorted(row.result.get("parties", []), key=lambda p: -p["score"])
        meta = _scan_meta(row)
    rows = [_party_row(p, lang) for p in parties[: top or None]]
    return {"scan": meta, "parties": rows}


def party_risk(engine: Any, who: Any, party: str, lang: str | None = None) -> dict[str, Any]:
    """One party's risk in the latest visible scan that has it, with its metrics and its alerts."""
    from citynexus.store import session_scope

    with session_scope(engine) as s:
        row = _latest_scan(s, who, party)
        if row is None:
            raise WatchNotFoundError(f"no scan you can see has party {party!r}")
        p = next(x for x in row.result["parties"] if x["party"] == party)
        metrics = sorted({r["metric"] for r in row.reports if r["party"] == party})
        meta = _scan_meta(row)
    alerts = alerts_for(engine, who, party=party)
    return {"scan": meta, **_party_row(p, lang), "metrics": metrics, "alerts": alerts}


_series_cache: Any = None


def _series_lru() -> Any:
    global _series_cache
    if _series_cache is None:
        from citynexus.services.cache import LRU

        _series_cache = LRU(64)
    return _series_cache


def series_of(engine: Any, who: Any, party: str, metric: str) -> dict[str, Any]:
    """A party's reported series with its detections: change points (the periods where a new segment
    starts, with the shift), single-period outliers, and a forecast band — to the KPI target's due
    period when the party has one on this metric, else :data:`BAND_HORIZON` periods ahead."""
    from citynexus.store import session_scope

    with session_scope(engine) as s:
        row = _latest_scan(s, who, party)
        if row is None:
            raise WatchNotFoundError(f"no scan you can see has party {party!r}")
        rows = [r for r in row.reports if r["party"] == party and r["metric"] == metric]
        targets = [t for t in row.targets if t["party"] == party]
        scan_id = row.id
    if not rows:
        raise WatchNotFoundError(f"party {party!r} has no reported metric {metric!r}")
    return _series_lru().get((str(engine.url), scan_id, party, metric), lambda: _detect(party, metric, rows, targets))


def _detect(party: str, metric: str, rows: list[dict[str, Any]], targets: list[dict[str, str]]) -> dict[str, Any]:
    import numpy as np

    from citynexus.watch.anomalies import series_anomalies
    from citynexus.watch.changepoints import ChangePointDetector
    from citynexus.watch.periods import to_period
    from citynexus.watch.scan import build_series
    from citynexus.watch.trajectory import KpiTarget, trajectory

    labels, x = build_series(pd.DataFrame(rows))
    values = [None if np.isnan(v) else float(v) for v in x]
    cp = ChangePointDetector().fit(x).result_
    assert cp is not None
    changes = [
        {"position": c, "period": labels[c], **{k: m.get(k) for k in ("delta", "sigmas") if k in m}}
        for c, m in zip(cp.changepoints, cp.magnitudes)
    ]
    an = series_anomalies(x)
    anomalies = [
        {"position": int(p), "period": labels[p], "value": float(v), "expected": float(e), "score": float(sc)}
        for p, v, e, sc in zip(an.positions, an.values, an.expected, an.scores)
    ]
    target = next((_targets_of([t])[party][0] for t in targets if _targets_of([t])[party][0].metric == metric), None)
    forecast = None
    observed = [v for v in values if v is not None]
    if len(observed) >= 3:
        tg = target or KpiTarget(metric, ">=", min(observed) - 1.0, str(to_period(labels[-1]) + BAND_HORIZON))
        tr = trajectory(labels, values, tg)
        forecast = {
            "periods": [p["period"] for p in tr.path],
            "lo": [p["lo"] for p in tr.path],
            "median": [p["median"] for p in tr.path],
            "hi": [p["hi"] for p in tr.path],
            "model": tr.settings.get("model"),
            "band": "80%",
            "cumulative": bool(tg.cumulative),
            "target": None if target is None else {"rule": target.rule(), "due": target.due},
            "status": None if target is None else tr.status,
            "probability_breach": None if target is None else tr.probability_breach,
            "lead_days": None if target is None else tr.lead_days,
        }
    return {
        "party": party,
        "metric": metric,
        "periods": labels,
        "values": values,
        "changepoints": changes,
        "segments": cp.segments,
        "anomalies": anomalies,
        "forecast": forecast,
        "note": cp.note,
        "explanation_en": cp.explain("en"),
        "explanation_zh": cp.explain("zh"),
        "settings": {"changepoints": cp.settings, "anomalies": an.settings},
    }
