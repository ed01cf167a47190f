"""Step 1 — denominate: turn totals into ratios (per capita, per GDP, per area)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def denominate(
    table: pd.DataFrame,
    denominators: pd.DataFrame,
    by: Mapping[str, str | None],
    scale: Mapping[str, float] | float = 1.0,
) -> tuple[pd.DataFrame, list[dict]]:
    """Divide each indicator by its denominator.

    .. math:: x'_{ij} = s_j \\, x_{ij} / d_{i,k(j)}

    where :math:`k(j)` is the denominator named for indicator *j* (``by[j]``; ``None`` or
    absent = leave the indicator unchanged) and :math:`s_j` an optional scale factor
    (e.g. 10 000 for "per 10k persons"). A zero or missing denominator makes the cell
    missing; each such cell is reported.

    Parameters: ``table`` units x indicators; ``denominators`` units x denominator codes
    (same index); ``by`` indicator -> denominator code; ``scale`` a number or a mapping
    indicator -> factor.

    Returns the denominated table and a list of log records
    ``{"unit", "indicator", "denominator", "reason"}`` for cells set missing.

    Reference: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, step 3.
    """
    out = table.astype(float).copy()
    problems: list[dict] = []
    for ind, den in by.items():
        if not den or ind not in out.columns:
            continue
        if den not in denominators.columns:
            raise KeyError(den)
        s = float(scale.get(ind, 1.0)) if isinstance(scale, Mapping) else float(scale)
        d = denominators[den].reindex(out.index).astype(float)
        x = out[ind]
        bad_zero = (d == 0) & x.notna()
        bad_missing = d.isna() & x.notna()
        with np.errstate(divide="ignore", invalid="ignore"):
            res = s * x / d.where(d != 0)
        out[ind] = res
        for u in bad_zero[bad_zero].index:
            problems.append({"unit": u, "indicator": ind, "denominator": den, "reason": "denominator is zero"})
        for u in bad_missing[bad_missing].index:
            problems.append({"unit": u, "indicator": ind, "denominator": den, "reason": "denominator is missing"})
    return out, problems
