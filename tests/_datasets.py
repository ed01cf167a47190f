"""Small datasets shared by test packages: the "nothing silent" set of three units and two
indicators (used by tests/cli and tests/evaluate, which has no package of its own)."""

from __future__ import annotations

import pandas as pd

from citynexus.data import Dataset
from citynexus.evaluate import IndexSpec

PLAIN = IndexSpec().with_(**{"treat.method": "none", "screen.unit_threshold": 0.0, "screen.indicator_threshold": 0.0})


def complete(drop: tuple[str, str] | None = None) -> Dataset:
    """3 units x 2 indicators under one pillar, every cell present except ``drop`` (unit, indicator)."""
    units = pd.DataFrame({"code": ["A", "B", "C"], "name": ["Alpha", "Beta", "Gamma"]})
    ind = pd.DataFrame(
        {
            "code": ["T", "i1", "i2"],
            "name": ["Index", "one", "two"],
            "parent": ["", "T", "T"],
            "level": ["2", "1", "1"],
            "kind": ["aggregate", "indicator", "indicator"],
            "direction": ["", "1", "1"],
        }
    )
    rows = [(u, 2020, c, v) for u, c, v in [("A", "i1", 1), ("B", "i1", 2), ("C", "i1", 4)]]
    rows += [(u, 2020, c, v) for u, c, v in [("A", "i2", 3), ("B", "i2", 1), ("C", "i2", 2)]]
    vals = pd.DataFrame(rows, columns=["unit", "period", "indicator", "value"])
    if drop:
        vals = vals[~((vals["unit"] == drop[0]) & (vals["indicator"] == drop[1]))]
    return Dataset.from_frames(units, ind, vals, name="complete")
