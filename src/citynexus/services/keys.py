"""API keys: creation, listing, revocation and verification.

A key looks like ``cnx_<prefix>_<secret>``; only SHA-256 of the whole key is stored, so a
leaked database does not leak usable keys. Verification compares hashes in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from citynexus.errors import CityNexusError
from citynexus.store import session_scope
from citynexus.store.app import ApiKey


class AuthError(CityNexusError):
    """A request needs a valid API key and did not carry one."""


@dataclass(frozen=True)
class KeyInfo:
    id: int
    name: str
    prefix: str
    created: datetime
    revoked: bool


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, name: str) -> str:
    """Create a key named ``name``; returns the full key (shown once, never stored)."""
    if not name.strip():
        raise CityNexusError("give the key a name, e.g. the person or service that will use it")
    prefix = secrets.token_hex(4)
    key = f"cnx_{prefix}_{secrets.token_urlsafe(32)}"
    with session_scope(engine) as s:
        s.add(ApiKey(name=name.strip(), prefix=prefix, secret_hash=_hash(key)))
    return key


def list_keys(engine: Engine) -> list[KeyInfo]:
    with session_scope(engine) as s:
        rows = s.scalars(select(ApiKey).order_by(ApiKey.id)).all()
        return [KeyInfo(r.id, r.name, r.prefix, r.created, r.revoked) for r in rows]


def revoke_key(engine: Engine, prefix: str) -> None:
    with session_scope(engine) as s:
        row = s.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
        if row is None:
            raise CityNexusError(f"no key with prefix '{prefix}' (see `citynexus admin list-keys`)")
        row.revoked = True


def verify_key(engine: Engine, key: str | None) -> KeyInfo:
    """Return the key's info, or raise :class:`AuthError` saying what is wrong."""
    if not key:
        raise AuthError(
            "this request changes data and needs an API key: send it as header 'X-API-Key' "
            "(create one with `citynexus admin create-key NAME`)"
        )
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "cnx":
        raise AuthError("the API key is malformed: keys look like cnx_<prefix>_<secret>")
    digest = _hash(key)
    with session_scope(engine) as s:
        row = s.scalars(select(ApiKey).where(ApiKey.prefix == parts[1])).first()
        if row is None or not hmac.compare_digest(row.secret_hash, digest):
            raise AuthError("the API key is not valid")
        if row.revoked:
            raise AuthError("the API key has been revoked")
        return KeyInfo(row.id, row.name, row.prefix, row.created, row.revoked)
