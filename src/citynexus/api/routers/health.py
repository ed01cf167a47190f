"""``/healthz``: liveness and database reachability."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import Engine, text

from citynexus import __version__
from citynexus.api.deps import get_db

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Service health")
def healthz(db: Engine = Depends(get_db)) -> dict:
    with db.connect() as c:
        c.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": db.dialect.name}
