"""The funding formula of the service centres (资金分配公式): weights, limits and their TOML layout.

With budget ``B``, ``n`` centres, base share ``β`` and metric weights
``w_m = (1 − β) · q_g · s_m`` (group share ``q_g`` of quantity / quality, split ``s_m``), a
centre's raw amount is ``raw_c = β B / n + Σ_m w_m B · x_m(c) / Σ_d x_m(d)``; floors and caps
are ``φ B/n`` and ``κ B/n`` with ``φ ≤ 1 ≤ κ``. The allocation itself is
:func:`citynexus.centres.funding.allocate` (see that module for the counting rules and the
rounding); this module holds only the formula, validated on construction. Reference: Hicks
2012, *Research Policy* 41(2), 251-261 (performance-based funding formulas).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from citynexus.centres.errors import FormulaError
from citynexus.data.specfiles import read_toml, reject_unknown

METRICS = ("distinct_smes", "confirmed_services", "ratings", "outcomes")
#: the TOML tables whose two shares sum to 1 (the second is the complement of the first)
COMPLEMENTS = {
    "performance": ("quantity", "quality"),
    "performance.quantity_split": ("distinct_smes", "confirmed_services"),
    "performance.quality_split": ("ratings", "outcomes"),
}


def subtable(d: Any, path: str) -> Any:
    """The table at the dotted ``path`` (``"performance.quality_split"``) of a formula in the TOML
    layout; ``{}`` where a part is absent or not a table."""
    for part in path.split("."):
        d = d.get(part, {}) if isinstance(d, dict) else {}
    return d


@dataclass
class Formula:
    """A funding formula (see the module docstring); ``from_toml`` reads the TOML layout of
    ``specs/funding_default.toml``."""

    name: str = "default"
    base_share: float = 0.30
    quantity: float = 0.5
    quality: float = 0.5
    distinct_smes: float = 0.6
    confirmed_services: float = 0.4
    ratings: float = 0.7
    outcomes: float = 0.3
    floor_multiple: float = 0.4
    cap_multiple: float = 3.0

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        def unit(key: str) -> None:
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or not 0 <= v <= 1:
                raise FormulaError(f"formula {self.name!r}: {key} must be a number in [0, 1], got {v!r}")

        for k in ("base_share", "quantity", "quality", "distinct_smes", "confirmed_services", "ratings", "outcomes"):
            unit(k)
        for group, keys in COMPLEMENTS.items():
            s = sum(getattr(self, k) for k in keys)
            if abs(s - 1) > 1e-9:
                raise FormulaError(
                    f"formula {self.name!r}: [{group}] {' + '.join(keys)} = {s:g}, must sum to 1 -> rescale them"
                )
        if not 0 <= self.floor_multiple <= 1:
            raise FormulaError(
                f"formula {self.name!r}: limits.floor_multiple must lie in [0, 1] (a floor above the equal grant "
                f"cannot be met by every centre), got {self.floor_multiple!r}"
            )
        if not (isinstance(self.cap_multiple, int | float) and self.cap_multiple >= 1):
            raise FormulaError(
                f"formula {self.name!r}: limits.cap_multiple must be >= 1 (a cap below the equal grant cannot spend "
                f"the budget), got {self.cap_multiple!r}"
            )

    def weights(self) -> dict[str, float]:
        """Effective share of the budget of each metric: ``(1 − β) q_g s_m``."""
        p = 1 - self.base_share
        return {
            "distinct_smes": p * self.quantity * self.distinct_smes,
            "confirmed_services": p * self.quantity * self.confirmed_services,
            "ratings": p * self.quality * self.ratings,
            "outcomes": p * self.quality * self.outcomes,
        }

    def to_toml_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base_share": self.base_share,
            "performance": {
                "quantity": self.quantity,
                "quality": self.quality,
                "quantity_split": {"distinct_smes": self.distinct_smes, "confirmed_services": self.confirmed_services},
                "quality_split": {"ratings": self.ratings, "outcomes": self.outcomes},
            },
            "limits": {"floor_multiple": self.floor_multiple, "cap_multiple": self.cap_multiple},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "formula") -> Formula:
        reject_unknown(d, {"name", "base_share", "performance", "limits"}, FormulaError, "key(s)", f"{source}: ")
        kw: dict[str, Any] = {}
        if "name" in d:
            kw["name"] = str(d["name"])
        if "base_share" in d:
            kw["base_share"] = d["base_share"]
        perf = d.get("performance", {})
        lim = d.get("limits", {})
        tables = {
            "performance": (perf, {"quantity", "quality", "quantity_split", "quality_split"}),
            "limits": (lim, {"floor_multiple", "cap_multiple"}),
            **{g: (subtable(d, g), set(keys)) for g, keys in COMPLEMENTS.items() if "." in g},
        }
        for tname, (table, keys) in tables.items():
            if not isinstance(table, dict):
                raise FormulaError(f"{source}: [{tname}] must be a table")
            reject_unknown(table, keys, FormulaError, f"key(s) in [{tname}]:", f"{source}: ")
            for k in keys:
                if k in table and not isinstance(table[k], dict):
                    kw[k] = table[k]
        try:
            return cls(**kw)
        except FormulaError as err:
            raise FormulaError(f"{source}: {err}") from err

    @classmethod
    def from_toml(cls, path: str | Path) -> Formula:
        """Read a funding formula TOML file (the layout of ``specs/funding_default.toml``)."""
        return cls.from_dict(read_toml(path, FormulaError, "funding formula"), str(path))

    @classmethod
    def default(cls) -> Formula:
        """The documented default formula (``specs/funding_default.toml``)."""
        return cls.from_toml(str(resources.files("citynexus.centres").joinpath("specs/funding_default.toml")))
