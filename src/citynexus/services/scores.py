"""Subsystem scores and obstacle inputs of a :class:`~citynexus.data.Dataset`, from the
composite-indicator engine (:mod:`citynexus.evaluate`).

``citynexus region`` works on any dataset with these:

- :func:`subsystem_scores`: the pooled panel index (:func:`citynexus.evaluate.panel.build_panel`:
  all unit-years normalised together, so years are comparable) of the dataset's default spec
  (its bundled spec, else min-max 0-100, framework weights, arithmetic means) or a given
  spec, divided by the top of the normalised scale so that scores lie on [0, 1];
- :func:`obstacle_inputs`: for one period, the normalised indicators on [0, 1], each
  indicator's effective weight in the index and its subsystem — the inputs of
  :func:`citynexus.region.obstacle.obstacle_analysis`.
"""

from __future__ import annotations

import pandas as pd

from citynexus.data import Dataset
from citynexus.region.errors import RegionInputError


def _spec(ds: Dataset, spec=None):
    from citynexus.evaluate.spec import spec_for_dataset

    spec = spec or spec_for_dataset(ds)
    if spec.normalise.method != "minmax":
        raise RegionInputError(
            f"the spec normalises with {spec.normalise.method!r}; subsystem scores on [0, 1] need min-max "
            "normalisation (set normalise.method = 'minmax')"
        )
    return spec


def subsystem_scores(ds: Dataset, subsystems: list[str] | None = None, spec=None) -> pd.DataFrame:
    """(unit, period) x subsystems on [0, 1] (default: the children of the single root)."""
    from citynexus.evaluate.panel import build_panel

    spec = _spec(ds, spec)
    if subsystems is None:
        roots = ds.roots()
        if len(roots) != 1:
            raise RegionInputError(f"the framework has {len(roots)} roots {roots}; name the subsystems")
        subsystems = ds.children(roots[0])
    unknown = [s for s in subsystems if s not in ds.codes("aggregate")]
    if unknown:
        raise RegionInputError(
            f"'{unknown[0]}' is not an aggregate of the framework ({', '.join(ds.codes('aggregate'))})"
        )
    lo, hi = spec.normalise.range
    _, scores = build_panel(ds, spec)
    return ((scores.set_index(["unit", "period"])[subsystems] - lo) / (hi - lo)).clip(0, 1)


def obstacle_inputs(ds: Dataset, period: int | None = None, spec=None) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """``(normalised, weights, pillars)`` of one period: units x indicators on [0, 1], the
    effective weight of each indicator in the top index, and each indicator's subsystem."""
    from citynexus.evaluate import build

    spec = _spec(ds, spec)
    if period is not None and period not in ds.periods:
        raise RegionInputError(f"period {period} not in the dataset ({ds.periods[0]}-{ds.periods[-1]})")
    res = build(ds, spec, period=period)
    lo, hi = spec.normalise.range
    norm = ((res.normalised - lo) / (hi - lo)).clip(0, 1)
    w = res.weights.set_index("code")
    weights = w.loc[w.index.isin(norm.columns), "effective"].reindex(norm.columns).fillna(0.0)
    pillars = pd.Series({c: ds.parent_of(c) for c in norm.columns}, name="pillar")
    return norm, weights, pillars
