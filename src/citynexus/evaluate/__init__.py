"""Composite-indicator engine (综合指数评价): denominate, screen, impute, treat outliers,
normalise, weight, aggregate (means, TOPSIS, VIKOR, GRA) and analyse.

>>> from citynexus.data import load
>>> from citynexus.evaluate import build, default_spec
>>> result = build(load("gba"), default_spec("gba"))      # doctest: +SKIP
>>> result.ranking().head(3)                               # doctest: +SKIP

Every step is a pure function (modules ``denominate``, ``screen``, ``impute``, ``treat``,
``normalise``, ``weights``, ``aggregate``, ``analysis``); :func:`build` chains them
according to an :class:`IndexSpec`. See docs/methods.md for every formula.
"""

from citynexus.evaluate.errors import EvaluationError, InconsistentJudgementsError, IndexSpecError
from citynexus.evaluate.framework import Framework
from citynexus.evaluate.pipeline import Inputs, aggregate_tree, build, group_weights, prepare, run_stages
from citynexus.evaluate.result import IndexResult
from citynexus.evaluate.spec import IndexSpec, default_spec

__all__ = [
    "EvaluationError",
    "Framework",
    "InconsistentJudgementsError",
    "IndexResult",
    "IndexSpec",
    "IndexSpecError",
    "Inputs",
    "aggregate_tree",
    "build",
    "default_spec",
    "group_weights",
    "prepare",
    "run_stages",
]
