"""Use cases of risk early warning shared by the faces (CLI, REST routes, dashboard).

* :func:`changepoints_of_file`, :func:`changepoints_of_values` — the pinned ``watch changepoints`` use case;
* :func:`read_reports`, :func:`read_targets`, :func:`reports_from_upload` — inputs, all-or-nothing,
  errors name file/row/column;
* :func:`scan_reports` — every detector, partner risk, and (with a database) the alerts stored;
* :func:`store_alerts`, :func:`list_alerts`, :func:`set_alert_status` — the alert workflow of the CLI
  (deduplicated by fingerprint; open -> acknowledged -> resolved);
* for the REST routes and the dashboard, with a principal (role and ownership checked, writes audited):
  :func:`scan_upload`, :func:`scan_stored`, :func:`scan_agreements`, :func:`risk_ranking`,
  :func:`party_risk`, :func:`series_of`, :func:`alerts_for`, :func:`move_alert`, :func:`credit_of`,
  :func:`load_demo` (who sees what: the comment above them and ``docs/risk.md``);
* :func:`agreement_targets` — agreement terms ``metric OP number`` as KPI trajectory targets;
* :func:`seed_demo`, :func:`demo_summary` — the SYNTHETIC demo out of the box.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from citynexus.errors import ConflictError, NotFoundError

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
    df = _read_csv(path, ("party", "metric", "period", "value"), "reports (party,metric,period,value)")
    return check_reports(df, str(path))


def check_reports(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Validate a report table read as text (see :func:`read_reports`); ``source`` names it in errors."""
    from citynexus.watch.errors import WatchInputError
    from citynexus.watch.io import parse_number
    from citynexus.watch.periods import to_period

    vals = []
    for i, (cell, per) in enumerate(zip(df["value"], df["period"]), start=2):
        try:
            vals.append(parse_number(cell))
        except ValueError:
            raise WatchInputError(f"{source}, row {i}, column 'value': {cell!r} is not a number") from None
        try:
            to_period(per)
        except WatchInputError as err:
            raise WatchInputError(f"{source}, row {i}, column 'period': {err}") from None
    df["value"] = pd.to_numeric(pd.Series(vals, index=df.index, dtype=object), errors="coerce")
    key = ["party", "metric", "period"] + (["agreement"] if "agreement" in df.columns else [])
    dup = df.duplicated(key, keep="first")
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0]) + 2
        raise WatchInputError(f"{source}, row {i}: the same party, metric and period appear twice -> keep one row")
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


def _owned_fingerprint(fp: str, owner: str) -> str:
    """Alerts are deduplicated per owner organisation: two organisations watching the same party
    each keep their own alert (``local`` keeps the scan's fingerprint unchanged)."""
    import hashlib

    return fp if owner == "local" else hashlib.sha256(f"{owner}|{fp}".encode()).hexdigest()[:32]


def store_alerts(
    alerts: list[dict[str, Any]],
    db_url: str | None = None,
    owner: str = "local",
    public: bool = False,
    engine: Any = None,
) -> dict[str, int]:
    """Insert new alerts and refresh the ones already stored (same fingerprint: ``seen`` + 1,
    ``last_seen`` now, evidence and message updated; a resolved alert stays resolved). One transaction.
    ``owner`` is the organisation that ran the scan; ``public`` alerts are readable by anyone."""
    from sqlalchemy import func, select

    from citynexus.store import get_engine, session_scope
    from citynexus.store.watch import WatchAlert

    eng = engine if engine is not None else get_engine(db_url)
    alerts = [{**a, "fingerprint": _owned_fingerprint(a["fingerprint"], owner)} for a in alerts]
    new = updated = 0
    with session_scope(eng) as s:
        fps = [a["fingerprint"] for a in alerts]
        have = {a.fingerprint: a for a in s.scalars(select(WatchAlert).where(WatchAlert.fingerprint.in_(fps)))}
        for a in alerts:
            row = have.get(a["fingerprint"])
            if row is None:
                row = WatchAlert(
                    **{k: a[k] for k in _ALERT_FIELDS}, status="open", seen=1, owner_org=owner, public=public
                )
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
        "owner_org": a.owner_org,
        "public": bool(a.public),
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
    from citynexus.watch.credit import credit_report, sme_inputs, stored_evaluations

    led = Ledger(db_url)
    entries = list(led.iter_entries())
    inputs = sme_inputs(entries, party, runs=stored_evaluations(db_url))

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


# ====================================================================================== faces
# The use cases of the REST routes and the dashboard's risk radar. Every call names the principal
# (an API key's organisation and role, or None for an anonymous read).
#
# Who sees what (the rule implemented here, documented in docs/risk.md):
# * a scan belongs to the organisation that ran it; its ranking and series are read by that
#   organisation and the platform (404 to others);
# * an alert belongs to the organisation whose scan raised it; it is read by that organisation
#   (alerts about the parties it watches — the parties of its agreements and reports), by the party
#   the alert is about (an organisation sees alerts about itself) and by the platform;
# * the SYNTHETIC demo's scan and alerts are public (owner ``local``), so the dashboard shows them
#   without a key; changing them needs an editor key of ``local`` or the platform;
# * a credit report reads only the ledger, which is public, so anyone may read it.
# Writes (scan, acknowledge, resolve, loading the demo) need an editor key and append an audit event.

#: Bounds of an uploaded report table.
MAX_ROWS = 100_000
MAX_PARTIES = 300
#: Periods forecast for a series without a KPI target (the band on the party page).
BAND_HORIZON = 6
DEMO_SOURCE = "demo"


class WatchNotFoundError(NotFoundError):
    """No such (or no visible) scan, party, series, alert or credit record (HTTP 404)."""


class WatchConflictError(ConflictError):
    """An alert cannot move to the asked status from the one it has (HTTP 409)."""


def reports_from_upload(filename: str, content: bytes) -> pd.DataFrame:
    """A report table from an uploaded CSV (UTF-8) or Excel (.xlsx) file; validated like
    :func:`read_reports`, at most :data:`MAX_ROWS` rows and :data:`MAX_PARTIES` parties."""
    import io

    from citynexus.watch.errors import WatchInputError

    name = Path(filename or "upload.csv").name
    if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(io.BytesIO(content), dtype=str, keep_default_na=False)
        except Exception as err:  # openpyxl raises many kinds on a broken file
            raise WatchInputError(f"{name}: cannot be read as an Excel workbook ({type(err).__name__})") from None
        if "period" in df.columns:  # Excel turns a typed month (2026-03) into a date on the 1st
            df["period"] = (
                df["period"].astype(str).str.replace(r"^(\d{4})-(\d{2})-01(?: 00:00:00)?$", r"\1-\2", regex=True)
            )
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise WatchInputError(f"{name}: is not UTF-8 text -> save the CSV as UTF-8") from None
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise WatchInputError(f"{name}: cannot be read as CSV ({str(err).splitlines()[0]})") from None
    df = df.astype(str).fillna("")
    df.columns = [str(c).strip().lower() for c in df.columns]
    need = ("party", "metric", "period", "value")
    if missing := [c for c in need if c not in df.columns]:
        raise WatchInputError(f"{name}, row 1: no column(s) {', '.join(missing)} -> the header needs {', '.join(need)}")
    if df.empty:
        raise WatchInputError(f"{name}: no report rows -> one row per party, metric and period")
    if len(df) > MAX_ROWS:
        raise WatchInputError(f"{name}: {len(df)} rows; at most {MAX_ROWS} per scan -> split the file")
    if (n := df["party"].nunique()) > MAX_PARTIES:
        raise WatchInputError(f"{name}: {n} parties; at most {MAX_PARTIES} per scan -> split the file")
    if (df["party"].str.strip() == "").any() or (df["metric"].str.strip() == "").any():
        i = int(((df["party"].str.strip() == "") | (df["metric"].str.strip() == "")).to_numpy().nonzero()[0][0]) + 2
        raise WatchInputError(f"{name}, row {i}: party and metric must not be empty")
    return check_reports(df, name)


def _scan_visible(who: Any, row: Any) -> bool:
    from citynexus.services.auth import can_see

    return bool(row.public) or can_see(who, row.owner_org, True)


def _alert_visible(who: Any, a: Any) -> bool:
    from citynexus.services.auth import can_see

    return bool(a.public) or can_see(who, a.owner_org, True, [a.party])


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


def party_name(party: str, lang: str = "en") -> str:
    """A party's display name: the SYNTHETIC demo's ``SYN-0003`` is "Synthetic partner 3"; other
    parties are shown by their own names."""
    import re

    from citynexus.i18n import t

    m = re.fullmatch(r"SYN-(\d+)", party)
    return t("watch_syn_party", lang).format(n=int(m.group(1))) if m else party


def metric_name(metric: str, lang: str = "en") -> str:
    """A metric's label when it is a known one, else the metric as reported."""
    from citynexus.i18n import t
    from citynexus.i18n.watch import TEXT

    key = f"watch_metric_{metric}"
    return t(key, lang) if key in TEXT else metric


def humanise(text: str, lang: str = "en") -> str:
    """A detector's sentence with the known metric codes and demo party codes replaced by names."""
    import re

    from citynexus.i18n.watch import TEXT

    def metric(m: re.Match) -> str:
        return metric_name(m.group(0), lang)

    codes = sorted((k[len("watch_metric_") :] for k in TEXT if k.startswith("watch_metric_")), key=len, reverse=True)
    if codes:
        text = re.sub(r"(?<![A-Za-z0-9_.])(" + "|".join(map(re.escape, codes)) + r")(?![A-Za-z0-9_])", metric, text)
    return re.sub(r"SYN-\d+", lambda m: party_name(m.group(0), lang), text)


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


def alerts_for(
    engine: Any,
    who: Any = None,
    status: str | None = None,
    party: str | None = None,
    evidence: bool = False,
    lang: str | None = None,
) -> list[dict[str, Any]]:
    """Alerts ``who`` may read (see the rule above), highest score first; optionally of one status/party.
    With ``lang`` each alert also has ``name`` (the party's) and ``message`` in that language, names for codes."""
    from sqlalchemy import or_, select

    from citynexus.store import session_scope
    from citynexus.store.watch import WatchAlert

    if status is not None and status not in TRANSITIONS:
        raise WatchNotFoundError(f"status {status!r} is not one of {', '.join(TRANSITIONS)}")
    q = select(WatchAlert).order_by(WatchAlert.score.desc(), WatchAlert.id)
    if who is None:
        q = q.where(WatchAlert.public.is_(True))
    elif not who.is_platform:
        q = q.where(or_(WatchAlert.public.is_(True), WatchAlert.owner_org == who.org, WatchAlert.party == who.org))
    if status:
        q = q.where(WatchAlert.status == status)
    if party:
        q = q.where(WatchAlert.party == party)
    with session_scope(engine) as s:
        rows = [_alert_dict(a, evidence) for a in s.scalars(q.limit(2000))]
    if lang is not None:
        for a in rows:
            a["name"] = party_name(a["party"], lang)
            a["message"] = humanise(a["message_zh"] if lang == "zh" else a["message_en"], lang)
    return rows


def move_alert(
    engine: Any, who: Any, alert_id: int, status: str, note: str | None = None, client: str | None = None
) -> dict[str, Any]:
    """Acknowledge or resolve an alert (open -> acknowledged -> resolved; open -> resolved) with an
    editor key of its owner organisation (or the platform); audited. Asking again for the status it
    already has changes nothing and records nothing (``unchanged``); any other move is a conflict."""
    from citynexus.services import audit
    from citynexus.services.auth import check_write, require_role
    from citynexus.store import session_scope
    from citynexus.store.watch import WatchAlert

    if status not in ("acknowledged", "resolved"):
        raise WatchConflictError(f"an alert moves to acknowledged or resolved, not {status!r}")
    require_role(who, "editor", f"changing alert {alert_id}")
    with session_scope(engine) as s:
        a = s.get(WatchAlert, int(alert_id))
        if a is None or not _alert_visible(who, a):
            raise WatchNotFoundError(f"alert {alert_id} does not exist")
        check_write(who, a.owner_org, f"alert {alert_id}")
        old = a.status
        if old == status:
            return {**_alert_dict(a, False), "unchanged": True}
        if status not in TRANSITIONS[old]:
            allowed = ", ".join(sorted(TRANSITIONS[old])) or "nothing"
            raise WatchConflictError(f"alert {alert_id} is {old}; it can move to {allowed}, not {status}")
        a.status = status
        if status == "acknowledged":
            a.acknowledged_by = who.label
        else:
            a.resolved_by = who.label
        if note:
            a.note = note[:2000]
        s.flush()
        out = {**_alert_dict(a, False), "unchanged": False}
    audit.record(
        engine, who, f"watch.alert.{status}", "watch_alert", str(alert_id), client, {"from": old, "note": note}
    )
    return out


_credit_cache: Any = None


def credit_of(engine: Any, sme: str, lang: str = "en", proofs: bool = True) -> dict[str, Any]:
    """The credit report of ``sme`` from the app's ledger (public: the ledger is), cached per ledger
    size; each input lists its ledger entries (and, with ``proofs``, a proof bundle per entry)."""
    global _credit_cache
    from citynexus.services.ledger import ledger_of

    led = ledger_of(engine)
    if led is None:
        raise WatchNotFoundError("there is no ledger yet, so no verified records to score")
    if _credit_cache is None:
        from citynexus.services.cache import LRU

        _credit_cache = LRU(32)
    url = engine.url.render_as_string(hide_password=False)

    def make() -> dict[str, Any]:
        from citynexus.watch.errors import WatchInputError

        try:
            rep = credit_for(sme, db_url=url, lang=lang, proofs=proofs)
        except WatchInputError as err:  # no verified report or evaluation of the party
            raise WatchNotFoundError(str(err)) from None
        if not any(v.get("entries") for v in rep["inputs"].values()):
            raise WatchNotFoundError(f"no verified records of {sme!r} in the ledger")
        return rep

    return _credit_cache.get((url, led.size, sme, lang, proofs), make)


def changepoints_of_values(values: list[float | None], labels: list[str] | None = None, lang: str = "en") -> dict:
    """The default change-point detector on a list of values (None = missing), as the CLI's ``--json``."""
    from citynexus.watch.changepoints import ChangePointDetector
    from citynexus.watch.errors import WatchInputError

    if labels is not None and len(labels) != len(values):
        raise WatchInputError(f"{len(labels)} labels for {len(values)} values -> give one label per value")
    x = [float("nan") if v is None else float(v) for v in values]
    res = ChangePointDetector().fit(x).result_
    assert res is not None
    lab = labels or [str(i) for i in range(len(values))]
    return {
        "changepoints": res.changepoints,
        "t": [lab[i] for i in res.changepoints],
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


def load_demo(engine: Any, who: Any, client: str | None = None) -> dict[str, Any]:
    """Load the SYNTHETIC demo (see :func:`seed_demo`) into the app's database; needs an editor key; audited."""
    from citynexus.services import audit
    from citynexus.services.auth import require_role

    require_role(who, "editor", "loading the demo partner reports")
    out = seed_demo(engine.url.render_as_string(hide_password=False))
    audit.record(engine, who, "watch.demo", "watch_scan", str(out.get("scan")), client, {"stored": out["stored"]})
    return {k: v for k, v in out.items() if k != "parties"} | {"parties": len(out["parties"])}


# ---------------------------------------------------------------------------------- agreements
#: Term frequencies of ``citynexus.agree`` as pandas period codes.
_EVERY = {"month": "M", "quarter": "Q", "year": "Y"}


def agreement_targets(agreements: Iterable[Any], reports: pd.DataFrame | None = None) -> dict[str, list[Any]]:
    """KPI targets (:class:`~citynexus.watch.trajectory.KpiTarget`) from agreement terms whose rule is
    ``metric OP number`` or ``cum.metric OP number``; other rules (ratios, several metrics) are skipped.

    The target is due at the term's ``due`` date; a recurring term (``every`` month, quarter or year)
    is due at the end of the term period after the party's last reported period of the metric (the
    next one to be judged); a term without either, at the agreement's end. Each target is named
    ``AGREEMENT/TERM``.
    """
    from citynexus.watch.errors import WatchInputError, WatchSpecError
    from citynexus.watch.periods import to_period
    from citynexus.watch.trajectory import parse_term

    out: dict[str, list[Any]] = {}
    for ag in agreements:
        for term in ag.terms:
            if term.due is not None:
                due = term.due.isoformat()
            elif term.every in _EVERY:
                if reports is None or reports.empty:
                    continue
                m = parse_term_metric(term.rule)
                sel = reports[(reports["party"] == term.party) & (reports["metric"] == m)]
                if sel.empty:
                    continue
                try:
                    last_end = max(to_period(str(p)).end_time for p in sel["period"])
                except WatchInputError:
                    continue
                nxt = pd.Period(last_end.normalize() + pd.Timedelta(days=1), freq=_EVERY[term.every])
                due = str(nxt.end_time.date())
            else:
                due = ag.end.isoformat()
            try:
                target = parse_term(term.rule, due, f"{ag.id}/{term.id}")
            except WatchSpecError:
                continue
            out.setdefault(term.party, []).append(target)
    return out


def parse_term_metric(rule: str) -> str | None:
    """The metric of a ``metric OP number`` / ``cum.metric OP number`` rule, else None."""
    import re

    m = re.fullmatch(r"\s*(?:cum\.)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:>=|<=|>|<)\s*-?[0-9][0-9_.,eE+-]*\s*", rule)
    return m.group(1) if m else None


def scan_agreements(engine: Any, who: Any, client: str | None = None, as_of: str | None = None) -> dict[str, Any]:
    """Scan the reports stored with the agreements of ``who``'s organisation (it owns them or is a
    party; the platform: all) with every ``metric OP number`` term as a KPI target, so a term not yet
    due shows ``at_risk`` with its lead time before it is breached. Stored and audited like an upload."""
    from citynexus.agree.registry import AgreementRegistry
    from citynexus.services.auth import require_role

    require_role(who, "editor", "scanning reports")
    reg = AgreementRegistry(engine.url.render_as_string(hide_password=False))
    ags = [a for a in reg.list() if who.is_platform or who.org in a.parties or reg.owner_of(a.id)[1] == who.org]
    if not ags:
        raise WatchNotFoundError(f"organisation {who.org!r} has no stored agreement to scan")
    rep = reg.reports([a.id for a in ags])
    rep = rep[rep["value"].notna()]
    if rep.empty:
        raise WatchNotFoundError("the agreements have no stored reports yet -> import reports first")
    df = rep[["agreement", "party", "metric", "period", "value"]].copy()
    df["period"] = df["period"].astype(str)
    df = df.drop_duplicates(["party", "metric", "period"], keep="last").drop(columns="agreement")
    # one series per party and metric: where agreements report it at different frequencies, keep the finest
    from citynexus.watch.periods import to_period

    rank = {"M": 0, "Q": 1, "Y": 2}
    df["_f"] = [rank.get(to_period(p).freqstr[:1], 3) for p in df["period"]]
    df = df[df["_f"] == df.groupby(["party", "metric"])["_f"].transform("min")]
    # the reporting checks compare periods across the table: scan the most common frequency
    keep = int(df["_f"].value_counts().idxmax())
    skipped = sorted({f"{p} {m}" for p, m, f in zip(df["party"], df["metric"], df["_f"]) if f != keep})
    df = df[df["_f"] == keep].drop(columns="_f")
    out = _scan_and_store(engine, who, df, agreement_targets(ags, df), "agreements", client, as_of)
    return {**out, "skipped_series": skipped}
