"""Every weight and switch of hub matching in one dataclass, readable from and writable to TOML.

See ``docs/hub.md`` for what each option does; the defaults were set a priori (before the
evaluation set was scored) and are documented there with their reasons.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from citynexus.data.specfiles import read_toml, reject_unknown
from citynexus.hub.errors import HubConfigError


def _offer_kind_affinity() -> dict[str, dict[str, float]]:
    # need kind -> offer kind -> fit in [0, 1]
    return {
        "technology": {"technology": 1.0, "patent": 1.0, "service": 0.5, "talent": 0.3, "capacity": 0.2},
        "capacity": {"capacity": 1.0, "service": 0.4, "technology": 0.2},
        "service": {"service": 1.0, "technology": 0.5, "capacity": 0.3, "talent": 0.3, "patent": 0.2},
        "talent": {"talent": 1.0, "service": 0.4, "technology": 0.2},
        "financing": {"service": 1.0},
    }


def _org_kind_affinity() -> dict[str, dict[str, float]]:
    # need kind -> kind of the offering organization -> fit in [0, 1]
    return {
        "technology": {"university": 1.0, "institute": 1.0, "enterprise": 0.7, "service_centre": 0.5},
        "capacity": {"enterprise": 1.0, "service_centre": 0.3},
        "service": {"service_centre": 1.0, "agency": 0.8, "association": 0.7, "enterprise": 0.6, "institute": 0.5},
        "talent": {"university": 1.0, "institute": 0.8, "service_centre": 0.6, "agency": 0.6, "enterprise": 0.4},
        "financing": {"financier": 1.0, "agency": 0.5, "service_centre": 0.3},
    }


@dataclass
class MatchConfig:
    """Options of :class:`citynexus.hub.matching.Matcher`.

    Retrieval: BM25 (``bm25_k1``, ``bm25_b``; Robertson & Zaragoza 2009) and dense cosine
    each give their ``candidates`` best items; reciprocal rank fusion (Cormack, Clarke &
    Büttcher 2009) scores an item ``Σ_r w_r / (rrf_k + rank_r)``, normalised by its maximum
    ``Σ_r w_r / (rrf_k + 1)`` so the fused score lies in [0, 1]. Hard constraints then drop
    items (the pool grows x4 until ``top`` items survive or everything was seen), and soft
    features add ``w_f · value_f`` (values in [0, 1]) to the fused score; every constraint
    that cannot be checked for lack of data subtracts ``unverified_penalty``.
    """

    candidates: int = 100
    rrf_k: float = 60.0
    w_bm25: float = 1.0
    w_dense: float = 1.0
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    coverage_aware_fusion: bool = True
    prf_docs: int = 3
    prf_terms: int = 10
    prf_query_repeat: int = 2
    index_industry_labels: bool = True
    dense_min_similarity: float = 0.0
    vector_index: str = "exact"

    apply_constraints: bool = True
    unknown_policy: str = "keep"
    unverified_penalty: float = 0.03
    exclude_same_org: bool = True

    w_industry: float = 0.10
    w_same_city: float = 0.05
    w_neighbour_city: float = 0.025
    neighbour_km: float = 70.0
    w_offer_kind: float = 0.05
    w_org_kind: float = 0.03
    offer_kind_affinity: dict[str, dict[str, float]] = field(default_factory=_offer_kind_affinity)
    org_kind_affinity: dict[str, dict[str, float]] = field(default_factory=_org_kind_affinity)

    partner_per_item: int = 10
    shared_terms_shown: int = 8

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise :class:`HubConfigError` for impossible values."""
        if self.candidates < 1:
            raise HubConfigError(f"candidates must be >= 1, got {self.candidates}")
        if self.rrf_k <= 0:
            raise HubConfigError(f"rrf_k must be > 0, got {self.rrf_k}")
        for name in ("w_bm25", "w_dense", "w_industry", "w_same_city", "w_neighbour_city", "w_offer_kind"):
            if getattr(self, name) < 0:
                raise HubConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.w_org_kind < 0 or self.unverified_penalty < 0:
            raise HubConfigError("w_org_kind and unverified_penalty must be >= 0")
        if self.w_bm25 == 0 and self.w_dense == 0:
            raise HubConfigError("w_bm25 and w_dense are both 0: nothing would retrieve anything")
        if self.unknown_policy not in ("keep", "drop"):
            raise HubConfigError(f"unknown_policy must be 'keep' or 'drop', got {self.unknown_policy!r}")
        if self.bm25_k1 < 0 or not 0 <= self.bm25_b <= 1:
            raise HubConfigError("bm25_k1 must be >= 0 and bm25_b in [0, 1]")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MatchConfig:
        reject_unknown(d, {f.name for f in fields(cls)}, HubConfigError, "matching option(s)")
        try:
            return cls(**d)
        except TypeError as err:
            raise HubConfigError(f"bad matching option: {err}") from err

    @classmethod
    def from_toml(cls, path: str | Path) -> MatchConfig:
        """Read a TOML file whose top level (or ``[match]`` table) holds options of this class."""
        data = read_toml(path, HubConfigError, "matching options from")
        return cls.from_dict(data.get("match", data))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps({"match": self.to_dict()})
