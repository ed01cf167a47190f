"""FastAPI dependencies: the database engine and the principal behind a request's API key."""

from __future__ import annotations

from fastapi import Header, Request, UploadFile
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
