"""Hard constraints of hub matching (硬约束): which constraints of a need an offer meets.

A ranking (:meth:`citynexus.hub.matching.Matcher.rank`) takes an :data:`Accept` hook that
returns a :class:`ConstraintCheck` for an item (kept if it passes) or None (removed);
:func:`check_constraints` is the one for needs and offers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from citynexus.hub import cities as _cities
from citynexus.hub.models import Need, Offer, Organization, cert_key

#: Hard constraints of a ranking: the check of an item (kept if it passes) or None (removed).
Accept = Callable[[Any], "ConstraintCheck | None"]


@dataclass
class ConstraintCheck:
    """Which constraints of a need an offer meets, misses, or cannot be checked against."""

    met: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)

    def passes(self, unknown_policy: str = "keep") -> bool:
        return not self.missed and (unknown_policy == "keep" or not self.unverified)

    def to_json(self) -> dict[str, list[str]]:
        return {"met": self.met, "missed": self.missed, "unverified": self.unverified}


def city_label(code: str) -> str:
    """``"SZ (Shenzhen/深圳)"`` for a known city code, else the code itself."""
    c = _cities.cities().get(code)
    return f"{code} ({c.name}/{c.name_zh})" if c else code


def check_constraints(need: Need, offer: Offer, offer_org: Organization | None) -> ConstraintCheck:
    """Check the hard constraints of ``need`` against ``offer`` and the organization offering it.

    - ``cities``: met when the organization's city, or a city in ``offer.attributes.cities``
      (cities served), is allowed.
    - ``certifications``: each required one must be held by the organization or listed in
      ``offer.attributes.certifications`` (compared ignoring case, spaces and dashes).
    - ``min_capacity``: ``offer.attributes.capacity >= min_capacity``; unverified if unknown.
    - ``budget``: ``offer.attributes.price <= budget``; unverified if the price is unknown.
    - ``deadline``: ``offer.attributes.available_from <= deadline``; an offer without
      ``available_from`` is taken as available now (met).
    """
    res = ConstraintCheck()
    con = need.constraints or {}
    attrs = offer.attributes or {}
    if con.get("cities"):
        allowed = list(con["cities"])
        places = ([offer_org.city] if offer_org else []) + list(attrs.get("cities") or [])
        hit = [p for p in places if p in allowed]
        if hit:
            res.met.append(f"city {city_label(hit[0])} is allowed")
        elif not places:
            res.unverified.append("city unknown")
        else:
            res.missed.append(f"located in {'/'.join(places)}, need allows only {', '.join(allowed)}")
    if con.get("certifications"):
        held = {cert_key(c) for c in (offer_org.certifications if offer_org else [])}
        held |= {cert_key(c) for c in attrs.get("certifications") or []}
        for req in con["certifications"]:
            if cert_key(req) in held:
                res.met.append(f"holds {req}")
            else:
                res.missed.append(f"lacks certification {req}")
    if con.get("min_capacity") is not None:
        cap = attrs.get("capacity")
        unit = attrs.get("capacity_unit", "")
        if cap is None:
            res.unverified.append(f"capacity not stated (need >= {con['min_capacity']:g})")
        elif cap >= con["min_capacity"]:
            res.met.append(f"capacity {cap:g} {unit}>= {con['min_capacity']:g}".replace("  ", " "))
        else:
            res.missed.append(f"capacity {cap:g} {unit}< required {con['min_capacity']:g}".replace("  ", " "))
    if con.get("budget") is not None:
        price = attrs.get("price")
        if price is None:
            res.unverified.append(f"price not stated (budget {con['budget']:g})")
        elif price <= con["budget"]:
            res.met.append(f"price {price:g} within budget {con['budget']:g}")
        else:
            res.missed.append(f"price {price:g} over budget {con['budget']:g}")
    if con.get("deadline"):
        start = attrs.get("available_from")
        if start is None or start <= con["deadline"]:
            res.met.append(f"available by deadline {con['deadline']}")
        else:
            res.missed.append(f"available only from {start}, after deadline {con['deadline']}")
    return res
