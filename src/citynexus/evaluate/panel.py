"""Index scores comparable over time: one build over the pooled panel.

A yearly :func:`~citynexus.evaluate.build` normalises each year on its own, so a city's
score says where it stands *that year*, and a rise in the score may only mean that the
others fell. To follow development over time, :func:`build_panel` pools every unit-year
into one cross-section (the "pooled" or "global" normalisation of panel composite
indicators; OECD/JRC Handbook on Constructing Composite Indicators, 2008, section 1.5 and
step 5): outlier treatment, normalisation bounds and data-driven weights are computed over
all unit-years together, so 2015 and 2024 scores sit on one scale.

Panel imputation (interpolate, locf, nocb, nearest) runs first on the real panel; the
remaining steps follow the spec unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from citynexus.data import Dataset
from citynexus.evaluate._util import rank_series
from citynexus.evaluate.errors import IndexSpecError
from citynexus.evaluate.impute import PANEL_METHODS, impute_panel
from citynexus.evaluate.pipeline import build

if TYPE_CHECKING:
    from citynexus.evaluate.result import IndexResult
    from citynexus.evaluate.spec import IndexSpec

SEP = "@"


def pooled_dataset(dataset: Dataset, periods: list[int] | None = None, impute: str | None = None) -> Dataset:
    """A one-period dataset whose units are the unit-years ``CODE@YEAR`` of ``dataset``
    (optionally imputed along time first with a panel method)."""
    periods = sorted(periods or dataset.periods)
    missing = [p for p in periods if p not in dataset.periods]
    if missing:
        raise IndexSpecError(f"periods {missing} have no data; periods present: {dataset.periods}")
    codes = dataset.codes("indicator") + dataset.codes("denominator")
    panel = dataset.panel(codes)
    if impute:
        panel, _ = impute_panel(panel, impute)
    panel = panel[panel.index.get_level_values("period").isin(periods)]
    long = panel.stack().rename("value").reset_index()
    long.columns = ["unit", "period", "indicator", "value"]
    long["unit"] = long["unit"] + SEP + long["period"].astype(str)
    long["period"] = periods[-1]
    units = pd.concat(
        [dataset.units.assign(code=dataset.units["code"] + SEP + str(p), period=p) for p in periods],
        ignore_index=True,
    )
    units = units.drop(columns=["period"])
    return Dataset(
        units=units,
        indicators=dataset.indicators.copy(),
        values=long[["unit", "period", "indicator", "value"]],
        name=f"{dataset.name} (pooled {periods[0]}-{periods[-1]})",
    )


def build_panel(
    dataset: Dataset, spec: IndexSpec, periods: list[int] | None = None
) -> tuple[IndexResult, pd.DataFrame]:
    """Build ``spec`` on the pooled panel of ``dataset`` (all periods, or ``periods``).

    Returns the pooled :class:`IndexResult` (units are ``CODE@YEAR``) and a tidy table of
    scores with columns ``unit, period`` and one column per aggregate, plus ``rank`` (rank of
    the unit within its period on the top aggregate, 1 = best).
    """
    dataset = spec.select.apply(dataset)
    if not spec.select.is_default():  # the pooled units are CODE@YEAR: the selection is made here
        from citynexus.evaluate.spec import SelectSpec

        spec = spec.copy()
        spec.select = SelectSpec()
    method = spec.impute.method
    panel_method = method if method in PANEL_METHODS else None
    spec2 = spec.with_(**{"impute.method": "none"}) if panel_method else spec
    pooled = pooled_dataset(dataset, periods, impute=panel_method)
    result = build(pooled, spec2)
    scores = result.scores.copy()
    split = scores.index.to_series().str.rsplit(SEP, n=1, expand=True)
    scores.insert(0, "unit", split[0].to_numpy())
    scores.insert(1, "period", split[1].astype(int).to_numpy())
    scores = scores.reset_index(drop=True)
    top = result.index_code
    scores["rank"] = scores.groupby("period")[top].transform(rank_series)
    return result, scores
