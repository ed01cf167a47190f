"""The naive path: rebuild the whole index once per replication.

This is what COINr's ``get_sensitivity`` does (regenerate the coin per sample). It is
kept as the reference the vectorised engine is tested against, and as the baseline of
the benchmarks. Each replication runs exactly the steps of
:func:`citynexus.evaluate.build` — :func:`~citynexus.evaluate.run_stages` then
:func:`~citynexus.evaluate.aggregate_tree` — on the replication's own spec
(:func:`replication_spec`, written from the factors, not from the engine's weight tables or
variant caches) and ranks the top index like ``build`` (descending,
ties take the minimum rank). ``build``'s static spec checks are not repeated, so that
combinations such as a z-score with mean 10 followed by a geometric mean (positive in
practice) can be computed; a value the method cannot take still raises.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from citynexus.evaluate._util import rank_desc
from citynexus.evaluate.errors import EvaluationError, IndexSpecError
from citynexus.evaluate.pipeline import aggregate_tree, run_stages
from citynexus.evaluate.robustness.errors import RobustnessError
from citynexus.evaluate.robustness.factors import (
    WeightSetsFactor,
    WeightsNoiseFactor,
    apply_factors,
    fit_weights_to_present,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from citynexus.evaluate.spec import IndexSpec


def _weight_tables(engine) -> list[tuple[int, dict[str, np.ndarray]]]:
    """``(factor position, parent -> (options, k) weights over all children)`` of every
    weight factor, from the factors themselves (not from the engine's tables)."""
    return [
        (i, f.tables(engine.framework, engine.nominal.weights))
        for i, f in enumerate(engine.factors)
        if isinstance(f, WeightsNoiseFactor | WeightSetsFactor)
    ]


def _present(fw, columns) -> set[str]:
    """The indicators left in a replication and every aggregate above one of them."""
    return {code for c in columns for code in fw.path(c)}


def replication_spec(engine, row, present: set[str], tables=None) -> IndexSpec:
    """The replication's own spec: the factor changes applied, explicit weights rescaled
    over the codes present, and each weight factor's drawn set written as ``given``
    weights of the present children of each parent it covers (rescaled to sum to 1)."""
    fw = engine.framework
    spec_s, _ = apply_factors(engine.spec, engine.factors, row)
    spec_s = copy.deepcopy(fit_weights_to_present(spec_s, fw, present))
    for i, tabs in _weight_tables(engine) if tables is None else tables:
        for p, tab in tabs.items():
            if p not in present:
                continue
            kids = [c for c in fw.children[p] if c in present]
            w = np.array([tab[int(row[i]), fw.children[p].index(c)] for c in kids])
            if w.sum() <= 0:
                raise RobustnessError(
                    f"replication with {engine.describe(row)}: the weights of the remaining children of {p} sum to 0"
                )
            spec_s.weights.parent[p] = {"method": "given", "values": dict(zip(kids, (w / w.sum()).tolist()))}
    return spec_s


def naive_replication(engine, row, tables=None) -> pd.Series:
    """Top-index scores of one replication (indexed by every unit; NaN when screened out)."""
    inp, fw = engine.inputs, engine.framework
    row = np.asarray(row, dtype=float)
    try:
        spec_s, excluded = apply_factors(engine.spec, engine.factors, row)
        raw = inp.raw.drop(columns=excluded)
        st = run_stages(raw, inp.denominators, fw, spec_s, inp.groups, inp.panel, inp.period)
        norm = st.stages["normalised"]
        spec_s = replication_spec(engine, row, _present(fw, norm.columns), tables)
        extra = {"treated": st.stages["treated"], "raw": st.stages["raw"].loc[st.stages["treated"].index]}
        scores, _ = aggregate_tree(norm, fw, spec_s, extra, [])
    except (EvaluationError, IndexSpecError) as err:
        raise RobustnessError(f"replications with {engine.describe(row)}: {err}") from None
    top = scores[fw.top] if fw.top in scores.columns else pd.Series(np.nan, index=norm.index)
    return top.reindex(inp.raw.index)


def naive_evaluate(engine, values, progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scores and ranks ``(B, n_units)`` of the top index, one rebuild per replication."""
    rows = engine.check_values(values)
    tables = _weight_tables(engine)
    scores = np.full((rows.shape[0], len(engine.units)), np.nan)
    ranks = np.full_like(scores, np.nan)
    for b, row in enumerate(rows):
        s = naive_replication(engine, row, tables)
        scores[b] = s.to_numpy(dtype=float)
        ranks[b] = rank_desc(s).to_numpy(dtype=float)
        if progress is not None:
            progress(1)
    return scores, ranks
