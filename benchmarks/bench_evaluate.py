"""Benchmarks of the evaluation engine.

1. The full pipeline (denominate, screen, impute, COINr outlier treatment, min-max,
   entropy weights at level 1, arithmetic means) on 10,000 units x 200 indicators x 4
   levels (200 indicators -> 40 pillars -> 8 sub-indices -> 1 index), synthetic data with
   1 % missing cells and heavy-tailed columns. No Python peer runs this whole pipeline,
   so it is reported without a baseline.
2. TOPSIS and VIKOR on the same 10,000 x 200 matrix against pymcdm and scikit-criteria
   (TOPSIS only: scikit-criteria 0.10 has no VIKOR). Both peers handle this size in well
   under a second, so the comparison uses the full matrix; outputs are checked equal.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from _timing import best_of

N_UNITS, N_IND = 10_000, 200


_timeit = best_of


def _dataset(seed: int = 0):
    from citynexus.data import Dataset

    rng = np.random.default_rng(seed)
    units = pd.DataFrame(
        {
            "code": [f"U{i:05d}" for i in range(N_UNITS)],
            "name": [f"Unit {i}" for i in range(N_UNITS)],
            "name_zh": "",
            "lat": np.nan,
            "lon": np.nan,
            "group": rng.choice(["a", "b", "c"], N_UNITS),
        }
    )
    rows = [("IDX", "", 4, "aggregate", 0)]
    rows += [(f"S{k}", "IDX", 3, "aggregate", 0) for k in range(8)]
    rows += [(f"P{k}", f"S{k // 5}", 2, "aggregate", 0) for k in range(40)]
    rows += [(f"I{j:03d}", f"P{j // 5}", 1, "indicator", 1 if j % 4 else -1) for j in range(N_IND)]
    ind = pd.DataFrame(rows, columns=["code", "parent", "level", "kind", "direction"])
    ind["name"] = ind["code"]
    ind["name_zh"] = ""
    ind["weight"] = 1.0
    ind["unit"] = ""
    ind["denominator"] = ""
    ind["source"] = "synthetic benchmark data"
    ind.loc[ind["code"].isin([f"I{j:03d}" for j in range(0, N_IND, 10)]), "denominator"] = "pop"
    ind = pd.concat(
        [
            ind,
            pd.DataFrame(
                [
                    {
                        "code": "pop",
                        "name": "population",
                        "name_zh": "",
                        "parent": "",
                        "level": 0,
                        "kind": "denominator",
                        "direction": 0,
                        "weight": 1.0,
                        "unit": "",
                        "denominator": "",
                        "source": "synthetic",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    x = rng.lognormal(mean=2.0, sigma=rng.uniform(0.2, 1.2, N_IND), size=(N_UNITS, N_IND))
    x[rng.random(x.shape) < 0.01] = np.nan
    codes = [f"I{j:03d}" for j in range(N_IND)]
    wide = pd.DataFrame(x, index=units["code"], columns=codes)
    wide["pop"] = rng.uniform(10, 1000, N_UNITS)
    vals = wide.stack().rename("value").reset_index()
    vals.columns = ["unit", "indicator", "value"]
    vals["period"] = 2024
    vals = vals[["unit", "period", "indicator", "value"]]
    # the loader's validation is benchmarked elsewhere; build the object directly
    return Dataset(units=units, indicators=ind, values=vals, name="bench-synthetic")


def run() -> list[dict]:
    from citynexus.evaluate import IndexSpec, build
    from citynexus.evaluate.aggregate import topsis, vikor

    rows: list[dict] = []
    ds = _dataset()
    spec = IndexSpec(name="bench").with_(
        **{
            "impute.method": "group_mean",
            "treat.winmax": 5,
            "weights.level": {"1": {"method": "entropy_minmax"}},
            "screen.unit_threshold": 0.5,
            "screen.indicator_threshold": 0.5,
        }
    )
    t, res = _timeit(lambda: build(ds, spec), repeat=1)
    t_digest, _ = _timeit(ds.digest, repeat=1)
    n_treated = int((~res.treatment["treatment"].str.startswith("none")).sum())
    rows.append(
        {
            "benchmark": "evaluate.build (full pipeline)",
            "case": f"{N_UNITS} units x {N_IND} indicators x 4 levels",
            "ours_s": t,
            "baseline": "",
            "baseline_s": None,
            "note": f"{n_treated} indicators treated; of which {t_digest:.1f} s is Dataset.digest() for provenance; "
            "no Python peer runs the whole pipeline",
        }
    )

    rng = np.random.default_rng(1)
    x = rng.uniform(1, 100, size=(N_UNITS, N_IND))
    w = rng.dirichlet(np.ones(N_IND))
    types = np.ones(N_IND)
    case = f"{N_UNITS} x {N_IND}"

    import pymcdm

    t_ours, c_ours = _timeit(lambda: topsis(x, w, normalisation="minmax"))
    t_pm, c_pm = _timeit(lambda: pymcdm.methods.TOPSIS()(x, w, types))
    assert np.allclose(c_ours, c_pm)
    rows.append(
        {"benchmark": "TOPSIS (min-max)", "case": case, "ours_s": t_ours, "baseline": "pymcdm 1.4", "baseline_s": t_pm}
    )

    t_ours, q_ours = _timeit(lambda: vikor(x, w)[2])
    t_pm, q_pm = _timeit(lambda: pymcdm.methods.VIKOR()(x, w, types))
    assert np.allclose(q_ours, q_pm)
    rows.append(
        {"benchmark": "VIKOR (v = 0.5)", "case": case, "ours_s": t_ours, "baseline": "pymcdm 1.4", "baseline_s": t_pm}
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import skcriteria as skc
        from skcriteria.agg.topsis import TOPSIS
        from skcriteria.pipelines import mkpipe
        from skcriteria.preprocessing.scalers import SumScaler, VectorScaler

        def skc_topsis():
            dm = skc.mkdm(x, ["max"] * N_IND, weights=w)
            return mkpipe(VectorScaler(target="matrix"), SumScaler(target="weights"), TOPSIS()).evaluate(dm)

        t_sk, r_sk = _timeit(skc_topsis)
    t_ours, c_vec = _timeit(lambda: topsis(x, w, normalisation="vector"))
    assert np.allclose(c_vec, r_sk.e_.similarity)
    rows.append(
        {
            "benchmark": "TOPSIS (vector)",
            "case": case,
            "ours_s": t_ours,
            "baseline": f"scikit-criteria {skc.VERSION if hasattr(skc, 'VERSION') else ''}".strip(),
            "baseline_s": t_sk,
            "note": "includes building the DecisionMatrix",
        }
    )
    return rows


if __name__ == "__main__":  # pragma: no cover
    for r in run():
        print(r)
