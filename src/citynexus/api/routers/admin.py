"""``/api/v1/admin``: the audit trail (an admin key reads its organisation's events, a
platform key every organisation's)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from citynexus.api.deps import Caller, Db
from citynexus.services import audit

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/audit", summary="Audit events, oldest first (admin or platform key)")
def audit_events(
    db: Db,
    who: Caller,
    org: str | None = Query(None, max_length=64, description="Only this organisation (platform keys)"),
    since: datetime | None = Query(None, description="Only events from this time on (ISO 8601)"),
    limit: int = Query(200, ge=1, le=5000, description="At most this many, the newest"),
) -> list[dict]:
    return [e.to_json() for e in audit.events_for(db, who, org, since, limit)]
