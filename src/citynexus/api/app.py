"""Application factory: API routers, dashboard pages, static files, error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, is_dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from citynexus import __version__
from citynexus.errors import CityNexusError, DatasetValidationError
from citynexus.services.auth import AuthError, PermissionDenied
from citynexus.services.workers import Workers
from citynexus.store import StoreUnavailable, get_engine

UNAVAILABLE = "the database is unavailable; try again later"


def problem_list(err: DatasetValidationError) -> list[dict]:
    """Each problem of a rejected dataset or report file: its ``kind`` (the problem's own kind
    when it names one, e.g. a report's ``bad_period``, else its class), ``values`` (what its
    sentence quotes; ``{}`` when none), file, row, column and the English problem and fix."""
    return [
        {
            "kind": getattr(p, "kind", "") or type(p).__name__,
            "values": getattr(p, "values", {}),
            "file": p.location.file,
            "row": p.location.row,
            "column": p.location.column,
            "problem": p.problem,
            "fix": p.fix,
        }
        for p in err.problems
    ]


def _listed(err: CityNexusError) -> bool:
    """Whether ``err`` lists its problems as dataclasses (an ``AgreementError``...), answered as they are."""
    probs = getattr(err, "problems", None)
    return isinstance(probs, list) and bool(probs) and all(is_dataclass(p) for p in probs)


def _status_for(err: CityNexusError) -> int:
    """The HTTP status of an error family (see :mod:`citynexus.errors`)."""
    from citynexus.api.deps import UploadTooLarge
    from citynexus.api.middleware import TooManyFailures
    from citynexus.errors import ConflictError, NotFoundError
    from citynexus.services.workers import JobTimeout, WorkerLost, WorkersBusy
    from citynexus.store import StoreBusyError

    for family, status in (
        (TooManyFailures, 429),
        (AuthError, 401),
        (PermissionDenied, 403),
        (UploadTooLarge, 413),
        (JobTimeout, 413),
        (WorkerLost, 503),
        (WorkersBusy, 503),
        (NotFoundError, 404),
        (ConflictError, 409),
        (DatasetValidationError, 422),
        (StoreBusyError, 503),
        (StoreUnavailable, 503),
    ):
        if isinstance(err, family):
            return status
    # content that was read but does not validate, every problem listed (a refused agreement...):
    # 422 like a rejected import (RFC 9110 §15.5.21); 400 for a request that cannot be used at all
    return 422 if _listed(err) else 400


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the worker processes in the background when ``CITYNEXUS_JOB_WARM=1`` (set by
    ``citynexus serve``), and stop them (if any were started) when the server stops."""
    import os
    import threading

    if os.environ.get("CITYNEXUS_JOB_WARM") == "1" and app.state.workers.processes:
        threading.Thread(target=app.state.workers.warm, daemon=True).start()
    yield
    await run_in_threadpool(app.state.workers.shutdown)


def create_app(db_url: str | None = None, workers: Workers | None = None) -> FastAPI:
    """Build the citynexus web application on the database at ``db_url`` (default: see
    :func:`citynexus.store.default_url`). Heavy jobs run in ``workers`` (default:
    :class:`~citynexus.services.workers.Workers` configured by the environment; its
    processes start on first use and stop with the app's lifespan)."""
    from fastapi_offline import FastAPIOffline

    from citynexus.api.middleware import AuthLimiter, GuardMiddleware, TooManyFailures

    app = FastAPIOffline(  # Swagger UI and ReDoc served from the installed package: the docs work offline
        lifespan=_lifespan,
        title="citynexus",
        version=__version__,
        description="Evaluate, connect and coordinate city clusters. Reads of public records are open; "
        "writes need an API key of an organisation in the `X-API-Key` header (or `Authorization: Bearer`), "
        "created with `citynexus admin create-key NAME --org CODE --role viewer|editor|admin|platform`.",
    )
    app.state.engine = get_engine(db_url)
    app.state.workers = workers if workers is not None else Workers()
    app.state.auth_limiter = AuthLimiter()
    app.add_middleware(GuardMiddleware)

    @app.exception_handler(CityNexusError)
    async def _cnx_error(_: Request, err: CityNexusError) -> JSONResponse:
        body: dict = {"error": type(err).__name__, "message": str(err)}
        if isinstance(err, DatasetValidationError):
            body["message"] = (
                f"{len(err.problems)} problem(s) found in {err.source or 'the upload'}; nothing was stored"
            )
            body["problems"] = problem_list(err)
        elif _listed(err):  # e.g. a refused agreement: file, term, field, problem, fix, kind, values of each
            body["problems"] = [asdict(p) for p in err.problems]
        elif isinstance(err, StoreUnavailable):  # its text names the server's database: not for clients
            body["message"] = UNAVAILABLE
        headers = {"WWW-Authenticate": "ApiKey"} if isinstance(err, AuthError) else None
        if isinstance(err, TooManyFailures):
            headers = {"Retry-After": str(err.retry_after)}
        elif _status_for(err) == 503:
            headers = {"Retry-After": "2"}
        return JSONResponse(body, status_code=_status_for(err), headers=headers)

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, err: OperationalError) -> Response:
        """The database stopped answering (a server restarted, a disk failed) or stayed locked:
        503 with ``Retry-After``, not a bare 500 (a page in the reader's language off ``/api``);
        nothing of the driver's text reaches the client."""
        from citynexus.store import BUSY_HELP, is_busy

        busy = is_busy(err)
        if not request.url.path.startswith("/api"):
            from citynexus.web.pages import unavailable_page

            return unavailable_page(request, BUSY_HELP if busy else UNAVAILABLE)
        body = (
            {"error": "StoreBusyError", "message": BUSY_HELP}
            if busy
            else {"error": "StoreUnavailable", "message": UNAVAILABLE}
        )
        return JSONResponse(body, 503, headers={"Retry-After": "2"})

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_: Request, err: RequestValidationError) -> JSONResponse:
        details = [
            {"where": ".".join(str(x) for x in e.get("loc", ())), "problem": e.get("msg", "")} for e in err.errors()
        ]
        msg = "; ".join(f"{d['where']}: {d['problem']}" for d in details)
        return JSONResponse({"error": "RequestValidationError", "message": msg, "details": details}, 422)

    from citynexus.api.routers import datasets, health

    app.include_router(health.router)
    app.include_router(datasets.router, prefix="/api/v1")
    for extra in _optional_routers():
        app.include_router(extra, prefix="/api/v1")

    from citynexus.web import mount

    mount(app)
    app.openapi = lambda: _openapi(app)
    return app


def _openapi(app: FastAPI) -> dict:
    """The OpenAPI schema with the key scheme declared (once per app)."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        _document_statuses(schema)
        comps = schema.setdefault("components", {})
        comps["securitySchemes"] = {
            "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "Bearer": {"type": "http", "scheme": "bearer"},
        }
        app.openapi_schema = schema
    return app.openapi_schema


def _optional_routers() -> list:
    """Routers of areas that are present (index, robustness, region, ...)."""
    import importlib
    import importlib.util

    out = []
    for name in (
        "index",
        "robustness",
        "region",
        "network",
        "hub",
        "ledger",
        "admin",
        "agree",
        "centres",
        "watch",
        "cases",
    ):
        mod = f"citynexus.api.routers.{name}"
        if importlib.util.find_spec(mod) is not None:
            out.append(importlib.import_module(mod).router)
    return out


#: Parameters and body fields that name a stored record: an operation taking one may answer 404.
LOOKUPS = {"dataset", "agreement", "agreement_id", "need", "offer", "org", "party", "sme", "centre", "case"}

COMMON_RESPONSES: dict[int, str] = {
    400: "The request is not usable: the message says what to change",
    413: "The request body is larger than allowed",
    422: "A field or parameter is missing or has the wrong type (every problem listed)",
    503: "The database or the worker processes are busy: retry in a moment",
}


def _body_fields(schema: dict, op: dict) -> set[str]:
    """Property names of an operation's JSON body (through a ``$ref``)."""
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = body.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        body = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    return set(body.get("properties", {}))


def _document_statuses(schema: dict) -> None:
    """Add to every operation the statuses it can answer besides its own: the common ones, the
    key checks' (401, 403, 429) and the key schemes where a key is read, 404 where a path id, a
    dataset or the ledger is looked up."""
    from citynexus.api.deps import AUTH_RESPONSES

    for path, ops in schema.get("paths", {}).items():
        for op in ops.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            extra: dict[str, dict] = {str(k): {"description": v} for k, v in COMMON_RESPONSES.items()}
            names = {p.get("name", "").lower() for p in op.get("parameters", [])}
            if "x-api-key" in names:
                extra.update({str(k): v for k, v in AUTH_RESPONSES.items()})
                op.setdefault("security", [{"ApiKey": []}, {"Bearer": []}, {}])
            if "{" in path or LOOKUPS & (names | _body_fields(schema, op)) or path.startswith("/api/v1/ledger"):
                extra.setdefault("404", {"description": "No such record, dataset or ledger"})
            op["responses"] = {**extra, **op["responses"]}
