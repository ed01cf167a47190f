"""Errors of :mod:`citynexus.region`.

Every error names what was wrong, where (column, unit, period) and how to fix it.
"""

from __future__ import annotations

from citynexus.errors import BoundaryError, ComputationError, SpecError

__all__ = ["BoundaryError", "RegionInputError", "RegionSpecError"]


class RegionInputError(ComputationError):
    """Input data cannot be used by a region method (values outside [0, 1], NaN, too few
    subsystems, mismatched weights ...)."""


class RegionSpecError(SpecError):
    """A region method was asked for something impossible (unknown method, bad bands,
    weights that do not sum to 1 ...)."""
