"""Plain records of the service network: centres and SME service requests (服务中心与服务需求).

A centre is a hub organization of kind ``service_centre`` with technical ``fields``, bilingual
capability text, a city, an optional capacity (services per year) and the SMEs it is
affiliated with (``affiliates``, used by the anti-gaming rules of funding). A request is an
SME's problem statement in Chinese or English.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from citynexus.hub.models import Need, Offer, Organization


@dataclass
class Centre:
    """A technology innovation and service centre (技术创新与服务中心)."""

    id: str
    name: str
    city: str
    fields: list[str]
    description: str | None = None
    description_zh: str | None = None
    name_zh: str | None = None
    capacity: float | None = None
    affiliates: list[str] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        """The JSON line of the centre (empty optional fields left out)."""
        d = asdict(self)
        required = {"id", "name", "city", "fields"}
        return {k: v for k, v in d.items() if k in required or v not in (None, [], {})}

    def display_name(self, lang: str = "en") -> str:
        return (self.name_zh or self.name) if lang == "zh" else self.name

    def organization(self) -> Organization:
        """The hub organization of the centre (kind ``service_centre``)."""
        return Organization(
            id=self.id,
            name=self.name,
            kind="service_centre",
            city=self.city,
            industries=[],
            name_zh=self.name_zh,
            description=self.description,
            description_zh=self.description_zh,
        )

    def offers(self) -> list[Offer]:
        """One hub offer of kind ``service`` per language the centre describes itself in:
        ``ID:en`` (name + description) and ``ID:zh`` (Chinese name + Chinese description).

        Two offers instead of one mixed text keep the hub's per-language handling intact: BM25
        compares a Chinese request with Chinese text and an English one with English text,
        and the dense encoder sees both."""
        out = []
        attrs = {"fields": list(self.fields)}
        if self.capacity is not None:
            attrs["capacity"] = self.capacity
        if self.description:
            out.append(Offer(f"{self.id}:en", self.id, "service", self.name, self.description, [], attrs, "en"))
        if self.description_zh:
            title = self.name_zh or self.name
            out.append(Offer(f"{self.id}:zh", self.id, "service", title, self.description_zh, [], attrs, "zh"))
        return out


@dataclass
class ServiceRequest:
    """An SME's service request: a problem statement in Chinese or English.

    ``expect`` (optional) lists the centre(s) that should take the request: labels of an
    evaluation set, never used by routing."""

    id: str
    sme: str
    city: str
    text: str
    lang: str = "en"
    industry: str | None = None
    expect: list[str] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("lang")
        return {k: v for k, v in d.items() if k in {"id", "sme", "city", "text"} or v not in (None, [], {})}

    def need(self, need_id: str | None = None, text: str | None = None) -> Need:
        """The request as a hub need of kind ``service`` (``text`` replaces the statement,
        for routing one clause of it)."""
        from citynexus.hub.text import detect_lang

        body = self.text if text is None else text
        inds = [self.industry] if self.industry else []
        return Need(need_id or self.id, self.sme, "service", "", body, inds, {}, detect_lang(body))
