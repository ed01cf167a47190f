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

from __future__ import annotations

from citynexus._lazy import lazy_exports

# Names are imported on first use, so that importing one module of the package (e.g. its
# errors, as the CLI does at start-up) does not load the whole numerical stack.
_EXPORTS = {
    "EvaluationError": "citynexus.evaluate.errors",
    "Framework": "citynexus.evaluate.framework",
    "InconsistentJudgementsError": "citynexus.evaluate.errors",
    "IndexResult": "citynexus.evaluate.result",
    "IndexSpec": "citynexus.evaluate.spec",
    "IndexSpecError": "citynexus.evaluate.errors",
    "Inputs": "citynexus.evaluate.pipeline",
    "aggregate_tree": "citynexus.evaluate.pipeline",
    "build": "citynexus.evaluate.pipeline",
    "default_spec": "citynexus.evaluate.spec",
    "group_weights": "citynexus.evaluate.pipeline",
    "prepare": "citynexus.evaluate.pipeline",
    "run_stages": "citynexus.evaluate.pipeline",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, globals(), _EXPORTS)
