"""The alert workflow: alerts stored deduplicated per owner organisation (fingerprint), listed, and
moved open -> acknowledged -> resolved — without a principal for the CLI (:func:`list_alerts`,
:func:`set_alert_status`) and with one for the REST routes and the dashboard (:func:`alerts_for`,
:func:`move_alert`: role and ownership checked, moves audited).

Who reads an alert: the organisation whose scan raised it, the party the alert is about (an
organisation sees the alerts about itself) and the platform; the SYNTHETIC demo's alerts are public.
Only an editor of the owner, or the platform, moves it.
"""

from __future__ import annotations

from typing import Any

from citynexus.services.watch.common import TRANSITIONS, WatchConflictError, WatchNotFoundError, humanise, party_name


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


def _alert_visible(who: Any, a: Any) -> bool:
    from citynexus.services.auth import can_see

    return bool(a.public) or can_see(who, a.owner_org, True, [a.party])


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
