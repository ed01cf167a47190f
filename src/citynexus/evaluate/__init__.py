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

import importlib

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

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
