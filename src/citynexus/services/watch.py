"""Use cases of risk early warning shared by the faces (CLI now; REST and dashboard later)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["changepoints_of_file"]


def changepoints_of_file(path: str | Path, lang: str = "en") -> dict[str, Any]:
    """Read a ``t,value`` CSV and run the default change-point detector; a JSON-ready dict with
    ``changepoints`` (0-based starts of new segments, never 0), ``t`` labels of those positions, the
    segments, magnitudes, settings, a note when there was nothing to detect, and an explanation."""
    from citynexus.watch.changepoints import ChangePointDetector
    from citynexus.watch.io import read_series_csv

    labels, values = read_series_csv(path)
    res = ChangePointDetector().fit(values).result_
    assert res is not None
    return {
        "changepoints": res.changepoints,
        "t": [labels[i] for i in res.changepoints],
        "n": res.n,
        "n_observed": res.n_observed,
        "segments": res.segments,
        "magnitudes": res.magnitudes,
        "sigma": res.sigma,
        "penalty": res.penalty,
        "settings": res.settings,
        "period": res.extra.get("period"),
        "note": res.note,
        "explanation": res.explain(lang),
    }
