"""Cooperation hub (合作平台): registry of organizations, offers and needs; bilingual hybrid
matching (BM25 + multilingual sentence vectors + reciprocal rank fusion, hard constraints,
soft re-ranking with reasons); digital portraits.

>>> from citynexus.hub import Hub
>>> hub = Hub("sqlite:///hub.db")                          # doctest: +SKIP
>>> hub.import_file(demo_path())                           # doctest: +SKIP
>>> [m.to_json() for m in hub.matcher().match_need("N0001", top=3)]   # doctest: +SKIP
"""

from citynexus.hub.cities import resolve_city
from citynexus.hub.config import MatchConfig
from citynexus.hub.constraints import ConstraintCheck, check_constraints
from citynexus.hub.encoder import Encoder, HashingEncoder, USEEncoder, default_encoder
from citynexus.hub.errors import (
    HubConfigError,
    HubError,
    HubImportError,
    ImportProblem,
    NotFoundError,
    UnknownCityError,
)
from citynexus.hub.matching import Match, Matcher, PartnerMatch, Query, feature
from citynexus.hub.models import Need, Offer, Organization
from citynexus.hub.portrait import match_graph, portrait, render_text
from citynexus.hub.registry import Hub, ImportReport
from citynexus.hub.vectors import ExactIndex, VectorIndex, register_index


def demo_path():
    """Path of the bundled, synthetic bilingual demo hub (JSON Lines)."""
    from importlib import resources

    return resources.files("citynexus.hub").joinpath("demo/demo_hub.jsonl")


__all__ = [
    "ConstraintCheck",
    "Encoder",
    "ExactIndex",
    "HashingEncoder",
    "Hub",
    "HubConfigError",
    "HubError",
    "HubImportError",
    "ImportProblem",
    "ImportReport",
    "Match",
    "MatchConfig",
    "Matcher",
    "Need",
    "NotFoundError",
    "Offer",
    "Organization",
    "PartnerMatch",
    "Query",
    "USEEncoder",
    "UnknownCityError",
    "VectorIndex",
    "check_constraints",
    "default_encoder",
    "demo_path",
    "feature",
    "match_graph",
    "portrait",
    "register_index",
    "render_text",
    "resolve_city",
]
