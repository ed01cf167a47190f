"""Errors of the risk early-warning package."""

from __future__ import annotations

from citynexus.errors import ComputationError, SpecError


class WatchInputError(ComputationError):
    """A series or report table given to a detector cannot be used (unreadable file, no ``value``
    column, text where a number belongs, no numeric value at all, unknown party...)."""


class WatchSpecError(SpecError):
    """A detector or score was asked for something impossible (unknown cost model, margin < 0,
    weights that do not sum to one, unknown comparison operator...)."""


class WatchAlertError(SpecError):
    """An alert does not exist or cannot move to the asked status (open -> acknowledged -> resolved)."""
