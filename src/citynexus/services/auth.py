"""Who may do what: the principal behind a request and the permission checks of every write.

Roles, lowest first (each includes the ones before it):

- ``viewer`` — reads what its organisation may see, including the organisation's private records;
- ``editor`` — creates, changes and deletes its organisation's records;
- ``admin`` — an editor who also reads the organisation's audit trail;
- ``platform`` — an operator: reads and writes every organisation's records.

A record is writable by an editor (or above) of its owner organisation and by the platform.
A private record (a need with ``visibility = "private"``, a private build, a draft agreement)
is visible to its owner organisation, the parties named on it, and the platform. These checks
live here once; routers, pages and commands call the services, which call these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from citynexus.errors import CityNexusError

ROLES = ("viewer", "editor", "admin", "platform")
_RANK = {r: i for i, r in enumerate(ROLES)}


class AuthError(CityNexusError):
    """A request needs a valid API key and did not carry one (HTTP 401)."""


class PermissionDenied(CityNexusError):
    """The key is valid but may not do this (HTTP 403)."""


@dataclass(frozen=True)
class Principal:
    """The organisation and role a request acts for (from its API key)."""

    key_id: int
    key_name: str
    org: str
    role: str

    @property
    def is_platform(self) -> bool:
        return self.role == "platform"

    def at_least(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]

    @property
    def label(self) -> str:
        """``org/key-name``: how the principal is named in audit events and ledger entries."""
        return f"{self.org}/{self.key_name}"


def require_role(p: Principal, role: str, action: str) -> None:
    """Raise :class:`PermissionDenied` unless ``p`` has at least ``role``."""
    if not p.at_least(role):
        raise PermissionDenied(f"{action} needs the role {role} or above; key {p.key_name!r} is a {p.role}")


def check_write(p: Principal, owner: str | None, what: str) -> None:
    """An editor of the owner organisation, or the platform, may write ``what``."""
    require_role(p, "editor", f"changing {what}")
    if owner is not None and owner != p.org and not p.is_platform:
        raise PermissionDenied(f"{what} belongs to organisation {owner!r}; key {p.key_name!r} acts for {p.org!r}")


def import_owner(p: Principal, owner: str | None, what: str = "records") -> str:
    """The organisation that owns what ``p`` imports: its own (``owner`` None or its own), or
    ``owner`` when ``p`` is the platform; any other key is refused (nobody imports ``what`` into
    another organisation's name but the platform)."""
    if owner is None or owner == p.org:
        return p.org
    if not p.is_platform:
        raise PermissionDenied(f"only a platform key may import {what} for another organisation")
    return owner


def can_see(p: Principal | None, owner: str | None, private: bool, parties: Iterable[str] = ()) -> bool:
    """Whether ``p`` (None: anonymous) may read a record of ``owner`` (private or not)."""
    if not private:
        return True
    if p is None:
        return False
    return p.is_platform or p.org == owner or p.org in set(parties)
