"""``/healthz``: liveness and database reachability."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from citynexus import __version__
from citynexus.api.deps import Db

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Service health")
def healthz(db: Db) -> dict:
    with db.connect() as c:
        c.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": db.dialect.name}


@router.get(
    "/readyz",
    summary="Readiness: the database answers and its schema is the one this version needs",
    responses={503: {"description": "Not ready: the message says why"}},
)
def readyz(db: Db) -> JSONResponse:
    try:
        with db.connect() as c:
            c.execute(text("SELECT 1"))
        from citynexus.store import schema_problem

        problem = schema_problem(db)
    except Exception as err:  # not ready, whatever the reason: say which, without internals
        problem = f"the database does not answer ({type(err).__name__})"
    if problem:
        return JSONResponse({"status": "not ready", "message": problem}, status_code=503)
    return JSONResponse({"status": "ready", "version": __version__, "database": db.dialect.name})
