"""Benchmarks of robustness analysis: the vectorised engine against the naive oracle loop
(one full pipeline per replication, as COINr's ``get_sensitivity`` rebuilds the coin).

1. ASEM (COINr's example, 51 countries x 49 indicators, real data from ../shared/data)
   with four factors (winmax 1..5; min-max 1-100 vs z-score 10/2; 100 noisy weight sets
   at levels 2 and 3, a = 0.25; arithmetic vs geometric), N = 500 and N = 10,000.
2. 300 synthetic cities x 40 indicators (5 pillars) x 10,000 replications, four factors
   (winmax 1..5; two normalisations; 200 noisy weight sets at levels 1 and 2; arithmetic
   vs geometric).

"ours" is a complete cold run: preparing the engine (nominal build, weight sets) plus all
replications. The naive loop would take minutes to hours at these sizes, so it is timed on
a random subset of the same replications and scaled linearly to N (each replication costs
the same: one full pipeline); the note says how many were timed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
# the ASEM conversion from COINr's layout and the synthetic data live with the tests
sys.path.insert(0, str(HERE.parent / "tests" / "evaluate"))

CITY_FACTORS = """
[robustness]
seed = 7
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

[[robustness.factor]]
name = "weights"
kind = "weights_noise"
levels = [1, 2]
a = 0.25
sets = 200

[[robustness.factor]]
name = "aggregation"
kind = "choice"
target = "aggregate"
options = [{method = "arithmetic"}, {method = "geometric"}]
"""


def _naive_per_replication(engine, values: np.ndarray, m: int, seed: int = 0) -> float:
    from citynexus.evaluate.robustness import naive_evaluate

    rows = np.random.default_rng(seed).choice(values.shape[0], size=min(m, values.shape[0]), replace=False)
    t0 = time.perf_counter()
    naive_evaluate(engine, values[rows])
    return (time.perf_counter() - t0) / len(rows)


def _ours(dataset, spec, factors, n: int, seed: int):
    from citynexus.evaluate.robustness import Engine, uncertainty

    t0 = time.perf_counter()
    eng = Engine(dataset, spec, factors)
    res = uncertainty(engine=eng, n=n, seed=seed)
    return time.perf_counter() - t0, eng, res


def run() -> list[dict]:
    from citynexus.evaluate.robustness import read_spec

    rows: list[dict] = []
    shared = HERE.parent.parent / "shared" / "data" / "asem"
    if shared.exists():
        from _evaluate_data import asem
        from _robustness_data import ASEM_ROBUST_SPEC

        ds = asem(shared)
        spec, cfg = read_spec("asem-robust.toml", text=ASEM_ROBUST_SPEC)
        m = 24
        per = None
        for n in (500, 10_000):
            ours, eng, res = _ours(ds, spec, cfg.factors, n, cfg.seed)
            values = res.samples.drop(columns="replication").to_numpy(dtype=float)
            if per is None:
                per = _naive_per_replication(eng, values, m)
            rows.append(
                {
                    "benchmark": "robustness: ASEM four-factor uncertainty",
                    "case": f"51 units x 49 indicators, N = {n:,}",
                    "ours_s": ours,
                    "baseline": "naive loop (one pipeline per replication)",
                    "baseline_s": per * n,
                    "note": f"naive timed on {m} random replications ({per * 1000:.0f} ms each), scaled to N",
                }
            )
    from _robustness_data import synthetic_cities

    from citynexus.evaluate import IndexSpec

    ds = synthetic_cities(300, 40, 5, seed=0)
    spec = IndexSpec().impute_with("mean").normalise_with("minmax", range=(1, 100))
    _, cfg = read_spec("cities-robust.toml", text=spec.to_toml() + CITY_FACTORS)
    n, m = 10_000, 12
    ours, eng, res = _ours(ds, spec, cfg.factors, n, cfg.seed)
    values = res.samples.drop(columns="replication").to_numpy(dtype=float)
    per = _naive_per_replication(eng, values, m)
    rows.append(
        {
            "benchmark": "robustness: synthetic cities uncertainty",
            "case": f"300 cities x 40 indicators, N = {n:,} (synthetic)",
            "ours_s": ours,
            "baseline": "naive loop (one pipeline per replication)",
            "baseline_s": per * n,
            "note": f"naive timed on {m} random replications ({per * 1000:.0f} ms each), scaled to N",
        }
    )
    return rows


if __name__ == "__main__":
    for r in run():
        print(r, f"ratio {r['baseline_s'] / r['ours_s']:.0f}x")
