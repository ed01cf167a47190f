"""FastAPI dependencies: the database engine and API-key checking."""

from __future__ import annotations

from fastapi import Header, Request
from sqlalchemy import Engine

from citynexus.services.keys import KeyInfo, verify_key


def get_db(request: Request) -> Engine:
    return request.app.state.engine


def require_key(
    request: Request,
    x_api_key: str | None = Header(None, description="API key from `citynexus admin create-key`"),
    authorization: str | None = Header(None, description="Alternatively 'Bearer <key>'"),
) -> KeyInfo:
    """Writes need a valid key, given as ``X-API-Key`` or ``Authorization: Bearer``."""
    key = x_api_key
    if not key and authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    return verify_key(request.app.state.engine, key)
