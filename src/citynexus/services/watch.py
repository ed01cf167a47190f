"""Use cases of risk early warning shared by the faces (CLI now; REST and dashboard later).

* :func:`changepoints_of_file` — the pinned ``watch changepoints`` use case;
* :func:`read_reports`, :func:`read_targets` — CSV inputs, all-or-nothing, errors name file/row/column;
* :func:`scan_reports` — every detector, partner risk, and (with a database) the alerts stored;
* :func:`store_alerts`, :func:`list_alerts`, :func:`set_alert_status` — the alert workflow
  (deduplicated by fingerprint; open -> acknowledged -> resolved).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "TRANSITIONS",
    "changepoints_of_file",
    "list_alerts",
    "read_reports",
    "read_targets",
    "scan_reports",
    "set_alert_status",
    "store_alerts",
]

#: Allowed moves of an alert's status.
TRANSITIONS = {"open": {"acknowledged", "resolved"}, "acknowledged": {"resolved"}, "resolved": set()}


def changepoints_of_file(path: str | Path, lang: str = "en") -> dict[str, Any]:
    """Read a ``t,value`` CSV and run the default change-point detector; a JSON-ready dict with
    ``changepoints`` (0-based starts of new segments, never 0), ``t`` labels of those positions, the
    segments, magnitudes, settings, a note when there was nothing to detect, and an explanation."""
    from citynexus.watch.changepoints import ChangePointDetector
    from citynexus.watch.io import read_series_csv

    labels, values = read_series_csv(path)
    res = ChangePointDetector().fit(values).result_
    assert res is not None
    return {
        "changepoints": res.changepoints,
        "t": [labels[i] for i in res.changepoints],
        "n": res.n,
        "n_observed": res.n_observed,
        "segments": res.segments,
        "magnitudes": res.magnitudes,
        "sigma": res.sigma,
        "penalty": res.penalty,
        "settings": res.settings,
        "period": res.extra.get("period"),
        "note": res.note,
        "explanation": res.explain(lang),
    }


def _read_csv(path: str | Path, need: Iterable[str], what: str) -> pd.DataFrame:
    from citynexus.watch.errors import WatchInputError

    p = Path(path)
    if not p.is_file():
        raise WatchInputError(f"{p}: file not found -> give a CSV file of {what}")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise WatchInputError(f"{p}: cannot be read as CSV ({str(err).splitlines()[0]})") from err
    df.columns = [c.strip().lower() for c in df.columns]
    if missing := [c for c in need if c not in df.columns]:
        raise WatchInputError(f"{p}, row 1: no column(s) {', '.join(missing)} -> the header needs {', '.join(need)}")
    return df


def read_reports(path: str | Path) -> pd.DataFrame:
    """A report table ``party, metric, period, value`` (optional ``agreement``, ``submitted``) from CSV.

    Every value must be a number or empty and every period a month, quarter or year; the first
    problem is reported with its row (header = row 1) and column. Keys must be unique.
    """
    from citynexus.watch.errors import WatchInputError
    from citynexus.watch.io import parse_number
    from citynexus.watch.periods import to_period

    df = _read_csv(path, ("party", "metric", "period", "value"), "reports (party,metric,period,value)")
    vals = []
    for i, (cell, per) in enumerate(zip(df["value"], df["period"]), start=2):
        try:
            vals.append(parse_number(cell))
        except ValueError:
            raise WatchInputError(f"{path}, row {i}, column 'value': {cell!r} is not a number") from None
        try:
            to_period(per)
        except WatchInputError as err:
            raise WatchInputError(f"{path}, row {i}, column 'period': {err}") from None
    df["value"] = pd.to_numeric(pd.Series(vals, index=df.index, dtype=object), errors="coerce")
    key = ["party", "metric", "period"] + (["agreement"] if "agreement" in df.columns else [])
    dup = df.duplicated(key, keep="first")
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0]) + 2
        raise WatchInputError(f"{path}, row {i}: the same party, metric and period appear twice -> keep one row")
    return df


def read_targets(path: str | Path) -> dict[str, list[Any]]:
    """KPI targets per party from CSV ``party, rule, due`` (rule ``metric OP number`` or ``cum.metric OP number``)."""
    from citynexus.watch.errors import WatchSpecError
    from citynexus.watch.trajectory import parse_term

    df = _read_csv(path, ("party", "rule", "due"), "targets (party,rule,due)")
    out: dict[str, list[Any]] = {}
    for i, r in enumerate(df.itertuples(index=False), start=2):
        try:
            t = parse_term(r.rule, r.due, getattr(r, "name", "") or "")
        except WatchSpecError as err:
            raise WatchSpecError(f"{path}, row {i}, column 'rule': {err}") from None
        out.setdefault(str(r.party), []).append(t)
    return out


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


def store_alerts(alerts: list[dict[str, Any]], db_url: str | None = None) -> dict[str, int]:
    """Insert new alerts and refresh the ones already stored (same fingerprint: ``seen`` + 1,
    ``last_seen`` now, evidence and message updated; a resolved alert stays resolved). One transaction."""
    from sqlalchemy import func, select

    from citynexus.store import get_engine, session_scope
    from citynexus.store.watch import WatchAlert

    eng = get_engine(db_url)
    new = updated = 0
    with session_scope(eng) as s:
        fps = [a["fingerprint"] for a in alerts]
        have = {a.fingerprint: a for a in s.scalars(select(WatchAlert).where(WatchAlert.fingerprint.in_(fps)))}
        for a in alerts:
            row = have.get(a["fingerprint"])
            if row is None:
                row = WatchAlert(**{k: a[k] for k in _ALERT_FIELDS}, status="open", seen=1)
                s.add(row)
                have[a["fingerprint"]] = row
                new += 1
            else:
                row.seen = (row.seen or 1) + 1
                row.last_seen = func.now()
                row.score, row.level, row.evidence = a["score"], a["level"], a["evidence"]
                row.message_en, row.message_zh = a["message_en"], a["message_zh"]
                updated += 1
    return {"new": new, "updated": updated}


_ALERT_FIELDS = (
    "fingerprint", "party", "category", "kind", "metric", "period", "score", "level",
    "message_en", "message_zh", "evidence",
)  # fmt: skip


def _alert_dict(a: Any, evidence: bool) -> dict[str, Any]:
    d = {
        "id": a.id,
        "party": a.party,
        "category": a.category,
        "kind": a.kind,
        "metric": a.metric,
        "period": a.period,
        "score": a.score,
        "level": a.level,
        "status": a.status,
        "seen": a.seen,
        "message_en": a.message_en,
        "message_zh": a.message_zh,
        "note": a.note,
        "acknowledged_by": a.acknowledged_by,
        "resolved_by": a.resolved_by,
        "created_at": a.created_at.isoformat() if a.created_at else None,
    }
    if evidence:
        d["evidence"] = a.evidence
    return d


def list_alerts(
    db_url: str | None = None, status: str | None = None, party: str | None = None, evidence: bool = False
) -> list[dict[str, Any]]:
    """Stored alerts, highest score first, optionally of one status and/or party."""
    from sqlalchemy import select

    from citynexus.store import get_engine, session_scope
    from citynexus.store.watch import WatchAlert
    from citynexus.watch.errors import WatchAlertError

    if status is not None and status not in TRANSITIONS:
        raise WatchAlertError(f"status {status!r} is not one of {', '.join(TRANSITIONS)}")
    q = select(WatchAlert).order_by(WatchAlert.score.desc(), WatchAlert.id)
    if status:
        q = q.where(WatchAlert.status == status)
    if party:
        q = q.where(WatchAlert.party == party)
    with session_scope(get_engine(db_url)) as s:
        return [_alert_dict(a, evidence) for a in s.scalars(q)]


def set_alert_status(
    alert_id: int, status: str, by: str = "", note: str | None = None, db_url: str | None = None
) -> dict[str, Any]:
    """Move an alert: open -> acknowledged -> resolved (open -> resolved too); anything else raises."""
    from citynexus.store import get_engine, session_scope
    from citynexus.store.watch import WatchAlert
    from citynexus.watch.errors import WatchAlertError

    if status not in TRANSITIONS:
        raise WatchAlertError(f"status {status!r} is not one of {', '.join(TRANSITIONS)}")
    with session_scope(get_engine(db_url)) as s:
        a = s.get(WatchAlert, int(alert_id))
        if a is None:
            raise WatchAlertError(f"alert {alert_id} does not exist -> list them with `citynexus watch alerts`")
        if status not in TRANSITIONS[a.status]:
            allowed = ", ".join(sorted(TRANSITIONS[a.status])) or "nothing"
            raise WatchAlertError(f"alert {alert_id} is {a.status}; it can move to {allowed}, not {status}")
        a.status = status
        if status == "acknowledged":
            a.acknowledged_by = by or None
        else:
            a.resolved_by = by or None
        if note:
            a.note = note
        s.flush()
        return _alert_dict(a, False)


def sme_card(seed: int = 0) -> Any:
    """The SME credit card, fitted on the SYNTHETIC SME portfolio (see ``watch.synthetic.sme_portfolio``)."""
    from citynexus.watch.credit import WoEScorecard
    from citynexus.watch.synthetic import sme_portfolio

    X, y = sme_portfolio(seed=seed)
    return WoEScorecard().fit(X, y)


def credit_for(party: str, db_url: str | None = None, lang: str = "en", proofs: bool = True) -> dict[str, Any]:
    """Credit report of ``party`` from the verified records in the ledger at ``db_url``: each input with
    the ledger entries it came from and (``proofs``) a proof bundle per entry for offline checking."""
    from citynexus.ledger import Ledger
    from citynexus.watch.credit import credit_report, sme_inputs

    led = Ledger(db_url)
    entries = list(led.iter_entries())
    inputs = sme_inputs(entries, party)

    def prove(i: int) -> dict[str, Any]:
        try:
            return led.prove(i)
        except Exception:
            return led.prove(i, size=led.size)

    rep = credit_report(sme_card(), inputs, prove=prove if proofs else None, lang=lang)
    rep["party"] = party
    from citynexus.i18n import t

    rep["model_note"] = t("watch_credit_model_note", lang)
    return rep


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
    out = scan_reports(df, targets, db_url=db_url)
    return {"planted": planted, "parties": out["parties"], "stored": out["stored"], "ledger_size": led.size}
