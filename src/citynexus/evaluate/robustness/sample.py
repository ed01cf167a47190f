"""Sample designs and replay files.

A *sample table* has one row per replication and one column per factor: the option index
(0-based) of ``choice``, ``weights_noise``, ``weights_sets`` and ``exclude`` factors, the
value of ``integer`` and ``continuous`` factors. ``samples.csv`` is such a table with a
leading ``replication`` column (1, 2, ...); :func:`read_samples` reads it back, so that any
run — ours or one made with another tool — can be replayed exactly.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from citynexus.data.specfiles import read_csv_table
from citynexus.evaluate.robustness.errors import RobustnessSpecError

if TYPE_CHECKING:
    from citynexus.evaluate.robustness.factors import Factor


def from_unit(factors: list[Factor], u: np.ndarray) -> np.ndarray:
    """Map points of the unit hypercube ``(N, d)`` to sample values (see
    :meth:`Factor.from_unit`)."""
    u = np.atleast_2d(np.asarray(u, dtype=float))
    if u.shape[1] != len(factors):
        raise RobustnessSpecError(f"expected {len(factors)} columns of uniform numbers, got {u.shape[1]}")
    return np.column_stack([f.from_unit(u[:, j]) for j, f in enumerate(factors)]) if factors else u


def random_sample(factors: list[Factor], n: int, seed: int = 0) -> np.ndarray:
    """``n`` replications by simple Monte Carlo: every factor drawn independently and
    uniformly (``numpy.random.default_rng(seed)``, so the same seed gives the same table)."""
    if n < 1:
        raise RobustnessSpecError(f"the number of samples must be at least 1, got {n}")
    if not factors:
        raise RobustnessSpecError("no factors to sample: add [[robustness.factor]] tables to the spec")
    u = np.random.default_rng(seed).random((n, len(factors)))
    return from_unit(factors, u)


def saltelli_sample(factors: list[Factor], n: int, seed: int = 0) -> np.ndarray:
    """Saltelli's design for first- and total-order Sobol indices: ``n (d + 2)`` rows
    (blocks A, AB_1 .. AB_d, B per base sample) from SALib's scrambled Sobol' sequence on
    the unit hypercube, mapped to sample values (discrete factors by flooring). Reference:
    Saltelli et al. (2010), *Computer Physics Communications* 181(2), 259-270; SALib
    ``SALib.sample.sobol.sample``."""
    from SALib.sample import sobol as sobol_sample

    if n < 2:
        raise RobustnessSpecError(f"a Sobol analysis needs at least 2 base samples, got {n}")
    if not factors:
        raise RobustnessSpecError("no factors to analyse: add [[robustness.factor]] tables to the spec")
    problem = {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": [[0.0, 1.0]] * len(factors)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns when n is not a power of 2
        u = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    return from_unit(factors, u)


def samples_frame(values: np.ndarray, factors: list[Factor]) -> pd.DataFrame:
    """The sample table as written to ``samples.csv`` (``replication`` = 1..N, then one
    column per factor; whole numbers for discrete factors)."""
    values = np.asarray(values, dtype=float)
    df = pd.DataFrame({"replication": np.arange(1, values.shape[0] + 1)})
    for j, f in enumerate(factors):
        col = values[:, j]
        df[f.name] = col.astype(np.int64) if f.discrete else col
    return df


def read_samples(path: str | Path, factors: list[Factor]) -> np.ndarray:
    """Read a replay file (through :func:`citynexus.data.specfiles.read_csv_table`) and
    check it with :func:`samples_from_table`."""
    p = Path(path)
    try:
        df = read_csv_table(p)
    except FileNotFoundError:
        raise RobustnessSpecError(f"replay file {p} does not exist") from None
    except ValueError as err:
        raise RobustnessSpecError(f"{p.name}: not a readable CSV table ({err})") from None
    return samples_from_table(df, factors, p.name)


def samples_from_table(df: pd.DataFrame, factors: list[Factor], source: str = "samples") -> np.ndarray:
    """Sample values from a replay table: one row per replication, one column per factor
    (named as the factors; an optional ``replication`` column and the order of columns are
    ignored). Values are checked against each factor (option index in range, whole numbers
    for integer factors, inside ``[low, high]``)."""
    names = [f.name for f in factors]
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise RobustnessSpecError(
            f"{source}: no column for factor {missing[0]!r}; the file needs one column per factor: {', '.join(names)}"
        )
    extra = [c for c in df.columns if c not in names and c != "replication"]
    if extra:
        raise RobustnessSpecError(
            f"{source}: column {extra[0]!r} is not a factor of the spec (factors: {', '.join(names)}); "
            "remove it or add the factor"
        )
    if len(df) == 0:
        raise RobustnessSpecError(f"{source}: no replications (the table has no rows)")
    out = np.empty((len(df), len(factors)))
    for j, f in enumerate(factors):
        col = pd.to_numeric(df[f.name], errors="coerce").to_numpy(dtype=float)
        out[:, j] = f.check(col, source)
    return out
