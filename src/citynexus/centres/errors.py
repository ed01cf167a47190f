"""Errors of the SME technology service network (中小企业技术服务网络)."""

from __future__ import annotations

from citynexus.errors import CityNexusError
from citynexus.hub.errors import HubImportError, ImportProblem

__all__ = [
    "CentresError",
    "CentresImportError",
    "FormulaError",
    "FundingError",
    "ImportProblem",
    "RecordError",
    "RoutingError",
]


class CentresError(CityNexusError):
    """Root of the errors raised by :mod:`citynexus.centres`."""


class CentresImportError(HubImportError, CentresError):
    """A centres, requests, records or talent file was rejected; nothing was used or stored.
    ``problems`` lists every problem with its line (or CSV row) and field."""


class RoutingError(CentresError):
    """A routing option is impossible (unknown mode, ``top`` < 1, no centres)."""


class FormulaError(CentresError):
    """A funding formula (TOML) names an unknown key or an impossible value."""


class FundingError(CentresError):
    """Funding cannot be allocated (negative budget, floors above the budget, ...)."""


class RecordError(CentresError):
    """A service record transition is not allowed (e.g. confirming an undelivered service)."""
