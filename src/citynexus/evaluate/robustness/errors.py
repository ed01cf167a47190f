"""Errors of robustness analysis (both derive from :class:`citynexus.errors.CityNexusError`)."""

from __future__ import annotations

from citynexus.errors import ComputationError, SpecError


class RobustnessSpecError(SpecError):
    """A ``[robustness]`` section, a factor or a replay file asks for something impossible."""


class RobustnessError(ComputationError):
    """A replication cannot be computed (e.g. a geometric mean over a non-positive value)."""
