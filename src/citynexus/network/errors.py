"""Errors of the city-network package."""

from __future__ import annotations

from citynexus.errors import ComputationError, SpecError


class NetworkInputError(ComputationError):
    """Input to a network model cannot be used (wrong shape, negative or missing values,
    unknown cities, zero distances)."""


class NetworkSpecError(SpecError):
    """A network method was asked for something impossible (unknown method, k < 1,
    quantile outside [0, 1], ...)."""
