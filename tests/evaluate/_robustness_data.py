"""Random and synthetic datasets for the robustness tests and benchmark (not a test module).

Every dataset made here is SYNTHETIC (random numbers), labelled so in its name."""

from __future__ import annotations

import numpy as np
import pandas as pd
from _evaluate_data import COINR_SPEC

from citynexus.data import Dataset


def random_dataset(
    seed: int,
    n_units: int = 8,
    n_pillars: int = 3,
    per_pillar: tuple[int, int] = (2, 3),
    sub_indices: bool = False,
    missing: float = 0.1,
) -> Dataset:
    """A random framework: indicators -> pillars (P1..) -> [sub-indices S1, S2] -> index T;
    skewed positive values with a few outliers, random directions and metadata weights,
    a ``group`` column, and about ``missing`` of the cells missing."""
    rng = np.random.default_rng(seed)
    units = pd.DataFrame(
        {
            "code": [f"U{i:02d}" for i in range(n_units)],
            "name": [f"Unit {i}" for i in range(n_units)],
            "group": ["g1" if i % 2 else "g2" for i in range(n_units)],
        }
    )
    rows = [{"code": "T", "parent": "", "level": "", "kind": "aggregate", "direction": "", "weight": 1.0}]
    pillars = [f"P{p + 1}" for p in range(n_pillars)]
    top_level = 4 if sub_indices else 3
    rows[0]["level"] = str(top_level)
    if sub_indices:
        for s in ("S1", "S2"):
            rows.append({"code": s, "parent": "T", "level": "3", "kind": "aggregate", "direction": "", "weight": 1.0})
    inds: list[str] = []
    for j, p in enumerate(pillars):
        parent = ("S1" if j % 2 == 0 else "S2") if sub_indices else "T"
        rows.append(
            {
                "code": p,
                "parent": parent,
                "level": "2",
                "kind": "aggregate",
                "direction": "",
                "weight": float(rng.integers(1, 4)),
            }
        )
        for i in range(int(rng.integers(per_pillar[0], per_pillar[1] + 1))):
            c = f"{p}_{i}"
            inds.append(c)
            rows.append(
                {
                    "code": c,
                    "parent": p,
                    "level": "1",
                    "kind": "indicator",
                    "direction": str(int(rng.choice([1, 1, -1]))),
                    "weight": float(rng.integers(1, 4)),
                }
            )
    ind = pd.DataFrame(rows)
    ind["name"] = ind["code"]
    x = rng.lognormal(mean=2.0, sigma=rng.uniform(0.3, 1.2, size=len(inds)), size=(n_units, len(inds)))
    out = rng.random(x.shape) < 0.05
    x = np.where(out, x * 8, x)
    x = np.round(x, 3)
    miss = rng.random(x.shape) < missing
    vals = [
        {"unit": units["code"][i], "period": 2020, "indicator": c, "value": float(x[i, j])}
        for i in range(n_units)
        for j, c in enumerate(inds)
        if not miss[i, j]
    ]
    return Dataset.from_frames(units, ind, pd.DataFrame(vals), name=f"random-{seed} (synthetic)")


def synthetic_cities(n_units: int = 300, n_indicators: int = 40, n_pillars: int = 5, seed: int = 0) -> Dataset:
    """SYNTHETIC benchmark data: ``n_units`` cities x ``n_indicators`` indicators in
    ``n_pillars`` pillars under one index, about 2% of cells missing."""
    rng = np.random.default_rng(seed)
    units = pd.DataFrame({"code": [f"C{i:04d}" for i in range(n_units)], "name": [f"City {i}" for i in range(n_units)]})
    units["group"] = ["east" if i % 3 else "west" for i in range(n_units)]
    rows = [{"code": "T", "parent": "", "level": "3", "kind": "aggregate", "direction": "", "weight": 1.0}]
    per = n_indicators // n_pillars
    inds = []
    for p in range(n_pillars):
        rows.append({"code": f"P{p}", "parent": "T", "level": "2", "kind": "aggregate", "direction": "", "weight": 1.0})
        for i in range(per):
            c = f"P{p}_{i}"
            inds.append(c)
            rows.append(
                {"code": c, "parent": f"P{p}", "level": "1", "kind": "indicator", "direction": "1", "weight": 1.0}
            )
    ind = pd.DataFrame(rows)
    ind["name"] = ind["code"]
    x = rng.lognormal(2.0, 0.8, size=(n_units, len(inds)))
    miss = rng.random(x.shape) < 0.02
    ii, jj = np.nonzero(~miss)
    vals = pd.DataFrame(
        {
            "unit": units["code"].to_numpy()[ii],
            "period": 2020,
            "indicator": np.asarray(inds)[jj],
            "value": x[ii, jj],
        }
    )
    return Dataset.from_frames(units, ind, vals, name="synthetic-cities (synthetic)")


#: COINr's reference pipeline for its ASEM example (as tests/evaluate/test_evaluate_asem.py)
#: plus the four uncertain factors of COINr's sensitivity vignette: winmax 1..5; min-max
#: 1-100 vs z-score mean 10 sd 2; 100 noisy weight sets at levels 2 and 3 (a = 0.25);
#: arithmetic vs geometric aggregation.
ASEM_ROBUST_SPEC = (
    COINR_SPEC
    + """
[robustness]
samples = 500
seed = 1
top_k = [5, 10]

[[robustness.factor]]
name = "winmax"
kind = "integer"
path = "treat.winmax"
low = 1
high = 5

[[robustness.factor]]
name = "normalisation"
kind = "choice"
target = "normalise"
options = [{method = "minmax", range = [1, 100]}, {method = "zscore", mean = 10, sd = 2}]
labels = ["min-max 1-100", "z-score mean 10 sd 2"]

[[robustness.factor]]
name = "weights"
kind = "weights_noise"
levels = [2, 3]
a = 0.25
sets = 100

[[robustness.factor]]
name = "aggregation"
kind = "choice"
target = "aggregate"
options = [{method = "arithmetic"}, {method = "geometric"}]
labels = ["arithmetic", "geometric"]
"""
)
