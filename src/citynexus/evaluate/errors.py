"""Errors of the evaluation engine.

All derive from :class:`citynexus.errors.CityNexusError` (through :class:`SpecError` for
bad method choices and :class:`ComputationError` for data a method cannot process), so
the CLI prints them as one clear message.
"""

from __future__ import annotations

from citynexus.errors import ComputationError, SpecError


class IndexSpecError(SpecError):
    """An :class:`~citynexus.evaluate.spec.IndexSpec` asks for something impossible
    (unknown method, weights that do not sum, AHP matrix not reciprocal, ...)."""


class EvaluationError(ComputationError):
    """The data cannot be processed by the requested method (e.g. a geometric mean
    over a zero)."""


class InconsistentJudgementsError(IndexSpecError):
    """An AHP pairwise comparison matrix has a consistency ratio of 0.1 or more."""
