"""FastAPI dependencies: the database engine and the principal behind a request's API key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request, UploadFile
from fastapi import Path as PathParam
from sqlalchemy import Engine

from citynexus.errors import CityNexusError
from citynexus.services.auth import Principal
from citynexus.services.keys import verify_key
from citynexus.services.workers import Workers

KEY_HELP = "API key from `citynexus admin create-key NAME --org CODE --role ROLE`"


def get_db(request: Request) -> Engine:
    return request.app.state.engine


def get_workers(request: Request) -> Workers:
    """The app's worker processes for heavy jobs (:mod:`citynexus.services.workers`)."""
    return request.app.state.workers


def hub_encoder(request: Request) -> object | None:
    """The app's hub sentence encoder (``app.state.hub_encoder``; None: the process-wide default)."""
    return getattr(request.app.state, "hub_encoder", None)


def _key_of(x_api_key: str | None, authorization: str | None) -> str | None:
    if x_api_key:
        return x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def require_key(
    request: Request,
    x_api_key: str | None = Header(None, description=KEY_HELP),
    authorization: str | None = Header(None, description="Alternatively 'Bearer <key>'"),
) -> Principal:
    """Writes need a valid key, given as ``X-API-Key`` or ``Authorization: Bearer``."""
    return _verify(request, _key_of(x_api_key, authorization))


def optional_key(
    request: Request,
    x_api_key: str | None = Header(None, description=KEY_HELP + " (optional: shows your private records)"),
    authorization: str | None = Header(None, description="Alternatively 'Bearer <key>'"),
) -> Principal | None:
    """Reads work without a key; a key given must be valid, and lets the owner see private records."""
    key = _key_of(x_api_key, authorization)
    return None if key is None else _verify(request, key)


def _verify(request: Request, key: str | None) -> Principal:
    """Check the key, counting failures per address and key (429 past the limit)."""
    from citynexus.services.auth import AuthError

    limiter = request.app.state.auth_limiter
    address = client_of(request)
    limiter.check(address, key)
    try:
        return verify_key(request.app.state.engine, key)
    except AuthError:
        if key is not None:  # a missing key is a mistake, a wrong one a guess
            limiter.failed(address, key)
        raise


def client_of(request: Request) -> str | None:
    """The client's address, for the audit trail."""
    return request.client.host if request.client else None


#: Responses of every endpoint that checks a key (for the OpenAPI schema).
AUTH_RESPONSES: dict[int | str, dict] = {
    401: {"description": "No API key, or a malformed, unknown or revoked one"},
    403: {"description": "The key's role or organisation may not do this"},
    429: {"description": "Too many failed key checks from this address: wait and retry"},
}


#: Responses of an endpoint whose work may run in a worker process (for the OpenAPI schema).
JOB_RESPONSES: dict[int | str, dict] = {
    413: {"description": "The upload is larger than allowed, or its processing ran past the time limit (stopped)"},
    503: {"description": "The worker processes are busy, or the one running the job stopped: retry"},
}


class UploadTooLarge(CityNexusError):
    """An uploaded file is larger than the endpoint accepts (HTTP 413)."""


async def read_upload(file: UploadFile, limit: int) -> bytes:
    """Read an uploaded file, refusing it as soon as it passes ``limit`` bytes."""
    chunks, size = [], 0
    while chunk := await file.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(f"{file.filename or 'the upload'} is larger than {limit // 2**20} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


async def upload(file: UploadFile, limit: int, default: str) -> tuple[str, bytes]:
    """``(name, content)`` of an uploaded file: its file name (``default`` when the client sent
    none) and its bytes, read with :func:`read_upload` (413 past ``limit``)."""
    content = await read_upload(file, limit)
    return file.filename or default, content


# ---------------------------------------------------------------------------- parameter types
# The parameters every router repeats, declared once (FastAPI reads ``Annotated`` metadata, so an
# endpoint writes ``db: Db, who: Caller`` and the OpenAPI schema is the same as with the defaults).

#: The app's database engine.
Db = Annotated[Engine, Depends(get_db)]
#: The principal of a valid key (a write): 401 without one, 403 for a wrong role (checked by the service).
Caller = Annotated[Principal, Depends(require_key)]
#: The principal of a key when one is given (a read): ``None`` without one; lets an owner see private records.
Reader = Annotated[Principal | None, Depends(optional_key)]
#: The client's address, for the audit trail.
Client = Annotated[str | None, Depends(client_of)]
#: The app's worker processes for heavy jobs.
Jobs = Annotated[Workers, Depends(get_workers)]
#: The hub's sentence encoder of the app (None: the process-wide default).
Encoder = Annotated[object | None, Depends(hub_encoder)]
#: The owner organisation of the records a platform key imports.
Owner = Annotated[str | None, Query(max_length=64, description="Owner of new records (platform keys only)")]


@dataclass(frozen=True)
class Write:
    """What every write passes to its service: the database, the principal of the (valid) key
    and the client's address for the audit trail."""

    db: Engine
    who: Principal
    client: str | None


def write_of(db: Db, who: Caller, client: Client) -> Write:
    """The :class:`Write` of a request (401 without a valid key)."""
    return Write(db, who, client)


#: A write request: ``w.db``, ``w.who`` (a valid key's principal), ``w.client``.
Writer = Annotated[Write, Depends(write_of)]
#: A record id in the path (agreement, organisation, record, need): at most 64 characters.
PathId = Annotated[str, PathParam(max_length=64)]
