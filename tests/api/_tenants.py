"""The organisations and keys API tests act with: a client whose attributes are the
``X-API-Key`` headers of keys of several organisations (tenants), or a client with one key of the
local organisation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from fastapi.testclient import TestClient

from citynexus.api import create_app
from citynexus.services.keys import create_key, create_org
from citynexus.store import get_engine

#: attribute -> (key name, organisation, role): editors of two organisations (A, B), a viewer of A
#: and a platform operator.
TWO_TENANTS = {
    "a": ("alice", "A", "editor"),
    "b": ("bob", "B", "editor"),
    "viewer": ("vera", "A", "viewer"),
    "ops": ("olga", "ops", "platform"),
}


@contextmanager
def tenant_client(
    db_url: str, keys: Mapping[str, tuple[str, str, str]] = TWO_TENANTS, orgs: tuple[str, ...] = ()
) -> Iterator[TestClient]:
    """A client of the app on ``db_url`` after the organisations of ``keys`` (and ``orgs``) are
    created: ``c.<attribute>`` is the header of the key ``keys[attribute]``, ``c.eng`` the engine,
    ``c.url`` the database URL."""
    eng = get_engine(db_url)
    for code in dict.fromkeys([org for _, org, _ in keys.values()] + list(orgs)):
        create_org(eng, code, name=f"Office {code}")
    with TestClient(create_app(db_url)) as c:
        c.eng = eng
        c.url = db_url
        for attr, (name, org, role) in keys.items():
            setattr(c, attr, {"X-API-Key": create_key(eng, name, org=org, role=role)})
        yield c


@contextmanager
def keyed_client(db_url: str, name: str) -> Iterator[TestClient]:
    """A client of the app on ``db_url`` with ``c.key``, an admin key named ``name`` of the local
    organisation, and ``c.db_url``."""
    with TestClient(create_app(db_url)) as c:
        c.db_url = db_url
        c.key = create_key(get_engine(db_url), name)
        yield c
