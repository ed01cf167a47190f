"""Variance-based sensitivity analysis (敏感性分析): which factor moves the ranks?

Sobol indices of an output Y (default: the mean absolute rank shift :math:`S_b` of a
replication; optionally every unit's rank) for the factors X_1..X_d:

.. math:: S_j = \\frac{V[E(Y \\mid X_j)]}{V(Y)},\\qquad
   S_{Tj} = \\frac{E[V(Y \\mid X_{\\sim j})]}{V(Y)}

estimated on Saltelli's design (``N (d + 2)`` replications from SALib's Sobol'
sampler, discrete factors by flooring a uniform) with SALib's estimators (Saltelli et
al. 2010 for S_j, Jansen 1999 for S_Tj). Confidence intervals are percentile bootstrap
intervals over ``num_resamples`` resamples of the base samples (SALib's resamples). The
convergence check recomputes the indices from the first N/2 base samples (a valid
design of its own): large differences mean N is too small.

References: Saltelli et al. (2010), *Computer Physics Communications* 181(2), 259-270;
Herman & Usher (2017), SALib, *JOSS* 2(9), 97; Saisana, Saltelli & Tarantola (2005).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from citynexus.evaluate.robustness.distributed import run_batches
from citynexus.evaluate.robustness.errors import RobustnessSpecError
from citynexus.evaluate.robustness.sample import saltelli_sample, samples_frame
from citynexus.evaluate.robustness.uncertainty import rank_shift

if TYPE_CHECKING:
    from collections.abc import Callable

    from citynexus.evaluate.robustness.factors import Factor

SENSITIVITY_COLUMNS = ("factor", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high")


def sobol_indices(
    y: np.ndarray,
    names: list[str],
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order and total Sobol indices with percentile bootstrap intervals from the
    outputs ``y`` of a Saltelli design (rows in SALib's order, ``N (d + 2)`` values).

    A constant output has no variance to apportion: every index is 0 (and so are the
    bounds)."""
    from SALib.analyze import sobol as sobol_analyze

    d = len(names)
    y = np.asarray(y, dtype=float)
    if y.size % (d + 2) or y.size == 0:
        raise RobustnessSpecError(f"{y.size} outputs do not form a Saltelli design for {d} factors (N x (d + 2))")
    if np.isnan(y).any():
        raise RobustnessSpecError("the output has missing values; Sobol indices need every replication")
    if np.ptp(y) == 0:
        z = np.zeros(d)
        return pd.DataFrame({"factor": names, "S1": z, "S1_low": z, "S1_high": z, "ST": z, "ST_low": z, "ST_high": z})
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = sobol_analyze.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=num_resamples,
            conf_level=conf_level,
            keep_resamples=True,
            seed=seed,
        )
        lo_q, hi_q = (1 - conf_level) / 2, 1 - (1 - conf_level) / 2
        s1_all, st_all = si["S1_conf_all"], si["ST_conf_all"]
        return pd.DataFrame(
            {
                "factor": names,
                "S1": si["S1"],
                "S1_low": np.nanquantile(s1_all, lo_q, axis=0),
                "S1_high": np.nanquantile(s1_all, hi_q, axis=0),
                "ST": si["ST"],
                "ST_low": np.nanquantile(st_all, lo_q, axis=0),
                "ST_high": np.nanquantile(st_all, hi_q, axis=0),
            }
        )


@dataclass
class SensitivityResult:
    """Sobol indices of the mean absolute rank shift per factor (``indices``: columns of
    :data:`SENSITIVITY_COLUMNS`), their convergence check (``convergence``: S1 and ST at
    N/2 and N and the largest change), optional per-unit indices of the rank
    (``unit_indices``: unit, factor, S1, ST) and the raw design and outputs."""

    indices: pd.DataFrame
    convergence: pd.DataFrame
    samples: pd.DataFrame
    output: np.ndarray
    ranks: np.ndarray
    n_base: int
    units: list[str]
    unit_indices: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        """True when no index changed by more than 0.1 between N/2 and N (a rule of thumb)."""
        return bool((self.convergence["max_change"].fillna(0) <= 0.1).all())

    def to_csv(self, folder: str | Path) -> list[Path]:
        """Write ``sensitivity.csv``, ``sensitivity_convergence.csv``,
        ``sensitivity_samples.csv`` (replayable), ``sensitivity_units.csv`` (if computed)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        files = [out / "sensitivity.csv", out / "sensitivity_convergence.csv", out / "sensitivity_samples.csv"]
        self.indices[list(SENSITIVITY_COLUMNS)].to_csv(files[0], index=False)
        self.convergence.to_csv(files[1], index=False)
        self.samples.to_csv(files[2], index=False)
        if self.unit_indices is not None:
            files.append(out / "sensitivity_units.csv")
            self.unit_indices.to_csv(files[-1], index=False)
        p = out / "sensitivity.json"
        p.write_text(
            json.dumps({"n_base": self.n_base, "converged": self.converged, **self.meta}, indent=1, default=str)
        )
        files.append(p)
        return files


def sensitivity(
    dataset=None,
    spec=None,
    factors: list[Factor] | None = None,
    n: int = 256,
    seed: int = 0,
    *,
    per_unit: bool = False,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    period: int | None = None,
    batch_size: int = 2048,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
    engine=None,
) -> SensitivityResult:
    """Sobol sensitivity analysis with ``n`` base samples (``n (d + 2)`` replications;
    powers of 2 suit the Sobol' sequence best). ``per_unit``: also the indices of every
    unit's rank. See the module docstring for the estimators."""
    from citynexus.evaluate.robustness.vectorised import Engine

    eng = engine if engine is not None else Engine(dataset, spec, factors or [], period)
    names = eng.names
    values = saltelli_sample(eng.factors, n, seed)
    _, ranks = run_batches(eng, values, batch_size, scheduler, progress)
    y = rank_shift(ranks, eng.nominal_ranks)
    d = len(names)
    idx = sobol_indices(y, names, num_resamples, conf_level, seed)
    half = max(n // 2, 1)
    conv = sobol_indices(y[: half * (d + 2)], names, num_resamples, conf_level, seed)
    convergence = pd.DataFrame(
        {
            "factor": names,
            "S1_half": conv["S1"],
            "S1": idx["S1"],
            "ST_half": conv["ST"],
            "ST": idx["ST"],
        }
    )
    convergence["max_change"] = np.maximum(
        (convergence["S1"] - convergence["S1_half"]).abs(), (convergence["ST"] - convergence["ST_half"]).abs()
    )
    unit_idx = None
    if per_unit:
        rows = []
        for j, u in enumerate(eng.units):
            r = ranks[:, j]
            if np.isnan(r).any():
                continue
            t = sobol_indices(r, names, num_resamples=min(num_resamples, 200), conf_level=conf_level, seed=seed)
            for rec in t.to_dict("records"):
                rows.append({"unit": u, **rec})
        unit_idx = pd.DataFrame(rows)
    return SensitivityResult(
        indices=idx,
        convergence=convergence,
        samples=samples_frame(values, eng.factors),
        output=y,
        ranks=ranks,
        n_base=n,
        units=list(eng.units),
        unit_indices=unit_idx,
        meta={"seed": seed, "num_resamples": num_resamples, "conf_level": conf_level, "output": "mean abs rank shift"},
    )
