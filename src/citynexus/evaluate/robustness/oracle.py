"""The naive path: rebuild the whole index once per replication.

This is what COINr's ``get_sensitivity`` does (regenerate the coin per sample). It is
kept as the reference the vectorised engine is tested against, and as the baseline of
the benchmarks. Each replication runs exactly the steps of
:func:`citynexus.evaluate.build` — :func:`~citynexus.evaluate.run_stages` then
:func:`~citynexus.evaluate.aggregate_tree` — on the replication's own spec
(:meth:`Engine.sample_spec`) and ranks the top index like ``build`` (descending,
ties take the minimum rank). ``build``'s static spec checks are not repeated, so that
combinations such as a z-score with mean 10 followed by a geometric mean (positive in
practice) can be computed; a value the method cannot take still raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from citynexus.evaluate._util import rank_desc
from citynexus.evaluate.errors import EvaluationError, IndexSpecError
from citynexus.evaluate.pipeline import aggregate_tree, run_stages
from citynexus.evaluate.robustness.errors import RobustnessError
from citynexus.evaluate.robustness.factors import apply_factors

if TYPE_CHECKING:
    from collections.abc import Callable


def naive_replication(engine, row) -> pd.Series:
    """Top-index scores of one replication (indexed by every unit; NaN when screened out)."""
    from citynexus.evaluate.robustness.vectorised import present_codes

    inp, fw = engine.inputs, engine.framework
    row = np.asarray(row, dtype=float)
    try:
        spec_s, excluded = apply_factors(engine.spec, engine.factors, row)
        raw = inp.raw.drop(columns=excluded)
        st = run_stages(raw, inp.denominators, fw, spec_s, inp.groups, inp.panel, inp.period)
        norm = st.stages["normalised"]
        spec_s, _ = engine.sample_spec(row, present_codes(fw, norm.columns))
        extra = {"treated": st.stages["treated"], "raw": st.stages["raw"].loc[st.stages["treated"].index]}
        scores, _ = aggregate_tree(norm, fw, spec_s, extra, [])
    except (EvaluationError, IndexSpecError) as err:
        raise RobustnessError(f"replications with {engine.describe(row)}: {err}") from None
    top = scores[fw.top] if fw.top in scores.columns else pd.Series(np.nan, index=norm.index)
    return top.reindex(inp.raw.index)


def naive_evaluate(engine, values, progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scores and ranks ``(B, n_units)`` of the top index, one rebuild per replication."""
    rows = engine.check_values(values)
    scores = np.full((rows.shape[0], len(engine.units)), np.nan)
    ranks = np.full_like(scores, np.nan)
    for b, row in enumerate(rows):
        s = naive_replication(engine, row)
        scores[b] = s.to_numpy(dtype=float)
        ranks[b] = rank_desc(s).to_numpy(dtype=float)
        if progress is not None:
            progress(1)
    return scores, ranks
