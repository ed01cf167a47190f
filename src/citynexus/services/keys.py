"""Organisations and API keys: creation, listing, revocation and verification.

A key looks like ``cnx_<prefix>_<secret>``; only SHA-256 of the whole key is stored, so a
leaked database does not leak usable keys. Verification compares hashes in constant time and
answers the :class:`~citynexus.services.auth.Principal` the key speaks for: its name, its
organisation and its role.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from citynexus.errors import CityNexusError
from citynexus.services.auth import ROLES, AuthError, Principal
from citynexus.store import session_scope
from citynexus.store.app import LOCAL_ORG, ApiKey, Organisation

__all__ = ["AuthError", "KeyInfo", "create_key", "create_org", "list_keys", "list_orgs", "revoke_key", "verify_key"]

_ORG_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


@dataclass(frozen=True)
class KeyInfo:
    id: int
    name: str
    prefix: str
    org: str
    role: str
    created: datetime
    revoked: bool


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_org(engine: Engine, code: str, name: str, name_zh: str | None = None) -> Organisation:
    """Register an organisation (a tenant); refuses a malformed or existing code."""
    if not _ORG_CODE.match(code or ""):
        raise CityNexusError(
            f"organisation code {code!r} is not usable: 1-64 letters, digits, '_', '.' or '-', starting with a "
            "letter or digit"
        )
    if not (name or "").strip():
        raise CityNexusError("give the organisation a name (--name)")
    with session_scope(engine) as s:
        if s.get(Organisation, code) is not None:
            raise CityNexusError(f"an organisation with code {code!r} exists already")
        org = Organisation(code=code, name=name.strip(), name_zh=(name_zh or "").strip() or None)
        s.add(org)
        s.flush()
        s.expunge(org)
        return org


def list_orgs(engine: Engine) -> list[Organisation]:
    with session_scope(engine) as s:
        rows = s.scalars(select(Organisation).order_by(Organisation.code)).all()
        for r in rows:
            s.expunge(r)
        return list(rows)


def _ensure_local(s) -> None:
    if s.get(Organisation, LOCAL_ORG) is None:
        s.add(Organisation(code=LOCAL_ORG, name="Local organisation", name_zh="本机构"))
        s.flush()


def create_key(engine: Engine, name: str, org: str | None = None, role: str = "admin") -> str:
    """Create a key named ``name`` for organisation ``org`` (default: the local organisation,
    created on first use) with ``role``; returns the full key (shown once, never stored)."""
    if not name.strip():
        raise CityNexusError("give the key a name, e.g. the person or service that will use it")
    if role not in ROLES:
        raise CityNexusError(f"role {role!r} is not one of {', '.join(ROLES)}")
    prefix = secrets.token_hex(4)
    key = f"cnx_{prefix}_{secrets.token_urlsafe(32)}"
    with session_scope(engine) as s:
        if org is None or org == LOCAL_ORG:
            _ensure_local(s)
            org = LOCAL_ORG
        elif s.get(Organisation, org) is None:
            raise CityNexusError(f"no organisation with code {org!r}: create it with `citynexus admin create-org`")
        s.add(ApiKey(name=name.strip(), prefix=prefix, secret_hash=_hash(key), org=org, role=role))
    return key


def list_keys(engine: Engine, org: str | None = None) -> list[KeyInfo]:
    with session_scope(engine) as s:
        q = select(ApiKey).order_by(ApiKey.id)
        if org is not None:
            q = q.where(ApiKey.org == org)
        return [KeyInfo(r.id, r.name, r.prefix, r.org, r.role, r.created, r.revoked) for r in s.scalars(q)]


def revoke_key(engine: Engine, prefix: str) -> None:
    with session_scope(engine) as s:
        row = s.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
        if row is None:
            raise CityNexusError(f"no key with prefix '{prefix}' (see `citynexus admin list-keys`)")
        row.revoked = True


def verify_key(engine: Engine, key: str | None) -> Principal:
    """The principal of a valid key, or raise :class:`AuthError` saying what is wrong."""
    if not key:
        raise AuthError(
            "this request needs an API key: send it as header 'X-API-Key' "
            "(create one with `citynexus admin create-key NAME --org CODE --role editor`)"
        )
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "cnx" or len(key) > 200:
        raise AuthError("the API key is malformed: keys look like cnx_<prefix>_<secret>")
    digest = _hash(key)
    with session_scope(engine) as s:
        row = s.scalars(select(ApiKey).where(ApiKey.prefix == parts[1])).first()
        if row is None or not hmac.compare_digest(row.secret_hash, digest):
            raise AuthError("the API key is not valid")
        if row.revoked:
            raise AuthError("the API key has been revoked")
        return Principal(key_id=row.id, key_name=row.name, org=row.org or LOCAL_ORG, role=row.role or "admin")
