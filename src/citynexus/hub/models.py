"""Plain records of the hub: organizations, offers and needs (组织、供给、需求).

These dataclasses are what the domain code works with; :mod:`citynexus.store.hub` holds the
tables they are stored in, and :mod:`citynexus.hub.records` turns JSON Lines / Excel rows
into them (validating every field).
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

ORG_KINDS = ("enterprise", "university", "institute", "service_centre", "agency", "association", "financier")
OFFER_KINDS = ("patent", "capacity", "service", "technology", "talent")
NEED_KINDS = ("technology", "capacity", "service", "talent", "financing")
VISIBILITY = ("public", "private")
ORG_SIZES = ("micro", "small", "medium", "large")


def cert_key(cert: str) -> str:
    """Comparison key of a certification: ``"ISO 9001"``, ``"iso-9001"`` and ``"ISO9001"`` are equal."""
    s = unicodedata.normalize("NFKC", cert).upper()
    return "".join(ch for ch in s if ch.isalnum())


@dataclass
class Organization:
    """An enterprise, university, institute, SME service centre, agency, association or financier."""

    id: str
    name: str
    kind: str
    city: str
    industries: list[str] = field(default_factory=list)
    name_zh: str | None = None
    size: str | None = None
    certifications: list[str] = field(default_factory=list)
    description: str | None = None
    description_zh: str | None = None

    def to_record(self) -> dict[str, Any]:
        """The JSON Lines record (``type`` first, empty optional fields left out)."""
        d = {"type": "organization", **asdict(self)}
        required = {"type", "id", "name", "kind", "city", "industries"}
        return {k: v for k, v in d.items() if k in required or v not in (None, [], {})}

    def display_name(self, lang: str = "en") -> str:
        return (self.name_zh or self.name) if lang == "zh" else self.name


@dataclass
class _Listing:
    """The fields offers and needs share: what is listed, by whom, in which industries."""

    id: str
    org: str
    kind: str
    title: str
    text: str
    industries: list[str] = field(default_factory=list)

    def document(self) -> str:
        """The text that is indexed and encoded: ``"<title>. <text>"``."""
        return f"{self.title}. {self.text}"


@dataclass
class Offer(_Listing):
    """What an organization offers: a patent, production capacity, a service, a technology or talent.

    ``attributes`` keys used by matching: ``capacity`` (number, same unit as the needs'
    ``min_capacity``), ``capacity_unit``, ``certifications`` (held for this offer, added to the
    organization's), ``cities`` (cities served besides the organization's own), ``price``
    (compared with a need's ``budget``), ``available_from`` (ISO date, compared with a need's
    ``deadline``). Other keys are kept and shown, not interpreted.
    """

    attributes: dict[str, Any] = field(default_factory=dict)
    lang: str = "en"

    def to_record(self) -> dict[str, Any]:
        return _listing_record(self, "offer", "attributes")


@dataclass
class Need(_Listing):
    """What an organization needs: technology, capacity, a service, talent or financing.

    ``constraints`` (hard, a partner that violates one is filtered out): ``cities`` (where the
    partner may be), ``certifications`` (all required), ``min_capacity``, ``deadline`` (ISO
    date; an offer available only later fails), ``budget`` (an offer priced higher fails).
    """

    constraints: dict[str, Any] = field(default_factory=dict)
    lang: str = "en"
    #: ``public`` (everyone sees it) or ``private`` (its owner and the platform only)
    visibility: str = "public"

    def to_record(self) -> dict[str, Any]:
        d = _listing_record(self, "need", "constraints")
        if d.get("visibility") == "public":
            d.pop("visibility")
        return d


def _listing_record(listing: Offer | Need, kind: str, optional: str) -> dict[str, Any]:
    """The JSON Lines record of an offer or need (``lang`` is derived, an empty
    ``attributes``/``constraints`` is left out)."""
    d = {"type": kind, **asdict(listing)}
    d.pop("lang")
    if not d[optional]:
        d.pop(optional)
    return d
